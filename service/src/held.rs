//! The web app's connections: plain sqlx connections that are not pinged after every
//! statement, with transactions of their own.
//!
//! SeaORM runs a statement outside a transaction on a connection it takes from sqlx's
//! pool and gives back straight after, and a transaction on a connection it gives back
//! after the COMMIT; sqlx's pool **pings every connection it is given back** before it
//! lets anyone else have it (sqlx-core 0.9, `PoolConnection::return_to_pool`, to flush
//! what a cancelled statement may have left behind): one more round trip to PostgreSQL
//! or MySQL, one more hand-off to the connection's thread on SQLite, for every
//! statement and every transaction. [`ConnectOptions`]'s `test_before_acquire`
//! settings do not reach that ping. Measured on the user page (2 statements,
//! PostgreSQL, one at a time): 1.02 ms through SeaORM's pool, 0.49 ms for the same two
//! statements on one plain connection (`docs/performance.md`).
//!
//! [`Held`] is a [`ConnectionTrait`] and a [`TransactionTrait`], so every function of
//! `service` and of the toolkit runs on it unchanged. On a server or a SQLite file it
//! keeps plain sqlx connections, opened with the driver settings of [`crate::db`], in
//! a [`deadpool`] pool (a maintained, small pool crate, instead of a hand-written one),
//! and
//! - pings a connection only when it has sat idle for [`db::PING_IF_IDLE_FOR`], and
//!   replaces one older than [`db::MAX_LIFETIME`], as [`db::options`] asks of sqlx;
//! - throws a connection away, instead of giving it back, when its statement failed
//!   for any reason but the statement itself (a lost connection, a protocol error) or
//!   was cancelled midway (the request's future dropped): what the release ping is
//!   there for, at no cost to the statements that finish;
//! - runs a transaction ([`HeldTransaction`]) on one connection with sqlx's own
//!   `BEGIN`/`SAVEPOINT`/`COMMIT`/`ROLLBACK`, as SeaORM's `DatabaseTransaction` does,
//!   and gives the connection back after the COMMIT or ROLLBACK without a ping. A
//!   transaction dropped while open (an error passed up with `?`, a cancelled
//!   request) throws its connection away: closing it rolls the transaction back on
//!   every backend. A savepoint dropped while open is rolled back, as SeaORM does.
//!
//! [`Held::reads`] makes the pool the app reads from, [`Held::writes`] the one it
//! writes through: one connection on a SQLite file (SQLite has one writer; see
//! [`crate::db`]). An in-memory SQLite database is private to its one connection, so
//! there [`Held`] runs on SeaORM's [`DatabaseConnection`] that the caller passes in.
//!
//! [`ConnectOptions`]: sea_orm::ConnectOptions

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use deadpool::managed::{self, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use sea_orm::metric::Info;
use sea_orm::sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, SqlSafeStr};
use sea_orm::{
    AccessMode, ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, RuntimeErr, SqliteTransactionMode,
    Statement, TransactionError, TransactionOptions, TransactionSession, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use sqlx_core::transaction::TransactionManager;
use tokio::sync::{MappedMutexGuard, MutexGuard};

use crate::db;

/// A statement's observer, as SeaORM's `set_metric_callback` takes it (the toolkit's
/// `QueryLog::record` records into the current capture).
pub type MetricCallback = Arc<dyn Fn(&Info<'_>) + Send + Sync>;

/// Connections for the web app's reads or writes: see the module's notes.
#[derive(Clone)]
pub struct Held {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Pooled(Pooled),
    /// An in-memory SQLite database, or a caller that wants SeaORM's pool.
    Orm(DatabaseConnection),
}

#[derive(Clone)]
struct Pooled {
    pool: Pool<Manager>,
    backend: DbBackend,
    metric: Option<MetricCallback>,
}

impl std::fmt::Debug for Held {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Pooled(pooled) => f
                .debug_struct("Held")
                .field("backend", &pooled.backend)
                .field("pool", &pooled.pool.status())
                .finish(),
            Inner::Orm(_) => f.write_str("Held(SeaORM pool)"),
        }
    }
}

impl From<DatabaseConnection> for Held {
    /// Statements and transactions on SeaORM's own pool (each connection pinged when
    /// it is given back).
    fn from(db: DatabaseConnection) -> Self {
        Held {
            inner: Inner::Orm(db),
        }
    }
}

impl Held {
    /// The read pool for `url`: held connections on a server or a SQLite file, sized
    /// as [`db::pool_size`]; `shared` for an in-memory SQLite database. No connection
    /// is opened until the first statement.
    ///
    /// # Errors
    /// `url` is not a database URL sqlx understands.
    pub fn reads(url: &str, shared: &DatabaseConnection) -> Result<Self, DbErr> {
        Self::sized(url, shared, db::pool_size(url, db::cores()), false)
    }

