//! The generic association toolkit: what ActiveRecord users reach for and SeaORM 2.0
//! lacks. Written against SeaORM traits and relation definitions, never against a
//! concrete entity; `service`'s lesson modules plug their tables in.
//!
//! | ActiveRecord | here |
//! |---|---|
//! | `user.liked_tweets << tweet`, `.delete`, `.include?`, `ids=` | [`join::attach`], [`join::detach`], [`join::contains`], [`join::sync`] |
//! | the favorites star (on/off, retractable) | [`join::toggle`] |
//! | `counter_cache: true`, `reset_counters` | [`counter::CounterCache`], [`counter::verify`], [`counter::recount`] |
//! | `Tweet.joins(:hearts).group(:id).count` | [`counter::counts`] |
//! | `dependent: :destroy / :delete_all / :nullify / :restrict_with_error` | [`dependent::Graph::destroy`], [`dependent::Graph::destroy_many`] for many rows at once |
//! | the query log, bullet's N+1 warning | [`capture::QueryLog`], [`capture::Capture::repeated`] |

pub mod capture;
pub mod counter;
pub mod dependent;
pub mod erd;
pub mod error;
pub mod join;

pub use capture::{Capture, QueryLog};
pub use counter::CounterCache;
pub use dependent::{Graph, Rule};
pub use error::AssocError;
pub use join::{Attached, JoinTable, Side, Toggled};

use std::future::Future;
use std::time::Duration;

use sea_orm::sea_query::{DynIden, TableRef};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, Identity,
    IntoActiveModel, RelationDef, SqliteTransactionMode, TransactionOptions, TransactionSession,
    TransactionTrait,
};

/// How often a write that lost a race (deadlock, busy SQLite) is tried again.
const ATTEMPTS: u32 = 12;

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

/// Runs `op` until it succeeds, fails for a reason that is not `retry`-able, or has
/// been tried [`ATTEMPTS`] times. Each attempt must be its own transaction.
pub(crate) async fn retrying<T, F, Fut>(
    retry: fn(&AssocError) -> bool,
    mut op: F,
) -> Result<T, AssocError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AssocError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match op().await {
            Err(e) if attempt < ATTEMPTS && retry(&e) => {
                tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 3)).await;
            }
            other => return other,
        }
    }
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

/// A deadlock, a serialization failure or a busy SQLite database.
pub(crate) fn lost_race(err: &AssocError) -> bool {
    matches!(err, AssocError::Db(e) if error::is_retryable(e))
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
    id: i32,
) -> Result<bool, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from(rel.to_tbl.clone())
        .and_where(Expr::col(column(&rel.to_col)?).eq(id))
        .limit(1)
        .to_owned();
    Ok(db.query_one(&stmt).await?.is_some())
}
