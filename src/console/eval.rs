//! Evaluation: names resolve through the [`Catalog`] (models, columns, associations
//! of the registry), reads are queries built from that metadata, writes call the
//! service functions (`write.rs`), so validations, counter caches and dependent rules
//! hold exactly as in the app.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, TransactionTrait};
use service::assoc::Registry;

use super::catalog::{Catalog, Kind};
use super::parse::{Arg, Expr as Ast, Line};
use super::value::{Join, Record, Relation, Value};
use super::write;

/// Why an evaluation failed; printed as `Err: <message>`.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("uninitialized constant {name}{hint}")]
    UnknownModel { name: String, hint: String },
    #[error("undefined local variable `{name}`{hint}")]
    UnknownVariable { name: String, hint: String },
    #[error("undefined method `{method}` for {on}{hint}")]
    UnknownMethod {
        on: String,
        method: String,
        hint: String,
    },
    #[error("Couldn't find {model} with '{key}'={id}")]
    NotFound {
        model: String,
        key: String,
        id: String,
    },
    /// A service refused the write; its typed error, in its own words.
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    Usage(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Methods of a model (`User.find`), for messages, help and completion.
pub const MODEL_METHODS: &[&str] = &[
    "all", "count", "create", "find", "find_by", "first", "last", "where",
];
/// Methods of a relation (`u.tweets.count`).
pub const RELATION_METHODS: &[&str] = &[
    "after", "all", "count", "create", "find", "find_by", "first", "last", "limit", "size", "to_a",
    "where",
];
/// Methods every record has besides its columns and associations.
pub const RECORD_METHODS: &[&str] = &["destroy", "reload"];

/// One console session's state: the connection (a transaction in the sandbox), the
/// schema and the variables.
pub struct Session<'c, C> {
    db: &'c C,
    pub catalog: Catalog,
    registry: &'static Registry,
    pub vars: BTreeMap<String, Value>,
}

type Eval<'a> = Pin<Box<dyn Future<Output = Result<Value, EvalError>> + 'a>>;