    /// The write pool for `url`: as [`Held::reads`], but of one connection on a
    /// SQLite file ([`db::write_pool_size`]). There, inside a tokio runtime, it also
    /// starts [`db::checkpoint_in_background`] for as long as the pool is open, and
    /// the writer takes [`db::sqlite_writer_settings`].
    ///
    /// # Errors
    /// As [`Held::reads`].
    pub fn writes(url: &str, shared: &DatabaseConnection) -> Result<Self, DbErr> {
        Self::sized(url, shared, db::write_pool_size(url, db::cores()), true)
    }

    fn sized(
        url: &str,
        shared: &DatabaseConnection,
        size: u32,
        writes: bool,
    ) -> Result<Self, DbErr> {
        if db::is_sqlite_memory(url) {
            return Ok(shared.clone().into());
        }
        let bad_url = |e: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)));
        // Checkpoints beside the one writer of a SQLite file, if there is a runtime
        // to run them on (there always is in the app and the tests).
        let checkpoints = writes
            && shared.get_database_backend() == DbBackend::Sqlite
            && tokio::runtime::Handle::try_current().is_ok();
        // The checkpointer's own connection: the same file, SQLite's usual settings.
        let mut checkpointer = None;
        let options = match shared.get_database_backend() {
            DbBackend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url).map_err(bad_url)?;
                Options::Sqlite(if checkpoints {
                    checkpointer = Some(db::sqlite_settings(options.clone()));
                    db::sqlite_writer_settings(options)
                } else {
                    db::sqlite_settings(options)
                })
            }
            DbBackend::Postgres => Options::Postgres(db::postgres_settings(
                PgConnectOptions::from_str(url).map_err(bad_url)?,
            )),
            DbBackend::MySql => Options::MySql(db::mysql_settings(
                MySqlConnectOptions::from_str(url).map_err(bad_url)?,
            )),
            other => {
                return Err(DbErr::Custom(format!("no held connections for {other:?}")));
            }
        };
        let pool = Pool::builder(Manager { options })
            .max_size(usize::try_from(size).unwrap_or(usize::MAX))
            .wait_timeout(Some(db::ACQUIRE_TIMEOUT))
            .create_timeout(Some(db::ACQUIRE_TIMEOUT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| DbErr::Custom(format!("connection pool: {e}")))?;
        if let Some(options) = checkpointer {
            let pool = pool.weak();
            tokio::spawn(db::checkpoint_in_background(options, move || {
                pool.upgrade().is_some_and(|p| !p.is_closed())
            }));
        }
        Ok(Held {
            inner: Inner::Pooled(Pooled {
                pool,
                backend: shared.get_database_backend(),
                metric: None,
            }),
        })
    }

    /// Calls `callback` after every statement, as SeaORM's `set_metric_callback`
    /// does (set it before cloning: clones made earlier keep the old one).
    pub fn set_metric_callback<F>(&mut self, callback: F)
    where
        F: Fn(&Info<'_>) + Send + Sync + 'static,
    {
        match &mut self.inner {
            Inner::Pooled(pooled) => pooled.metric = Some(Arc::new(callback)),
            Inner::Orm(db) => db.set_metric_callback(callback),
        }
    }

    /// Are the connections held here (not SeaORM's pool)?
    pub fn is_held(&self) -> bool {
        matches!(self.inner, Inner::Pooled(_))
    }

    /// How many connections are held open, and how many of them are idle; `None` on
    /// SeaORM's pool.
    pub fn held(&self) -> Option<(usize, usize)> {
        match &self.inner {
            Inner::Pooled(pooled) => {
                let status = pooled.pool.status();
                Some((status.size, status.available))
            }
            Inner::Orm(_) => None,
        }
    }

    /// Closes the held connections (they are also closed when the last clone drops).
    pub fn close(&self) {
        if let Inner::Pooled(pooled) = &self.inner {
            pooled.pool.close();
        }
    }
}

enum Options {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
    MySql(MySqlConnectOptions),
}

/// One plain sqlx connection.
enum Conn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

struct Manager {
    options: Options,
}

impl managed::Manager for Manager {
    type Type = Conn;
    type Error = sqlx::Error;

    // `create` and the ping in `recycle` are boxed. deadpool's `Pool::get` holds both
    // futures inline, and a connect future is kilobytes: unboxed, every `get` (every
    // statement) was a 13 KB future, copied whole into the box `async_trait` gives
    // each `query_*_raw` call, 2.4 % of a feed page's instructions in `memcpy`
    // (docs/performance.md, "Small hours, 2026-11-24"). Boxed, only a connect or a
    // ping, both rare, pays an allocation.
    fn create(&self) -> impl Future<Output = Result<Conn, sqlx::Error>> + Send {
        Box::pin(async move {
            Ok(match &self.options {
                Options::Sqlite(o) => {
                    let mut conn = SqliteConnection::connect_with(o).await?;
                    db::plan_once(&mut conn).await?;
                    Conn::Sqlite(conn)
                }
                Options::Postgres(o) => Conn::Postgres(PgConnection::connect_with(o).await?),
                Options::MySql(o) => Conn::MySql(MySqlConnection::connect_with(o).await?),
            })
        })
    }

