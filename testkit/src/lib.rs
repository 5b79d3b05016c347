//! fwitter's dev/test kit: every test (the service's, the migrations', the web app's)
//! gets a fresh database of its own from [`TestDb`], chosen by `DATABASE_URL`:
//! - unset (or a SQLite URL): `sqlite::memory:`, private to one connection;
//! - `postgres://...` or `mysql://...`: a new database `test_<random>` created on that
//!   server, never the database the URL names.
//!
//! It is migrated with the real `Migrator`, connected with the settings every program
//! uses (`service::db`), and removed when the test ends, pass or fail: the generic part
//! is [`sea_orm_assoc::testing::FreshDb`], this crate adds fwitter's schema, test data
//! builders ([`seed`]) and row counts.
//!
//! [`TestDb::concurrent`] gives a pool of several connections, for the race tests; on
//! SQLite that is a temporary file, since an in-memory database is one connection.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait, Statement};
use sea_orm_assoc::QueryLog;
use sea_orm_assoc::testing::FreshDb;
use service::held::Held;

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

/// A fresh, migrated database for one test, with the query log installed.
pub struct TestDb {
    pub db: DatabaseConnection,
    /// The web app's reads on the same database (`service::held`: held connections,
    /// except on an in-memory SQLite database), reporting to `log` too.
    pub reads: Held,
    /// The web app's write transactions, the same way (one connection on SQLite).
    pub writes: Held,
    /// Records what a block sends: `t.log.capture(async { .. }).await`.
    pub log: QueryLog,
    /// Declared last, so dropped last: removes the file or the server's database.
    fresh: FreshDb,
}

impl TestDb {
    /// A fresh, migrated database with a small pool.
    ///
    /// # Panics
    /// The database cannot be created, reached or migrated: the test cannot run.
    pub async fn new() -> Self {
        Self::create(false).await
    }

    /// A fresh, migrated database whose pool lets 16 tasks write at once.
    ///
    /// # Panics
    /// As [`TestDb::new`].
    pub async fn concurrent() -> Self {
        Self::create(true).await
    }

    async fn create(concurrent: bool) -> Self {
        let fresh = if concurrent {
            FreshDb::shared("test").await
        } else {
            FreshDb::new("test").await
        }
        .expect("create the test database");
        // The settings every program uses (service::db); the race tests want more
        // writers at once than the machine has cores.
        let mut options = service::db::options(fresh.url());
        let many = concurrent && !service::db::is_sqlite_memory(fresh.url());
        if many {
            // Migrated first, on one connection of its own, closed before the pool
            // opens. Migrated on the pool, a SQLite connection that had read the
            // schema before the follow counts' `ALTER TABLE` answered its first
            // `INSERT .. RETURNING` with no value for the new columns ("missing value
            // for column"), while the connection that ran the migration answered
            // right: a statement prepared against the old schema, it seems. The app
            // migrates on its only SeaORM connection to a SQLite file.
            let mut one = options.clone();
            one.max_connections(1);
            let first = Database::connect(one)
                .await
                .expect("connect to the test database");
            Migrator::up(&first, None)
                .await
                .expect("migrate the test database");
            first.close().await.expect("close the migrating connection");
            options.max_connections(16);
        }
        let mut db = Database::connect(options)
            .await
            .expect("connect to the test database");
        if !many {
            Migrator::up(&db, None)
                .await
                .expect("migrate the test database");
        }
        let log = QueryLog::install(&mut db);
        let mut reads = Held::reads(fresh.url(), &db).expect("the test database's URL");
        reads.set_metric_callback(QueryLog::record);
        let mut writes = Held::writes(fresh.url(), &db).expect("the test database's URL");
        writes.set_metric_callback(QueryLog::record);
        TestDb {
            db,
            reads,
            writes,
            log,
            fresh,
        }
    }

    /// The database's backend.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// What a server restart does to a pool: every connection to this test's database
    /// is killed by the server (PostgreSQL `pg_terminate_backend`, MySQL `KILL`), from
    /// an admin connection to its server (`ScratchDb::kill_connections`). Returns how many were
    /// killed; 0 on SQLite, which has no server.
    ///
    /// # Panics
    /// The server cannot be reached or refuses.
    pub async fn kill_connections(&self) -> usize {
        match self.fresh.scratch() {
            Some(scratch) => scratch.kill_connections().await.expect("kill connections"),
            None => 0,
        }
    }
}

/// Test data builders: a user, a tweet, through the services as the app makes them.
pub mod seed {
    use entity::{tweet, user};
    use sea_orm::DatabaseConnection;
    use service::input::{Email, Salutation, TweetBody, Username};
    use service::users::NewUser;

    /// Registers `name` (email `<name>@example.com`, no password).
    ///
    /// # Panics
    /// `name` is not a valid username, or it is taken.
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

    /// Posts `content` as `author`.
    ///
    /// # Panics
    /// The content is not a valid tweet, or the author is gone.
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
///
/// # Panics
/// The table does not exist.
pub async fn rows(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count rows")
        .expect("a count row");
    row.try_get_by_index::<i64>(0).expect("count")
}

/// Every table of the schema with its row count, to compare before and after a
/// request that must write nothing (or exactly one row).
pub async fn all_rows(t: &TestDb) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, rows(&t.db, table).await));
    }
    out
}

/// A tweet's cached heart count (`tweets.hearts_count`).
///
/// # Panics
/// The tweet does not exist.
pub async fn hearts_of(t: &TestDb, tweet_id: i32) -> i32 {
    entity::tweet::Entity::find_by_id(tweet_id)
        .one(&t.db)
        .await
        .expect("read the tweet")
        .expect("the tweet exists")
        .hearts_count
}
