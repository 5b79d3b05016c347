#![doc = include_str!("../README.md")]

pub mod audit;
pub mod capture;
pub mod counter;
mod destroy;
#[doc(hidden)]
pub mod doc_fixture;
pub mod erd;
pub mod error;
pub mod join;
pub mod page;
pub mod registry;
pub mod testing;

pub use capture::{Capture, QueryLog};
pub use counter::CounterCache;
pub use destroy::Step;
pub use error::{AlreadyLinked, DestroyError, LinkError};
pub use join::{Attached, JoinTable, Side, Synced, Toggled};
pub use registry::{Registry, Rule};

use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

use sea_orm::sea_query::{DynIden, TableRef};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnType, ConnectionTrait, DbErr, EntityTrait,
    Identity, IntoActiveModel, QueryResult, RelationDef, SqliteTransactionMode, TransactionOptions,
    TransactionSession, TransactionTrait, TryGetable, Value,
};

/// A key the toolkit can bind into a statement and read back from a row: `i32`, `i64`,
/// `String`, `Uuid` (with the `with-uuid` feature), or any other type SeaORM does both
/// for. Errors render it with `Display`.
pub trait Key:
    Clone + Ord + Hash + Debug + Display + Into<Value> + TryGetable + Send + Sync + 'static
{
}

impl<T> Key for T where
    T: Clone + Ord + Hash + Debug + Display + Into<Value> + TryGetable + Send + Sync + 'static
{
}

/// How a write that lost a race (a deadlock, a serialization failure, a busy SQLite
/// database) is tried again: up to `attempts` times in all, waiting `base`, 2 x `base`,
/// 4 x `base` ... at most `max` between attempts, plus up to as much again at random so
/// that writers that collided do not collide again in step.
///
/// Each join table chooses its own ([`JoinTable::retry_policy`]), and a [`Registry`]
/// has one for destroys ([`Registry::retry_policy`]).
///
/// ```
/// use std::time::Duration;
/// use sea_orm_assoc::RetryPolicy;
///
/// let patient = RetryPolicy { attempts: 20, ..RetryPolicy::default() };
/// assert_eq!(patient.max, Duration::from_millis(64));
/// assert_eq!(RetryPolicy::never().attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 never retries.
    pub attempts: u32,
    /// The wait after the first lost race.
    pub base: Duration,
    /// The longest wait (before the random part).
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// 12 attempts, waiting 2, 4, 8 ... 64 ms: enough for a hundred concurrent toggles
    /// of one row on any of the three backends.
    fn default() -> Self {
        RetryPolicy {
            attempts: 12,
            base: Duration::from_millis(2),
            max: Duration::from_millis(64),
        }
    }
}

impl RetryPolicy {
    /// One attempt: a lost race is returned to the caller.
    pub const fn never() -> Self {
        RetryPolicy {
            attempts: 1,
            base: Duration::ZERO,
            max: Duration::ZERO,
        }
    }

