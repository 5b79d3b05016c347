//! The foreign-key audit: the live database's `ON DELETE` actions compared with the
//! entities' declarations in a [`Registry`], so the migrations and the `dependent:`
//! rules cannot drift apart unnoticed.
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
//! // The tables were created from the entities, so the database agrees with them.
//! let mismatches = sea_orm_assoc::audit::check_foreign_keys(&db, &fx::registry()).await?;
//! assert!(mismatches.is_empty());
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;

use sea_orm::sea_query::ForeignKeyAction;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use crate::registry::Registry;
use crate::{column, table_name};

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

/// Compares the live database's foreign keys with the entities' declarations: every
/// registered `belongs_to` must exist with the same `ON DELETE` action.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn check_foreign_keys<C: ConnectionTrait>(
    db: &C,
    registry: &Registry,
) -> Result<Vec<Mismatch>, DbErr> {
    let live = live_foreign_keys(db, registry).await?;
    let mut out = Vec::new();
    for def in registry.relations() {
        let relation = format!("{}.{}", table_name(&def.from_tbl), column(&def.from_col)?);
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
    registry: &Registry,
) -> Result<BTreeMap<String, String>, DbErr> {
    let backend = db.get_database_backend();
    let mut out = BTreeMap::new();
    let statements: Vec<Statement> = match backend {
        DbBackend::Sqlite => {
            let mut tables: Vec<String> = registry
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
