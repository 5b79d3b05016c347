//! Counts through a join, for many parents at once, and counter-cache columns that stay
//! right (`tweets.hearts_count`).
//!
//! A counter cache is moved with `col = col + delta` in the same transaction as the
//! join row it counts, never recomputed from a read: under concurrent writers an
//! increment applies to the row version it finally locks, so it cannot lose an update.
//! [`verify`] compares every cached value with a real count in one statement;
//! [`recount`] repairs the drifted rows.
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
//! use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect, RelationTrait};
//! use sea_orm_assoc::{counter, join};
//!
//! join::attach::<like::Entity, _>(&db, 1, 7).await?;
//! join::attach::<like::Entity, _>(&db, 2, 7).await?;
//!
//! // Many parents' counts in one GROUP BY; a parent with no rows is absent.
//! let counts = counter::counts(&db, &like::Relation::Post.def(), &[7_i64, 8]).await?;
//! assert_eq!((counts.get(&7), counts.get(&8)), (Some(&2), None));
//!
//! // Or as columns of the statement that reads the parents: how many likes, and
//! // whether viewer 2 is one of them.
//! let (n, mine): (i64, i64) = post::Entity::find()
//!     .select_only()
//!     .expr(counter::count_column(&like::Relation::Post.def(), sea_orm::Condition::all())?)
//!     .expr(counter::count_column(
//!         &like::Relation::Post.def(),
//!         counter::by_viewer(like::Column::PersonId, Some(2_i64)),
//!     )?)
//!     .into_tuple()
//!     .one(&db)
//!     .await?
//!     .unwrap();
//! assert_eq!((n, mine), (2, 1));
//!
//! // The cache is right; break it by hand, find the drift and repair it.
//! let cache = fx::likes_counter();
//! assert_eq!(cache.value(&db, 7_i64).await?, Some(2));
//! cache.adjust(&db, 7_i64, 40).await?;
//! let drift = counter::verify::<i64, _>(&db, &cache).await?;
//! assert_eq!((drift[0].parent_id, drift[0].cached, drift[0].actual), (7, 42, 2));
//! counter::recount::<i64, _>(&db, &cache).await?;
//! assert!(counter::verify::<i64, _>(&db, &cache).await?.is_empty());
//! # Ok(())
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::{
    Alias, Asterisk, CaseStatement, DynIden, Expr, ExprTrait, Func, IntoIden, JoinType, Query,
    QueryStatementBuilder, SelectStatement, TableRef, UpdateStatement,
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, RelationDef, Value};

use crate::{Key, column, key_text, read_count, table_name};

/// A column on a parent that caches how many join rows point at it.
#[derive(Debug, Clone)]
pub struct CounterCache {
    /// The join entity's `belongs_to` relation to the parent (heart -> tweet).
    pub relation: RelationDef,
    /// The cached column on the parent (`hearts_count`).
    pub column: DynIden,
}

/// The most parents [`CounterCache::adjust_each`] moves in one statement: each is
/// bound at most twice, which keeps a statement under SQLite's 32,766 parameters.
pub const PARENTS_PER_STATEMENT: usize = 10_000;

/// One parent whose cached count disagrees with the join table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift<K> {
    pub parent_id: K,
    pub cached: i64,
    pub actual: i64,
}

impl CounterCache {
    pub fn new(relation: RelationDef, column: impl IntoIden) -> Self {
        Self {
            relation,
            column: column.into_iden(),
        }
    }

    /// The parent table's name (`tweets`).
    pub fn parent_table(&self) -> String {
        table_name(&self.relation.to_tbl)
    }

    /// The join table's name (`hearts`).
    pub fn join_table(&self) -> String {
        table_name(&self.relation.from_tbl)
    }

