//! A SQL-backed `tower_sessions::SessionStore` on SeaORM: the rows live in the
//! `sessions` table (`service::sessions`), so sessions survive restarts and work on
//! all three backends with the app's one connection pool (and its one
//! `libsqlite3-sys`).

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};

#[derive(Debug, Clone)]
pub struct DbStore {
    db: DatabaseConnection,
}

impl DbStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait::async_trait]
impl SessionStore for DbStore {
    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let expires = DateTime::<Utc>::from_timestamp(record.expiry_date.unix_timestamp(), 0)
            .ok_or_else(|| Error::Encode("expiry out of range".into()))?;
        service::sessions::save_session(&self.db, &record.id.to_string(), data, expires)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(row) = service::sessions::load_session(&self.db, &id.to_string(), Utc::now())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(row.expires_at.timestamp())
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date,
        }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        service::sessions::delete_session(&self.db, &id.to_string())
            .await
            .map_err(backend)
    }
}