    async fn recycle(&self, conn: &mut Conn, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.age() >= db::MAX_LIFETIME {
            return Err(RecycleError::message("replaced after its maximum lifetime"));
        }
        if conn.depth() != 0 {
            return Err(RecycleError::message("left inside a transaction"));
        }
        if metrics.last_used() >= db::PING_IF_IDLE_FOR {
            let pinged = Box::pin(async {
                match conn {
                    Conn::Sqlite(c) => c.ping().await,
                    Conn::Postgres(c) => c.ping().await,
                    Conn::MySql(c) => c.ping().await,
                }
            })
            .await;
            pinged.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

/// The SQL and values to send for `stmt`. On SQLite every `LIMIT ?` and `OFFSET ?`
/// whose value is a count is written into the SQL as a number, the statement's own
/// and a subquery's alike (the home feed picks its rows in a subquery with a
/// `LIMIT`): SQLite 3.47+ reads a bound LIMIT while planning and marks the statement
/// to be planned again whenever that parameter is bound, so a cached `... LIMIT ?`
/// statement (every `.one()`, every page) was parsed and planned anew on each run
/// (`sqlite3Reprepare` under load; `rusqlite`'s `StatementStatus::RePrepare` counts
/// one per run for `WHERE id = ? LIMIT ?` and none for `WHERE id = ? LIMIT 1`). The
/// numbers come from the statement's own values, so the SQL stays what was meant; a
/// page size of 1 to 100 makes at most 100 shapes. A `?` inside a quoted string or
/// name is not a parameter and is left alone. PostgreSQL and MySQL get the statement
/// as built: a bound LIMIT costs them no parsing. On PostgreSQL it can cost a plan at
/// every run (its plan cache keeps planning for the values when a generic plan looks
/// dearer), so the lists write their page size in when they are built
/// (`assoc::page::limit_in_text`); a `.one()` there is a lookup by key, whose generic
/// plan PostgreSQL keeps (19-21 µs of bind in its statement log).
fn query(stmt: &Statement) -> (Cow<'_, str>, SqlxValues) {
    let values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    if stmt.db_backend == DbBackend::Sqlite
        && let Some((sql, kept)) = counts_written_in(&stmt.sql, &values.0)
    {
        return (Cow::Owned(sql), SqlxValues(sea_orm::Values(kept)));
    }
    (Cow::Borrowed(stmt.sql.as_str()), SqlxValues(values))
}

/// `sql` with the count after each `LIMIT ` / `OFFSET ` written in, and the values
/// left to bind; `None` when there is none to write (or fewer values than `?`: the
/// database's error to give).
fn counts_written_in(
    sql: &str,
    values: &[sea_orm::Value],
) -> Option<(String, Vec<sea_orm::Value>)> {
    // An OFFSET comes only after a LIMIT.
    if !sql.contains(" LIMIT ?") {
        return None;
    }
    let mut out = String::with_capacity(sql.len());
    let mut kept = Vec::with_capacity(values.len());
    let mut next = values.iter();
    let mut quote = None;
    for c in sql.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => quote = Some(c),
            None if c == '?' => {
                let value = next.next()?;
                match as_count(value) {
                    Some(n) if out.ends_with(" LIMIT ") || out.ends_with(" OFFSET ") => {
                        out.push_str(&n.to_string());
                        continue;
                    }
                    _ => kept.push(value.clone()),
                }
            }
            None => {}
        }
        out.push(c);
    }
    kept.extend(next.cloned());
    (kept.len() < values.len()).then_some((out, kept))
}

/// A LIMIT or OFFSET value, if it is a non-negative integer.
fn as_count(value: &sea_orm::Value) -> Option<u64> {
    use sea_orm::Value;
    match value {
        Value::BigUnsigned(Some(n)) => Some(*n),
        Value::Unsigned(Some(n)) => Some(u64::from(*n)),
        Value::BigInt(Some(n)) => u64::try_from(*n).ok(),
        Value::Int(Some(n)) => u64::try_from(*n).ok(),
        _ => None,
    }
}

/// Runs one statement on one connection (in a transaction or not).
impl Conn {
    /// After a statement outside any transaction failed: is the connection still
    /// outside one? On SQLite a batch that opens a transaction (`join::attach`'s
    /// savepoint) and fails before it ends leaves it open, and sqlx does not know; such a
    /// connection (or one that cannot tell) is thrown away, closing it rolls the
    /// transaction back. Only SQLite is asked: it is where such batches are sent.
    async fn outside_transaction(&mut self) -> bool {
        match self {
            Conn::Sqlite(c) => matches!(db::in_transaction(c).await, Ok(false)),
            Conn::Postgres(_) | Conn::MySql(_) => true,
        }
    }