    /// `UPDATE parent SET col = col + delta WHERE id = parent_id`.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub async fn adjust<C: ConnectionTrait>(
        &self,
        db: &C,
        parent_id: impl Into<Value>,
        delta: i64,
    ) -> Result<(), DbErr> {
        self.adjust_values(db, vec![parent_id.into()], delta).await
    }

    /// The same for several parents, in one statement.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub async fn adjust_many<K: Key, C: ConnectionTrait>(
        &self,
        db: &C,
        parent_ids: &[K],
        delta: i64,
    ) -> Result<(), DbErr> {
        let ids = parent_ids.iter().cloned().map(Into::into).collect();
        self.adjust_values(db, ids, delta).await
    }

    pub(crate) async fn adjust_values<C: ConnectionTrait>(
        &self,
        db: &C,
        parent_ids: Vec<Value>,
        delta: i64,
    ) -> Result<(), DbErr> {
        if parent_ids.is_empty() || delta == 0 {
            return Ok(());
        }
        db.execute(&self.adjust_statement(parent_ids, delta)?)
            .await?;
        Ok(())
    }

    /// `UPDATE parent SET col = col + delta WHERE id IN (parent_ids)`, to send or to
    /// add a condition to (a batch on SQLite: `join::attach`).
    pub(crate) fn adjust_statement(
        &self,
        parent_ids: Vec<Value>,
        delta: i64,
    ) -> Result<UpdateStatement, DbErr> {
        Ok(Query::update()
            .table(self.relation.to_tbl.clone())
            .value(
                self.column.clone(),
                Expr::col(self.column.clone()).add(delta),
            )
            .and_where(Expr::col(column(&self.relation.to_col)?).is_in(parent_ids))
            .take())
    }

    /// Lowers each parent's counter by how many rows of the join table matching
    /// `condition` point at it, in one statement that counts them on the server:
    /// `UPDATE parent SET col = parent.col - released.n FROM (SELECT fk, COUNT(fk) AS n
    /// FROM join WHERE condition GROUP BY fk) AS released WHERE parent.id = released.fk`
    /// (MySQL: `UPDATE parent JOIN (..) AS released ON .. SET ..`). What a destroy sends
    /// before it deletes those rows; no keys travel to the client and back.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub(crate) async fn release_where<C: ConnectionTrait>(
        &self,
        db: &C,
        condition: Condition,
    ) -> Result<(), DbErr> {
        let fk = column(&self.relation.from_col)?;
        let pk = column(&self.relation.to_col)?;
        let join = self.relation.from_tbl.sea_orm_table().clone();
        let parent = self.relation.to_tbl.sea_orm_table().clone();
        let (released, key, lost) = (
            Alias::new("released").into_iden(),
            Alias::new("parent_key").into_iden(),
            Alias::new("lost").into_iden(),
        );
        let counted = Query::select()
            .expr_as(Expr::col((join.clone(), fk.clone())), key.clone())
            .expr_as(
                Func::count(Expr::col((join.clone(), fk.clone()))),
                lost.clone(),
            )
            .from(self.relation.from_tbl.clone())
            .cond_where(condition)
            .group_by_col((join, fk))
            .take();
        let stmt = Query::update()
            .table(self.relation.to_tbl.clone())
            .value(
                self.column.clone(),
                Expr::col((parent.clone(), self.column.clone()))
                    .sub(Expr::col((released.clone(), lost))),
            )
            .from(TableRef::SubQuery(Box::new(counted), released.clone()))
            .and_where(Expr::col((parent, pk)).equals((released, key)))
            .take();
        db.execute(&stmt).await?;
        Ok(())
    }

    /// Moves each parent by its own delta (`(parent_id, delta)` pairs), in one
    /// statement per [`PARENTS_PER_STATEMENT`] parents whatever the mix of deltas:
    /// `col = col + CASE WHEN id IN (..) THEN d1 WHEN id IN (..) THEN d2 ELSE d0 END`,
    /// the most common delta in the `ELSE`. When every parent moves by the same amount
    /// this is [`Self::adjust_many`]'s plain statement. A parent listed twice moves by
    /// the sum of its deltas.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub async fn adjust_each<K: Key, C: ConnectionTrait>(
        &self,
        db: &C,
        deltas: &[(K, i64)],
    ) -> Result<(), DbErr> {
        // Summed per key; the key's text orders and identifies it (Value has no Ord).
        let mut summed: BTreeMap<String, (Value, i64)> = BTreeMap::new();
        for (parent, delta) in deltas {
            let parent: Value = parent.clone().into();
            summed.entry(key_text(&parent)).or_insert((parent, 0)).1 += *delta;
        }
        summed.retain(|_, (_, delta)| *delta != 0);
        let summed: Vec<(Value, i64)> = summed.into_values().collect();
        let pk = column(&self.relation.to_col)?;
        for chunk in summed.chunks(PARENTS_PER_STATEMENT) {
            let mut by_delta: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
            for (parent, delta) in chunk {
                by_delta.entry(*delta).or_default().push(parent.clone());
            }
            // The largest group goes unlisted, in the ELSE.
            let Some(common) = by_delta
                .iter()
                .max_by_key(|(_, parents)| parents.len())
                .map(|(delta, _)| *delta)
            else {
                continue;
            };
            if by_delta.len() == 1 {
                let parents = by_delta.remove(&common).unwrap_or_default();
                self.adjust_values(db, parents, common).await?;
                continue;
            }
            let mut case = CaseStatement::new();
            for (delta, parents) in &by_delta {
                if *delta != common {
                    case = case.case(
                        Expr::col(pk.clone()).is_in(parents.clone()),
                        Expr::val(*delta),
                    );
                }
            }
            let case: Expr = case.finally(Expr::val(common)).into();
            let stmt = Query::update()
                .table(self.relation.to_tbl.clone())
                .value(
                    self.column.clone(),
                    Expr::col(self.column.clone()).add(case),
                )
                .and_where(
                    Expr::col(pk.clone()).is_in(chunk.iter().map(|(parent, _)| parent.clone())),
                )
                .take();
            db.execute(&stmt).await?;
        }
        Ok(())
    }

    /// Moves one parent's counter by `delta` and returns its new value, in one
    /// statement where the backend has `UPDATE .. RETURNING` (SQLite, PostgreSQL), in
    /// two on MySQL. `None` when the parent does not exist.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub async fn adjust_returning<C: ConnectionTrait>(
        &self,
        db: &C,
        parent_id: impl Into<Value>,
        delta: i64,
    ) -> Result<Option<i64>, DbErr> {
        let parent_id: Value = parent_id.into();
        if !db.support_returning() {
            self.adjust(db, parent_id.clone(), delta).await?;
            return self.value(db, parent_id).await;
        }
        let stmt = Query::update()
            .table(self.relation.to_tbl.clone())
            .value(
                self.column.clone(),
                Expr::col(self.column.clone()).add(delta),
            )
            .and_where(Expr::col(column(&self.relation.to_col)?).eq(parent_id))
            .returning_col(self.column.clone())
            .take();
        match db.query_one(&stmt).await? {
            Some(row) => Ok(Some(read_count(&row, 0)?)),
            None => Ok(None),
        }
    }

    /// The cached value for one parent, `None` when the parent does not exist.
    ///
    /// # Errors
    /// [`DbErr`] from the database.
    pub async fn value<C: ConnectionTrait>(
        &self,
        db: &C,
        parent_id: impl Into<Value>,
    ) -> Result<Option<i64>, DbErr> {
        let parent_id: Value = parent_id.into();
        let stmt = Query::select()
            .column(self.column.clone())
            .from(self.relation.to_tbl.clone())
            .and_where(Expr::col(column(&self.relation.to_col)?).eq(parent_id))
            .take();
        match db.query_one(&stmt).await? {
            Some(row) => Ok(Some(read_count(&row, 0)?)),
            None => Ok(None),
        }
    }
}

