//! attach / detach / toggle / contains / sync for any join entity with two
//! `belongs_to` sides (hearts, follows, user_items, ...).
//!
//! Race safety comes from the database, not from a check-then-insert: the join pair
//! has a unique index, the insert is a plain `INSERT`, and a duplicate is recognised by
//! the unique index refusing it (`SqlErr::UniqueConstraintViolation`, the same on all
//! three backends). The toolkit never reads the driver's `Conflicted` flag or an
//! affected-row count for an upsert: MariaDB reports an ignored duplicate as inserted,
//! and with `CLIENT_FOUND_ROWS` (which sqlx sets) an `ON DUPLICATE KEY UPDATE` no-op
//! counts as one affected row. Every write runs in its own transaction, together
//! with its counter caches, and is tried again when it loses a race (deadlock, busy
//! SQLite), so sixteen concurrent toggles are sixteen toggles.
//!
//! On SQLite [`attach`] sends its transaction as one batch (`SAVEPOINT ..; INSERT ..
//! ON CONFLICT DO NOTHING; UPDATE .. WHERE changes() > 0; SELECT changes(), EXISTS ..,
//! EXISTS ..; RELEASE ..`): each statement is a hand-off to sqlx's thread for the
//! connection, and SQLite has one writer. The count it goes by is SQLite's own
//! `changes()`, read inside the batch, which is exact, as are the parents' `EXISTS`
//! beside it. [`attach_all`] sends many pairs in one such batch (a writer that groups
//! the links of many requests into one commit). On PostgreSQL [`attach`] is one
//! statement, a `WITH` of the same `INSERT` and counter `UPDATE` and a `SELECT` of the
//! same answers: no `BEGIN` or `COMMIT` to send. So is [`toggle`] there, for a join
//! with a counter cache, unless another toggle of the same pair gets in its way.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // People 1 (Ann) and 2 (Bob), Ann's post 7, a `likes` join with a counter cache on
//! // `posts.likes_count`, and a self-referential `follows` join (see the crate README
//! // for how such a schema is declared).
//! # use sea_orm_assoc::doc_fixture::{self as fx, follow, like, post};
//! # let db = fx::db().await?;
//! use sea_orm_assoc::join::{self, Attached, Toggled};
//! use sea_orm_assoc::{AlreadyLinked, LinkError, Side};
//!
//! assert_eq!(join::attach::<like::Entity, _>(&db, 2, 7).await?, Attached::Created);
//! assert_eq!(join::attach::<like::Entity, _>(&db, 2, 7).await?, Attached::AlreadyLinked);
//! assert!(join::contains::<like::Entity, _>(&db, 2, 7).await?);
//! assert!(matches!(
//!     join::attach_new::<like::Entity, _>(&db, 2, 7).await,
//!     Err(AlreadyLinked::Pair { .. })
//! ));
//!
//! // The star: off, then on again, with the post's count from its counter cache.
//! assert_eq!(join::toggle::<like::Entity, _>(&db, 2, 7).await?, Toggled { on: false, count: 0 });
//! assert_eq!(join::toggle::<like::Entity, _>(&db, 2, 7).await?, Toggled { on: true, count: 1 });
//! assert!(join::detach::<like::Entity, _>(&db, 2, 7).await?);
//! assert!(!join::detach::<like::Entity, _>(&db, 2, 7).await?, "twice is not an error");
//!
//! // `collection_ids=`: Ann follows exactly Bob.
//! let synced = join::sync::<follow::Entity, _>(&db, 1, &[2]).await?;
//! assert_eq!((synced.added, synced.removed), (vec![2], vec![]));
//!
//! // Refusals name what is wrong.
//! let err = join::attach::<like::Entity, _>(&db, 1, 99).await.unwrap_err();
//! assert!(matches!(err, LinkError::MissingParent { side: Side::Right, .. }));
//! assert_eq!(err.to_string(), "posts 99 not found (right side)");
//! let err = join::attach::<follow::Entity, _>(&db, 1, 1).await.unwrap_err();
//! assert_eq!(err.to_string(), "follows cannot link people 1 to itself");
//! # Ok(())
//! # }
//! ```

use sea_orm::sea_query::{
    Alias, CommonTableExpression, Expr, ExprTrait, InsertStatement, LockType, OnConflict, Query,
    SelectStatement, SubQueryStatement, WithClause, WithQuery,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ConnectionTrait, DbBackend, EntityTrait, Iterable, QueryResult,
    RelationDef, Statement, TransactionSession, TransactionTrait,
};

use sea_orm::{DbErr, Value};

use crate::error::{
    AlreadyLinked, LinkError, is_check_violation, is_foreign_key_violation, is_retryable,
    is_unique_violation,
};
use crate::{
    CounterCache, Key, RetryPolicy, begin_write, capture, column, key_text, lock_parent,
    parent_exists, read_count, retrying, table_name,
};

