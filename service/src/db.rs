//! How every program here connects: the app, its CLI, the migration CLI, the tests,
//! the examples and the benchmark all take their pool and driver settings from
//! [`options`], so a setting is chosen once, on purpose, and measured once. The
//! benchmark's hand-written floor, on one plain sqlx connection, takes the same driver
//! settings from [`sqlite_settings`], [`postgres_settings`] and [`mysql_settings`].
//!
//! | setting | value | why, and what it costs |
//! |---|---|---|
//! | ping before use | only after 60 s idle | SeaORM's default pings on *every* acquire: one extra round trip per statement outside a transaction. A connection in steady use is known to be alive; one that sat idle may have been dropped by the server or a proxy, so it is pinged first. |
//! | pool size | SQLite file: 2 x cores + 1 (at least 4); `sqlite::memory:`: 1; PostgreSQL, MySQL: 2 x cores + 2 (at least 6) | SQLite readers run in parallel under WAL but there is one writer, and each sqlx-sqlite connection is a thread: a few more than the cores keeps them busy. A server wants about two connections per core it has (the "cores x 2 + spindles" rule); more only queue inside it. An in-memory SQLite database is private to its connection, so it must be one. |
//! | acquire timeout | 10 s | a request that cannot get a connection fails (503) instead of waiting for ever |
//! | idle timeout, max lifetime | 10 min, 30 min | sqlx's defaults, written down: idle connections are closed, and every connection is replaced now and then |
//! | statement cache | 100 prepared statements per connection | every statement the app sends is prepared once per connection and reused |
//! | SQLite `journal_mode` | `WAL` | readers never wait for the writer; a commit appends to the log instead of rewriting pages |
//! | SQLite `synchronous` | `NORMAL` | in WAL mode a commit no longer waits for fsync; the database cannot be corrupted, but a power loss (not a crash of the app) can lose the last commits before the next checkpoint. This is what Rails 7.1+ sets. Use `FULL` where that matters more than speed. |
//! | SQLite `busy_timeout` | 5 s | a writer waits for the lock instead of failing at once with "database is locked" (Rails' default `timeout: 5000`) |
//! | SQLite `foreign_keys` | on | the schema's `ON DELETE` rules are enforced |
//! | TLS to PostgreSQL and MySQL | as the URL says: sqlx's default `sslmode=prefer` encrypts whenever the server offers it | on a loopback or a trusted private network, `?sslmode=disable` (PostgreSQL) / `?ssl-mode=disabled` (MySQL) saves encrypting every message: the benchmark's service path on PostgreSQL over 127.0.0.1, where the server has `ssl = on`, ran 1.04-2.3x faster without it, by workload (`docs/performance.md`). Across any other network keep it. |
//! | SQLite `mmap_size`, `journal_size_limit`, `cache_size` | 128 MiB, 64 MiB, 2,000 pages | Rails 7.1+'s values: reads through the page cache, a bounded `-wal` file |
//! | SQLite checkpoints (the app's writer) | a task of their own ([`checkpoint_in_background`]): `wal_checkpoint(PASSIVE)` on a connection of its own every 10 ms while the log grows (backing off to 1 s when it does not); the writer's own `wal_autocheckpoint` raised from 1,000 to 10,000 pages, a backstop that also lets the log start over | SQLite checkpoints on the connection that commits, when the log passes 1,000 pages: copying them into the database and two `fsync`s (7-9 ms each on these machines) held the one writer, and every write queued behind it, for 16 ms and more several times a second (POST /hearts p99 at one connection: 19.6 ms, against 0.8 ms with no checkpoints at all). In the background the copying runs beside the writer; the writer's own checkpoint, every 10,000 pages, finds little left to copy. What it costs: a connection and a task; the log is synced more often than before, so a power loss loses fewer commits, not more. Every held write pool on a SQLite file gets it (the app's, the tests', the benchmark's, whose raw floor gets the same beside its one connection); SeaORM's pool (the migrations, the seed, the console) keeps SQLite's default. |
//! | PostgreSQL `random_page_cost` | 1.1 for this app's sessions (the server's default is 4), unless the URL's `options` set it (`?options=-c%20random_page_cost%3D4`) | the planner's price of a page read out of order, against 1 for a page read in sequence. 4 prices a spinning disk; with the data in memory or on an SSD a read costs about the same in any order, and 1.1 is the usual setting there. At 4 the planner hashed all 1,000 users to find the authors of the 20 a reader follows (a sequential scan, 0.12-0.16 ms of the feed's 0.6) instead of looking each up by its key; at 1.1 it looks them up, and PostgreSQL answered 20-34 % more feeds a second under `pgbench` (`docs/performance.md`). What it costs: on a database much larger than memory, on a spinning disk, the planner would choose index scans where reading the table in order is faster; set it back in the URL there. A planner setting only: nothing about durability. |
//! | SQLite query planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`) | on ([`plan_once`]) | a statement is planned once per connection, not again for each new value bound. Without it, once `ANALYZE` has written `sqlite_stat4` (the seed runs it), SQLite re-plans every statement with `column = ?` on an indexed column each time it is bound (`sqlite3Reprepare` was a fifth of the app's CPU under load on the feed; the user page's tweets statement took 41 us instead of 29). What it costs: a plan cannot be picked for one value's own statistics (a user with a million tweets gets the plan made for an average user); stat1's averages still guide every plan. |
//!
//! The web app connects with [`connect_pools`]: held connections for reads and for
//! write transactions ([`crate::held`]: sqlx's pool pings a connection after every
//! statement and every transaction), the writes' pool of **one** connection on a
//! SQLite file, and SeaORM's pool for the migrations and the seed. SQLite has one
//! writer at a time; with several connections trying, the losers wait in SQLite's
//! busy handler, which polls with sleeps of 1 to 100 ms, so the lock sits idle
//! between writers. One writer connection queues them in the pool instead (first
//! come, first served, woken the moment the connection is free). On PostgreSQL and
//! MySQL the write pool is sized as the read pool ([`write_pool_size`]).
//!
//! Nothing here changes a server's own durability settings: PostgreSQL keeps its
//! `synchronous_commit`, MySQL its `innodb_flush_log_at_trx_commit`.

