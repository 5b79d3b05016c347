//! [`Registry::destroy`]: the `dependent:` rules honoured in the application, where the
//! database alone cannot: it keeps counter caches right and reports a restriction as a
//! typed error instead of a constraint failure.
//!
//! Destroy is set-based: each relation costs one or two statements whatever the number
//! of rows, all in one transaction, and [`Registry::destroy_many`] does the same for
//! many parents at once (`User.where(id: ids).destroy_all` without the row-by-row
//! walk). The keys of each level are read first and the next level is found by an
//! explicit `IN (..)` list, which every backend answers from the foreign key's index.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use sea_orm_assoc::doc_fixture::{self as fx, like, person, post};
//! # let db = fx::db().await?;
//! use sea_orm::EntityTrait;
//! use sea_orm_assoc::{DestroyError, Rule, join};
//!
//! // Bob (2) likes Ann's post 7; Ann (1) goes, and her posts with her.
//! join::attach::<like::Entity, _>(&db, 2, 7).await?;
//! let registry = fx::registry(); // build it once in an application
//! let steps = registry.destroy(&db, person::Entity, 1_i64).await?;
//! assert!(steps.iter().any(|s| s.relation == "posts.author_id" && s.rule == Rule::Destroy && s.rows == 1));
//! assert!(post::Entity::find_by_id(7_i64).one(&db).await?.is_none());
//!
//! let err = registry.destroy(&db, person::Entity, 1_i64).await.unwrap_err();
//! assert!(matches!(err, DestroyError::NotFound { .. }));
//! // Many rows in one transaction, with a statement count that does not grow with them.
//! registry.destroy_many(&db, person::Entity, &[2_i64]).await?;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use sea_orm::sea_query::{
    Condition, DynIden, Expr, ExprTrait, Func, Order, Query, SelectStatement,
};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, Iterable, PrimaryKeyToColumn, RelationDef,
    TransactionSession, TransactionTrait, Value,
};

use crate::error::{DestroyError, is_retryable};
use crate::registry::{Registry, Rule};
use crate::{Key, begin_write, column, key_text, read_count, read_key, retrying, table_name};

/// One step of a destroy: which relation, which rule, how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `table.column`, e.g. `hearts.user_id`.
    pub relation: String,
    pub rule: Rule,
    pub rows: u64,
}

impl Registry {
    // ANCHOR: destroy
    /// Deletes one row of `E` and, by the rules, everything that depends on it, in one
    /// transaction; returns the steps taken (rows per relation). Nothing is written
    /// when a rule restricts or the row does not exist.
    ///
    /// # Errors
    /// [`DestroyError::NotFound`], [`DestroyError::Restricted`] naming this row, the
    /// relation and how many of its rows point at the first restricted row,
    /// [`DestroyError::Db`].
    pub async fn destroy<E, K, C>(
        &self,
        db: &C,
        entity: E,
        id: K,
    ) -> Result<Vec<Step>, DestroyError>
    where
        E: EntityTrait,
        K: Key,
        C: ConnectionTrait + TransactionTrait,
    {
        match self
            .destroy_many(db, entity, std::slice::from_ref(&id))
            .await
        {
            // The row asked for, wherever below it the restriction was found.
            Err(DestroyError::Restricted { relation, rows, .. }) => Err(DestroyError::Restricted {
                table: entity.table_name().to_owned(),
                id: id.to_string(),
                relation,
                rows,
            }),
            other => other,
        }
    }
    // ANCHOR_END: destroy