/// A join entity: two `belongs_to` relations and a way to build a row for a pair.
/// Implement it in the crate that defines the entity (the orphan rule): it is part
/// of the model's declaration, like ActiveRecord's `belongs_to` lines.
pub trait JoinTable: EntityTrait {
    /// The left parent's key type (`i32`, `i64`, `String`, `Uuid`, ...).
    type Left: Key;
    /// The right parent's key type.
    type Right: Key;
    /// The `belongs_to` relation of the left side (e.g. heart -> user).
    fn left() -> RelationDef;
    /// The `belongs_to` relation of the right side (e.g. heart -> tweet).
    fn right() -> RelationDef;
    /// A new join row for the pair, with any extra columns filled in.
    fn new_row(left: Self::Left, right: Self::Right) -> Self::ActiveModel;
    /// A counter cache on the right side's parent, kept by every write here.
    fn counter_cache() -> Option<CounterCache> {
        None
    }
    /// A counter cache on the left side's parent, kept by every write here as well:
    /// ActiveRecord's `counter_cache:` on the join's other `belongs_to` (a follow
    /// counts one more follower for the followed user and one more followed for the
    /// follower). A join may have either, both or neither.
    fn left_counter_cache() -> Option<CounterCache> {
        None
    }
    /// How a write that lost a race is tried again.
    fn retry_policy() -> RetryPolicy {
        RetryPolicy::default()
    }
}

/// Which side of a join an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// What `attach` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attached {
    /// This call wrote the join row.
    Created,
    /// The pair was already linked; nothing was written.
    AlreadyLinked,
}

/// The outcome of a toggle: whether the pair is now linked, and the right side's new
/// count (from the counter cache when there is one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Toggled {
    pub on: bool,
    pub count: i64,
}

/// What `sync` changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced<R> {
    pub added: Vec<R>,
    pub removed: Vec<R>,
}

// ANCHOR: attach
/// Links `left` to `right`; idempotent.
///
/// # Errors
/// [`LinkError::MissingParent`] naming the missing side, [`LinkError::SelfLink`] for
/// a self-referential join asked to link a row to itself, [`LinkError::Db`].
pub async fn attach<J, C>(db: &C, left: J::Left, right: J::Right) -> Result<Attached, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    refuse_self_link::<J>(&left, &right)?;
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            return retrying(J::retry_policy(), lost_race, |_| {
                attach_in_one_batch::<J, C>(db, &left, &right)
            })
            .await;
        }
        DbBackend::Postgres => {
            return retrying(J::retry_policy(), lost_race, |_| {
                attach_in_one_statement::<J, C>(db, &left, &right)
            })
            .await;
        }
        _ => {}
    }
    retrying(J::retry_policy(), lost_race, |_| async {
        let txn = begin_write(db).await?;
        match insert_pair::<J, _>(&txn, &left, &right).await {
            Ok(()) => {
                txn.commit().await?;
                Ok(Attached::Created)
            }
            Err(e) => {
                txn.rollback().await?;
                if is_unique_violation(&e) {
                    Ok(Attached::AlreadyLinked)
                } else {
                    Err(explain::<J, _>(db, e, &left, &right).await)
                }
            }
        }
    })
    .await
}
// ANCHOR_END: attach

/// Links each of `pairs` as [`attach`] would one after the other, and answers for
/// each, in order: a pair asked for twice is `Created` the first time and
/// `AlreadyLinked` the second.
///
/// On SQLite all of them travel as one batch, [`attach`]'s with an `INSERT`, a
/// counter `UPDATE` and a `SELECT` of what happened per pair, in one transaction (a
/// savepoint): one round trip and one commit for the lot, which is what a writer
/// that gathers the links many requests asked for at once (group commit) needs.
/// Nothing in the batch can be refused by the data, so it goes in whole or, on a
/// database error (after [`JoinTable::retry_policy`]'s retries), not at all, and
/// then every pair in it answers that error. Elsewhere each pair is [`attach`]ed on
/// its own (one statement each on PostgreSQL, a transaction each on MySQL).
///
/// # Errors
/// Per pair, those of [`attach`].
pub async fn attach_all<J, C>(
    db: &C,
    pairs: &[(J::Left, J::Right)],
) -> Vec<Result<Attached, LinkError>>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    if db.get_database_backend() != DbBackend::Sqlite {
        let mut out = Vec::with_capacity(pairs.len());
        for (left, right) in pairs {
            out.push(attach::<J, C>(db, left.clone(), right.clone()).await);
        }
        return out;
    }
    // Self-links are refused before anything is sent; the rest go in one batch.
    let mut sent = Vec::with_capacity(pairs.len());
    let mut answers: Vec<Option<Result<Attached, LinkError>>> = Vec::with_capacity(pairs.len());
    for (left, right) in pairs {
        match refuse_self_link::<J>(left, right) {
            Ok(()) => {
                sent.push((left, right));
                answers.push(None);
            }
            Err(e) => answers.push(Some(Err(e))),
        }
    }
    let found = if sent.is_empty() {
        Ok(Vec::new())
    } else {
        retrying(
            J::retry_policy(),
            |e: &DbErr| is_retryable(e),
            |_| found_in_one_batch::<J, C>(db, &sent),
        )
        .await
    };
    let mut found = match found {
        Ok(found) => found.into_iter(),
        Err(e) => {
            return answers
                .into_iter()
                .map(|a| a.unwrap_or_else(|| Err(LinkError::Db(e.clone()))))
                .collect();
        }
    };
    pairs
        .iter()
        .zip(answers)
        .map(|((left, right), refused)| match refused {
            Some(refused) => refused,
            // found_in_one_batch answered one per pair sent, or failed.
            None => found.next().map_or_else(
                || {
                    Err(LinkError::Db(DbErr::Custom(
                        "attach: a pair went unanswered".into(),
                    )))
                },
                |found| found.answer::<J>(left, right),
            ),
        })
        .collect()
}

