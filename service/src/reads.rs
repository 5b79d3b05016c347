//! The web app's reads, on connections that are not pinged after every statement.
//!
//! SeaORM runs a statement outside a transaction on a connection it takes from sqlx's
//! pool and gives back straight after, and sqlx's pool **pings every connection it is
//! given back** before it lets anyone else have it (sqlx-core 0.9,
//! `PoolConnection::return_to_pool`, to flush what a cancelled statement may have left
//! behind): one more round trip to PostgreSQL or MySQL, one more hand-off to the
//! connection's thread on SQLite, for every statement. [`ConnectOptions`]'s
//! `test_before_acquire` settings do not reach that ping. Measured on the user page
//! (2 statements, PostgreSQL, one at a time): 1.02 ms through SeaORM's pool, 0.49 ms for
//! the same two statements on one plain connection (`docs/performance.md`).
//!
//! [`Reads`] is a [`ConnectionTrait`], so every read of `service` runs on it unchanged.
//! On a server or a SQLite file it keeps plain sqlx connections, opened with the
//! driver settings of [`crate::db`], in a [`deadpool`] pool (a maintained, small pool
//! crate, instead of a hand-written one), and
//! - pings a connection only when it has sat idle for [`db::PING_IF_IDLE_FOR`], and
//!   replaces one older than [`db::MAX_LIFETIME`], as [`db::options`] asks of sqlx;
//! - throws a connection away, instead of giving it back, when its statement failed
//!   for any reason but the statement itself (a lost connection, a protocol error) or
//!   was cancelled midway (the request's future dropped): what the release ping is
//!   there for, at no cost to the statements that finish.
//!
//! It has no transactions: writes keep SeaORM's [`DatabaseConnection`] and its
//! transactions. An in-memory SQLite database is private to its one connection, so
//! there [`Reads`] runs on the same [`DatabaseConnection`] as the writes.
//!
//! [`ConnectOptions`]: sea_orm::ConnectOptions

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use deadpool::managed::{self, Metrics, Object, Pool, PoolError, RecycleError, RecycleResult};
use sea_orm::metric::Info;
use sea_orm::sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection};
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult,
    RuntimeErr, Statement,
};
use sea_query_sqlx::SqlxValues;

use crate::db;

/// A statement's observer, as SeaORM's `set_metric_callback` takes it (the toolkit's
/// `QueryLog::record` records into the current capture).
pub type MetricCallback = Arc<dyn Fn(&Info<'_>) + Send + Sync>;

/// Where the web app sends its reads: see the module's notes.
#[derive(Clone)]
pub struct Reads {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Held(Held),
    /// An in-memory SQLite database, or a caller that wants SeaORM's pool.
    Orm(DatabaseConnection),
}

#[derive(Clone)]
struct Held {
    pool: Pool<Manager>,
    backend: DbBackend,
    metric: Option<MetricCallback>,
}

impl std::fmt::Debug for Reads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Held(held) => f
                .debug_struct("Reads")
                .field("backend", &held.backend)
                .field("pool", &held.pool.status())
                .finish(),
            Inner::Orm(_) => f.write_str("Reads(SeaORM pool)"),
        }
    }
}

impl From<DatabaseConnection> for Reads {
    /// Reads on SeaORM's own pool (each statement's connection pinged when it is
    /// given back).
    fn from(db: DatabaseConnection) -> Self {
        Reads {
            inner: Inner::Orm(db),
        }
    }
}

