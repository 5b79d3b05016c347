//! One helper gives every test a fresh database of its own, chosen by `DATABASE_URL`:
//! - unset: `sqlite::memory:` (a private in-memory database per connection pool);
//! - `postgres://...` or `mysql://...`: a new database `test_<random>` created on that
//!   server (`fwitter::scratch`), migrated with the real `Migrator`, dropped when the
//!   test ends (pass or fail).
//!
//! [`TestDb::concurrent`] gives a pool of several connections, for the race tests; on
//! SQLite that is a temporary file, since an in-memory database is one connection.

#![allow(dead_code)]

use fwitter::scratch::{ScratchDb, unique_suffix};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend};
use service::assoc::QueryLog;

/// Every table of the current schema.
pub const TABLES: [&str; 13] = [
    "users",
    "tweets",
    "hearts",
    "messages",
    "follows",
    "items",
    "user_items",
    "doctors",
    "patients",
    "appointments",
    "artists",
    "genres",
    "songs",
];

pub struct TestDb {
    pub db: DatabaseConnection,
    /// Records what a block sends: `t.log.capture(async { .. }).await`.
    pub log: QueryLog,
    cleanup: Cleanup,
}

enum Cleanup {
    Nothing,
    File(std::path::PathBuf),
    Server(ScratchDb),
}

impl TestDb {
    /// A fresh, migrated database with a small pool.
    pub async fn new() -> Self {
        Self::create(false).await
    }

    /// A fresh, migrated database whose pool lets 16 tasks write at once.
    pub async fn concurrent() -> Self {
        Self::create(true).await
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn create(concurrent: bool) -> Self {
        let (url, cleanup) = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None if concurrent => {
                let path =
                    std::env::temp_dir().join(format!("fwitter-test-{}.db", unique_suffix()));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Cleanup::File(path),
                )
            }
            None => ("sqlite::memory:".to_owned(), Cleanup::Nothing),
            Some(server) => {
                let scratch = ScratchDb::create(&server, "test")
                    .await
                    .expect("create the test database");
                (scratch.url.clone(), Cleanup::Server(scratch))
            }
        };
        // The settings every program uses (service::db); the race tests want more
        // writers at once than the machine has cores.
        let mut options = service::db::options(&url);
        if concurrent && !service::db::is_sqlite_memory(&url) {
            options.max_connections(16);
        }
        let mut db = Database::connect(options)
            .await
            .expect("connect to the test database");
        Migrator::up(&db, None)
            .await
            .expect("migrate the test database");
        let log = QueryLog::install(&mut db);
        TestDb { db, log, cleanup }
    }
}

impl Drop for TestDb {
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
                    eprintln!("could not drop test database {}: {e}", scratch.name);
                }
            }
        }
    }
}

/// Test data builders: a user, a tweet.
pub mod seed {
    use entity::{tweet, user};
    use sea_orm::DatabaseConnection;
    use service::input::{Email, Salutation, TweetBody, Username};
    use service::users::NewUser;

    pub async fn user(db: &DatabaseConnection, name: &str) -> user::Model {
        service::users::register_user(
            db,
            NewUser {
                username: Username::parse(name).expect("valid username"),
                email: Email::parse(&format!("{name}@example.com")).expect("valid email"),
                salutation: Salutation::parse(name).expect("valid salutation"),
                password_hash: None,
            },
        )
        .await
        .expect("register user")
    }

    pub async fn tweet(
        db: &DatabaseConnection,
        author: &user::Model,
        content: &str,
    ) -> tweet::Model {
        service::tweets::post_tweet(
            db,
            author.id,
            TweetBody::parse(content).expect("valid tweet"),
        )
        .await
        .expect("post tweet")
    }
}

/// How many rows `table` has.
pub async fn rows(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count rows")
        .expect("a count row");
    row.try_get_by_index::<i64>(0).expect("count")
}