/// Links `left` to `right`, refusing a pair that is already linked (a `validates
/// uniqueness` that holds under concurrency): the duplicate writes nothing.
///
/// # Errors
/// [`AlreadyLinked::Pair`], or [`AlreadyLinked::Link`] with those of [`attach`].
pub async fn attach_new<J, C>(db: &C, left: J::Left, right: J::Right) -> Result<(), AlreadyLinked>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    match attach::<J, C>(db, left.clone(), right.clone()).await? {
        Attached::Created => Ok(()),
        Attached::AlreadyLinked => Err(AlreadyLinked::Pair {
            join: table_name(&J::left().from_tbl),
            left: left.to_string(),
            right: right.to_string(),
        }),
    }
}

// ANCHOR: detach
/// Unlinks the pair; returns whether it was linked. Unlinking twice is not an error.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn detach<J, C>(db: &C, left: J::Left, right: J::Right) -> Result<bool, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    retrying(J::retry_policy(), is_retryable, |_| async {
        let txn = begin_write(db).await?;
        let removed = delete_pair::<J, _>(&txn, &left, &right).await?;
        txn.commit().await?;
        Ok(removed)
    })
    .await
}
// ANCHOR_END: detach

// ANCHOR: toggle
/// Links the pair if it is not linked, unlinks it if it is; returns the new state and
/// the right side's new count, both read inside the same transaction.
///
/// On PostgreSQL, for a join with a counter cache on its right side only, it first
/// tries all of it as one statement (`toggle_in_one_statement`: the right row's lock,
/// the `DELETE`, the `INSERT` unless it deleted, the counter's `UPDATE .. RETURNING`),
/// and goes on to the transaction below only when a toggle of the same pair got in
/// between.
///
/// # Errors
/// [`LinkError::MissingParent`] naming the missing side, [`LinkError::SelfLink`],
/// [`LinkError::Db`].
pub async fn toggle<J, C>(db: &C, left: J::Left, right: J::Right) -> Result<Toggled, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    refuse_self_link::<J>(&left, &right)?;
    if db.get_database_backend() == DbBackend::Postgres
        && let Some(cc) = J::counter_cache()
        && J::left_counter_cache().is_none()
    {
        let mark = capture::attempt_mark();
        match toggle_in_one_statement::<J, C>(db, &cc, &left, &right).await {
            Ok(Some(toggled)) => return Ok(toggled),
            // Another toggle of the pair got there first (or a deadlock): take turns.
            Ok(None) => capture::abandon_attempt(mark),
            Err(e) if lost_race(&e) => capture::abandon_attempt(mark),
            Err(e) => return Err(e),
        }
    }
    // A unique violation here means another toggle of the same pair inserted between
    // our DELETE and INSERT: run again, and this toggle turns that one's row off.
    let retry =
        |e: &LinkError| lost_race(e) || matches!(e, LinkError::Db(err) if is_unique_violation(err));
    retrying(J::retry_policy(), retry, |_| async {
        let txn = begin_write(db).await?;
        let result = async {
            // Toggles of one right-hand row take turns on that row before touching the
            // pair (on PostgreSQL and MySQL; SQLite's write transactions already do).
            // Without it, concurrent toggles of a pair that is off all find nothing to
            // delete, all insert, and all but one fail and retry, round after round
            // (and MySQL's gap locks turn the inserts into deadlocks). They would
            // queue on the row anyway, for its counter.
            lock_parent(&txn, &J::right(), right.clone().into()).await?;
            let on = if delete_row::<J, _>(&txn, &left, &right).await? > 0 {
                false
            } else {
                insert_row::<J, _>(&txn, &left, &right).await?;
                true
            };
            if let Some(cc) = J::left_counter_cache() {
                cc.adjust(&txn, left.clone(), if on { 1 } else { -1 })
                    .await?;
            }
            // The counter moves and reports its new value in one statement.
            let count = match J::counter_cache() {
                Some(cc) => cc
                    .adjust_returning(&txn, right.clone(), if on { 1 } else { -1 })
                    .await?
                    .unwrap_or(0),
                None => count_right::<J, _>(&txn, &right).await?,
            };
            Ok::<_, DbErr>(Toggled { on, count })
        }
        .await;
        match result {
            Ok(toggled) => {
                txn.commit().await?;
                Ok(toggled)
            }
            Err(e) => {
                txn.rollback().await?;
                Err(explain::<J, _>(db, e, &left, &right).await)
            }
        }
    })
    .await
}
// ANCHOR_END: toggle

/// Is `left` linked to `right`? One statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn contains<J, C>(db: &C, left: J::Left, right: J::Right) -> Result<bool, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let stmt = Query::select()
        .expr(Expr::val(1))
        .from(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left))
        .and_where(Expr::col(column(&r.from_col)?).eq(right))
        .limit(1)
        .take();
    Ok(db.query_one(&stmt).await?.is_some())
}

