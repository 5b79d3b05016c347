//! What an expression evaluates to, and how the console shows it: a value, one
//! record's fields, or a table of records.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use service::assoc::{Rule, Step};

use super::catalog::Catalog;

/// A value of the console's language.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Nil,
    Int(i64),
    Str(String),
    Bool(bool),
    Time(DateTime<Utc>),
    /// A model as a value: `User` in `User.count`.
    Model(usize),
    Record(Record),
    Records {
        model: usize,
        rows: Vec<Record>,
    },
    /// A query not sent yet (`User.where(..)`, `u.tweets`): Rails' relation.
    Relation(Relation),
    /// What a write did, in words (`heart_tweet` returns no row).
    Done(String),
    Destroyed {
        model: usize,
        id: i64,
        steps: Vec<Step>,
    },
}

/// One row of a model, its values in column order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub model: usize,
    pub values: Vec<Value>,
}

/// A query of one model's rows, built up by `where`, associations and `limit`.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub model: usize,
    /// `INNER JOIN join ON join.column = <model>.key`.
    pub joins: Vec<Join>,
    /// `table.column = value` conditions.
    pub filters: Vec<(String, String, Value)>,
    pub distinct: bool,
    pub limit: Option<u64>,
    /// `after(id)`: only rows whose key is greater (the rows are in key order): a page
    /// that starts after a row, found through the key's index.
    pub after: Option<Box<Value>>,
    /// For `u.tweets.create(..)`: the column and value every new row gets.
    pub owner: Option<(String, Box<Value>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub table: String,
    pub column: String,
    pub key: String,
}

impl Relation {
    pub fn all(model: usize) -> Self {
        Self {
            model,
            joins: Vec::new(),
            filters: Vec::new(),
            distinct: false,
            limit: None,
            after: None,
            owner: None,
        }
    }
}

impl Value {
    /// From a SeaORM value (a decoded column, a typed model's field).
    pub fn from_sea(value: sea_orm::Value) -> Self {
        use sea_orm::Value as V;
        match value {
            V::Bool(Some(b)) => Value::Bool(b),
            V::TinyInt(Some(i)) => Value::Int(i.into()),
            V::SmallInt(Some(i)) => Value::Int(i.into()),
            V::Int(Some(i)) => Value::Int(i.into()),
            V::BigInt(Some(i)) => Value::Int(i),
            V::String(Some(s)) => Value::Str(s),
            V::ChronoDateTimeUtc(Some(t)) => Value::Time(t),
            V::ChronoDateTime(Some(t)) => Value::Time(t.and_utc()),
            other if !other.is_some() => Value::Nil,
            other => Value::Str(other.to_string()),
        }
    }

    /// As a SeaORM value, for a condition; `None` for what cannot be compared.
    pub fn to_sea(&self, catalog: &Catalog) -> Option<sea_orm::Value> {
        Some(match self {
            Value::Int(i) => (*i).into(),
            Value::Str(s) => s.clone().into(),
            Value::Bool(b) => (*b).into(),
            Value::Time(t) => (*t).into(),
            Value::Record(r) => return r.id(catalog).and_then(|id| id.to_sea(catalog)),
            _ => return None,
        })
    }

    /// Ruby's `inspect`: `1`, `"ann"`, `nil`.
    pub fn inspect(&self, catalog: &Catalog) -> String {
        match self {
            Value::Str(s) => format!("{s:?}"),
            other => other.plain(catalog),
        }
    }

    /// As in a table cell: strings without quotes.
    pub fn plain(&self, catalog: &Catalog) -> String {
        match self {
            Value::Nil => "nil".into(),
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Value::Model(m) => catalog.models[*m].name.clone(),
            Value::Record(r) => r.label(catalog),
            Value::Records { model, rows } => {
                format!("{} {}", rows.len(), catalog.models[*model].name)
            }
            Value::Relation(r) => format!("{} relation", catalog.models[r.model].name),
            Value::Done(what) => what.clone(),
            Value::Destroyed { model, id, .. } => {
                format!("destroyed {} {id}", catalog.models[*model].name)
            }
        }
    }

    /// What the console prints after `=>`: one line, or a block.
    pub fn show(&self, catalog: &Catalog) -> String {
        match self {
            Value::Record(r) => r.fields(catalog),
            Value::Records { model, rows } => table(catalog, *model, rows),
            Value::Destroyed { model, id, steps } => {
                let m = &catalog.models[*model];
                let mut out = format!("destroyed {} {id} ({} row)", m.name, m.table);
                for step in steps {
                    let rule = match step.rule {
                        Rule::Destroy => "destroy",
                        Rule::DeleteAll => "delete_all",
                        Rule::Nullify => "nullify",
                        Rule::Restrict => "restrict",
                    };
                    let done = if step.rule == Rule::Nullify {
                        "nullified"
                    } else {
                        "deleted"
                    };
                    let _ = write!(
                        out,
                        "\n  {:<24} dependent: :{rule:<11} {} row(s) {done}",
                        step.relation, step.rows
                    );
                }
                out
            }
            other => other.inspect(catalog),
        }
    }
}

impl Record {
    /// The primary key's value.
    pub fn id(&self, catalog: &Catalog) -> Option<&Value> {
        self.get(catalog, catalog.models[self.model].primary_key())
    }

    pub fn get(&self, catalog: &Catalog, column: &str) -> Option<&Value> {
        catalog.models[self.model]
            .column(column)
            .and_then(|i| self.values.get(i))
    }

    /// `#<User id: 1>`.
    pub fn label(&self, catalog: &Catalog) -> String {
        let m = &catalog.models[self.model];
        let key = m.primary_key();
        match self.get(catalog, key) {
            Some(id) => format!("#<{} {key}: {}>", m.name, id.plain(catalog)),
            None => format!("#<{}>", m.name),
        }
    }

    /// The label, then each column and its value on a line of its own.
    fn fields(&self, catalog: &Catalog) -> String {
        let m = &catalog.models[self.model];
        let width = m.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut out = self.label(catalog);
        for (col, value) in m.columns.iter().zip(&self.values) {
            let _ = write!(
                out,
                "\n  {:<width$}  {}",
                col.name,
                clip(&value.inspect(catalog))
            );
        }
        out
    }
}

/// Long text cut to fit a line.
fn clip(text: &str) -> String {
    const MAX: usize = 48;
    if text.chars().count() > MAX {
        text.chars().take(MAX - 1).collect::<String>() + "…"
    } else {
        text.to_owned()
    }
}

/// Rows as an aligned table with a header, then how many.
fn table(catalog: &Catalog, model: usize, rows: &[Record]) -> String {
    let m = &catalog.models[model];
    let noun = if rows.len() == 1 { "row" } else { "rows" };
    let mut out = format!("{} {} {noun}", rows.len(), m.name);
    if rows.is_empty() {
        return out;
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.values.iter().map(|v| clip(&v.plain(catalog))).collect())
        .collect();
    let widths: Vec<usize> = m
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            cells
                .iter()
                .map(|row| row.get(i).map_or(0, |s| s.chars().count()))
                .chain([c.name.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |values: Vec<&str>| {
        let mut text = String::from("\n ");
        for (value, width) in values.iter().zip(&widths) {
            let pad = width - value.chars().count();
            let _ = write!(text, " {value}{} |", " ".repeat(pad));
        }
        text.trim_end_matches(" |").trim_end().to_owned()
    };
    out.push_str(&line(m.columns.iter().map(|c| c.name.as_str()).collect()));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&line(rule.iter().map(String::as_str).collect()).replace(" | ", "-+-"));
    for row in &cells {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}
