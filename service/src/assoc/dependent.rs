//! `dependent:` rules, declared once: the `on_delete` of each entity's `belongs_to`
//! field. The migrations give the database the same actions ([`check_foreign_keys`]
//! proves it), and [`Graph::destroy`] honours them in the application, where the
//! database alone cannot: it keeps counter caches right and reports a restriction as a
//! typed error instead of a constraint failure.
//!
//! | `on_delete` on the child's belongs_to | rule on the parent | what destroy does |
//! |---|---|---|
//! | `Cascade`, child has dependents or a counter cache | [`Rule::Destroy`] | recurse into the child's own rules, then delete |
//! | `Cascade`, child is a leaf | [`Rule::DeleteAll`] | one `DELETE` |
//! | `SetNull` | [`Rule::Nullify`] | one `UPDATE ... SET fk = NULL` |
//! | `Restrict` / `NoAction` | [`Rule::Restrict`] | [`AssocError::Restricted`] if any row points here |
//!
//! Destroy is set-based: each relation costs one or two statements whatever the number
//! of rows, all in one transaction, and [`Graph::destroy_many`] does the same for many
//! parents at once (`User.where(id: ids).destroy_all` without the row-by-row walk).
//! The keys of each level are read first and the next level is found by an explicit
//! `IN (..)` list, which every backend answers from the foreign key's index.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::sea_query::{
    Condition, DynIden, Expr, ExprTrait, ForeignKeyAction, Func, Order, Query, SelectStatement,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, Iden, Iterable,
    PrimaryKeyToColumn, RelationDef, RelationTrait, RelationType, Statement, TransactionSession,
    TransactionTrait,
};

use super::{AssocError, CounterCache, begin_write, column, lost_race, retrying, table_name};

/// What deleting a parent does to the rows of one dependent relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Destroy,
    DeleteAll,
    Nullify,
    Restrict,
}

/// One step of a destroy: which relation, which rule, how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `table.column`, e.g. `hearts.user_id`.
    pub relation: String,
    pub rule: Rule,
    pub rows: u64,
}

/// The schema's tables, `belongs_to` relations and counter caches: everything destroy
/// and the ER diagram need.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    tables: Vec<Table>,
    belongs_to: Vec<RelationDef>,
    counters: Vec<CounterCache>,
}

/// A table as the entity declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

/// A column as the entity declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// SeaORM's column type, in a word (`Integer`, `String`, `Text`, ...).
    pub kind: String,
    pub nullable: bool,
    pub primary_key: bool,
    pub unique: bool,
}