    /// The wait after attempt `attempt` (1-based) failed: the doubled base, capped,
    /// plus a random part of the same size. The randomness comes from the clock's
    /// nanoseconds: enough to spread colliding writers, and no dependency.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doubled = self
            .base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let wait = doubled.min(self.max);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::from(d.subsec_nanos()));
        let span = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX).max(1);
        wait + Duration::from_micros(nanos % span)
    }
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`, so it
/// takes the write lock up front and waits for it (a deferred transaction that reads
/// first fails at once with "database is locked" when another connection wrote).
pub(crate) async fn begin_write<C>(db: &C) -> Result<C::Transaction, DbErr>
where
    C: TransactionTrait,
{
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Runs `op(attempt)` (attempt 1, 2, ...) until it succeeds, fails for a reason that
/// is not `retry`-able, or has been tried as often as `policy` allows. Each attempt
/// must be its own transaction. A capture marks the abandoned attempt's statements
/// (see [`Capture::retries`]).
pub(crate) async fn retrying<T, E, F, Fut>(
    policy: RetryPolicy,
    retry: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let mark = capture::attempt_mark();
        match op(attempt).await {
            Err(e) if attempt < policy.attempts && retry(&e) => {
                capture::abandon_attempt(mark);
                tokio::time::sleep(policy.backoff(attempt)).await;
            }
            other => return other,
        }
    }
}

/// `SELECT 1 FROM <parent> WHERE <key> = id FOR UPDATE` on PostgreSQL and MySQL: makes
/// the writers of one parent row take turns ([`join::toggle`] takes it first). SQLite
/// needs none: its write transactions already take turns (`BEGIN IMMEDIATE`).
pub(crate) async fn lock_parent<C: ConnectionTrait>(
    db: &C,
    rel: &RelationDef,
    id: Value,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, LockType, Query};
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from(rel.to_tbl.clone())
        .and_where(Expr::col(column(&rel.to_col)?).eq(id))
        .lock(LockType::Update)
        .take();
    db.query_one(&stmt).await?;
    Ok(())
}

/// Inserts `row` in a transaction of its own (a savepoint inside a caller's) and
/// returns the model, or the database's refusal after rolling the savepoint back.
/// PostgreSQL aborts a whole transaction when one statement fails; isolating the
/// insert keeps the caller's transaction usable, including for the lookup that
/// explains a refusal (which user is missing, which name is taken).
///
/// # Errors
/// The refusal (match it with [`error::is_unique_violation`] and friends), or any
/// other [`DbErr`].
pub async fn insert_isolated<A, C>(
    db: &C,
    row: A,
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
    C: ConnectionTrait + TransactionTrait,
{
    let txn = db.begin().await?;
    match row.insert(&txn).await {
        Ok(model) => {
            txn.commit().await?;
            Ok(model)
        }
        Err(refused) => {
            txn.rollback().await?;
            Err(refused)
        }
    }
}

/// The single column of a relation end (the toolkit's joins are on one column).
pub(crate) fn column(identity: &Identity) -> Result<DynIden, DbErr> {
    match identity {
        Identity::Unary(col) => Ok(col.clone()),
        other => Err(DbErr::Custom(format!(
            "the association toolkit supports single-column keys, found {other:?}"
        ))),
    }
}

/// The table's name, for errors and reports.
pub(crate) fn table_name(table: &TableRef) -> String {
    table.sea_orm_table().to_string()
}

/// `SELECT 1 FROM <to_tbl> WHERE <to_col> = id`: does the parent of a relation exist?
pub(crate) async fn parent_exists<C: ConnectionTrait>(
    db: &C,
    rel: &RelationDef,
    id: Value,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from(rel.to_tbl.clone())
        .and_where(Expr::col(column(&rel.to_col)?).eq(id))
        .limit(1)
        .take();
    Ok(db.query_one(&stmt).await?.is_some())
}

/// A count or counter-cache value, whichever integer width the column has.
pub(crate) fn read_count(row: &QueryResult, idx: usize) -> Result<i64, DbErr> {
    row.try_get_by_index::<i64>(idx)
        .or_else(|_| row.try_get_by_index::<i32>(idx).map(i64::from))
}

/// A key read from a row when only its column type is known (a destroy walks tables
/// of every key type).
pub(crate) fn read_key(row: &QueryResult, idx: usize, ty: &ColumnType) -> Result<Value, DbErr> {
    fn get<T: TryGetable + Into<Value>>(row: &QueryResult, idx: usize) -> Result<Value, DbErr> {
        row.try_get_by_index::<T>(idx).map(Into::into)
    }
    match ty {
        ColumnType::TinyInteger => get::<i8>(row, idx),
        ColumnType::SmallInteger => get::<i16>(row, idx),
        ColumnType::Integer => get::<i32>(row, idx),
        ColumnType::BigInteger => get::<i64>(row, idx),
        ColumnType::TinyUnsigned => get::<u8>(row, idx),
        ColumnType::SmallUnsigned => get::<u16>(row, idx),
        ColumnType::Unsigned => get::<u32>(row, idx),
        ColumnType::BigUnsigned => get::<u64>(row, idx),
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => get::<String>(row, idx),
        #[cfg(feature = "with-uuid")]
        ColumnType::Uuid => get::<sea_orm::prelude::Uuid>(row, idx),
        other => Err(DbErr::Custom(format!(
            "the association toolkit cannot use a {other:?} column as a key"
        ))),
    }
}

/// A key as errors show it: `42`, `ann`, `67e55044-...`.
pub(crate) fn key_text(value: &Value) -> String {
    match value {
        Value::TinyInt(Some(v)) => v.to_string(),
        Value::SmallInt(Some(v)) => v.to_string(),
        Value::Int(Some(v)) => v.to_string(),
        Value::BigInt(Some(v)) => v.to_string(),
        Value::TinyUnsigned(Some(v)) => v.to_string(),
        Value::SmallUnsigned(Some(v)) => v.to_string(),
        Value::Unsigned(Some(v)) => v.to_string(),
        Value::BigUnsigned(Some(v)) => v.to_string(),
        Value::String(Some(v)) => v.to_string(),
        #[cfg(feature = "with-uuid")]
        Value::Uuid(Some(v)) => v.to_string(),
        other => format!("{other:?}"),
    }
}