// ANCHOR: counts
/// How many join rows point at each of `parent_ids`, through the join entity's
/// `belongs_to` relation `rel`: one `GROUP BY` statement whatever the number of
/// parents. Parents with no rows are absent from the map (read them as 0).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn counts<K: Key, C: ConnectionTrait>(
    db: &C,
    rel: &RelationDef,
    parent_ids: &[K],
) -> Result<HashMap<K, i64>, DbErr> {
    if parent_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let fk = column(&rel.from_col)?;
    let stmt = Query::select()
        .column(fk.clone())
        .expr_as(Func::count(Expr::col(fk.clone())), Alias::new("n"))
        .from(rel.from_tbl.clone())
        .and_where(Expr::col(fk.clone()).is_in(parent_ids.to_vec()))
        .group_by_col(fk)
        .take();
    let mut out = HashMap::with_capacity(parent_ids.len());
    for row in db.query_all(&stmt).await? {
        out.insert(row.try_get_by_index::<K>(0)?, read_count(&row, 1)?);
    }
    Ok(out)
}
// ANCHOR_END: counts

/// `(SELECT COUNT(*) FROM join WHERE join.fk = parent.pk AND also)`: how many rows
/// of the join entity's `belongs_to` relation `rel` point at the parent, as a column
/// of the statement that reads the parent. A page then reads its rows and their
/// counts in one statement (`.expr_as(count_column(..)?, "followers")`). `also`
/// narrows what is counted, e.g. to one viewer's rows (a 0/1 "did I?" flag over a
/// unique pair); `Condition::all()` counts every row.
///
/// # Errors
/// [`DbErr::Custom`] for a composite key.
pub fn count_column(rel: &RelationDef, also: Condition) -> Result<Expr, DbErr> {
    let counted = correlated(rel, Func::count(Expr::col(Asterisk)).into(), also)?;
    Ok(Expr::SubQuery(
        None,
        Box::new(counted.into_sub_query_statement()),
    ))
}