use std::num::NonZeroUsize;
use std::os::raw::c_int;
use std::time::Duration;

use crate::held::Held;
use sea_orm::sqlx;
use sea_orm::sqlx::mysql::MySqlConnectOptions;
use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqliteSynchronous,
};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

/// How long a pooled connection may sit idle before it is pinged on its next use.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(60);
/// How long a caller waits for a free connection before the pool gives up.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// SQLite: how long a writer waits for the write lock.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection.
pub const STATEMENT_CACHE: usize = 100;
/// How long a connection is kept before it is replaced.
pub const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long an idle connection is kept open (SeaORM's pool).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// The app's SQLite writer checkpoints itself only past this many pages of log
/// (SQLite's default is 1,000): [`checkpoint_in_background`] does the copying.
pub const WRITER_AUTOCHECKPOINT: u32 = 10_000;

/// How often [`checkpoint_in_background`] checkpoints while the log grows, and how
/// far it backs off while it does not.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(10);
const CHECKPOINT_IDLE: Duration = Duration::from_secs(1);

/// The tuned options for `url`, with the pool sized for this machine
/// (see the module's table). Callers may adjust them further before connecting.
pub fn options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    tune(&mut options);
    options
}

/// Applies the settings of [`options`] to options made elsewhere (the migration
/// CLI's, which carry its `--database-schema`).
pub fn tune(options: &mut ConnectOptions) {
    let size = pool_size(options.get_url(), cores());
    options
        .sqlx_logging(false)
        .max_connections(size)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .idle_timeout(IDLE_TIMEOUT)
        .max_lifetime(MAX_LIFETIME)
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .map_sqlx_sqlite_opts(sqlite_settings)
        .map_sqlx_sqlite_pool_opts(|pool| {
            pool.after_connect(|conn, _| Box::pin(async move { plan_once(conn).await }))
        })
        .map_sqlx_postgres_opts(postgres_settings)
        .map_sqlx_mysql_opts(mysql_settings);
}

