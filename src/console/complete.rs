//! Tab completion for `rustyline`: model names, variables and commands at the start
//! of a word; after a dot, what the receiver has (a model's methods, a record's
//! columns, associations and writes, a relation's methods), worked out from the
//! catalog by following the chain before the dot (`u.tweets.` completes a relation
//! of tweets).

use std::collections::BTreeMap;

use rustyline::Context;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;

use super::catalog::{Catalog, Kind};
use super::eval::{MODEL_METHODS, RECORD_METHODS, RELATION_METHODS, Session};
use super::value::Value;
use super::write;

/// What an expression is, as far as completion needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Model(usize),
    Record(usize),
    Relation(usize),
}

/// The names completion offers: a snapshot of the session after each line.
#[derive(Debug, Clone)]
pub struct Names {
    catalog: Catalog,
    vars: BTreeMap<String, Option<Shape>>,
}

impl Names {
    pub fn of<C>(session: &Session<'_, C>) -> Self {
        let vars = session
            .vars
            .iter()
            .map(|(name, value)| {
                let shape = match value {
                    Value::Model(m) => Some(Shape::Model(*m)),
                    Value::Record(r) => Some(Shape::Record(r.model)),
                    Value::Relation(r) => Some(Shape::Relation(r.model)),
                    Value::Records { model, .. } => Some(Shape::Relation(*model)),
                    _ => None,
                };
                (name.clone(), shape)
            })
            .collect();
        Self {
            catalog: session.catalog.clone(),
            vars,
        }
    }

    /// Candidates for the word that starts at `start` in `line`.
    pub fn candidates(&self, line: &str, start: usize) -> Vec<String> {
        let before = &line[..start];
        match before.strip_suffix('.') {
            Some(receiver) => self
                .shape_of(receiver)
                .map(|shape| self.members(shape))
                .unwrap_or_default(),
            None => {
                let mut all: Vec<String> = self.catalog.names();
                all.extend(self.vars.keys().cloned());
                all.extend(["help", "exit"].map(String::from));
                all
            }
        }
    }

    /// Follows `a.b(..).c` through the catalog.
    fn shape_of(&self, receiver: &str) -> Option<Shape> {
        let mut depth = 0;
        let mut chain = Vec::new();
        let mut word = String::new();
        // The identifiers of the trailing call chain, skipping argument lists.
        for c in receiver.chars().rev() {
            match c {
                ')' => depth += 1,
                '(' => depth -= 1,
                _ if depth > 0 => {}
                '.' => chain.push(std::mem::take(&mut word)),
                c if c.is_ascii_alphanumeric() || "_?!".contains(c) => word.insert(0, c),
                _ => break,
            }
        }
        chain.push(word);
        chain.reverse();
        let mut names = chain.into_iter();
        let first = names.next()?;
        let mut shape = match self.vars.get(&first) {
            Some(shape) => (*shape)?,
            None => Shape::Model(self.catalog.model(&first)?),
        };
        for name in names {
            shape = self.step(shape, &name)?;
        }
        Some(shape)
    }

    fn step(&self, shape: Shape, name: &str) -> Option<Shape> {
        match shape {
            Shape::Model(m) | Shape::Relation(m) => match name {
                "find" | "find_by" | "first" | "last" => Some(Shape::Record(m)),
                "all" | "where" | "limit" | "after" | "to_a" => Some(Shape::Relation(m)),
                _ => None,
            },
            Shape::Record(m) => {
                if name == "reload" {
                    return Some(shape);
                }
                let assoc = self.catalog.models[m].association(name)?;
                let target = self.catalog.by_table(assoc.kind.target())?;
                Some(match assoc.kind {
                    Kind::BelongsTo { .. } => Shape::Record(target),
                    _ => Shape::Relation(target),
                })
            }
        }
    }

    fn members(&self, shape: Shape) -> Vec<String> {
        let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match shape {
            Shape::Model(_) => strings(MODEL_METHODS),
            Shape::Relation(_) => strings(RELATION_METHODS),
            Shape::Record(m) => {
                let model = &self.catalog.models[m];
                let mut all: Vec<String> = model.columns.iter().map(|c| c.name.clone()).collect();
                all.extend(model.associations.iter().map(|a| a.name.clone()));
                all.extend(strings(RECORD_METHODS));
                all.extend(
                    write::verbs(&model.table)
                        .iter()
                        .map(|(v, _)| v.to_string()),
                );
                all
            }
        }
    }
}

/// The `rustyline` helper: completion only (no hints, colours or multi-line input).
pub struct Helper {
    pub names: Names,
}

impl Helper {
    pub fn new(names: Names) -> Self {
        Self { names }
    }
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(0, |i| i + 1);
        let typed = &line[start..pos];
        let mut found: Vec<Pair> = self
            .names
            .candidates(line, start)
            .into_iter()
            .filter(|name| name.starts_with(typed))
            .map(|name| Pair {
                display: name.clone(),
                replacement: name,
            })
            .collect();
        found.sort_by(|a, b| a.display.cmp(&b.display));
        found.dedup_by(|a, b| a.display == b.display);
        Ok((start, found))
    }
}

impl Hinter for Helper {
    type Hint = String;
}
impl Highlighter for Helper {}
impl Validator for Helper {}
impl rustyline::Helper for Helper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        let catalog = Catalog::new(service::schema::registry()).unwrap();
        let user = catalog.model("User").unwrap();
        Names {
            vars: [("u".to_owned(), Some(Shape::Record(user)))].into(),
            catalog,
        }
    }

    #[test]
    fn completes_models_and_what_follows_a_dot() {
        let n = names();
        assert!(n.candidates("Us", 0).contains(&"User".to_owned()));
        assert!(n.candidates("User.", 5).contains(&"find_by".to_owned()));
        let after_u = n.candidates("u.", 2);
        for name in ["username", "tweets", "liked_tweets", "followers", "destroy"] {
            assert!(after_u.contains(&name.to_owned()), "{name}");
        }
        assert!(n.candidates("u.tweets.", 9).contains(&"count".to_owned()));
        assert!(
            n.candidates("User.find(1).", 13)
                .contains(&"hearts".to_owned())
        );
        assert!(
            n.candidates("Tweet.first.user.", 17)
                .contains(&"email".to_owned())
        );
        assert!(n.candidates("nope.", 5).is_empty());
    }
}