    async fn execute(&mut self, stmt: &Statement) -> Result<ExecResult, sqlx::Error> {
        let (sql, values) = query(stmt);
        let q = AssertSqlSafe(sql.as_ref());
        match self {
            Conn::Sqlite(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
            Conn::Postgres(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
            Conn::MySql(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
        }
    }

    async fn execute_unprepared(&mut self, sql: &str) -> Result<ExecResult, sqlx::Error> {
        let q = sqlx::raw_sql(AssertSqlSafe(sql));
        match self {
            Conn::Sqlite(c) => q.execute(c).await.map(Into::into),
            Conn::Postgres(c) => q.execute(c).await.map(Into::into),
            Conn::MySql(c) => q.execute(c).await.map(Into::into),
        }
    }

    async fn query_one(&mut self, stmt: &Statement) -> Result<Option<QueryResult>, sqlx::Error> {
        let (sql, values) = query(stmt);
        let q = AssertSqlSafe(sql.as_ref());
        match self {
            Conn::Sqlite(c) => sqlx::query_with(q, values)
                .fetch_optional(c)
                .await
                .map(|row| row.map(Into::into)),
            Conn::Postgres(c) => sqlx::query_with(q, values)
                .fetch_optional(c)
                .await
                .map(|row| row.map(Into::into)),
            Conn::MySql(c) => sqlx::query_with(q, values)
                .fetch_optional(c)
                .await
                .map(|row| row.map(Into::into)),
        }
    }

    async fn query_all(&mut self, stmt: &Statement) -> Result<Vec<QueryResult>, sqlx::Error> {
        let (sql, values) = query(stmt);
        let q = AssertSqlSafe(sql.as_ref());
        match self {
            Conn::Sqlite(c) => sqlx::query_with(q, values)
                .fetch_all(c)
                .await
                .map(|rows| rows.into_iter().map(Into::into).collect()),
            Conn::Postgres(c) => sqlx::query_with(q, values)
                .fetch_all(c)
                .await
                .map(|rows| rows.into_iter().map(Into::into).collect()),
            Conn::MySql(c) => sqlx::query_with(q, values)
                .fetch_all(c)
                .await
                .map(|rows| rows.into_iter().map(Into::into).collect()),
        }
    }

    /// How many transactions and savepoints are open on the connection.
    fn depth(&self) -> usize {
        match self {
            Conn::Sqlite(c) => {
                <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(c)
            }
            Conn::Postgres(c) => {
                <sqlx::Postgres as sqlx::Database>::TransactionManager::get_transaction_depth(c)
            }
            Conn::MySql(c) => {
                <sqlx::MySql as sqlx::Database>::TransactionManager::get_transaction_depth(c)
            }
        }
    }

    /// `BEGIN` (a `SAVEPOINT` inside a transaction), with SeaORM's options: MySQL
    /// takes `SET TRANSACTION` before the BEGIN, PostgreSQL inside it; SQLite has a
    /// BEGIN mode instead, on the outermost transaction only.
    async fn begin(&mut self, options: &TransactionOptions) -> Result<(), sqlx::Error> {
        let settings = transaction_settings(options);
        let set = |sep: &str| {
            settings
                .as_ref()
                .map(|s| AssertSqlSafe(format!("SET TRANSACTION {}", s.join(sep))))
        };
        match self {
            Conn::Sqlite(c) => {
                let statement = match options.sqlite_transaction_mode {
                    Some(mode) if self_depth_sqlite(c) == 0 => Some(
                        AssertSqlSafe(format!("BEGIN {}", sqlite_keyword(mode))).into_sql_str(),
                    ),
                    _ => None,
                };
                <sqlx::Sqlite as sqlx::Database>::TransactionManager::begin(c, statement).await
            }
            Conn::Postgres(c) => {
                <sqlx::Postgres as sqlx::Database>::TransactionManager::begin(c, None).await?;
                if let Some(sql) = set(" ") {
                    sqlx::raw_sql(sql).execute(&mut *c).await?;
                }
                Ok(())
            }
            Conn::MySql(c) => {
                if let Some(sql) = set(", ") {
                    sqlx::raw_sql(sql).execute(&mut *c).await?;
                }
                <sqlx::MySql as sqlx::Database>::TransactionManager::begin(c, None).await
            }
        }
    }

    /// `COMMIT` (`RELEASE SAVEPOINT` inside a transaction).
    async fn commit(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Conn::Sqlite(c) => {
                <sqlx::Sqlite as sqlx::Database>::TransactionManager::commit(c).await
            }
            Conn::Postgres(c) => {
                <sqlx::Postgres as sqlx::Database>::TransactionManager::commit(c).await
            }
            Conn::MySql(c) => <sqlx::MySql as sqlx::Database>::TransactionManager::commit(c).await,
        }
    }

    /// `ROLLBACK` (`ROLLBACK TO SAVEPOINT` inside a transaction).
    async fn rollback(&mut self) -> Result<(), sqlx::Error> {
        match self {
            Conn::Sqlite(c) => {
                <sqlx::Sqlite as sqlx::Database>::TransactionManager::rollback(c).await
            }
            Conn::Postgres(c) => {
                <sqlx::Postgres as sqlx::Database>::TransactionManager::rollback(c).await
            }
            Conn::MySql(c) => {
                <sqlx::MySql as sqlx::Database>::TransactionManager::rollback(c).await
            }
        }
    }

    /// Queues a `ROLLBACK` (`ROLLBACK TO SAVEPOINT`) that the connection sends before
    /// its next statement: for a savepoint dropped while open.
    fn start_rollback(&mut self) {
        match self {
            Conn::Sqlite(c) => {
                <sqlx::Sqlite as sqlx::Database>::TransactionManager::start_rollback(c)
            }
            Conn::Postgres(c) => {
                <sqlx::Postgres as sqlx::Database>::TransactionManager::start_rollback(c);
            }
            Conn::MySql(c) => {
                <sqlx::MySql as sqlx::Database>::TransactionManager::start_rollback(c)
            }
        }
    }
}

fn self_depth_sqlite(c: &SqliteConnection) -> usize {
    <sqlx::Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(c)
}

fn sqlite_keyword(mode: SqliteTransactionMode) -> &'static str {
    match mode {
        SqliteTransactionMode::Deferred => "DEFERRED",
        SqliteTransactionMode::Immediate => "IMMEDIATE",
        SqliteTransactionMode::Exclusive => "EXCLUSIVE",
    }
}

/// The `SET TRANSACTION` clauses of `options`, as SeaORM writes them; `None` if there
/// are none (SQLite has neither: SeaORM warns and ignores them there, and so does this).
fn transaction_settings(options: &TransactionOptions) -> Option<Vec<String>> {
    let mut settings = Vec::new();
    if let Some(level) = options.isolation_level {
        settings.push(format!("ISOLATION LEVEL {level}"));
    }
    if let Some(mode) = options.access_mode {
        settings.push(mode.to_string());
    }
    (!settings.is_empty()).then_some(settings)
}

/// Does this error leave the connection as good as before? A statement's own error (a
/// constraint, a syntax error) does; anything else (a lost connection, a protocol
/// error) may not.
fn keeps_connection(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(_)) && !db::is_unavailable_sqlx(e)
}

fn report(metric: Option<&MetricCallback>, stmt: &Statement, start: Instant, failed: bool) {
    if let Some(metric) = metric {
        metric(&Info {
            elapsed: start.elapsed(),
            statement: stmt,
            failed,
        });
    }
}

/// A connection out of the pool for one statement or one transaction. Dropped before
/// [`Lease::keep`] (the statement's future was cancelled, or it failed for a
/// connection reason), the connection is thrown away instead of given back.
struct Lease {
    conn: Option<Object<Manager>>,
}

impl Lease {
    fn conn(&mut self) -> &mut Conn {
        match self.conn.as_deref_mut() {
            Some(conn) => conn,
            None => unreachable!("a lease holds its connection until keep or drop"),
        }
    }

