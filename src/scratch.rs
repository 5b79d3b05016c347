//! Scratch databases: a fresh, empty database `<prefix>_<random>` on a PostgreSQL or
//! MySQL/MariaDB server, for the tests, the examples and the benchmark, so none of them
//! ever writes to the database its URL names. Dropped by [`ScratchDb::drop_database`]
//! (or [`ScratchDb::drop_blocking`] from a `Drop`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database, DbBackend, DbErr};

/// A database created on a server, and how to drop it.
#[derive(Debug, Clone)]
pub struct ScratchDb {
    /// The new database's URL: the server's URL with the database name replaced.
    pub url: String,
    pub name: String,
    server_url: String,
    backend: DbBackend,
}

impl ScratchDb {
    /// Creates `<prefix>_<random>` on the server `server_url` names (any database of
    /// that server will do in the URL, e.g. `postgres` or `mysql`).
    ///
    /// # Errors
    /// The server cannot be reached, refuses, or the URL is not a server's.
    pub async fn create(server_url: &str, prefix: &str) -> Result<Self, DbErr> {
        let name = format!("{prefix}_{}", unique_suffix());
        let admin = Database::connect(server_url).await?;
        let backend = admin.get_database_backend();
        let sql = match backend {
            DbBackend::Postgres => format!(r#"CREATE DATABASE "{name}""#),
            DbBackend::MySql => {
                format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            }
            _ => {
                return Err(DbErr::Custom(format!(
                    "{server_url} is not a PostgreSQL or MySQL server URL"
                )));
            }
        };
        admin.execute_unprepared(&sql).await?;
        admin.close().await?;
        Ok(ScratchDb {
            url: with_database(server_url, &name),
            name,
            server_url: server_url.to_owned(),
            backend,
        })
    }

    /// Drops the database, closing whatever connections are still open to it.
    ///
    /// # Errors
    /// The server cannot be reached or refuses.
    pub async fn drop_database(&self) -> Result<(), DbErr> {
        let admin = Database::connect(&self.server_url).await?;
        let sql = match self.backend {
            DbBackend::Postgres => {
                format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name)
            }
            _ => format!("DROP DATABASE IF EXISTS `{}`", self.name),
        };
        admin.execute_unprepared(&sql).await?;
        admin.close().await
    }

    /// [`Self::drop_database`] from synchronous code such as a `Drop`, which may run
    /// inside an async runtime: on a thread with a runtime of its own.
    ///
    /// # Errors
    /// The message of whatever went wrong.
    pub fn drop_blocking(&self) -> Result<(), String> {
        let this = self.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(this.drop_database()).map_err(|e| e.to_string())
        })
        .join()
        .map_err(|_| "the thread dropping the database panicked".to_owned())?
    }
}

/// A suffix unique within this machine: process id, clock, and a counter.
pub fn unique_suffix() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:x}{:x}{:x}",
        std::process::id(),
        nanos & 0xffff_ffff,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `scheme://user@host:port/anything?query` with the database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let root = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_in_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
            "postgres://postgres@127.0.0.1:5432/t_1"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "t_2"),
            "mysql://root@127.0.0.1:3306/t_2"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "t_3"),
            "postgres://u@h/t_3?sslmode=disable"
        );
    }
}
