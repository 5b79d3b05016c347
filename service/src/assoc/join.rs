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
//! with its counter cache, and is tried again when it loses a race (deadlock, busy
//! SQLite), so sixteen concurrent toggles are sixteen toggles.

use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, EntityTrait, RelationDef, TransactionSession, TransactionTrait};

use super::error::{is_check_violation, is_foreign_key_violation, is_unique_violation};
use super::{
    AssocError, CounterCache, begin_write, column, lost_race, parent_exists, retrying, table_name,
};

/// A join entity: two `belongs_to` relations and a way to build a row for a pair.
pub trait JoinTable: EntityTrait {
    /// The `belongs_to` relation of the left side (e.g. heart -> user).
    fn left() -> RelationDef;
    /// The `belongs_to` relation of the right side (e.g. heart -> tweet).
    fn right() -> RelationDef;
    /// A new join row for the pair, with any extra columns filled in.
    fn new_row(left: i32, right: i32) -> Self::ActiveModel;
    /// A counter cache on the right side's parent, kept by every write here.
    fn counter_cache() -> Option<CounterCache> {
        None
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synced {
    pub added: Vec<i32>,
    pub removed: Vec<i32>,
}

/// Links `left` to `right`; idempotent.
///
/// # Errors
/// [`AssocError::NotFound`] naming the missing side, [`AssocError::SelfReference`] for
/// a self-referential join asked to link a row to itself, [`AssocError::Db`].
pub async fn attach<J, C>(db: &C, left: i32, right: i32) -> Result<Attached, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    refuse_self_link::<J>(left, right)?;
    retrying(lost_race, || async {
        let txn = begin_write(db).await?;
        match insert_pair::<J, _>(&txn, left, right).await {
            Ok(()) => {
                txn.commit().await?;
                Ok(Attached::Created)
            }
            Err(e) => {
                txn.rollback().await?;
                match e {
                    AssocError::Db(ref err) if is_unique_violation(err) => {
                        Ok(Attached::AlreadyLinked)
                    }
                    other => Err(explain::<J, _>(db, other, left, right).await),
                }
            }
        }
    })
    .await
}

/// Links `left` to `right`, refusing a pair that is already linked (a `validates
/// uniqueness` that holds under concurrency): the duplicate writes nothing.
///
/// # Errors
/// [`AssocError::AlreadyLinked`], and those of [`attach`].
pub async fn attach_new<J, C>(db: &C, left: i32, right: i32) -> Result<(), AssocError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    match attach::<J, C>(db, left, right).await? {
        Attached::Created => Ok(()),
        Attached::AlreadyLinked => Err(AssocError::AlreadyLinked {
            join: table_name(&J::left().from_tbl),
            left: i64::from(left),
            right: i64::from(right),
        }),
    }
}

/// Unlinks the pair; returns whether it was linked. Unlinking twice is not an error.
///
/// # Errors
/// [`AssocError::Db`].
pub async fn detach<J, C>(db: &C, left: i32, right: i32) -> Result<bool, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    retrying(lost_race, || async {
        let txn = begin_write(db).await?;
        let removed = delete_pair::<J, _>(&txn, left, right).await?;
        txn.commit().await?;
        Ok(removed)
    })
    .await
}