    /// Gives the connection back to the pool (the pool's recycle refuses it if a
    /// transaction is still open on it).
    fn keep(mut self) {
        drop(self.conn.take());
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(Object::take(conn));
        }
    }
}

impl Pooled {
    async fn lease(&self) -> Result<Lease, DbErr> {
        match self.pool.get().await {
            Ok(conn) => Ok(Lease { conn: Some(conn) }),
            Err(PoolError::Timeout(_)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            Err(PoolError::Closed) => {
                Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))
            }
            Err(PoolError::Backend(e)) => Err(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))),
            Err(e) => Err(DbErr::Conn(RuntimeErr::Internal(format!(
                "connection pool: {e}"
            )))),
        }
    }

    /// Reports the statement, gives the connection back unless it may be broken or
    /// is left inside a transaction, and converts the error as SeaORM's own drivers
    /// do.
    async fn finish<T>(
        &self,
        mut lease: Lease,
        stmt: &Statement,
        start: Instant,
        result: Result<T, sqlx::Error>,
        wrap: fn(RuntimeErr) -> DbErr,
    ) -> Result<T, DbErr> {
        report(self.metric.as_ref(), stmt, start, result.is_err());
        match result {
            Ok(value) => {
                lease.keep();
                Ok(value)
            }
            Err(e) => {
                if keeps_connection(&e) && lease.conn().outside_transaction().await {
                    lease.keep();
                } else {
                    drop(lease);
                }
                Err(wrap(RuntimeErr::SqlxError(Arc::new(e))))
            }
        }
    }

    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = lease.conn().execute(&stmt).await;
        self.finish(lease, &stmt, start, result, DbErr::Exec).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let stmt = Statement::from_string(self.backend, sql);
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = lease.conn().execute_unprepared(sql).await;
        self.finish(lease, &stmt, start, result, DbErr::Exec).await
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = lease.conn().query_one(&stmt).await;
        self.finish(lease, &stmt, start, result, DbErr::Query).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = lease.conn().query_all(&stmt).await;
        self.finish(lease, &stmt, start, result, DbErr::Query).await
    }

    async fn begin(&self, options: TransactionOptions) -> Result<PooledTransaction, DbErr> {
        let mut lease = self.lease().await?;
        match lease.conn().begin(&options).await {
            Ok(()) => Ok(PooledTransaction {
                shared: Arc::new(Shared {
                    lease: tokio::sync::Mutex::new(Some(lease)),
                    broken: AtomicBool::new(false),
                }),
                backend: self.backend,
                metric: self.metric.clone(),
                outermost: true,
                open: true,
            }),
            Err(e) => {
                if keeps_connection(&e) && lease.conn().depth() == 0 {
                    lease.keep();
                }
                Err(query_err(e))
            }
        }
    }
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn gone() -> DbErr {
    DbErr::Conn(RuntimeErr::Internal(
        "the transaction's connection was lost (a statement failed or was cancelled)".into(),
    ))
}