/// The driver settings of the module's table for one SQLite connection, for a program
/// that opens plain sqlx connections (the benchmark's hand-written floor) and must
/// run with exactly the pool's settings.
pub fn sqlite_settings(options: SqliteConnectOptions) -> SqliteConnectOptions {
    options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .foreign_keys(true)
        .statement_cache_capacity(STATEMENT_CACHE)
        .pragma("mmap_size", "134217728")
        .pragma("journal_size_limit", "67108864")
        .pragma("cache_size", "2000")
}

/// The settings of the app's one SQLite writer: [`sqlite_settings`], with its own
/// checkpoints only every [`WRITER_AUTOCHECKPOINT`] pages, for a writer that has
/// [`checkpoint_in_background`] beside it.
pub fn sqlite_writer_settings(options: SqliteConnectOptions) -> SqliteConnectOptions {
    sqlite_settings(options).pragma("wal_autocheckpoint", WRITER_AUTOCHECKPOINT.to_string())
}

/// What one `PRAGMA wal_checkpoint` reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Another connection held a lock the checkpoint needed; it did what it could.
    pub busy: bool,
    /// Pages in the log.
    pub log: i64,
    /// Pages of the log now copied into the database.
    pub copied: i64,
}

/// `PRAGMA wal_checkpoint(PASSIVE)` on `conn`: copies what it can of the log into the
/// database without waiting for any other connection.
///
/// # Errors
/// [`sqlx::Error`] from SQLite.
pub async fn checkpoint(conn: &mut SqliteConnection) -> Result<Checkpointed, sqlx::Error> {
    use sea_orm::sqlx::Row;
    let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(conn)
        .await?;
    Ok(Checkpointed {
        busy: row.try_get::<i64, _>(0)? != 0,
        log: row.try_get(1)?,
        copied: row.try_get(2)?,
    })
}

/// Checkpoints the SQLite file of `options` from a connection of its own, every
/// 10 ms while the log grows and up to every second while it does not, for as long
/// as `wanted()` says (the module's table says why). An error closes the connection;
/// the next round opens another.
pub async fn checkpoint_in_background(options: SqliteConnectOptions, wanted: impl Fn() -> bool) {
    use sea_orm::sqlx::Connection;
    let mut conn: Option<SqliteConnection> = None;
    let mut every = CHECKPOINT_EVERY;
    let mut last_log = -1;
    loop {
        tokio::time::sleep(every).await;
        if !wanted() {
            return;
        }
        let done = match conn.as_mut() {
            Some(c) => checkpoint(c).await,
            None => match SqliteConnection::connect_with(&options).await {
                Ok(c) => checkpoint(conn.insert(c)).await,
                Err(e) => Err(e),
            },
        };
        match done {
            Ok(done) if done.log == last_log => every = (every * 2).min(CHECKPOINT_IDLE),
            Ok(done) => {
                last_log = done.log;
                every = CHECKPOINT_EVERY;
            }
            Err(e) => {
                tracing::warn!(error = %e, "SQLite checkpoint failed; trying again in a second");
                conn = None;
                every = CHECKPOINT_IDLE;
            }
        }
    }
}

/// Turns on SQLite's query planner stability guarantee for `conn` (the module's
/// table says why): every connection the pools open gets it, and a program that opens
/// plain sqlx connections (the benchmark's floor) calls this after
/// [`sqlite_settings`]' options connect. No sqlx or SeaORM option reaches this
/// setting (it is not a `PRAGMA`), so it is set through the C API.
///
/// # Errors
/// SQLite refused the setting (it is known since SQLite 3.20; sqlx bundles 3.51).
pub async fn plan_once(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    qpsg(conn, 1).await.map(|_| ())
}