// ANCHOR: sync
/// Makes `left`'s links exactly `rights` (ActiveRecord's `collection_ids=`): removes
/// the others, adds the missing ones, and keeps the counter cache right.
///
/// # Errors
/// [`LinkError::MissingParent`] for a missing left row or any missing right row
/// (nothing is written), [`LinkError::SelfLink`], [`LinkError::Db`].
pub async fn sync<J, C>(
    db: &C,
    left: J::Left,
    rights: &[J::Right],
) -> Result<Synced<J::Right>, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    let mut wanted: Vec<J::Right> = rights.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    for right in &wanted {
        refuse_self_link::<J>(&left, right)?;
    }
    if !parent_exists(db, &J::left(), left.clone().into()).await? {
        return Err(missing(&J::left(), Side::Left, left.into()));
    }
    let retry =
        |e: &LinkError| lost_race(e) || matches!(e, LinkError::Db(err) if is_unique_violation(err));
    retrying(J::retry_policy(), retry, |_| async {
        let txn = begin_write(db).await?;
        let result = sync_in::<J, _>(&txn, &left, &wanted).await;
        match result {
            Ok(synced) => {
                txn.commit().await?;
                Ok(synced)
            }
            Err(e) => {
                txn.rollback().await?;
                // The transaction is aborted on PostgreSQL: look outside it.
                if is_foreign_key_violation(&e)
                    && let Some(missing) = first_missing_right::<J, _>(db, &wanted).await?
                {
                    return Err(missing);
                }
                Err(LinkError::Db(e))
            }
        }
    })
    .await
}
// ANCHOR_END: sync

async fn sync_in<J, C>(
    txn: &C,
    left: &J::Left,
    wanted: &[J::Right],
) -> Result<Synced<J::Right>, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let right_col = column(&r.from_col)?;
    let current_stmt = Query::select()
        .column(right_col.clone())
        .from(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left.clone()))
        .take();
    let mut current = Vec::new();
    for row in txn.query_all(&current_stmt).await? {
        current.push(row.try_get_by_index::<J::Right>(0)?);
    }
    let removed: Vec<J::Right> = current
        .iter()
        .filter(|id| !wanted.contains(id))
        .cloned()
        .collect();
    let added: Vec<J::Right> = wanted
        .iter()
        .filter(|id| !current.contains(id))
        .cloned()
        .collect();

    if !removed.is_empty() {
        let delete = Query::delete()
            .from_table(l.from_tbl.clone())
            .and_where(Expr::col(column(&l.from_col)?).eq(left.clone()))
            .and_where(Expr::col(right_col.clone()).is_in(removed.clone()))
            .take();
        txn.execute(&delete).await?;
        if let Some(cc) = J::counter_cache() {
            cc.adjust_many(txn, &removed, -1).await?;
        }
    }
    if !added.is_empty() {
        let rows = added
            .iter()
            .map(|right| J::new_row(left.clone(), right.clone()));
        J::insert_many(rows).exec_without_returning(txn).await?;
        if let Some(cc) = J::counter_cache() {
            cc.adjust_many(txn, &added, 1).await?;
        }
    }
    if let Some(cc) = J::left_counter_cache() {
        let moved = i64::try_from(added.len()).unwrap_or(i64::MAX)
            - i64::try_from(removed.len()).unwrap_or(i64::MAX);
        cc.adjust(txn, left.clone(), moved).await?;
    }
    Ok(Synced { added, removed })
}

/// The number of rows linked to `right`: the counter cache when there is one (it is
/// kept in the same transaction), else a COUNT.
async fn count_right<J, C>(db: &C, right: &J::Right) -> Result<i64, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    if let Some(cc) = J::counter_cache() {
        return Ok(cc.value(db, right.clone()).await?.unwrap_or(0));
    }
    let counts = crate::counter::counts(db, &J::right(), std::slice::from_ref(right)).await?;
    Ok(counts.get(right).copied().unwrap_or(0))
}

/// [`attach`] on SQLite, in one round trip to the database:
///
/// ```sql
/// SAVEPOINT sea_orm_assoc_attach;
/// INSERT INTO join (..) SELECT ?, .. WHERE EXISTS (SELECT 1 FROM left ..)
///     AND EXISTS (SELECT 1 FROM right ..) ON CONFLICT DO NOTHING;
/// UPDATE right SET count = count + 1 WHERE id IN (?) AND changes() > 0;  -- a counter cache
/// SELECT changes(), EXISTS (SELECT 1 FROM left ..), EXISTS (SELECT 1 FROM right ..);
/// RELEASE sea_orm_assoc_attach
/// ```
///
/// sqlx runs a SQLite statement on the connection's own thread, so each statement a
/// transaction sends is a hand-off to that thread and back; four of them held the one
/// writer of a SQLite file idle most of the time (`docs/performance.md`, "Early
/// morning": one round trip instead of four, +56-64 % POST /hearts at 64
/// connections). Nothing in the batch can be refused by the data: a missing parent
/// or a pair already there inserts no row instead of failing, the counter moves only
/// if a row went in (SQLite's `changes()` is the last statement's count), and the
/// last `SELECT` reports it with whether each parent exists, read in the same
/// transaction: when no row went in, that tells a missing parent from a pair that
/// was there, with no further round trip.
///
/// A savepoint, not `BEGIN`, so that the batch works inside a transaction the caller
/// holds as well as outside one (there it is the transaction; the `INSERT`, a write,
/// takes the write lock as `BEGIN IMMEDIATE` would, waiting out the busy timeout).
/// After a failure (a busy timeout, an I/O error) `ROLLBACK TO` and `RELEASE` undo
/// whatever ran. On a pool of several connections those may reach another one, which
/// they leave alone ("no such savepoint"): the pool's own check on giving a connection
/// back is then what keeps the open one out (the fwitter app's `Held` has it).
async fn attach_in_one_batch<J, C>(
    db: &C,
    left: &J::Left,
    right: &J::Right,
) -> Result<Attached, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let pair = (left, right);
    let found = found_in_one_batch::<J, C>(db, std::slice::from_ref(&pair)).await?;
    found[0].answer::<J>(left, right)
}