/// A transaction on a [`Held`] connection, or SeaORM's own on its pool.
pub struct HeldTransaction {
    inner: TxnInner,
}

enum TxnInner {
    Pooled(PooledTransaction),
    Orm(DatabaseTransaction),
}

impl std::fmt::Debug for HeldTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            TxnInner::Pooled(t) => f
                .debug_struct("HeldTransaction")
                .field("backend", &t.backend)
                .field("outermost", &t.outermost)
                .field("open", &t.open)
                .finish(),
            TxnInner::Orm(_) => f.write_str("HeldTransaction(SeaORM)"),
        }
    }
}

/// The connection of one transaction and its savepoints.
struct Shared {
    /// `None` once the outermost transaction ended (or threw the connection away).
    lease: tokio::sync::Mutex<Option<Lease>>,
    /// A statement failed for a connection reason or was cancelled midway: the
    /// connection's state is unknown, so nothing more is sent on it.
    broken: AtomicBool,
}

struct PooledTransaction {
    shared: Arc<Shared>,
    backend: DbBackend,
    metric: Option<MetricCallback>,
    /// The BEGIN, not a SAVEPOINT: its end gives the connection back.
    outermost: bool,
    open: bool,
}

/// Marks the transaction broken unless the statement that holds it settles: a
/// statement cancelled midway leaves the connection in an unknown state.
struct InFlight<'a>(&'a AtomicBool, bool);

impl InFlight<'_> {
    fn done(mut self, ok_for_connection: bool) {
        self.1 = ok_for_connection;
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::Release);
        }
    }
}

/// One statement of a transaction on its way: when it began, the connection (locked
/// for it), and the mark that breaks the transaction if it never settles.
struct Running<'a> {
    start: Instant,
    conn: MappedMutexGuard<'a, Conn>,
    flight: InFlight<'a>,
}

impl Running<'_> {
    /// The statement finished: the transaction stays usable unless its error may
    /// have left the connection in doubt. Unlocks the connection; returns the start.
    fn settle<T>(self, result: &Result<T, sqlx::Error>) -> Instant {
        self.flight
            .done(result.as_ref().err().is_none_or(keeps_connection));
        self.start
    }
}

impl PooledTransaction {
    /// The transaction's connection for one statement, marked broken unless the
    /// statement finishes ([`Running::settle`]).
    async fn start(&self) -> Result<Running<'_>, DbErr> {
        let start = Instant::now();
        let guard = self.shared.lease.lock().await;
        if self.shared.broken.load(Ordering::Acquire) {
            return Err(gone());
        }
        let conn = MutexGuard::try_map(guard, |slot| slot.as_mut().map(Lease::conn))
            .map_err(|_| gone())?;
        Ok(Running {
            start,
            conn,
            flight: InFlight(&self.shared.broken, false),
        })
    }

    /// Settles the statement, reports it and converts its error as SeaORM's drivers
    /// do.
    fn after<T>(
        &self,
        running: Running<'_>,
        stmt: &Statement,
        result: Result<T, sqlx::Error>,
        wrap: fn(RuntimeErr) -> DbErr,
    ) -> Result<T, DbErr> {
        let start = running.settle(&result);
        report(self.metric.as_ref(), stmt, start, result.is_err());
        result.map_err(|e| wrap(RuntimeErr::SqlxError(Arc::new(e))))
    }

    async fn nested(&self, options: TransactionOptions) -> Result<PooledTransaction, DbErr> {
        let mut running = self.start().await?;
        let result = running.conn.begin(&options).await;
        running.settle(&result);
        result.map_err(query_err)?;
        Ok(PooledTransaction {
            shared: Arc::clone(&self.shared),
            backend: self.backend,
            metric: self.metric.clone(),
            outermost: false,
            open: true,
        })
    }

    /// COMMIT or ROLLBACK; the outermost gives its connection back (or throws it away
    /// if anything about it is in doubt).
    async fn end(mut self, commit: bool) -> Result<(), DbErr> {
        self.open = false;
        let mut guard = self.shared.lease.lock().await;
        let broken = self.shared.broken.load(Ordering::Acquire);
        let result = match guard.as_mut() {
            Some(lease) if !broken => {
                let flight = InFlight(&self.shared.broken, false);
                let conn = lease.conn();
                let result = if commit {
                    conn.commit().await
                } else {
                    conn.rollback().await
                };
                flight.done(result.is_ok());
                result.map_err(query_err)
            }
            _ => Err(gone()),
        };
        if self.outermost
            && let Some(lease) = guard.take()
        {
            let mut lease = lease;
            if result.is_ok()
                && !self.shared.broken.load(Ordering::Acquire)
                && lease.conn().depth() == 0
            {
                lease.keep();
            }
        }
        result
    }
}