/// Whether [`plan_once`] is in force on `conn`.
///
/// # Errors
/// SQLite refused to tell.
pub async fn plans_once(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    qpsg(conn, -1).await.map(|on| on == 1)
}

/// Whether `conn` is inside a transaction (SQLite's `sqlite3_get_autocommit` is 0):
/// what a batch that opens one and fails before it ends leaves behind, which
/// sqlx does not track (it knows only the transactions it began).
///
/// # Errors
/// sqlx's worker thread for the connection is gone.
pub async fn in_transaction(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this open connection's handle, and the lock taken above keeps
    // sqlx's worker thread off it for the call, which only reads a flag.
    Ok(unsafe { libsqlite3_sys::sqlite3_get_autocommit(db) } == 0)
}

/// `sqlite3_db_config(SQLITE_DBCONFIG_ENABLE_QPSG, to, &state)` on `conn`: `to` 1
/// turns the guarantee on, 0 off, -1 leaves it; returns the state after the call.
async fn qpsg(conn: &mut SqliteConnection, to: c_int) -> Result<c_int, sqlx::Error> {
    use libsqlite3_sys::{SQLITE_DBCONFIG_ENABLE_QPSG, SQLITE_OK, sqlite3_db_config};
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    let mut state: c_int = 0;
    // SAFETY: `db` is this open connection's handle, and the lock taken above keeps
    // sqlx's worker thread off it for the call. `SQLITE_DBCONFIG_ENABLE_QPSG` takes an
    // int and a pointer to an int that receives the state; `state` outlives the call.
    let rc = unsafe { sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_QPSG, to, &raw mut state) };
    if rc == SQLITE_OK {
        Ok(state)
    } else {
        Err(sqlx::Error::Configuration(
            format!("SQLite refused SQLITE_DBCONFIG_ENABLE_QPSG (code {rc})").into(),
        ))
    }
}

/// PostgreSQL's planner cost of reading a page out of order, for this app's
/// sessions: see the module's table.
pub const RANDOM_PAGE_COST: &str = "1.1";

/// The same for one PostgreSQL connection: the statement cache, and
/// [`RANDOM_PAGE_COST`] unless the URL's `options` set `random_page_cost` themselves.
pub fn postgres_settings(options: PgConnectOptions) -> PgConnectOptions {
    let options = options.statement_cache_capacity(STATEMENT_CACHE);
    if options
        .get_options()
        .is_some_and(|o| o.contains("random_page_cost"))
    {
        options
    } else {
        options.options([("random_page_cost", RANDOM_PAGE_COST)])
    }
}

/// The same for one MySQL connection.
pub fn mysql_settings(options: MySqlConnectOptions) -> MySqlConnectOptions {
    options.statement_cache_capacity(STATEMENT_CACHE)
}

/// Connects to `url` with [`options`].
///
/// # Errors
/// The database cannot be reached, or the URL is not one SeaORM knows.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    Database::connect(options(url)).await
}

/// The web app's connections (see the module's notes and [`crate::held`]).
#[derive(Debug, Clone)]
pub struct Pools {
    /// Reads, on held connections.
    pub read: Held,
    /// Write transactions, on held connections: one on a SQLite file.
    pub write: Held,
    /// SeaORM's pool, for the migrations, the seed and the console: one connection
    /// on a SQLite file. No statement waits on both it and [`Pools::write`]: use one
    /// or the other for writes at any one time.
    pub orm: DatabaseConnection,
}

/// Connects the web app's [`Pools`] to `url`. The held connections open at their
/// first statement.
///
/// # Errors
/// As [`connect`].
pub async fn connect_pools(url: &str) -> Result<Pools, DbErr> {
    let orm = if url.starts_with("sqlite:") && !is_sqlite_memory(url) {
        let mut one = options(url);
        one.max_connections(1);
        Database::connect(one).await?
    } else {
        connect(url).await?
    };
    let read = Held::reads(url, &orm)?;
    let write = Held::writes(url, &orm)?;
    Ok(Pools { read, write, orm })
}