/// What the batch found for one pair: its `SELECT changes(), EXISTS (left), EXISTS
/// (right)`, read after the pair's `INSERT` and counter `UPDATE`, in the same
/// transaction.
#[derive(Debug, Clone, Copy)]
struct Found {
    inserted: bool,
    left: bool,
    right: bool,
}

impl Found {
    /// [`attach`]'s answer: a row went in, or which parent was missing, or the pair
    /// was there already.
    fn answer<J: JoinTable>(self, left: &J::Left, right: &J::Right) -> Result<Attached, LinkError> {
        if self.inserted {
            Ok(Attached::Created)
        } else if let Some(e) = missing_parent::<J>((self.left, self.right), left, right) {
            Err(e)
        } else {
            Ok(Attached::AlreadyLinked)
        }
    }
}

/// When a statement changed nothing, which parent, if any, was missing: the error
/// names the left one first, as the foreign keys would.
fn missing_parent<J: JoinTable>(
    (left_there, right_there): (bool, bool),
    left: &J::Left,
    right: &J::Right,
) -> Option<LinkError> {
    if !left_there {
        Some(missing(&J::left(), Side::Left, left.clone().into()))
    } else if !right_there {
        Some(missing(&J::right(), Side::Right, right.clone().into()))
    } else {
        None
    }
}

/// The one row a `WITH .. SELECT` answers; `what` names the caller in the error if
/// the server answered none.
async fn only_row<C: ConnectionTrait>(
    db: &C,
    stmt: &WithQuery,
    what: &str,
) -> Result<QueryResult, DbErr> {
    db.query_one(stmt)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("{what}: the statement answered no row")))
}

/// Sends [`one_batch`] for `pairs` and reads back what it found for each, in order;
/// after a failure, undoes whatever of it ran.
async fn found_in_one_batch<J, C>(
    db: &C,
    pairs: &[(&J::Left, &J::Right)],
) -> Result<Vec<Found>, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let rows = match db.query_all_raw(one_batch::<J>(pairs)?).await {
        Ok(rows) => rows,
        Err(e) => {
            // Its own error, if any, is that there was nothing to undo.
            let _ = db
                .execute_unprepared(&format!("ROLLBACK TO {BATCH}; RELEASE {BATCH}"))
                .await;
            return Err(e);
        }
    };
    // One row per pair, in the order they were sent.
    if rows.len() != pairs.len() {
        return Err(DbErr::Custom(format!(
            "attach: a batch of {} pairs answered {} rows",
            pairs.len(),
            rows.len()
        )));
    }
    rows.iter()
        .map(|row| {
            Ok(Found {
                inserted: read_count(row, 0)? > 0,
                left: read_count(row, 1)? > 0,
                right: read_count(row, 2)? > 0,
            })
        })
        .collect()
}

/// The savepoint of [`attach_in_one_batch`].
const BATCH: &str = "sea_orm_assoc_attach";

/// The statement [`attach_in_one_batch`] and [`attach_all`] send: see there.
fn one_batch<J: JoinTable>(pairs: &[(&J::Left, &J::Right)]) -> Result<Statement, DbErr> {
    // One statement a line, so that a log or a capture reads as the batch it is.
    let mut sql = format!("SAVEPOINT {BATCH};\n");
    let mut bound = Vec::new();
    for (left, right) in pairs {
        for part in pair_statements::<J>(left, right)? {
            sql.push_str(&part.sql);
            sql.push_str(";\n");
            bound.extend(part.values.map(|v| v.0).unwrap_or_default());
        }
    }
    sql.push_str(&format!("RELEASE {BATCH}"));
    Ok(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        sql,
        bound,
    ))
}

/// One pair's part of [`one_batch`]: the `INSERT .. SELECT .. WHERE EXISTS .. ON
/// CONFLICT DO NOTHING`, for each counter cache an `UPDATE .. AND changes() > 0`, and
/// the `SELECT changes(), EXISTS (..), EXISTS (..)` that says what happened.
fn pair_statements<J: JoinTable>(
    left: &J::Left,
    right: &J::Right,
) -> Result<Vec<Statement>, DbErr> {
    let mut parts = vec![DbBackend::Sqlite.build(&insert_if_parents::<J>(left, right, None)?)];
    for (cc, parent) in counters::<J>(left, right) {
        let mut update = cc.adjust_statement(vec![parent], 1)?;
        update.and_where(Expr::cust("changes() > 0"));
        parts.push(DbBackend::Sqlite.build(&update));
    }
    // After an UPDATE `changes()` is its count, which is the INSERT's: each parent's
    // row exists whenever a row went in, so each UPDATE changes one row exactly when
    // the one before it (the INSERT first) did.
    let (l, r) = (J::left(), J::right());
    let found = Query::select()
        .expr(Expr::cust("changes()"))
        .expr(parent_row_exists(&l, left.clone().into())?)
        .expr(parent_row_exists(&r, right.clone().into())?)
        .take();
    parts.push(DbBackend::Sqlite.build(&found));
    Ok(parts)
}