    /// Deletes the rows of `E` with these ids and, by the rules, everything that
    /// depends on them, in one transaction; returns the steps taken, rows summed over
    /// all ids. The cost does not grow with the number of ids: each level is read
    /// once and each relation is deleted, nullified or checked by one statement for
    /// all of them (one more level of work per 10,000 ids), and each counter cache
    /// takes one `UPDATE` however many of its parents lose rows, and by how many.
    /// Repeated ids count once; no ids, no statements. Nothing is written when a
    /// rule restricts or any of the rows does not exist.
    ///
    /// # Errors
    /// [`DestroyError::NotFound`] naming the first missing id;
    /// [`DestroyError::Restricted`] naming the relation, the first restricted row and
    /// how many rows of the relation point at it (that row is one of `ids` when the
    /// restriction is on their direct dependents, else the row below them the batch
    /// would have destroyed); [`DestroyError::Db`].
    pub async fn destroy_many<E, K, C>(
        &self,
        db: &C,
        entity: E,
        ids: &[K],
    ) -> Result<Vec<Step>, DestroyError>
    where
        E: EntityTrait,
        K: Key,
        C: ConnectionTrait + TransactionTrait,
    {
        let table = entity.table_name().to_owned();
        let pk = E::PrimaryKey::iter()
            .next()
            .map(|k| k.into_column())
            .ok_or_else(|| DbErr::Custom(format!("{table} has no primary key")))?;
        let ids: Vec<K> = ids
            .iter()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        retrying(self.retry, lost_race, |_| async {
            let txn = begin_write(db).await?;
            let mut steps = Vec::new();
            let mut deleted = 0;
            for chunk in ids.chunks(MAX_LISTED_KEYS) {
                let root = Victims {
                    table: entity.table_ref(),
                    condition: Condition::all().add(match chunk {
                        [id] => Expr::col(pk).eq(id.clone()),
                        _ => Expr::col(pk).is_in(chunk.to_vec()),
                    }),
                };
                let mut chunk_steps = Vec::new();
                match self
                    .destroy_where(&txn, &root, None, &mut chunk_steps, 0)
                    .await
                {
                    Ok(rows) => {
                        deleted += rows;
                        merge_steps(&mut steps, chunk_steps);
                    }
                    Err(e) => {
                        txn.rollback().await?;
                        return Err(e);
                    }
                }
            }
            if deleted < ids.len() as u64 {
                txn.rollback().await?;
                let id = first_missing(db, entity, pk, &ids).await?;
                return Err(DestroyError::NotFound {
                    table: table.clone(),
                    id: id.to_string(),
                });
            }
            txn.commit().await?;
            Ok(steps)
        })
        .await
    }

    /// Deletes the rows of `victims.table` matching its condition, after applying the
    /// rule of every relation that points at them. `via` is the relation by which we
    /// arrived (its counter cache needs no care: that parent is being deleted).
    fn destroy_where<'a, C: ConnectionTrait + Sync>(
        &'a self,
        db: &'a C,
        victims: &'a Victims,
        via: Option<&'a RelationDef>,
        steps: &'a mut Vec<Step>,
        depth: usize,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<u64, DestroyError>> + Send + 'a>> {
        Box::pin(async move {
            if depth > 16 {
                return Err(
                    DbErr::Custom("dependent rules nest deeper than 16 levels".into()).into(),
                );
            }
            let table = table_name(&victims.table);
            // The keys the children point at, read once per column: children are then
            // found by an explicit list, which every backend answers from its index
            // (MariaDB scans the whole child table for `DELETE .. WHERE fk IN (SELECT ..)`).
            let mut keys: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for def in self.dependents_of_table(&table) {
                let fk = column(&def.from_col)?;
                let key = column(&def.to_col)?;
                if let std::collections::btree_map::Entry::Vacant(slot) =
                    keys.entry(key.to_string())
                {
                    let ty = self.column_type(&table, &key.to_string())?;
                    slot.insert(victims.values(db, key.clone(), ty).await?);
                }
                let parents = &keys[&key.to_string()];
                let fk_col = Expr::col((def.from_tbl.sea_orm_table().clone(), fk.clone()));
                let child = Victims {
                    table: def.from_tbl.clone(),
                    condition: Condition::all().add(if parents.len() <= MAX_LISTED_KEYS {
                        fk_col.is_in(parents.clone())
                    } else {
                        fk_col.in_subquery(victims.select(key))
                    }),
                };
                let relation = format!("{}.{}", table_name(&def.from_tbl), fk);
                let rule = self.rule(def);
                if parents.is_empty() {
                    steps.push(Step {
                        relation,
                        rule,
                        rows: 0,
                    });
                    continue;
                }
                let rows = match rule {
                    Rule::Restrict => {
                        let ty = self.column_type(&table_name(&def.from_tbl), &fk.to_string())?;
                        if let Some((parent, rows)) = child.first_parent(db, fk, ty).await? {
                            return Err(DestroyError::Restricted {
                                table: table.clone(),
                                id: key_text(&parent),
                                relation,
                                rows,
                            });
                        }
                        0
                    }
                    Rule::Nullify => {
                        let stmt = Query::update()
                            .table(def.from_tbl.clone())
                            .value(fk, Expr::cust("NULL"))
                            .cond_where(child.condition.clone())
                            .take();
                        db.execute(&stmt).await?.rows_affected()
                    }
                    Rule::Destroy | Rule::DeleteAll => {
                        self.destroy_where(db, &child, Some(def), steps, depth + 1)
                            .await?
                    }
                };
                steps.push(Step {
                    relation,
                    rule,
                    rows,
                });
            }
            self.release_counters(db, victims, via).await?;
            let stmt = Query::delete()
                .from_table(victims.table.clone())
                .cond_where(victims.condition.clone())
                .take();
            Ok(db.execute(&stmt).await?.rows_affected())
        })
    }

    /// Before join rows go, lower the counter caches of the parents they counted,
    /// except the parent we are deleting them for.
    async fn release_counters<C: ConnectionTrait>(
        &self,
        db: &C,
        victims: &Victims,
        via: Option<&RelationDef>,
    ) -> Result<(), DestroyError> {
        let table = table_name(&victims.table);
        for cache in self.counters.iter().filter(|c| c.join_table() == table) {
            let arrived_through_it = via.is_some_and(|v| {
                table_name(&v.to_tbl) == cache.parent_table()
                    && column(&v.from_col).ok().map(|c| c.to_string())
                        == column(&cache.relation.from_col).ok().map(|c| c.to_string())
            });
            if arrived_through_it {
                continue;
            }
            // Each parent loses as many as the doomed rows that point at it (a batch of
            // users can take several hearts from one tweet), counted by the server in
            // the UPDATE itself.
            cache.release_where(db, victims.condition.clone()).await?;
        }
        Ok(())
    }
}