impl Pools {
    /// Closes every connection the pools hold, the held ones first, then SeaORM's
    /// (a program that exits without it leaves SQLite's connections unclosed).
    ///
    /// # Errors
    /// [`DbErr`] from closing SeaORM's pool.
    pub async fn close(self) -> Result<(), DbErr> {
        self.read.close();
        self.write.close();
        self.orm.close().await
    }
}

/// On a SQLite file, copies the write-ahead log into the database file and empties
/// the log (`PRAGMA wal_checkpoint(TRUNCATE)`), so the file alone holds every commit:
/// what a bulk load such as the seed does last, and the server when it stops. A
/// program that exits while another connection to the file is open (the write pool's
/// checkpointer) would otherwise leave its last commits in `<file>-wal` only, and a
/// copy of the file without it would lack them. Elsewhere (in memory, or on a server)
/// it does nothing.
///
/// While another connection is checkpointing the same file (the write pool's own
/// checkpointer, every 10 ms while the log grows), SQLite answers `busy` at once: its
/// busy timeout waits for readers and the writer, not for the checkpoint lock. So a
/// `busy` answer is asked again every 10 ms, for up to [`CHECKPOINT_FILE_PATIENCE`].
/// (The seed once failed here on its last statement, its rows all written.)
///
/// # Errors
/// [`DbErr`] from the database, or [`DbErr::Custom`] when other connections kept the
/// log from being copied whole for that long; the commits are safe in the log either
/// way.
pub async fn checkpoint_file<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let sql = "PRAGMA wal_checkpoint(TRUNCATE)";
    let deadline = tokio::time::Instant::now() + CHECKPOINT_FILE_PATIENCE;
    loop {
        let row = db
            .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
            .await?
            .ok_or_else(|| DbErr::Custom(format!("{sql} answered no row")))?;
        let busy: i32 = row.try_get_by_index(0)?;
        if busy == 0 {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(DbErr::Custom(format!(
                "{sql}: other connections kept SQLite from copying its whole log into the \
                 file for {CHECKPOINT_FILE_PATIENCE:?}; every commit is still in the log"
            )));
        }
        tokio::time::sleep(CHECKPOINT_EVERY).await;
    }
}

/// How long [`checkpoint_file`] asks again while SQLite answers `busy`.
pub const CHECKPOINT_FILE_PATIENCE: Duration = Duration::from_secs(5);

/// Readies the database for reading after a bulk load (the seed): the planner's
/// statistics, so the hot queries are planned with real row counts (on PostgreSQL,
/// without them the feed was planned as sequential scans of `tweets` and `users`),
/// and on PostgreSQL the visibility map and the dead rows too.
///
/// - PostgreSQL: `VACUUM (ANALYZE)`. A bulk load leaves every page unmarked in the
///   visibility map, so an index-only scan (the feed's follows, every star's probe of
///   `(user_id, tweet_id)`, the profile's "do I follow them?") still reads each row's heap
///   page, and the seed's last step (every user's password hash) leaves a dead
///   version of each user row that a primary-key read walks past. Autovacuum would
///   get there in its own time, if it is on (it is off on some machines). After
///   it the feed's and the user page's statements took 4-18 % less time under
///   `pgbench`, and the web app served 3-8 % more of those pages a second
///   (docs/performance.md, "Late morning, 2026-11-24"). `VACUUM` cannot run in a
///   transaction, so it goes as a simple query, and `db` must not be a transaction.
/// - SQLite (and any other backend): `ANALYZE` (a `VACUUM` there rewrites the whole
///   file, and SQLite has no visibility map to mark).
/// - MySQL: `ANALYZE TABLE` of the lesson tables.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn after_bulk_load<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => return db.execute_unprepared("VACUUM (ANALYZE)").await.map(|_| ()),
        DbBackend::MySql => {
            "ANALYZE TABLE users, tweets, hearts, follows, messages, items, user_items, \
             doctors, patients, appointments, artists, genres, songs"
        }
        _ => "ANALYZE",
    };
    // MySQL answers ANALYZE TABLE with a result set; read it so nothing is left unread.
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .map(|_| ())
}