impl Drop for PooledTransaction {
    fn drop(&mut self) {
        if !self.open {
            return;
        }
        match self.shared.lease.try_lock() {
            // The outermost transaction, never ended: throwing its connection away
            // closes it, and closing rolls the transaction back.
            Ok(mut guard) if self.outermost => drop(guard.take()),
            // A savepoint, never ended: roll back to it before the next statement.
            Ok(mut guard) => {
                if let Some(lease) = guard.as_mut()
                    && !self.shared.broken.load(Ordering::Acquire)
                {
                    lease.conn().start_rollback();
                }
            }
            // A statement of this transaction is still running: nothing more may be
            // sent on its connection.
            Err(_) => self.shared.broken.store(true, Ordering::Release),
        }
    }
}

/// `TransactionTrait` for [`Held`] and for [`HeldTransaction`] (whose `begin` is a
/// savepoint): the same methods, each passing on to the type's own `$open`. (A macro
/// that makes the whole impl, since `async_trait` rewrites the methods it sees before
/// a macro inside the impl would expand.)
macro_rules! transaction_trait {
    ($ty:ty, $open:ident) => {
        #[sea_orm::prelude::async_trait::async_trait]
        impl TransactionTrait for $ty {
            type Transaction = HeldTransaction;

            async fn begin(&self) -> Result<HeldTransaction, DbErr> {
                self.$open(TransactionOptions::default()).await
            }

            async fn begin_with_config(
                &self,
                isolation_level: Option<IsolationLevel>,
                access_mode: Option<AccessMode>,
            ) -> Result<HeldTransaction, DbErr> {
                self.$open(TransactionOptions {
                    isolation_level,
                    access_mode,
                    ..Default::default()
                })
                .await
            }

            async fn begin_with_options(
                &self,
                options: TransactionOptions,
            ) -> Result<HeldTransaction, DbErr> {
                self.$open(options).await
            }

            async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
            where
                F: for<'c> FnOnce(
                        &'c HeldTransaction,
                    )
                        -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
                    + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                let txn = self.begin().await.map_err(TransactionError::Connection)?;
                run_transaction(txn, callback).await
            }

            async fn transaction_with_config<F, T, E>(
                &self,
                callback: F,
                isolation_level: Option<IsolationLevel>,
                access_mode: Option<AccessMode>,
            ) -> Result<T, TransactionError<E>>
            where
                F: for<'c> FnOnce(
                        &'c HeldTransaction,
                    )
                        -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
                    + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                let txn = self
                    .begin_with_config(isolation_level, access_mode)
                    .await
                    .map_err(TransactionError::Connection)?;
                run_transaction(txn, callback).await
            }
        }
    };
}

