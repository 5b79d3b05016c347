//! Query capture: count and record the statements a block of code sends.
//!
//! Built on SeaORM's metric callback, which must be set on the connection before it is
//! shared (`set_metric_callback` takes `&mut`). [`QueryLog::install`] does that once;
//! [`QueryLog::capture`] then records what one future sends. Tests use it to assert
//! "no N+1"; the examples print the SQL a step sent; the web app warns when a request
//! repeats one statement shape too often.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::DatabaseConnection;

/// One statement as it was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The SQL with placeholders: its *shape*, the same for every id.
    pub sql: String,
    /// The SQL with the values inlined, for reading.
    pub rendered: String,
    pub failed: bool,
}

/// A statement shape sent more than once by one block: the N+1 suspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeated {
    pub sql: String,
    pub times: usize,
}

/// Records the statements sent on one connection while a capture is running.
#[derive(Debug, Clone, Default)]
pub struct QueryLog {
    recording: Arc<Mutex<Option<Vec<Captured>>>>,
}

impl QueryLog {
    /// Installs the log's callback on `db`. Call before cloning or sharing `db`.
    pub fn install(db: &mut DatabaseConnection) -> Self {
        let log = Self::default();
        let sink = Arc::clone(&log.recording);
        db.set_metric_callback(move |info| {
            let mut guard = sink.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(statements) = guard.as_mut() {
                statements.push(Captured {
                    sql: info.statement.sql.clone(),
                    rendered: info.statement.to_string(),
                    failed: info.failed,
                });
            }
        });
        log
    }

    /// Runs `work` and returns its output with every statement it sent, in order.
    /// Captures do not nest: run one at a time per connection.
    pub async fn capture<F, T>(&self, work: F) -> (T, Capture)
    where
        F: Future<Output = T>,
    {
        *self.lock() = Some(Vec::new());
        let out = work.await;
        let statements = self.lock().take().unwrap_or_default();
        (out, Capture { statements })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Vec<Captured>>> {
        self.recording
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// What one captured block sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