impl<'c, C> Session<'c, C>
where
    C: ConnectionTrait + TransactionTrait + Sync,
{
    /// # Errors
    /// The registry lacks a relation the console's declared associations name.
    pub fn new(db: &'c C) -> Result<Self, String> {
        let registry = service::schema::registry();
        Ok(Self {
            db,
            catalog: Catalog::new(registry)?,
            registry,
            vars: BTreeMap::new(),
        })
    }

    /// Evaluates a line; a relation is loaded (its query sent) so it can be shown.
    ///
    /// # Errors
    /// [`EvalError`] naming what was wrong.
    pub async fn run(&mut self, line: &Line) -> Result<Value, EvalError> {
        let (name, expr) = match line {
            Line::Assign(name, expr) => (Some(name), expr),
            Line::Expr(expr) => (None, expr),
        };
        let value = self.eval(expr).await?;
        if let Some(name) = name {
            self.vars.insert(name.clone(), value.clone());
        }
        match value {
            Value::Relation(rel) => self.load(&rel).await,
            other => Ok(other),
        }
    }

    fn eval<'a>(&'a mut self, expr: &'a Ast) -> Eval<'a> {
        Box::pin(async move {
            match expr {
                Ast::Int(i) => Ok(Value::Int(*i)),
                Ast::Str(s) => Ok(Value::Str(s.clone())),
                Ast::Nil => Ok(Value::Nil),
                Ast::Bool(b) => Ok(Value::Bool(*b)),
                Ast::Name(name) => self.name(name),
                Ast::Call {
                    receiver,
                    method,
                    args,
                } => {
                    let receiver = self.eval(receiver).await?;
                    let mut positional = Vec::new();
                    let mut keywords = Vec::new();
                    for Arg { key, value } in args {
                        let value = self.eval(value).await?;
                        match key {
                            Some(key) => keywords.push((key.clone(), value)),
                            None => positional.push(value),
                        }
                    }
                    self.call(receiver, method, positional, keywords).await
                }
            }
        })
    }

    fn name(&self, name: &str) -> Result<Value, EvalError> {
        if let Some(value) = self.vars.get(name) {
            return Ok(value.clone());
        }
        if let Some(model) = self.catalog.model(name) {
            return Ok(Value::Model(model));
        }
        if name.starts_with(|c: char| c.is_ascii_uppercase()) {
            let models = self.catalog.names();
            Err(EvalError::UnknownModel {
                name: name.to_owned(),
                hint: hint(name, &models, "models"),
            })
        } else {
            let mut known: Vec<String> = self.vars.keys().cloned().collect();
            known.extend(self.catalog.names());
            Err(EvalError::UnknownVariable {
                name: name.to_owned(),
                hint: hint(name, &known, "defined"),
            })
        }
    }

    async fn call(
        &mut self,
        receiver: Value,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, EvalError> {
        match receiver {
            Value::Model(model) => {
                let all = Relation::all(model);
                match method {
                    "create" | "create!" | "new" => {
                        write::create(self.db, &self.catalog, model, &kwargs).await
                    }
                    m if MODEL_METHODS.contains(&m) => {
                        self.relation_call(all, method, args, kwargs).await
                    }
                    _ => Err(self.unknown(
                        self.catalog.models[model].name.clone(),
                        method,
                        MODEL_METHODS.iter().map(|s| s.to_string()).collect(),
                    )),
                }
            }
            Value::Relation(rel) => self.relation_call(rel, method, args, kwargs).await,
            Value::Record(record) => self.record_call(record, method, args).await,
            Value::Records { model, rows } => match method {
                "count" | "size" | "length" => Ok(Value::Int(rows.len() as i64)),
                "first" => Ok(rows.first().cloned().map_or(Value::Nil, Value::Record)),
                "last" => Ok(rows.last().cloned().map_or(Value::Nil, Value::Record)),
                "to_a" | "all" => Ok(Value::Records { model, rows }),
                _ => Err(self.unknown(
                    format!("an Array of {}", self.catalog.models[model].name),
                    method,
                    ["count", "first", "last", "size"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect(),
                )),
            },
            other => Err(EvalError::UnknownMethod {
                on: other.inspect(&self.catalog),
                method: method.to_owned(),
                hint: String::new(),
            }),
        }
    }

    async fn relation_call(
        &mut self,
        mut rel: Relation,
        method: &str,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Value, EvalError> {
        match method {
            "all" | "to_a" | "load" => self.load(&rel).await,
            "count" | "size" | "length" => self.count(&rel).await,
            "first" => self.first(&rel, Order::Asc).await,
            "last" => self.first(&rel, Order::Desc).await,
            "where" => {
                self.filter(&mut rel, &kwargs)?;
                Ok(Value::Relation(rel))
            }
            "find_by" => {
                self.filter(&mut rel, &kwargs)?;
                self.first(&rel, Order::Asc).await
            }
            "find" => {
                let id = match args.as_slice() {
                    // `User.find("1")`, as from a form: Rails casts it to the key's type.
                    [Value::Str(s)] => s.trim().parse().map_or(Value::Str(s.clone()), Value::Int),
                    [id] => id.clone(),
                    _ => {
                        return Err(EvalError::Usage("find takes one id: User.find(1)".into()));
                    }
                };
                let model = &self.catalog.models[rel.model];
                let key = model.primary_key().to_owned();
                let (table, name) = (model.table.clone(), model.name.clone());
                rel.filters.push((table, key.clone(), id.clone()));
                match self.first(&rel, Order::Asc).await? {
                    Value::Nil => Err(EvalError::NotFound {
                        model: name,
                        key,
                        id: id.inspect(&self.catalog),
                    }),
                    found => Ok(found),
                }
            }
            // Keyset paging, as the web app pages: `u.tweets.after(12).limit(5)` is the
            // five rows after row 12 in key order, found through the key's index
            // whatever the page (no OFFSET that reads and drops the rows before it).
            "after" => match args.as_slice() {
                [Value::Int(id)] => {
                    rel.after = Some(Box::new(Value::Int(*id)));
                    Ok(Value::Relation(rel))
                }
                // `after("12")`, as from a link: cast to the key's type, as `find` does.
                [Value::Str(s)] if s.trim().parse::<i64>().is_ok() => {
                    let id = s.trim().parse().map_or(Value::Nil, Value::Int);
                    rel.after = Some(Box::new(id));
                    Ok(Value::Relation(rel))
                }
                [Value::Record(r)] if r.model == rel.model => {
                    let id = r.id(&self.catalog).cloned().unwrap_or(Value::Nil);
                    rel.after = Some(Box::new(id));
                    Ok(Value::Relation(rel))
                }
                _ => Err(EvalError::Usage(
                    "after takes the key of the last row you saw: u.tweets.after(12).limit(5)"
                        .into(),
                )),
            },
            "limit" => match args.as_slice() {
                [Value::Int(n)] if *n >= 0 => {
                    rel.limit = Some(*n as u64);
                    Ok(Value::Relation(rel))
                }
                _ => Err(EvalError::Usage(
                    "limit takes a number: User.limit(5)".into(),
                )),
            },
            "create" | "create!" | "new" => {
                let Some((column, id)) = rel.owner.clone() else {
                    return Err(EvalError::Usage(format!(
                        "create on this relation is not supported; try {}.create(..)",
                        self.catalog.models[rel.model].name
                    )));
                };
                let mut kwargs = kwargs;
                kwargs.push((column, *id));
                write::create(self.db, &self.catalog, rel.model, &kwargs).await
            }
            _ => Err(self.unknown(
                format!("a {} relation", self.catalog.models[rel.model].name),
                method,
                RELATION_METHODS.iter().map(|s| s.to_string()).collect(),
            )),
        }
    }

    async fn record_call(
        &mut self,
        record: Record,
        method: &str,
        args: Vec<Value>,
    ) -> Result<Value, EvalError> {
        let model = &self.catalog.models[record.model];
        if let Some(i) = model.column(method) {
            return Ok(record.values[i].clone());
        }
        if let Some(assoc) = model.association(method) {
            let kind = assoc.kind.clone();
            return self.navigate(&record, &kind).await;
        }
        match method {
            "destroy" | "destroy!" => {
                write::destroy(self.db, self.registry, &self.catalog, &record).await
            }
            "reload" => {
                let id = record.id(&self.catalog).cloned().unwrap_or(Value::Nil);
                self.relation_call(Relation::all(record.model), "find", vec![id], Vec::new())
                    .await
            }
            verb if write::verbs(&model.table).iter().any(|(v, _)| *v == verb) => {
                write::verb(self.db, &self.catalog, &record, verb, &args).await
            }
            _ => {
                let mut known: Vec<String> = model.columns.iter().map(|c| c.name.clone()).collect();
                known.extend(model.associations.iter().map(|a| a.name.clone()));
                known.extend(RECORD_METHODS.iter().map(|s| s.to_string()));
                known.extend(
                    write::verbs(&model.table)
                        .iter()
                        .map(|(v, _)| v.to_string()),
                );
                Err(self.unknown(record.label(&self.catalog), method, known))
            }
        }
    }

    /// Follows an association from `record`: a belongs_to loads its row (Rails does
    /// too); a has_many or has_many :through is a relation, sent when shown, counted
    /// or asked for its first row.
    async fn navigate(&mut self, record: &Record, kind: &Kind) -> Result<Value, EvalError> {
        let target = self
            .catalog
            .by_table(kind.target())
            .ok_or_else(|| EvalError::Usage(format!("no model for {}", kind.target())))?;
        let target_table = self.catalog.models[target].table.clone();
        let mut rel = Relation::all(target);
        match kind {
            Kind::BelongsTo { fk, key, .. } => {
                let id = record.get(&self.catalog, fk).cloned().unwrap_or(Value::Nil);
                if id == Value::Nil {
                    return Ok(Value::Nil);
                }
                rel.filters.push((target_table, key.clone(), id));
                return self.first(&rel, Order::Asc).await;
            }
            Kind::HasMany { fk, key, .. } => {
                let id = record
                    .get(&self.catalog, key)
                    .cloned()
                    .unwrap_or(Value::Nil);
                rel.filters.push((target_table, fk.clone(), id.clone()));
                rel.owner = Some((fk.clone(), Box::new(id)));
            }
            Kind::Through {
                join,
                owner_fk,
                key,
                target_fk,
                target_key,
                distinct,
                ..
            } => {
                let id = record
                    .get(&self.catalog, key)
                    .cloned()
                    .unwrap_or(Value::Nil);
                rel.joins.push(Join {
                    table: join.clone(),
                    column: target_fk.clone(),
                    key: target_key.clone(),
                });
                rel.filters.push((join.clone(), owner_fk.clone(), id));
                rel.distinct = *distinct;
            }
        }
        Ok(Value::Relation(rel))
    }

    /// `where(column: value)`; a belongs_to name stands for its foreign key
    /// (`Tweet.where(user: u)`), as in Rails.
    fn filter(&self, rel: &mut Relation, kwargs: &[(String, Value)]) -> Result<(), EvalError> {
        let model = &self.catalog.models[rel.model];
        for (key, value) in kwargs {
            let column = if model.column(key).is_some() {
                key.clone()
            } else if let Some(Kind::BelongsTo { fk, .. }) = model.association(key).map(|a| &a.kind)
            {
                fk.clone()
            } else {
                let known: Vec<String> = model.columns.iter().map(|c| c.name.clone()).collect();
                return Err(EvalError::Usage(format!(
                    "{} has no column `{key}`{}",
                    model.name,
                    hint(key, &known, "columns")
                )));
            };
            rel.filters
                .push((model.table.clone(), column, value.clone()));
        }
        Ok(())
    }

    fn select(&self, rel: &Relation) -> Result<SelectStatement, EvalError> {
        let model = &self.catalog.models[rel.model];
        let table = Alias::new(&model.table);
        let mut q = Query::select();
        q.columns(
            model
                .columns
                .iter()
                .map(|c| (table.clone(), Alias::new(&c.name))),
        )
        .from(table.clone());
        if rel.distinct {
            q.distinct();
        }
        self.conditions(rel, &mut q)?;
        if let Some(n) = rel.limit {
            q.limit(n);
        }
        Ok(q)
    }

    fn conditions(&self, rel: &Relation, q: &mut SelectStatement) -> Result<(), EvalError> {
        let model = &self.catalog.models[rel.model];
        let table = Alias::new(&model.table);
        for join in &rel.joins {
            let joined = Alias::new(&join.table);
            q.inner_join(
                joined.clone(),
                Expr::col((joined, Alias::new(&join.column)))
                    .equals((table.clone(), Alias::new(&join.key))),
            );
        }
        for (t, c, value) in &rel.filters {
            let col = Expr::col((Alias::new(t), Alias::new(c)));
            match value {
                Value::Nil => q.and_where(col.is_null()),
                other => {
                    let v = other.to_sea(&self.catalog).ok_or_else(|| {
                        EvalError::Usage(format!(
                            "cannot compare {c} with {}",
                            other.inspect(&self.catalog)
                        ))
                    })?;
                    q.and_where(col.eq(v))
                }
            };
        }
        if let Some(after) = &rel.after {
            let key = Expr::col((table.clone(), Alias::new(model.primary_key())));
            let v = after.to_sea(&self.catalog).ok_or_else(|| {
                EvalError::Usage(format!(
                    "cannot page after {}",
                    after.inspect(&self.catalog)
                ))
            })?;
            q.and_where(key.gt(v));
        }
        Ok(())
    }

    async fn load(&self, rel: &Relation) -> Result<Value, EvalError> {
        let model = &self.catalog.models[rel.model];
        let mut q = self.select(rel)?;
        q.order_by(
            (Alias::new(&model.table), Alias::new(model.primary_key())),
            Order::Asc,
        );
        let rows = self.db.query_all(&q).await?;
        Ok(Value::Records {
            model: rel.model,
            rows: rows.iter().map(|row| self.decode(rel.model, row)).collect(),
        })
    }

    async fn first(&self, rel: &Relation, order: Order) -> Result<Value, EvalError> {
        let model = &self.catalog.models[rel.model];
        let mut q = self.select(rel)?;
        q.order_by(
            (Alias::new(&model.table), Alias::new(model.primary_key())),
            order,
        )
        .limit(1);
        let row = self.db.query_one(&q).await?;
        Ok(row.map_or(Value::Nil, |row| {
            Value::Record(self.decode(rel.model, &row))
        }))
    }

    async fn count(&self, rel: &Relation) -> Result<Value, EvalError> {
        let model = &self.catalog.models[rel.model];
        let table = Alias::new(&model.table);
        let mut q = Query::select();
        let counted = if rel.distinct {
            Func::count_distinct(Expr::col((table.clone(), Alias::new(model.primary_key()))))
        } else {
            Func::count(Expr::col(sea_orm::sea_query::Asterisk))
        };
        q.expr_as(counted, Alias::new("count")).from(table);
        self.conditions(rel, &mut q)?;
        let count = match self.db.query_one(&q).await? {
            Some(row) => row.try_get::<i64>("", "count")?,
            None => 0,
        };
        Ok(Value::Int(count))
    }

    /// A row as the model's columns, each decoded by its declared type.
    fn decode(&self, model: usize, row: &QueryResult) -> Record {
        let columns = &self.catalog.models[model].columns;
        let values = columns
            .iter()
            .map(|c| {
                let name = c.name.as_str();
                let got = match c.kind.as_str() {
                    "Integer" | "SmallInteger" | "TinyInteger" => row
                        .try_get::<Option<i32>>("", name)
                        .map(|v| v.map_or(Value::Nil, |i| Value::Int(i.into()))),
                    "BigInteger" => row
                        .try_get::<Option<i64>>("", name)
                        .map(|v| v.map_or(Value::Nil, Value::Int)),
                    "Boolean" => row
                        .try_get::<Option<bool>>("", name)
                        .map(|v| v.map_or(Value::Nil, Value::Bool)),
                    k if k.starts_with("Timestamp") || k == "DateTime" => row
                        .try_get::<Option<chrono::DateTime<chrono::Utc>>>("", name)
                        .map(|v| v.map_or(Value::Nil, Value::Time)),
                    _ => row
                        .try_get::<Option<String>>("", name)
                        .map(|v| v.map_or(Value::Nil, Value::Str)),
                };
                got.unwrap_or_else(|e| Value::Str(format!("<unreadable: {e}>")))
            })
            .collect();
        Record { model, values }
    }

    fn unknown(&self, on: String, method: &str, known: Vec<String>) -> EvalError {
        EvalError::UnknownMethod {
            on,
            method: method.to_owned(),
            hint: hint(method, &known, "known"),
        }
    }
}

/// `; did you mean `tweets`? (known: a, b, c)`: the nearest name, if one is near, and
/// everything that exists.
pub fn hint(name: &str, known: &[String], label: &str) -> String {
    let nearest = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(name, k), k))
        .filter(|(d, k)| *d <= Ord::max(2, k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!("; did you mean `{k}`?"))
        .unwrap_or_default();
    format!("{nearest} ({label}: {})", known.join(", "))
}
