//! Fresh databases for tests, examples and benchmarks, on whichever backend
//! `DATABASE_URL` names, so the same test runs on SQLite, PostgreSQL and MySQL and
//! never writes to the database its URL names:
//! - [`FreshDb`]: a new empty database per test, removed when it is dropped;
//! - [`ScratchDb`]: the server part, a database `<prefix>_<random>` created on a
//!   PostgreSQL or MySQL/MariaDB server and dropped by [`ScratchDb::drop_database`]
//!   (or [`ScratchDb::drop_blocking`] from a `Drop`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), sea_orm::DbErr> {
//! use sea_orm::Database;
//! use sea_orm_assoc::testing::FreshDb;
//!
//! // DATABASE_URL unset: an in-memory SQLite database; set to a server: a new
//! // database on it, dropped with `fresh`.
//! let fresh = FreshDb::new("doc").await?;
//! let db = Database::connect(fresh.url()).await?;
//! db.ping().await?;
//! # Ok(())
//! # }
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{ConnectionTrait, Database, DbBackend, DbErr};

/// A new, empty database for one test, chosen by `DATABASE_URL`:
/// - unset or empty: `sqlite::memory:` ([`FreshDb::new`]: private to one connection) or
///   a temporary SQLite file ([`FreshDb::shared`]: for a pool of several connections);
/// - `postgres://...` or `mysql://...` (any database of the server): a new database
///   `<prefix>_<random>` on that server.
///
/// Dropping it removes the file or drops the server's database, pass or fail.
#[derive(Debug)]
pub struct FreshDb {
    url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Nothing,
    File(PathBuf),
    Server(ScratchDb),
}

impl FreshDb {
    /// A fresh database; on SQLite, in memory (one connection sees it).
    ///
    /// # Errors
    /// The server named by `DATABASE_URL` cannot be reached or refuses.
    pub async fn new(prefix: &str) -> Result<Self, DbErr> {
        Self::create(prefix, false).await
    }

    /// A fresh database that several connections can share; on SQLite, a temporary
    /// file.
    ///
    /// # Errors
    /// As [`FreshDb::new`].
    pub async fn shared(prefix: &str) -> Result<Self, DbErr> {
        Self::create(prefix, true).await
    }

    async fn create(prefix: &str, shared: bool) -> Result<Self, DbErr> {
        let server = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty() && !u.starts_with("sqlite"));
        Ok(match server {
            None if shared => {
                let path = std::env::temp_dir().join(format!("{prefix}-{}.db", unique_suffix()));
                FreshDb {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::File(path),
                }
            }
            None => FreshDb {
                url: "sqlite::memory:".to_owned(),
                cleanup: Cleanup::Nothing,
            },
            Some(server) => {
                let scratch = ScratchDb::create(&server, prefix).await?;
                FreshDb {
                    url: scratch.url.clone(),
                    cleanup: Cleanup::Server(scratch),
                }
            }
        })
    }

    /// The URL to connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server database behind it, `None` on SQLite.
    pub fn scratch(&self) -> Option<&ScratchDb> {
        match &self.cleanup {
            Cleanup::Server(scratch) => Some(scratch),
            _ => None,
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.cleanup, Cleanup::Nothing) {
            Cleanup::Nothing => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Server(scratch) => {
                if let Err(e) = scratch.drop_blocking() {
                    eprintln!("could not drop the database {}: {e}", scratch.name);
                }
            }
        }
    }
}

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
            // FORCE ends the database's other connections first.
            DbBackend::Postgres => {
                format!(r#"DROP DATABASE IF EXISTS "{}" WITH (FORCE)"#, self.name)
            }
            _ => {
                // MySQL has no FORCE: a connection left in an open transaction (a pool
                // not yet closed, a transaction dropped without its rollback) holds
                // metadata locks that make DROP DATABASE wait, by default for a day.
                // End those connections, and never wait more than a minute.
                admin
                    .execute_unprepared("SET SESSION lock_wait_timeout = 60")
                    .await?;
                self.end_connections(&admin).await?;
                format!("DROP DATABASE IF EXISTS `{}`", self.name)
            }
        };
        admin.execute_unprepared(&sql).await?;
        admin.close().await
    }

    /// Ends every connection to the database, as a server restart would (PostgreSQL
    /// `pg_terminate_backend`, MySQL `KILL CONNECTION`), from an admin connection of
    /// its own; returns how many there were.
    ///
    /// # Errors
    /// The server cannot be reached or refuses.
    pub async fn kill_connections(&self) -> Result<usize, DbErr> {
        let admin = Database::connect(&self.server_url).await?;
        let killed = self.end_connections(&admin).await?;
        admin.close().await?;
        Ok(killed)
    }

    /// The connections to this database other than `admin`'s, ended.
    async fn end_connections(&self, admin: &sea_orm::DatabaseConnection) -> Result<usize, DbErr> {
        let name: sea_orm::Value = self.name.clone().into();
        match self.backend {
            DbBackend::Postgres => Ok(admin
                .query_all_raw(sea_orm::Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE datname = $1 AND pid <> pg_backend_pid()",
                    [name],
                ))
                .await?
                .len()),
            _ => {
                let others = admin
                    .query_all_raw(sea_orm::Statement::from_sql_and_values(
                        DbBackend::MySql,
                        "SELECT id FROM information_schema.processlist \
                         WHERE db = ? AND id <> CONNECTION_ID()",
                        [name],
                    ))
                    .await?;
                for row in &others {
                    let id: u64 = row
                        .try_get_by_index::<u64>(0)
                        .or_else(|_| row.try_get_by_index::<i64>(0).map(|id| id as u64))?;
                    // It may have ended on its own since it was listed.
                    let _ = admin
                        .execute_unprepared(&format!("KILL CONNECTION {id}"))
                        .await;
                }
                Ok(others.len())
            }
        }
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