/// Is `url` an in-memory SQLite database (private to one connection)?
pub fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite::memory:") || url.contains("mode=memory")
}

/// The machine's cores, as the pool sizes count them.
pub(crate) fn cores() -> u32 {
    std::thread::available_parallelism()
        .map(NonZeroUsize::get)
        .unwrap_or(2)
        .try_into()
        .unwrap_or(u32::MAX)
}

/// The pool size for `url` on a machine with `cores` cores (see the module's table).
pub fn pool_size(url: &str, cores: u32) -> u32 {
    if is_sqlite_memory(url) {
        1
    } else if url.starts_with("sqlite:") {
        (2 * cores + 1).max(4)
    } else {
        (2 * cores + 2).max(6)
    }
}

/// The size of the write pool for `url`: one connection on a SQLite file (one writer
/// at a time, see the module's notes), else as [`pool_size`].
pub fn write_pool_size(url: &str, cores: u32) -> u32 {
    if url.starts_with("sqlite:") {
        1
    } else {
        pool_size(url, cores)
    }
}

/// Did this fail because the database could not be reached, rather than because of
/// the statement or the data? A dropped or killed connection, a server shutting down
/// or restarting, a refused connect, a pool timeout. The same work may succeed a
/// moment later on a new connection: the web app retries idempotent reads on it and
/// answers a write with 503 (its transaction rolled back with the connection).
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            is_unavailable_sqlx(e)
        }
        _ => false,
    }
}

/// [`is_unavailable`] for the driver's own error.
pub fn is_unavailable_sqlx(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| {
            // PostgreSQL: class 08 (connection exception), 57P01..57P03 (admin or
            // crash shutdown, cannot connect now). MySQL/MariaDB: 1053 server shutdown,
            // 1927 connection killed, 2006 gone away, 2013 lost during query.
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "70100" | "1053" | "1927" | "2006" | "2013"
                )
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::{
        PgConnectOptions, RANDOM_PAGE_COST, pool_size, postgres_settings, write_pool_size,
    };

    #[test]
    fn postgres_sessions_price_random_reads_low_unless_the_url_says_otherwise() {
        let ours = postgres_settings(PgConnectOptions::from_str("postgres://u@h/db").unwrap());
        assert_eq!(
            ours.get_options(),
            Some(format!("-c random_page_cost={RANDOM_PAGE_COST}").as_str())
        );
        // The URL's own options are kept, and ours follow them.
        let with_other = postgres_settings(
            PgConnectOptions::from_str("postgres://u@h/db?options=-c%20work_mem%3D8MB").unwrap(),
        );
        assert_eq!(
            with_other.get_options(),
            Some(format!("-c work_mem=8MB -c random_page_cost={RANDOM_PAGE_COST}").as_str())
        );
        // A URL that sets it keeps its own value.
        let theirs = postgres_settings(
            PgConnectOptions::from_str("postgres://u@h/db?options=-c%20random_page_cost%3D4")
                .unwrap(),
        );
        assert_eq!(theirs.get_options(), Some("-c random_page_cost=4"));
    }

    #[test]
    fn an_in_memory_sqlite_database_gets_one_connection_and_servers_a_few_per_core() {
        assert_eq!(pool_size("sqlite::memory:", 2), 1);
        assert_eq!(pool_size("sqlite:file:x?mode=memory&cache=shared", 8), 1);
        assert_eq!(pool_size("sqlite://fwitter.db?mode=rwc", 2), 5);
        assert_eq!(pool_size("postgres://postgres@127.0.0.1/x", 2), 6);
        assert_eq!(pool_size("mysql://root@127.0.0.1/x", 4), 10);
        assert_eq!(write_pool_size("sqlite://fwitter.db?mode=rwc", 8), 1);
        assert_eq!(write_pool_size("postgres://postgres@127.0.0.1/x", 2), 6);
    }
}