/// Links the pair if it is not linked, unlinks it if it is; returns the new state and
/// the right side's new count, both read inside the same transaction.
///
/// # Errors
/// [`AssocError::NotFound`] naming the missing side, [`AssocError::SelfReference`],
/// [`AssocError::Db`].
pub async fn toggle<J, C>(db: &C, left: i32, right: i32) -> Result<Toggled, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    refuse_self_link::<J>(left, right)?;
    // A unique violation here means another toggle of the same pair inserted between
    // our DELETE and INSERT: run again, and this toggle turns that one's row off.
    let retry = |e: &AssocError| {
        lost_race(e) || matches!(e, AssocError::Db(err) if is_unique_violation(err))
    };
    retrying(retry, || async {
        let txn = begin_write(db).await?;
        let result = async {
            let on = if delete_row::<J, _>(&txn, left, right).await? > 0 {
                false
            } else {
                insert_row::<J, _>(&txn, left, right).await?;
                true
            };
            // The counter moves and reports its new value in one statement.
            let count = match J::counter_cache() {
                Some(cc) => cc
                    .adjust_returning(&txn, right, if on { 1 } else { -1 })
                    .await?
                    .unwrap_or(0),
                None => count_right::<J, _>(&txn, right).await?,
            };
            Ok::<_, AssocError>(Toggled { on, count })
        }
        .await;
        match result {
            Ok(toggled) => {
                txn.commit().await?;
                Ok(toggled)
            }
            Err(e) => {
                txn.rollback().await?;
                Err(explain::<J, _>(db, e, left, right).await)
            }
        }
    })
    .await
}

/// Is `left` linked to `right`? One statement.
///
/// # Errors
/// [`AssocError::Db`].
pub async fn contains<J, C>(db: &C, left: i32, right: i32) -> Result<bool, AssocError>
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
        .to_owned();
    Ok(db.query_one(&stmt).await?.is_some())
}

/// Makes `left`'s links exactly `rights` (ActiveRecord's `collection_ids=`): removes
/// the others, adds the missing ones, and keeps the counter cache right.
///
/// # Errors
/// [`AssocError::NotFound`] for a missing left row or any missing right row (nothing
/// is written), [`AssocError::SelfReference`], [`AssocError::Db`].
pub async fn sync<J, C>(db: &C, left: i32, rights: &[i32]) -> Result<Synced, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait + TransactionTrait,
{
    let mut wanted: Vec<i32> = rights.to_vec();
    wanted.sort_unstable();
    wanted.dedup();
    for &right in &wanted {
        refuse_self_link::<J>(left, right)?;
    }
    if !parent_exists(db, &J::left(), left).await? {
        return Err(not_found(&J::left(), Side::Left, left));
    }
    let retry = |e: &AssocError| {
        lost_race(e) || matches!(e, AssocError::Db(err) if is_unique_violation(err))
    };
    retrying(retry, || async {
        let txn = begin_write(db).await?;
        let result = sync_in::<J, _>(&txn, left, &wanted).await;
        match result {
            Ok(synced) => {
                txn.commit().await?;
                Ok(synced)
            }
            Err(e) => {
                txn.rollback().await?;
                match e {
                    // The transaction is aborted on PostgreSQL: look outside it.
                    AssocError::Db(ref err) if is_foreign_key_violation(err) => {
                        Err(first_missing_right::<J, _>(db, &wanted).await?.unwrap_or(e))
                    }
                    other => Err(other),
                }
            }
        }
    })
    .await
}

async fn sync_in<J, C>(txn: &C, left: i32, wanted: &[i32]) -> Result<Synced, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let right_col = column(&r.from_col)?;
    let current_stmt = Query::select()
        .column(right_col.clone())
        .from(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left))
        .to_owned();
    let mut current = Vec::new();
    for row in txn.query_all(&current_stmt).await? {
        current.push(row.try_get_by_index::<i32>(0)?);
    }
    let removed: Vec<i32> = current
        .iter()
        .copied()
        .filter(|id| !wanted.contains(id))
        .collect();
    let added: Vec<i32> = wanted
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();

    if !removed.is_empty() {
        let delete = Query::delete()
            .from_table(l.from_tbl.clone())
            .and_where(Expr::col(column(&l.from_col)?).eq(left))
            .and_where(Expr::col(right_col.clone()).is_in(removed.clone()))
            .to_owned();
        txn.execute(&delete).await?;
        if let Some(cc) = J::counter_cache() {
            cc.adjust_many(txn, &removed, -1).await?;
        }
    }
    if !added.is_empty() {
        let rows = added.iter().map(|&right| J::new_row(left, right));
        J::insert_many(rows).exec_without_returning(txn).await?;
        if let Some(cc) = J::counter_cache() {
            cc.adjust_many(txn, &added, 1).await?;
        }
    }
    Ok(Synced { added, removed })
}