/// `INSERT INTO join (..) SELECT ?, .. WHERE EXISTS (left) AND EXISTS (right) ON
/// CONFLICT DO NOTHING`: the pair's row, if both parents are there and it is not;
/// with `unless`, also `AND NOT EXISTS (unless)`.
fn insert_if_parents<J: JoinTable>(
    left: &J::Left,
    right: &J::Right,
    unless: Option<SelectStatement>,
) -> Result<InsertStatement, DbErr> {
    let row = J::new_row(left.clone(), right.clone());
    let (mut columns, mut values) = (Vec::new(), Vec::new());
    for col in <J as EntityTrait>::Column::iter() {
        if let ActiveValue::Set(v) | ActiveValue::Unchanged(v) = row.get(col) {
            columns.push(col);
            values.push(Expr::val(v));
        }
    }
    let (l, r) = (J::left(), J::right());
    let mut pick = Query::select()
        .exprs(values)
        .and_where(parent_row_exists(&l, left.clone().into())?)
        .and_where(parent_row_exists(&r, right.clone().into())?)
        .take();
    if let Some(unless) = unless {
        pick.and_where(Expr::exists(unless).not());
    }
    Ok(Query::insert()
        .into_table(l.from_tbl.clone())
        .columns(columns)
        .select_from(pick)
        .map_err(|e| DbErr::Custom(format!("attach: {e}")))?
        .on_conflict(std::mem::take(OnConflict::new().do_nothing()))
        .take())
}

/// `EXISTS (SELECT 1 FROM parent WHERE key = id)` for the parent `rel` points at.
fn parent_row_exists(rel: &RelationDef, id: Value) -> Result<Expr, DbErr> {
    Ok(Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(rel.to_tbl.clone())
            .and_where(Expr::col(column(&rel.to_col)?).eq(id))
            .take(),
    ))
}

/// [`attach`] on PostgreSQL, as one statement (so one round trip, and its own
/// transaction when the caller holds none):
///
/// ```sql
/// WITH "inserted" AS (
///     INSERT INTO join (..) SELECT $1, .. WHERE EXISTS (left ..) AND EXISTS (right ..)
///     ON CONFLICT DO NOTHING RETURNING left_key),
///   "counted" AS (  -- a counter cache (a second one: "counted_also", the same on the left)
///     UPDATE right SET count = count + 1 WHERE id IN ($n) AND EXISTS (SELECT 1 FROM "inserted"))
/// SELECT (SELECT COUNT(*) FROM "inserted"), EXISTS (left ..), EXISTS (right ..)
/// ```
///
/// In place of `BEGIN`, `INSERT`, `UPDATE`, `COMMIT`: four round trips, each a wake-up
/// of a server process that shares the machine's cores with the app
/// (`docs/performance.md`, "Day, 2026-11-23"). PostgreSQL runs every part of a `WITH`
/// exactly once, in one snapshot, and the statement is atomic: the counter moves only
/// when the row went in, and when none did, the parents' `EXISTS` (read in the same
/// snapshot) tell a missing parent from a pair that was there. A parent deleted by a
/// transaction that commits while this one runs still fails the foreign key check,
/// which writes nothing and is explained as [`attach`]'s other path explains it.
async fn attach_in_one_statement<J, C>(
    db: &C,
    left: &J::Left,
    right: &J::Right,
) -> Result<Attached, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let inserted = Alias::new("inserted");
    let mut insert = insert_if_parents::<J>(left, right, None)?;
    insert.returning_col(column(&l.from_col)?);
    let mut with = WithClause::new();
    with.cte(cte(inserted.clone(), insert));
    for (n, (cc, parent)) in counters::<J>(left, right).into_iter().enumerate() {
        let mut update = cc.adjust_statement(vec![parent], 1)?;
        update.and_where(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(inserted.clone())
                .take(),
        ));
        with.cte(cte(
            Alias::new(if n == 0 { "counted" } else { "counted_also" }),
            update,
        ));
    }
    let found = Query::select()
        .expr(count_of(&inserted))
        .expr(parent_row_exists(&l, left.clone().into())?)
        .expr(parent_row_exists(&r, right.clone().into())?)
        .take();
    let stmt = with_query(with, found);
    let outcome = async {
        let row = only_row(db, &stmt, "attach").await?;
        Ok::<_, DbErr>(Found {
            inserted: read_count(&row, 0)? > 0,
            left: row.try_get_by_index::<bool>(1)?,
            right: row.try_get_by_index::<bool>(2)?,
        })
    }
    .await;
    match outcome {
        Ok(found) => found.answer::<J>(left, right),
        Err(e) => Err(explain::<J, _>(db, e, left, right).await),
    }
}

/// One part of a `WITH`: `name AS (query)`. It and [`with_query`] move each statement
/// into place: sea-query's builders hand back `&mut`, so ending a chain in
/// `.to_owned()` would copy the part, and `WithClause::query` copies the whole clause
/// (every part's statement) on its way out. Both run on every `attach` and `toggle`
/// (`docs/performance.md`, "Evening, 2026-11-24").
fn cte(name: Alias, query: impl Into<SubQueryStatement>) -> CommonTableExpression {
    std::mem::take(CommonTableExpression::new().table_name(name).query(query))
}

/// `WITH .. <query>`, built in place (see [`cte`]).
fn with_query(with: WithClause, query: SelectStatement) -> WithQuery {
    std::mem::take(WithQuery::new().with_clause(with).query(query))
}

