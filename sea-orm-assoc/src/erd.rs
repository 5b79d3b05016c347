//! The ER diagram, generated from the entities: a Mermaid `erDiagram` with every
//! table, its columns (PK, FK, UK), and each `belongs_to` as a relationship carrying
//! its foreign key and `ON DELETE` action. `docs/schema.md` holds its output; a test
//! fails when that copy and the code disagree.
//!
//! ```
//! # use sea_orm_assoc::doc_fixture as fx;
//! let diagram = sea_orm_assoc::erd::mermaid(&fx::registry());
//! assert!(diagram.starts_with("erDiagram"));
//! assert!(diagram.contains("people ||--o{ posts"));
//! ```

use std::fmt::Write;

use sea_orm::sea_query::ForeignKeyAction;

use crate::registry::Registry;
use crate::{column, table_name};

/// The Mermaid source of the schema's ER diagram.
pub fn mermaid(registry: &Registry) -> String {
    let mut out = String::from("erDiagram\n");
    for table in registry.tables() {
        let foreign: Vec<String> = registry
            .relations()
            .iter()
            .filter(|def| table_name(&def.from_tbl) == table.name)
            .filter_map(|def| column(&def.from_col).ok().map(|c| c.to_string()))
            .collect();
        let _ = writeln!(out, "    {} {{", table.name);
        for col in &table.columns {
            let mut keys = Vec::new();
            if col.primary_key {
                keys.push("PK");
            }
            if foreign.contains(&col.name) {
                keys.push("FK");
            }
            if col.unique {
                keys.push("UK");
            }
            let mut line = format!("        {} {}", col.kind.to_ascii_lowercase(), col.name);
            if !keys.is_empty() {
                let _ = write!(line, " {}", keys.join(", "));
            }
            if col.nullable {
                line.push_str(" \"nullable\"");
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "    }}");
    }
    for def in registry.relations() {
        let parent = table_name(&def.to_tbl);
        let child = table_name(&def.from_tbl);
        let fk = column(&def.from_col)
            .map(|c| c.to_string())
            .unwrap_or_default();
        let nullable = registry
            .tables()
            .iter()
            .find(|t| t.name == child)
            .and_then(|t| t.columns.iter().find(|c| c.name == fk))
            .is_some_and(|c| c.nullable);
        // Parent side: exactly one, or zero-or-one when the key may be NULL.
        let parent_end = if nullable { "|o" } else { "||" };
        let action = match def.on_delete {
            Some(ForeignKeyAction::Cascade) => "CASCADE",
            Some(ForeignKeyAction::SetNull) => "SET NULL",
            Some(ForeignKeyAction::Restrict) => "RESTRICT",
            _ => "NO ACTION",
        };
        let _ = writeln!(
            out,
            "    {parent} {parent_end}--o{{ {child} : \"{fk} ON DELETE {action}\""
        );
    }
    out
}
