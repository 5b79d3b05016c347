//! Query capture: count and record the statements a block of code sends.
//!
//! Built on SeaORM's metric callback, which must be set on the connection before it is
//! shared (`set_metric_callback` takes `&mut`); SeaORM calls it in the task that ran
//! the statement, so the record is task-local. [`QueryLog::install`] does that once;
//! [`QueryLog::capture`] then records what one future sends. Tests use it to assert
//! "no N+1"; the examples print the SQL a step sent; the web app warns when a request
//! repeats one statement shape too often.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;

use sea_orm::{DatabaseConnection, Statement};

/// One statement as it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// The SQL with placeholders: its *shape*, the same for every id.
    pub sql: String,
    pub failed: bool,
    /// Kept to render on demand: formatting every statement while recording would
    /// cost more than most statements take to run.
    statement: Statement,
}

impl Captured {
    /// The SQL with the values inlined, for reading.
    pub fn rendered(&self) -> String {
        self.statement.to_string()
    }
}

/// A statement shape sent more than once by one block: the N+1 suspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    pub sql: String,
    pub times: usize,
}

tokio::task_local! {
    /// The open captures of the current task, innermost last.
    static FRAMES: RefCell<Vec<Vec<Captured>>>;
}

/// Records the statements a block sends. The record is kept per task: two requests
/// served at once never see each other's statements, and a capture inside a capture
/// (a test around a request that the app also watches) gives both the statements.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryLog;

impl QueryLog {
    /// Installs the recording callback on `db`. Call before cloning or sharing `db`.
    pub fn install(db: &mut DatabaseConnection) -> Self {
        db.set_metric_callback(|info| {
            // Outside any capture there is nothing to record into.
            let _ = FRAMES.try_with(|frames| {
                if let Some(frame) = frames.borrow_mut().last_mut() {
                    frame.push(Captured {
                        sql: info.statement.sql.clone(),
                        failed: info.failed,
                        statement: info.statement.clone(),
                    });
                }
            });
        });
        QueryLog
    }

    /// Runs `work` and returns its output with every statement it sent, in order.
    /// Statements sent by tasks that `work` spawns are not included.
    pub async fn capture<F, T>(&self, work: F) -> (T, Capture)
    where
        F: Future<Output = T>,
    {
        if FRAMES.try_with(|_| ()).is_ok() {
            FRAMES.with(|frames| frames.borrow_mut().push(Vec::new()));
            let out = work.await;
            let statements = FRAMES.with(|frames| {
                let mut frames = frames.borrow_mut();
                let mine = frames.pop().unwrap_or_default();
                if let Some(parent) = frames.last_mut() {
                    parent.extend(mine.iter().cloned());
                }
                mine
            });
            (out, Capture { statements })
        } else {
            FRAMES
                .scope(RefCell::new(vec![Vec::new()]), async move {
                    let out = work.await;
                    let statements =
                        FRAMES.with(|frames| frames.borrow_mut().pop().unwrap_or_default());
                    (out, Capture { statements })
                })
                .await
        }
    }
}

/// What one captured block sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capture {
    pub statements: Vec<Captured>,
}

impl Capture {
    /// Number of statements sent, not counting transaction control
    /// (BEGIN / COMMIT / ROLLBACK / SAVEPOINT), as the benchmark counts them.
    pub fn count(&self) -> usize {
        self.statements
            .iter()
            .filter(|s| !is_transaction_control(&s.sql))
            .count()
    }

    /// Statement shapes sent more than `threshold` times, most repeated first: the
    /// signature of an N+1 (one query per row of a list).
    pub fn repeated(&self, threshold: usize) -> Vec<Repeated> {
        let mut shapes: BTreeMap<&str, usize> = BTreeMap::new();
        for s in self
            .statements
            .iter()
            .filter(|s| !is_transaction_control(&s.sql))
        {
            *shapes.entry(s.sql.as_str()).or_default() += 1;
        }
        let mut out: Vec<Repeated> = shapes
            .into_iter()
            .filter(|(_, times)| *times > threshold)
            .map(|(sql, times)| Repeated {
                sql: sql.to_owned(),
                times,
            })
            .collect();
        out.sort_by(|a, b| b.times.cmp(&a.times));
        out
    }
}

fn is_transaction_control(sql: &str) -> bool {
    let head = sql.trim_start().to_ascii_uppercase();
    [
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "START TRANSACTION",
    ]
    .iter()
    .any(|kw| head.starts_with(kw))
}
