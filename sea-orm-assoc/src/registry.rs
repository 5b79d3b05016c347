//! The registry: the schema's tables, `belongs_to` relations, dependent rules and
//! counter caches, declared once from the entities. Destroy ([`Registry::destroy`]),
//! the foreign-key audit ([`crate::audit`]) and the ER diagram ([`crate::erd`]) are
//! computed from it; build it once (a `LazyLock` or your app's state) and share it.
//!
//! Each `belongs_to` field's `on_delete` is a `dependent:` rule on its parent:
//!
//! | `on_delete` on the child's belongs_to | rule on the parent | what destroy does |
//! |---|---|---|
//! | `Cascade`, child has dependents or a counter cache | [`Rule::Destroy`] | recurse into the child's own rules, then delete |
//! | `Cascade`, child is a leaf | [`Rule::DeleteAll`] | one `DELETE` |
//! | `SetNull` | [`Rule::Nullify`] | one `UPDATE ... SET fk = NULL` |
//! | `Restrict` / `NoAction` | [`Rule::Restrict`] | [`DestroyError::Restricted`](crate::DestroyError::Restricted) if any row points here |

use sea_orm::sea_query::ForeignKeyAction;
use sea_orm::{
    ColumnTrait, ColumnType, DbErr, EntityTrait, Iden, Iterable, PrimaryKeyToColumn, RelationDef,
    RelationTrait, RelationType,
};

use crate::{CounterCache, RetryPolicy, table_name};

/// What deleting a parent does to the rows of one dependent relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Destroy,
    DeleteAll,
    Nullify,
    Restrict,
}

/// The schema's tables, `belongs_to` relations and counter caches: everything destroy,
/// the audit and the ER diagram need.
///
/// ```
/// # mod post {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "posts")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub title: String,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # mod comment {
/// #     use sea_orm::entity::prelude::*;
/// #     #[sea_orm::model]
/// #     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
/// #     #[sea_orm(table_name = "comments")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub post_id: i64,
/// #         #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
/// #         pub post: BelongsTo<super::post::Entity>,
/// #     }
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// use sea_orm_assoc::{Registry, Rule};
///
/// # fn main() {
/// // `comment.rs` declares `belongs_to post, on_delete: Cascade`.
/// let registry = Registry::new().entity(post::Entity).entity(comment::Entity);
/// let rules: Vec<Rule> = registry.dependents_of("posts").iter().map(|(_, rule)| *rule).collect();
/// assert_eq!(rules, [Rule::DeleteAll]);
/// assert_eq!(registry.tables().len(), 2);
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub(crate) tables: Vec<Table>,
    pub(crate) belongs_to: Vec<RelationDef>,
    pub(crate) counters: Vec<CounterCache>,
    pub(crate) retry: RetryPolicy,
}

/// A table as the entity declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

/// A column as the entity declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// SeaORM's column type, in a word (`Integer`, `String`, `Text`, ...).
    pub kind: String,
    /// SeaORM's column type, whole: how destroy reads this column's keys.
    pub column_type: ColumnType,
    pub nullable: bool,
    pub primary_key: bool,
    pub unique: bool,
}

impl Registry {
    /// An empty registry; add every entity with [`Self::entity`].
    pub fn new() -> Self {
        Self::default()
    }

    /// How a destroy that lost a race (a deadlock, a busy SQLite) is tried again.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
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
                    column_type: def.get_column_type().clone(),
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

    pub(crate) fn dependents_of_table(&self, table: &str) -> Vec<&RelationDef> {
        self.belongs_to
            .iter()
            .filter(|def| table_name(&def.to_tbl) == table)
            .collect()
    }

    /// The type of `table.column`, when the registry has it.
    pub(crate) fn column_type(&self, table: &str, column: &str) -> Result<&ColumnType, DbErr> {
        self.tables
            .iter()
            .find(|t| t.name == table)
            .and_then(|t| t.columns.iter().find(|c| c.name == column))
            .map(|c| &c.column_type)
            .ok_or_else(|| {
                DbErr::Custom(format!(
                    "{table}.{column} is not in the registry: add its entity with Registry::entity"
                ))
            })
    }
}