/// `begin`, the callback, then `commit` or `rollback`: SeaORM's `transaction`.
async fn run_transaction<F, T, E>(
    txn: HeldTransaction,
    callback: F,
) -> Result<T, TransactionError<E>>
where
    F: for<'c> FnOnce(
            &'c HeldTransaction,
        ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
        + Send,
    T: Send,
    E: std::fmt::Display + std::fmt::Debug + Send,
{
    let result = callback(&txn).await.map_err(TransactionError::Transaction);
    if result.is_ok() {
        txn.commit().await.map_err(TransactionError::Connection)?;
    } else {
        txn.rollback().await.map_err(TransactionError::Connection)?;
    }
    result
}

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for Held {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.backend,
            Inner::Orm(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.execute(stmt).await,
            Inner::Orm(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.execute_unprepared(sql).await,
            Inner::Orm(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.query_one(stmt).await,
            Inner::Orm(db) => db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.query_all(stmt).await,
            Inner::Orm(db) => db.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        match &self.inner {
            Inner::Pooled(pooled) => pooled.backend.support_returning(),
            Inner::Orm(db) => db.support_returning(),
        }
    }
}

impl Held {
    /// `BEGIN` on a connection of its own.
    async fn open_transaction(
        &self,
        options: TransactionOptions,
    ) -> Result<HeldTransaction, DbErr> {
        let inner = match &self.inner {
            Inner::Pooled(pooled) => TxnInner::Pooled(pooled.begin(options).await?),
            Inner::Orm(db) => TxnInner::Orm(db.begin_with_options(options).await?),
        };
        Ok(HeldTransaction { inner })
    }
}

transaction_trait!(Held, open_transaction);

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for HeldTransaction {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            TxnInner::Pooled(t) => t.backend,
            TxnInner::Orm(t) => t.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            TxnInner::Pooled(t) => {
                let mut running = t.start().await?;
                let result = running.conn.execute(&stmt).await;
                t.after(running, &stmt, result, DbErr::Exec)
            }
            TxnInner::Orm(t) => t.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            TxnInner::Pooled(t) => {
                let stmt = Statement::from_string(t.backend, sql);
                let mut running = t.start().await?;
                let result = running.conn.execute_unprepared(sql).await;
                t.after(running, &stmt, result, DbErr::Exec)
            }
            TxnInner::Orm(t) => t.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            TxnInner::Pooled(t) => {
                let mut running = t.start().await?;
                let result = running.conn.query_one(&stmt).await;
                t.after(running, &stmt, result, DbErr::Query)
            }
            TxnInner::Orm(t) => t.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            TxnInner::Pooled(t) => {
                let mut running = t.start().await?;
                let result = running.conn.query_all(&stmt).await;
                t.after(running, &stmt, result, DbErr::Query)
            }
            TxnInner::Orm(t) => t.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        match &self.inner {
            TxnInner::Pooled(t) => t.backend.support_returning(),
            TxnInner::Orm(t) => t.support_returning(),
        }
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl TransactionSession for HeldTransaction {
    async fn commit(self) -> Result<(), DbErr> {
        match self.inner {
            TxnInner::Pooled(t) => t.end(true).await,
            TxnInner::Orm(t) => t.commit().await,
        }
    }

    async fn rollback(self) -> Result<(), DbErr> {
        match self.inner {
            TxnInner::Pooled(t) => t.end(false).await,
            TxnInner::Orm(t) => t.rollback().await,
        }
    }
}

impl HeldTransaction {
    /// A `SAVEPOINT` on the transaction's connection.
    async fn open_savepoint(&self, options: TransactionOptions) -> Result<HeldTransaction, DbErr> {
        let inner = match &self.inner {
            TxnInner::Pooled(t) => TxnInner::Pooled(t.nested(options).await?),
            TxnInner::Orm(t) => TxnInner::Orm(t.begin_with_options(options).await?),
        };
        Ok(HeldTransaction { inner })
    }
}

transaction_trait!(HeldTransaction, open_savepoint);

#[cfg(test)]
mod tests {
    use super::query;
    use sea_orm::{DbBackend, Statement, Value};

    fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(backend, sql, values)
    }

    fn sent(s: &Statement) -> (String, usize) {
        let (sql, values) = query(s);
        (sql.into_owned(), values.0.0.len())
    }

    #[test]
    fn sqlite_gets_the_statements_limit_and_offset_as_numbers() {
        let one = stmt(
            DbBackend::Sqlite,
            "SELECT id FROM users WHERE id = ? LIMIT ?",
            vec![7.into(), 1u64.into()],
        );
        assert_eq!(
            sent(&one),
            ("SELECT id FROM users WHERE id = ? LIMIT 1".into(), 1)
        );
        let page = stmt(
            DbBackend::Sqlite,
            "SELECT id FROM tweets WHERE user_id = ? LIMIT ? OFFSET ?",
            vec![7.into(), 31u64.into(), 60u64.into()],
        );
        assert_eq!(
            sent(&page),
            (
                "SELECT id FROM tweets WHERE user_id = ? LIMIT 31 OFFSET 60".into(),
                1
            )
        );
    }

    #[test]
    fn sqlite_gets_a_subquerys_limit_as_a_number_and_keeps_the_other_values_in_order() {
        let feed = stmt(
            DbBackend::Sqlite,
            "SELECT t.id FROM tweets t JOIN (SELECT id FROM tweets WHERE user_id IN \
             (SELECT followed_id FROM follows WHERE follower_id = ?) LIMIT ?) AS picked \
             ON t.id = picked.id WHERE t.user_id <> ? LIMIT ?",
            vec![5.into(), 31u64.into(), 9.into(), 31u64.into()],
        );
        let (sql, values) = query(&feed);
        assert_eq!(
            sql,
            "SELECT t.id FROM tweets t JOIN (SELECT id FROM tweets WHERE user_id IN \
             (SELECT followed_id FROM follows WHERE follower_id = ?) LIMIT 31) AS picked \
             ON t.id = picked.id WHERE t.user_id <> ? LIMIT 31"
        );
        assert_eq!(values.0.0, vec![Value::from(5), Value::from(9)]);
    }

    #[test]
    fn anything_else_is_sent_as_built() {
        let cases = [
            // Other backends get the statement as built.
            stmt(
                DbBackend::Postgres,
                "SELECT id FROM users WHERE id = $1 LIMIT $2",
                vec![7.into(), 1u64.into()],
            ),
            // A `?` in a quoted string or name is not a parameter.
            stmt(
                DbBackend::Sqlite,
                r#"SELECT 'LIMIT ?' AS "a LIMIT ?", id FROM users WHERE id = ?"#,
                vec![5u64.into()],
            ),
            // Fewer values than `?`: left to the database to refuse.
            stmt(
                DbBackend::Sqlite,
                "SELECT id FROM users WHERE id = ? LIMIT ?",
                vec![7.into()],
            ),
            // Not a count: left to the database to refuse.
            stmt(
                DbBackend::Sqlite,
                "SELECT id FROM users LIMIT ?",
                vec!["ten".into()],
            ),
            stmt(
                DbBackend::Sqlite,
                "SELECT id FROM users LIMIT ?",
                vec![(-1i64).into()],
            ),
        ];
        for case in cases {
            let n = case.values.as_ref().map_or(0, |v| v.0.len());
            assert_eq!(sent(&case), (case.sql.clone(), n), "{}", case.sql);
        }
    }
}