/// The number of rows linked to `right`: the counter cache when there is one (it is
/// kept in the same transaction), else a COUNT.
async fn count_right<J, C>(db: &C, right: i32) -> Result<i64, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    if let Some(cc) = J::counter_cache() {
        return Ok(cc.value(db, right).await?.unwrap_or(0));
    }
    let counts = super::counter::counts(db, &J::right(), &[right]).await?;
    Ok(counts.get(&right).copied().unwrap_or(0))
}

/// INSERT the join row, then bump the counter cache. Caller owns the transaction.
async fn insert_pair<J, C>(txn: &C, left: i32, right: i32) -> Result<(), AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    insert_row::<J, _>(txn, left, right).await?;
    if let Some(cc) = J::counter_cache() {
        cc.adjust(txn, right, 1).await?;
    }
    Ok(())
}

async fn insert_row<J, C>(txn: &C, left: i32, right: i32) -> Result<(), AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    J::insert(J::new_row(left, right))
        .exec_without_returning(txn)
        .await?;
    Ok(())
}

/// DELETE the join row, then lower the counter cache if a row went.
async fn delete_pair<J, C>(txn: &C, left: i32, right: i32) -> Result<bool, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let removed = delete_row::<J, _>(txn, left, right).await?;
    if removed > 0 {
        if let Some(cc) = J::counter_cache() {
            cc.adjust(txn, right, -(removed as i64)).await?;
        }
    }
    Ok(removed > 0)
}

async fn delete_row<J, C>(txn: &C, left: i32, right: i32) -> Result<u64, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let (l, r) = (J::left(), J::right());
    let delete = Query::delete()
        .from_table(l.from_tbl.clone())
        .and_where(Expr::col(column(&l.from_col)?).eq(left))
        .and_where(Expr::col(column(&r.from_col)?).eq(right))
        .to_owned();
    Ok(txn.execute(&delete).await?.rows_affected())
}

fn refuse_self_link<J: JoinTable>(left: i32, right: i32) -> Result<(), AssocError> {
    let (l, r) = (J::left(), J::right());
    if left == right && table_name(&l.to_tbl) == table_name(&r.to_tbl) {
        return Err(AssocError::SelfReference {
            join: table_name(&l.from_tbl),
            entity: table_name(&l.to_tbl),
            id: i64::from(left),
        });
    }
    Ok(())
}

fn not_found(rel: &RelationDef, side: Side, id: i32) -> AssocError {
    AssocError::NotFound {
        side: Some(side),
        entity: table_name(&rel.to_tbl),
        id: i64::from(id),
    }
}

/// Turns a refused write into the error a user can act on: a foreign key violation
/// becomes "which side is missing", a CHECK violation a self-reference.
async fn explain<J, C>(db: &C, err: AssocError, left: i32, right: i32) -> AssocError
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let AssocError::Db(ref db_err) = err else {
        return err;
    };
    if is_check_violation(db_err) {
        let l = J::left();
        return AssocError::SelfReference {
            join: table_name(&l.from_tbl),
            entity: table_name(&l.to_tbl),
            id: i64::from(left),
        };
    }
    if !is_foreign_key_violation(db_err) {
        return err;
    }
    for (rel, side, id) in [
        (J::left(), Side::Left, left),
        (J::right(), Side::Right, right),
    ] {
        match parent_exists(db, &rel, id).await {
            Ok(false) => return not_found(&rel, side, id),
            Ok(true) => {}
            Err(e) => return e.into(),
        }
    }
    err
}

async fn first_missing_right<J, C>(db: &C, rights: &[i32]) -> Result<Option<AssocError>, AssocError>
where
    J: JoinTable,
    C: ConnectionTrait,
{
    let rel = J::right();
    for &id in rights {
        if !parent_exists(db, &rel, id).await? {
            return Ok(Some(not_found(&rel, Side::Right, id)));
        }
    }
    Ok(None)
}