impl Reads {
    /// Reads for `url`: held connections on a server or a SQLite file, sized as
    /// [`db::pool_size`]; `shared` (the writes' connection) for an in-memory SQLite
    /// database. No connection is opened until the first statement.
    ///
    /// # Errors
    /// `url` is not a database URL sqlx understands.
    pub fn connect(url: &str, shared: &DatabaseConnection) -> Result<Self, DbErr> {
        if db::is_sqlite_memory(url) {
            return Ok(shared.clone().into());
        }
        let bad_url = |e: sqlx::Error| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)));
        let options = match shared.get_database_backend() {
            DbBackend::Sqlite => Options::Sqlite(db::sqlite_settings(
                SqliteConnectOptions::from_str(url).map_err(bad_url)?,
            )),
            DbBackend::Postgres => Options::Postgres(db::postgres_settings(
                PgConnectOptions::from_str(url).map_err(bad_url)?,
            )),
            DbBackend::MySql => Options::MySql(db::mysql_settings(
                MySqlConnectOptions::from_str(url).map_err(bad_url)?,
            )),
            other => {
                return Err(DbErr::Custom(format!(
                    "no held read connections for {other:?}"
                )));
            }
        };
        let size = usize::try_from(db::pool_size(url, db::cores())).unwrap_or(usize::MAX);
        let pool = Pool::builder(Manager { options })
            .max_size(size)
            .wait_timeout(Some(db::ACQUIRE_TIMEOUT))
            .create_timeout(Some(db::ACQUIRE_TIMEOUT))
            .runtime(deadpool::Runtime::Tokio1)
            .build()
            .map_err(|e| DbErr::Custom(format!("read pool: {e}")))?;
        Ok(Reads {
            inner: Inner::Held(Held {
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
            Inner::Held(held) => held.metric = Some(Arc::new(callback)),
            Inner::Orm(db) => db.set_metric_callback(callback),
        }
    }

    /// Are the reads on held connections (not on SeaORM's pool)?
    pub fn is_held(&self) -> bool {
        matches!(self.inner, Inner::Held(_))
    }

    /// How many connections are held open, and how many of them are idle; `None` on
    /// SeaORM's pool.
    pub fn held(&self) -> Option<(usize, usize)> {
        match &self.inner {
            Inner::Held(held) => {
                let status = held.pool.status();
                Some((status.size, status.available))
            }
            Inner::Orm(_) => None,
        }
    }

    /// Closes the held connections (they are also closed when the last clone drops).
    pub fn close(&self) {
        if let Inner::Held(held) = &self.inner {
            held.pool.close();
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

    async fn create(&self) -> Result<Conn, sqlx::Error> {
        Ok(match &self.options {
            Options::Sqlite(o) => Conn::Sqlite(SqliteConnection::connect_with(o).await?),
            Options::Postgres(o) => Conn::Postgres(PgConnection::connect_with(o).await?),
            Options::MySql(o) => Conn::MySql(MySqlConnection::connect_with(o).await?),
        })
    }

    async fn recycle(&self, conn: &mut Conn, metrics: &Metrics) -> RecycleResult<sqlx::Error> {
        if metrics.age() >= db::MAX_LIFETIME {
            return Err(RecycleError::message("replaced after its maximum lifetime"));
        }
        if metrics.last_used() >= db::PING_IF_IDLE_FOR {
            let pinged = match conn {
                Conn::Sqlite(c) => c.ping().await,
                Conn::Postgres(c) => c.ping().await,
                Conn::MySql(c) => c.ping().await,
            };
            pinged.map_err(RecycleError::Backend)?;
        }
        Ok(())
    }
}

/// A connection out of the pool for one statement. Dropped before [`Lease::keep`]
/// (the statement's future was cancelled, or it failed for a connection reason), the
/// connection is thrown away instead of given back.
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

    fn keep(mut self) {
        // Dropping the object gives the connection back to the pool.
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

/// The SQL and values to send for `stmt`. On SQLite a trailing `LIMIT ?` (and
/// `OFFSET ?`) is written into the SQL as a number: SQLite 3.47+ reads a bound LIMIT
/// while planning and marks the statement to be planned again whenever that parameter
/// is bound, so a cached `... LIMIT ?` statement (every `.one()`, every page) was
/// parsed and planned anew on each run (`sqlite3Reprepare` under load; `rusqlite`'s
/// `StatementStatus::RePrepare` counts one per run for `WHERE id = ? LIMIT ?` and none
/// for `WHERE id = ? LIMIT 1`). The numbers come from the statement's own values, so
/// the SQL stays what was meant; a page size of 1 to 100 makes at most 100 shapes.
fn query(stmt: &Statement) -> (Cow<'_, str>, SqlxValues) {
    let mut values = stmt.values.clone().unwrap_or(sea_orm::Values(Vec::new()));
    let mut sql = Cow::Borrowed(stmt.sql.as_str());
    if stmt.db_backend == DbBackend::Sqlite {
        let n = values.0.len();
        let counts: Vec<Option<u64>> = values.0.iter().rev().take(2).map(as_count).collect();
        if let (Some(head), [Some(offset), Some(limit)]) = (
            stmt.sql.strip_suffix(" LIMIT ? OFFSET ?"),
            counts.as_slice(),
        ) {
            sql = Cow::Owned(format!("{head} LIMIT {limit} OFFSET {offset}"));
            values.0.truncate(n - 2);
        } else if let (Some(head), [Some(limit), ..]) =
            (stmt.sql.strip_suffix(" LIMIT ?"), counts.as_slice())
        {
            sql = Cow::Owned(format!("{head} LIMIT {limit}"));
            values.0.truncate(n - 1);
        }
    }
    (sql, SqlxValues(values))
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

impl Held {
    async fn lease(&self) -> Result<Lease, DbErr> {
        match self.pool.get().await {
            Ok(conn) => Ok(Lease { conn: Some(conn) }),
            Err(PoolError::Timeout(_)) => Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            Err(PoolError::Closed) => {
                Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed))
            }
            Err(PoolError::Backend(e)) => Err(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))),
            Err(e) => Err(DbErr::Conn(RuntimeErr::Internal(format!("read pool: {e}")))),
        }
    }

    /// Reports the statement, gives the connection back unless it may be broken,
    /// and converts the error as SeaORM's own drivers do.
    fn finish<T>(
        &self,
        lease: Lease,
        stmt: &Statement,
        start: Instant,
        result: Result<T, sqlx::Error>,
        wrap: fn(RuntimeErr) -> DbErr,
    ) -> Result<T, DbErr> {
        if let Some(metric) = &self.metric {
            metric(&Info {
                elapsed: start.elapsed(),
                statement: stmt,
                failed: result.is_err(),
            });
        }
        match result {
            Ok(value) => {
                lease.keep();
                Ok(value)
            }
            Err(e) => {
                // The statement's own error (a constraint, a syntax error) leaves the
                // connection as good as before; anything else may not.
                if matches!(e, sqlx::Error::Database(_)) && !db::is_unavailable_sqlx(&e) {
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
        let result = {
            let (sql, values) = query(&stmt);
            let q = AssertSqlSafe(sql.as_ref());
            match lease.conn() {
                Conn::Sqlite(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
                Conn::Postgres(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
                Conn::MySql(c) => sqlx::query_with(q, values).execute(c).await.map(Into::into),
            }
        };
        self.finish(lease, &stmt, start, result, DbErr::Exec)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let stmt = Statement::from_string(self.backend, sql);
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let q = sqlx::raw_sql(AssertSqlSafe(sql));
        let result = match lease.conn() {
            Conn::Sqlite(c) => q.execute(c).await.map(Into::into),
            Conn::Postgres(c) => q.execute(c).await.map(Into::into),
            Conn::MySql(c) => q.execute(c).await.map(Into::into),
        };
        self.finish(lease, &stmt, start, result, DbErr::Exec)
    }

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = {
            let (sql, values) = query(&stmt);
            let q = AssertSqlSafe(sql.as_ref());
            match lease.conn() {
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
        };
        self.finish(lease, &stmt, start, result, DbErr::Query)
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let start = Instant::now();
        let mut lease = self.lease().await?;
        let result = {
            let (sql, values) = query(&stmt);
            let q = AssertSqlSafe(sql.as_ref());
            match lease.conn() {
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
        };
        self.finish(lease, &stmt, start, result, DbErr::Query)
    }
}

#[sea_orm::prelude::async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            Inner::Held(held) => held.backend,
            Inner::Orm(db) => db.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Held(held) => held.execute(stmt).await,
            Inner::Orm(db) => db.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match &self.inner {
            Inner::Held(held) => held.execute_unprepared(sql).await,
            Inner::Orm(db) => db.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Held(held) => held.query_one(stmt).await,
            Inner::Orm(db) => db.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            Inner::Held(held) => held.query_all(stmt).await,
            Inner::Orm(db) => db.query_all_raw(stmt).await,
        }
    }

    fn support_returning(&self) -> bool {
        match &self.inner {
            Inner::Held(held) => held.backend.support_returning(),
            Inner::Orm(db) => db.support_returning(),
        }
    }
}

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
    fn sqlite_gets_a_trailing_limit_and_offset_as_numbers() {
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
    fn anything_else_is_sent_as_built() {
        let cases = [
            // Other backends plan a bound LIMIT once.
            stmt(
                DbBackend::Postgres,
                "SELECT id FROM users WHERE id = $1 LIMIT $2",
                vec![7.into(), 1u64.into()],
            ),
            // A LIMIT inside a subquery is not the statement's own.
            stmt(
                DbBackend::Sqlite,
                "SELECT id FROM users WHERE id IN (SELECT user_id FROM tweets LIMIT ?)",
                vec![5u64.into()],
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