/// `(SELECT COUNT(*) FROM cte)`: how many rows a `WITH`'s part returned.
fn count_of(cte: &Alias) -> Expr {
    Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(cte.clone())
                .take()
                .into(),
        ),
    )
}

/// [`toggle`] on PostgreSQL for a join with a counter cache, as one statement (one
/// round trip in place of `BEGIN`, the parent's lock, `DELETE`, `INSERT`, the
/// counter's `UPDATE .. RETURNING` and `COMMIT`):
///
/// ```sql
/// WITH "locked" AS (SELECT 1 FROM right WHERE id = $1 FOR UPDATE),
///   "deleted" AS (
///     DELETE FROM join WHERE left_key = $2 AND right_key = $3
///     AND EXISTS (SELECT 1 FROM "locked") RETURNING left_key),
///   "inserted" AS (
///     INSERT INTO join (..) SELECT $4, .. WHERE EXISTS (left ..) AND EXISTS (right ..)
///     AND NOT EXISTS (SELECT 1 FROM "deleted") ON CONFLICT DO NOTHING RETURNING left_key),
///   "counted" AS (
///     UPDATE right SET count = count + (SELECT COUNT(*) FROM "inserted")
///                                    - (SELECT COUNT(*) FROM "deleted")
///     WHERE id = $n AND (SELECT COUNT(*) FROM "inserted") + (SELECT COUNT(*) FROM "deleted") > 0
///     RETURNING count)
/// SELECT (SELECT COUNT(*) FROM "deleted"), (SELECT COUNT(*) FROM "inserted"),
///        (SELECT count FROM "counted"), EXISTS (left ..), EXISTS (right ..)
/// ```
///
/// Each part reads what the one before returned, so PostgreSQL runs them in that
/// order: it takes the parent's row lock before it touches the join row, as the
/// locked transaction of [`toggle`] does (taken the other way round, the two paths
/// deadlocked against each other under concurrent toggles). The statement is atomic,
/// and the counter moves by what went out or in, added to the value the last writer
/// committed. All of it reads one snapshot, taken before it waits for the lock. A
/// toggle of the same pair that commits in between can leave it nothing to do: that
/// toggle's row is not in the snapshot for the `DELETE`, and the `INSERT` meets it on
/// the unique index and does nothing. Then nothing changed, both parents are there,
/// and this answers `None`: the caller runs the locked transaction, where each
/// statement sees the other toggle's row. A row that another toggle deletes while
/// this one waits is gone when the wait ends: the `DELETE` skips it and the `INSERT`
/// puts the pair back, which is what toggling twice does.
async fn toggle_in_one_statement<J, C>(
    db: &C,
    cc: &CounterCache,
    left: &J::Left,
    right: &J::Right,
) -> Result<Option<Toggled>, LinkError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let (locked, deleted, inserted) = (
        Alias::new("locked"),
        Alias::new("deleted"),
        Alias::new("inserted"),
    );
    let rows_of = |cte: &Alias| Query::select().expr(Expr::val(1)).from(cte.clone()).take();
    let lock = Query::select()
        .expr(Expr::val(1))
        .from(r.to_tbl.clone())
        .and_where(Expr::col(column(&r.to_col)?).eq(right.clone()))
        .lock(LockType::Update)
        .take();
    let delete = Query::delete()
        .from_table(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left.clone()))
        .and_where(Expr::col(column(&r.from_col)?).eq(right.clone()))
        .and_where(Expr::exists(rows_of(&locked)))
        .returning_col(column(&l.from_col)?)
        .take();
    let mut insert = insert_if_parents::<J>(left, right, Some(rows_of(&deleted)))?;
    insert.returning_col(column(&l.from_col)?);
    let moved = count_of(&inserted).sub(count_of(&deleted));
    let update = Query::update()
        .table(cc.relation.to_tbl.clone())
        .value(cc.column.clone(), Expr::col(cc.column.clone()).add(moved))
        .and_where(Expr::col(column(&cc.relation.to_col)?).eq(right.clone()))
        .and_where(count_of(&inserted).add(count_of(&deleted)).gt(0))
        .returning_col(cc.column.clone())
        .take();
    let counted = Alias::new("counted");
    let mut with = WithClause::new();
    for (name, query) in [
        (locked, SubQueryStatement::from(lock)),
        (deleted.clone(), delete.into()),
        (inserted.clone(), insert.into()),
        (counted.clone(), update.into()),
    ] {
        with.cte(cte(name, query));
    }
    let found = Query::select()
        .expr(count_of(&deleted))
        .expr(count_of(&inserted))
        .expr(Expr::SubQuery(
            None,
            Box::new(
                Query::select()
                    .column(cc.column.clone())
                    .from(counted)
                    .take()
                    .into(),
            ),
        ))
        .expr(parent_row_exists(&l, left.clone().into())?)
        .expr(parent_row_exists(&r, right.clone().into())?)
        .take();
    let stmt = with_query(with, found);
    let outcome = async {
        let row = only_row(db, &stmt, "toggle").await?;
        let count = row.try_get_by_index::<Option<i64>>(2).or_else(|_| {
            row.try_get_by_index::<Option<i32>>(2)
                .map(|c| c.map(i64::from))
        })?;
        Ok::<_, DbErr>((
            read_count(&row, 0)? > 0,
            read_count(&row, 1)? > 0,
            count,
            row.try_get_by_index::<bool>(3)?,
            row.try_get_by_index::<bool>(4)?,
        ))
    }
    .await;
    let (went_out, went_in, count, left_there, right_there) = match outcome {
        Ok(found) => found,
        Err(e) => return Err(explain::<J, _>(db, e, left, right).await),
    };
    match (went_out || went_in, count) {
        (true, Some(count)) => Ok(Some(Toggled { on: went_in, count })),
        (true, None) => Err(LinkError::Db(DbErr::Custom(
            "toggle: the pair changed but its counter did not".into(),
        ))),
        (false, _) => match missing_parent::<J>((left_there, right_there), left, right) {
            Some(e) => Err(e),
            None => Ok(None),
        },
    }
}