/// A foreign key whose database action differs from the entity's declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// `table.column`.
    pub relation: String,
    /// What the entity declares (`CASCADE`, `SET NULL`, ...).
    pub declared: String,
    /// What the database has, `None` when it has no such foreign key.
    pub database: Option<String>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the entity's table, its columns and every `belongs_to` it declares.
    pub fn entity<E: EntityTrait>(mut self, entity: E) -> Self {
        let keys: Vec<String> = E::PrimaryKey::iter()
            .map(|k| k.into_column().to_string())
            .collect();
        let columns = <E::Column as Iterable>::iter()
            .map(|col| {
                let def = col.def();
                let kind = format!("{:?}", def.get_column_type());
                let name = col.to_string();
                Column {
                    kind: kind
                        .split(['(', ' ', '{'])
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    nullable: def.is_null(),
                    primary_key: keys.contains(&name),
                    unique: def.is_unique(),
                    name,
                }
            })
            .collect();
        self.tables.push(Table {
            name: entity.table_name().to_owned(),
            columns,
        });
        for rel in <E::Relation as Iterable>::iter() {
            let def = rel.def();
            if def.rel_type == RelationType::HasOne && !def.is_owner {
                self.belongs_to.push(def);
            }
        }
        self
    }

    /// Registers a counter cache, so destroy keeps it right.
    pub fn counter_cache(mut self, cache: CounterCache) -> Self {
        self.counters.push(cache);
        self
    }

    /// Every registered table, in registration order.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// Every registered `belongs_to` relation.
    pub fn relations(&self) -> &[RelationDef] {
        &self.belongs_to
    }

    /// The relations that point at `table`, each with the rule it implies.
    pub fn dependents_of(&self, table: &str) -> Vec<(&RelationDef, Rule)> {
        self.belongs_to
            .iter()
            .filter(|def| table_name(&def.to_tbl) == table)
            .map(|def| (def, self.rule(def)))
            .collect()
    }

    /// The rule a child's `belongs_to` implies for its parent.
    pub fn rule(&self, def: &RelationDef) -> Rule {
        match def.on_delete {
            Some(ForeignKeyAction::Cascade) => {
                let child = table_name(&def.from_tbl);
                let has_own = !self.dependents_of_table(&child).is_empty()
                    || self.counters.iter().any(|c| c.join_table() == child);
                if has_own {
                    Rule::Destroy
                } else {
                    Rule::DeleteAll
                }
            }
            Some(ForeignKeyAction::SetNull) => Rule::Nullify,
            _ => Rule::Restrict,
        }
    }

    fn dependents_of_table(&self, table: &str) -> Vec<&RelationDef> {
        self.belongs_to
            .iter()
            .filter(|def| table_name(&def.to_tbl) == table)
            .collect()
    }

    /// Deletes one row of `E` and, by the rules, everything that depends on it, in one
    /// transaction; returns the steps taken (rows per relation). Nothing is written
    /// when a rule restricts or the row does not exist.
    ///
    /// # Errors
    /// [`AssocError::NotFound`], [`AssocError::Restricted`] naming this row, the
    /// relation and how many of its rows point at the first restricted row,
    /// [`AssocError::Db`].
    pub async fn destroy<E, C>(&self, db: &C, entity: E, id: i32) -> Result<Vec<Step>, AssocError>
    where
        E: EntityTrait,
        C: ConnectionTrait + TransactionTrait,
    {
        match self.destroy_many(db, entity, &[id]).await {
            // The row asked for, wherever below it the restriction was found.
            Err(AssocError::Restricted { relation, rows, .. }) => Err(AssocError::Restricted {
                entity: entity.table_name().to_owned(),
                id: i64::from(id),
                relation,
                rows,
            }),
            other => other,
        }
    }

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
    /// [`AssocError::NotFound`] naming the first missing id;
    /// [`AssocError::Restricted`] naming the relation, the first restricted row and
    /// how many rows of the relation point at it (that row is one of `ids` when the
    /// restriction is on their direct dependents, else the row below them the batch
    /// would have destroyed); [`AssocError::Db`].
    pub async fn destroy_many<E, C>(
        &self,
        db: &C,
        entity: E,
        ids: &[i32],
    ) -> Result<Vec<Step>, AssocError>
    where
        E: EntityTrait,
        C: ConnectionTrait + TransactionTrait,
    {
        let table = entity.table_name().to_owned();
        let pk = E::PrimaryKey::iter()
            .next()
            .map(|k| k.into_column())
            .ok_or_else(|| DbErr::Custom(format!("{table} has no primary key")))?;
        let ids: Vec<i32> = ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        retrying(lost_race, || async {
            let txn = begin_write(db).await?;
            let mut steps = Vec::new();
            let mut deleted = 0;
            for chunk in ids.chunks(MAX_LISTED_KEYS) {
                let root = Victims {
                    table: entity.table_ref(),
                    condition: Condition::all().add(match chunk {
                        [id] => Expr::col(pk).eq(*id),
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
                return Err(AssocError::NotFound {
                    side: None,
                    entity: table.clone(),
                    id: i64::from(id),
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
    fn destroy_where<'a, C: ConnectionTrait>(
        &'a self,
        db: &'a C,
        victims: &'a Victims,
        via: Option<&'a RelationDef>,
        steps: &'a mut Vec<Step>,
        depth: usize,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<u64, AssocError>> + Send + 'a>>
    where
        C: Sync,
    {
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
            let mut keys: BTreeMap<String, Vec<i32>> = BTreeMap::new();
            for def in self.dependents_of_table(&table) {
                let fk = column(&def.from_col)?;
                let key = column(&def.to_col)?;
                if !keys.contains_key(&key.to_string()) {
                    let found = victims.values(db, key.clone()).await?;
                    keys.insert(key.to_string(), found);
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
                let relation = format!("{}.{}", table_name(&def.from_tbl), fk.to_string());
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
                        if let Some((parent, rows)) = child.first_parent(db, fk).await? {
                            return Err(AssocError::Restricted {
                                entity: table.clone(),
                                id: i64::from(parent),
                                relation,
                                rows,
                            });
                        }
                        0
                    }
                    Rule::Nullify => {
                        let stmt = Query::update()
                            .table(def.from_tbl.clone())
                            .value(fk, Expr::value(Option::<i32>::None))
                            .cond_where(child.condition.clone())
                            .to_owned();
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
                .to_owned();
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
    ) -> Result<(), AssocError> {
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
            // How many of the doomed rows each parent loses, then one UPDATE for all
            // of them (a batch of users can take several hearts from one tweet).
            let fk = column(&cache.relation.from_col)?;
            let stmt = Query::select()
                .column(fk.clone())
                .expr(Func::count(Expr::col(fk.clone())))
                .from(victims.table.clone())
                .cond_where(victims.condition.clone())
                .group_by_col(fk)
                .to_owned();
            let mut losses = Vec::new();
            for row in db.query_all(&stmt).await? {
                let parent: i32 = row.try_get_by_index(0)?;
                let lost: i64 = row.try_get_by_index(1)?;
                losses.push((parent, -lost));
            }
            cache.adjust_each(db, &losses).await?;
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
    async fn values<C: ConnectionTrait>(&self, db: &C, col: DynIden) -> Result<Vec<i32>, DbErr> {
        let mut out = Vec::new();
        for row in db.query_all(&self.select(col)).await? {
            out.push(row.try_get_by_index::<i32>(0)?);
        }
        Ok(out)
    }

    fn select(&self, col: DynIden) -> SelectStatement {
        Query::select()
            .column((self.table.sea_orm_table().clone(), col))
            .from(self.table.clone())
            .cond_where(self.condition.clone())
            .to_owned()
    }

    /// The least value of the foreign key `fk` among these rows, and how many of them
    /// hold it: the parent a restriction names, and its count. `None` for no rows.
    async fn first_parent<C: ConnectionTrait>(
        &self,
        db: &C,
        fk: DynIden,
    ) -> Result<Option<(i32, u64)>, DbErr> {
        let fk = (self.table.sea_orm_table().clone(), fk);
        let stmt = Query::select()
            .column(fk.clone())
            .expr(Func::count(Expr::val(1)))
            .from(self.table.clone())
            .cond_where(self.condition.clone())
            .group_by_col(fk.clone())
            .order_by(fk, Order::Asc)
            .limit(1)
            .to_owned();
        match db.query_one(&stmt).await? {
            Some(row) => {
                let parent: i32 = row.try_get_by_index(0)?;
                let rows: i64 = row.try_get_by_index(1)?;
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
async fn first_missing<E, C>(db: &C, entity: E, pk: E::Column, ids: &[i32]) -> Result<i32, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let first = match ids {
        [] => return Ok(0),
        [only] => return Ok(*only),
        [first, ..] => *first,
    };
    let mut found = BTreeSet::new();
    for chunk in ids.chunks(MAX_LISTED_KEYS) {
        let stmt = Query::select()
            .column(pk)
            .from(entity.table_ref())
            .and_where(Expr::col(pk).is_in(chunk.to_vec()))
            .to_owned();
        for row in db.query_all(&stmt).await? {
            found.insert(row.try_get_by_index::<i32>(0)?);
        }
    }
    // Every row exists again (another writer inserted one meanwhile): the first id.
    Ok(ids
        .iter()
        .copied()
        .find(|id| !found.contains(id))
        .unwrap_or(first))
}

/// Compares the live database's foreign keys with the entities' declarations: every
/// registered `belongs_to` must exist with the same `ON DELETE` action.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn check_foreign_keys<C: ConnectionTrait>(
    db: &C,
    graph: &Graph,
) -> Result<Vec<Mismatch>, DbErr> {
    let live = live_foreign_keys(db, graph).await?;
    let mut out = Vec::new();
    for def in graph.relations() {
        let relation = format!(
            "{}.{}",
            table_name(&def.from_tbl),
            column(&def.from_col)?.to_string()
        );
        let declared = action_name(def.on_delete);
        let database = live.get(&relation).cloned();
        if database.as_deref() != Some(declared) {
            out.push(Mismatch {
                relation,
                declared: declared.to_owned(),
                database,
            });
        }
    }
    Ok(out)
}

fn action_name(action: Option<ForeignKeyAction>) -> &'static str {
    match action {
        Some(ForeignKeyAction::Cascade) => "CASCADE",
        Some(ForeignKeyAction::SetNull) => "SET NULL",
        Some(ForeignKeyAction::Restrict) => "RESTRICT",
        Some(ForeignKeyAction::SetDefault) => "SET DEFAULT",
        _ => "NO ACTION",
    }
}

/// `table.column` -> `ON DELETE` action, read from the database's catalogue.
async fn live_foreign_keys<C: ConnectionTrait>(
    db: &C,
    graph: &Graph,
) -> Result<BTreeMap<String, String>, DbErr> {
    let backend = db.get_database_backend();
    let mut out = BTreeMap::new();
    let statements: Vec<Statement> = match backend {
        DbBackend::Sqlite => {
            let mut tables: Vec<String> = graph
                .relations()
                .iter()
                .map(|d| table_name(&d.from_tbl))
                .collect();
            tables.sort();
            tables.dedup();
            tables
                .into_iter()
                .map(|t| {
                    Statement::from_sql_and_values(
                        backend,
                        r#"SELECT ? AS tbl, "from" AS col, on_delete AS action FROM pragma_foreign_key_list(?)"#,
                        [t.clone().into(), t.into()],
                    )
                })
                .collect()
        }
        DbBackend::Postgres => vec![Statement::from_string(
            backend,
            "SELECT kcu.table_name::text AS tbl, kcu.column_name::text AS col, rc.delete_rule::text AS action \
             FROM information_schema.referential_constraints rc \
             JOIN information_schema.key_column_usage kcu \
               ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema \
             WHERE rc.constraint_schema = current_schema()",
        )],
        _ => vec![Statement::from_string(
            backend,
            "SELECT kcu.TABLE_NAME AS tbl, kcu.COLUMN_NAME AS col, rc.DELETE_RULE AS action \
             FROM information_schema.REFERENTIAL_CONSTRAINTS rc \
             JOIN information_schema.KEY_COLUMN_USAGE kcu \
               ON kcu.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND kcu.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA \
              AND kcu.TABLE_NAME = rc.TABLE_NAME \
             WHERE rc.CONSTRAINT_SCHEMA = DATABASE()",
        )],
    };
    for stmt in statements {
        for row in db.query_all_raw(stmt).await? {
            let tbl: String = row.try_get("", "tbl")?;
            let col: String = row.try_get("", "col")?;
            let action: String = row.try_get("", "action")?;
            out.insert(format!("{tbl}.{col}"), action.to_ascii_uppercase());
        }
    }
    Ok(out)
}