/// `SELECT <what> FROM <child> WHERE fk = <parent>.pk AND also`: the subquery of
/// [`count_column`] and [`viewer_has`], correlated with the parent's row.
fn correlated(rel: &RelationDef, what: Expr, also: Condition) -> Result<SelectStatement, DbErr> {
    let fk = Expr::col((rel.from_tbl.sea_orm_table().clone(), column(&rel.from_col)?));
    let pk = (rel.to_tbl.sea_orm_table().clone(), column(&rel.to_col)?);
    Ok(Query::select()
        .expr(what)
        .from(rel.from_tbl.clone())
        .cond_where(Condition::all().add(fk.equals(pk)).add(also))
        .take())
}

/// How many of the rows [`count_column`] counts belong to `viewer` (`col = viewer`): the
/// "did I?" column of a page. With no viewer it is the constant 0, bound as a 64-bit
/// integer (the type a `COUNT` has on every backend), not a subquery that no row
/// meets: an anonymous page then runs no subquery per row (SQLite evaluated the
/// always-false one for every row it read).
///
/// # Errors
/// As [`count_column`].
pub fn viewer_count<V: Into<Value>>(
    rel: &RelationDef,
    col: impl ColumnTrait,
    viewer: Option<V>,
) -> Result<Expr, DbErr> {
    match viewer {
        Some(v) => count_column(rel, Condition::all().add(col.eq(v))),
        None => Ok(Expr::val(0_i64)),
    }
}