/// The rows of one table that a destroy will delete.
struct Victims {
    table: sea_orm::sea_query::TableRef,
    condition: Condition,
}

/// Up to this many keys are listed in a child's condition; beyond it (a user with
/// tens of thousands of tweets) a subquery keeps the statement under every backend's
/// parameter limit.
const MAX_LISTED_KEYS: usize = 10_000;

impl Victims {
    /// The values of `col` in the doomed rows.
    async fn values<C: ConnectionTrait>(
        &self,
        db: &C,
        col: DynIden,
        ty: &sea_orm::ColumnType,
    ) -> Result<Vec<Value>, DbErr> {
        let mut out = Vec::new();
        for row in db.query_all(&self.select(col)).await? {
            out.push(read_key(&row, 0, ty)?);
        }
        Ok(out)
    }

    fn select(&self, col: DynIden) -> SelectStatement {
        Query::select()
            .column((self.table.sea_orm_table().clone(), col))
            .from(self.table.clone())
            .cond_where(self.condition.clone())
            .take()
    }

    /// The least value of the foreign key `fk` among these rows, and how many of them
    /// hold it: the parent a restriction names, and its count. `None` for no rows.
    async fn first_parent<C: ConnectionTrait>(
        &self,
        db: &C,
        fk: DynIden,
        ty: &sea_orm::ColumnType,
    ) -> Result<Option<(Value, u64)>, DbErr> {
        let fk = (self.table.sea_orm_table().clone(), fk);
        let stmt = Query::select()
            .column(fk.clone())
            .expr(Func::count(Expr::val(1)))
            .from(self.table.clone())
            .cond_where(self.condition.clone())
            .group_by_col(fk.clone())
            .order_by(fk, Order::Asc)
            .limit(1)
            .take();
        match db.query_one(&stmt).await? {
            Some(row) => {
                let parent = read_key(&row, 0, ty)?;
                let rows = read_count(&row, 1)?;
                Ok(Some((parent, u64::try_from(rows).unwrap_or(0))))
            }
            None => Ok(None),
        }
    }
}

/// Adds one chunk's steps to the batch's: the k-th step of a relation to the k-th.
fn merge_steps(batch: &mut Vec<Step>, chunk: Vec<Step>) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for step in chunk {
        let nth = seen.entry(step.relation.clone()).or_default();
        let same = batch
            .iter_mut()
            .filter(|s| s.relation == step.relation)
            .nth(*nth);
        *nth += 1;
        match same {
            Some(same) => same.rows += step.rows,
            None => batch.push(step),
        }
    }
}

/// The first of `ids` (sorted) that `E` has no row for: what a destroy that deleted
/// fewer rows than asked reports. Read after the rollback, so only on that path.
async fn first_missing<E, K, C>(db: &C, entity: E, pk: E::Column, ids: &[K]) -> Result<K, DbErr>
where
    E: EntityTrait,
    K: Key,
    C: ConnectionTrait,
{
    let first = match ids {
        [] => return Err(DbErr::Custom("no ids".into())),
        [only] => return Ok(only.clone()),
        [first, ..] => first.clone(),
    };
    let mut found = std::collections::BTreeSet::new();
    for chunk in ids.chunks(MAX_LISTED_KEYS) {
        let stmt = Query::select()
            .column(pk)
            .from(entity.table_ref())
            .and_where(Expr::col(pk).is_in(chunk.to_vec()))
            .take();
        for row in db.query_all(&stmt).await? {
            found.insert(row.try_get_by_index::<K>(0)?);
        }
    }
    // Every row exists again (another writer inserted one meanwhile): the first id.
    Ok(ids
        .iter()
        .find(|id| !found.contains(*id))
        .cloned()
        .unwrap_or(first))
}

/// A deadlock, a serialization failure or a busy SQLite database.
fn lost_race(err: &DestroyError) -> bool {
    matches!(err, DestroyError::Db(e) if is_retryable(e))
}