/// INSERT the join row, then bump the counter caches. Caller owns the transaction.
async fn insert_pair<J, C>(txn: &C, left: &J::Left, right: &J::Right) -> Result<(), DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    insert_row::<J, _>(txn, left, right).await?;
    for (cc, parent) in counters::<J>(left, right) {
        cc.adjust(txn, parent, 1).await?;
    }
    Ok(())
}

/// The join's counter caches, the right side's first, each with the parent of the
/// pair `(left, right)` that it counts for.
fn counters<J: JoinTable>(left: &J::Left, right: &J::Right) -> Vec<(CounterCache, Value)> {
    let mut out = Vec::with_capacity(2);
    if let Some(cc) = J::counter_cache() {
        out.push((cc, right.clone().into()));
    }
    if let Some(cc) = J::left_counter_cache() {
        out.push((cc, left.clone().into()));
    }
    out
}

async fn insert_row<J, C>(txn: &C, left: &J::Left, right: &J::Right) -> Result<(), DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    J::insert(J::new_row(left.clone(), right.clone()))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// DELETE the join row, then lower the counter caches if a row went.
async fn delete_pair<J, C>(txn: &C, left: &J::Left, right: &J::Right) -> Result<bool, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let removed = delete_row::<J, _>(txn, left, right).await?;
    if removed > 0 {
        let delta = -i64::try_from(removed).unwrap_or(i64::MAX);
        for (cc, parent) in counters::<J>(left, right) {
            cc.adjust_values(txn, vec![parent], delta).await?;
        }
    }
    Ok(removed > 0)
}

async fn delete_row<J, C>(txn: &C, left: &J::Left, right: &J::Right) -> Result<u64, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let delete = Query::delete()
        .from_table(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left.clone()))
        .and_where(Expr::col(column(&r.from_col)?).eq(right.clone()))
        .take();
    Ok(txn.execute(&delete).await?.rows_affected())
}

/// A deadlock, a serialization failure or a busy SQLite database.
fn lost_race(err: &LinkError) -> bool {
    matches!(err, LinkError::Db(e) if is_retryable(e))
}

fn refuse_self_link<J: JoinTable>(left: &J::Left, right: &J::Right) -> Result<(), LinkError> {
    let (l, r) = (J::left(), J::right());
    let (lv, rv): (Value, Value) = (left.clone().into(), right.clone().into());
    if lv == rv && table_name(&l.to_tbl) == table_name(&r.to_tbl) {
        return Err(self_link::<J>(left));
    }
    Ok(())
}

fn self_link<J: JoinTable>(left: &J::Left) -> LinkError {
    let l = J::left();
    LinkError::SelfLink {
        join: table_name(&l.from_tbl),
        table: table_name(&l.to_tbl),
        id: left.to_string(),
    }
}

fn missing(rel: &RelationDef, side: Side, id: Value) -> LinkError {
    LinkError::MissingParent {
        side,
        table: table_name(&rel.to_tbl),
        id: key_text(&id),
    }
}

/// Turns a refused write into the error a user can act on: a foreign key violation
/// becomes "which side is missing", a CHECK violation a self-link.
async fn explain<J, C>(db: &C, err: DbErr, left: &J::Left, right: &J::Right) -> LinkError
where
    J: JoinTable,
    C: ConnectionTrait,
{
    if is_check_violation(&err) {
        return self_link::<J>(left);
    }
    if !is_foreign_key_violation(&err) {
        return LinkError::Db(err);
    }
    match first_missing_parent::<J, _>(db, left, right).await {
        Ok(Some(missing)) => missing,
        // Both parents there, or the lookups failed too (inside a caller's transaction
        // on PostgreSQL the failed write has aborted it): the write's own error says
        // more than the lookup's.
        Ok(None) | Err(_) => LinkError::Db(err),
    }
}

/// The first side of the pair whose parent row does not exist, as a
/// [`LinkError::MissingParent`]; `None` when both do.
async fn first_missing_parent<J, C>(
    db: &C,
    left: &J::Left,
    right: &J::Right,
) -> Result<Option<LinkError>, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    for (rel, side, id) in [
        (J::left(), Side::Left, left.clone().into()),
        (J::right(), Side::Right, right.clone().into()),
    ] {
        if !parent_exists(db, &rel, id.clone()).await? {
            return Ok(Some(missing(&rel, side, id)));
        }
    }
    Ok(None)
}

async fn first_missing_right<J, C>(db: &C, rights: &[J::Right]) -> Result<Option<LinkError>, DbErr>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let rel = J::right();
    for id in rights {
        if !parent_exists(db, &rel, id.clone().into()).await? {
            return Ok(Some(missing(&rel, Side::Right, id.clone().into())));
        }
    }
    Ok(None)
}