/// Whether `viewer` has a row among those [`count_column`] counts, as 1 or 0: the
/// "did I?" column of a page when the viewer has at most one row per parent (a
/// unique `(viewer, parent)` pair, as a heart or a follow has), read as the same
/// 64-bit integer as [`viewer_count`]'s.
///
/// `CASE WHEN EXISTS (SELECT 1 FROM .. WHERE fk = pk AND col = viewer) THEN 1 ELSE 0
/// END`, with 1 and 0 bound as 64-bit integers (so PostgreSQL types the column as a
/// `COUNT`'s `bigint`). An `EXISTS` stops at the first row and needs no aggregate:
/// the home feed's statement, with one per tweet, took 11-18 % less time than with
/// [`viewer_count`]'s `COUNT(*)` under `pgbench` with one client, and ran 12-30 % more
/// often with four (PostgreSQL plans it as one hashed look-up of the viewer's rows;
/// docs/performance.md, "Late morning, 2026-11-24"). With no viewer it is the
/// constant 0, as [`viewer_count`]'s.
///
/// # Errors
/// As [`count_column`].
pub fn viewer_has<V: Into<Value>>(
    rel: &RelationDef,
    col: impl ColumnTrait,
    viewer: Option<V>,
) -> Result<Expr, DbErr> {
    if viewer.is_none() {
        return Ok(Expr::val(0_i64));
    }
    let found = correlated(rel, Expr::cust("1"), by_viewer(col, viewer))?;
    Ok(CaseStatement::new()
        .case(Expr::exists(found), Expr::val(1_i64))
        .finally(Expr::val(0_i64))
        .into())
}

/// The `also` of [`count_column`] that counts one viewer's rows (`col = viewer`); with
/// no viewer, a condition no row meets, so the column is 0 for every parent.
/// [`viewer_count`] makes the whole column, a constant without a viewer.
pub fn by_viewer<V: Into<Value>>(col: impl ColumnTrait, viewer: Option<V>) -> Condition {
    match viewer {
        Some(v) => Condition::all().add(col.eq(v)),
        None => Condition::all().add(Expr::val(1).eq(0)),
    }
}

// ANCHOR: verify
/// Every parent whose cached count differs from the real count, in one statement
/// (`LEFT JOIN ... GROUP BY ... HAVING cached <> COUNT(..)`).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn verify<K: Key, C: ConnectionTrait>(
    db: &C,
    cache: &CounterCache,
) -> Result<Vec<Drift<K>>, DbErr> {
    let parent = Alias::new("p").into_iden();
    let join = Alias::new("j").into_iden();
    let pk = column(&cache.relation.to_col)?;
    let fk = column(&cache.relation.from_col)?;
    let actual = Func::count(Expr::col((join.clone(), fk.clone())));
    let stmt = Query::select()
        .column((parent.clone(), pk.clone()))
        .column((parent.clone(), cache.column.clone()))
        .expr_as(actual.clone(), Alias::new("actual"))
        .from_as(cache.relation.to_tbl.clone(), parent.clone())
        .join_as(
            JoinType::LeftJoin,
            cache.relation.from_tbl.clone(),
            join.clone(),
            Expr::col((join.clone(), fk)).equals((parent.clone(), pk.clone())),
        )
        .group_by_col((parent.clone(), pk.clone()))
        .group_by_col((parent.clone(), cache.column.clone()))
        .and_having(Expr::col((parent.clone(), cache.column.clone())).ne(actual))
        .order_by((parent, pk), sea_orm::sea_query::Order::Asc)
        .take();
    let mut drift = Vec::new();
    for row in db.query_all(&stmt).await? {
        drift.push(Drift {
            parent_id: row.try_get_by_index::<K>(0)?,
            cached: read_count(&row, 1)?,
            actual: read_count(&row, 2)?,
        });
    }
    Ok(drift)
}
// ANCHOR_END: verify

// ANCHOR: recount
/// Repairs every drifted row (`reset_counters`); returns what was repaired.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn recount<K: Key, C: ConnectionTrait>(
    db: &C,
    cache: &CounterCache,
) -> Result<Vec<Drift<K>>, DbErr> {
    let drifted = verify::<K, C>(db, cache).await?;
    let pk = column(&cache.relation.to_col)?;
    for d in &drifted {
        let stmt = Query::update()
            .table(cache.relation.to_tbl.clone())
            .value(cache.column.clone(), d.actual)
            .and_where(Expr::col(pk.clone()).eq(d.parent_id.clone()))
            .take();
        db.execute(&stmt).await?;
    }
    Ok(drifted)
}
// ANCHOR_END: recount
