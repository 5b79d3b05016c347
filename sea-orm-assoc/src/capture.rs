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

use sea_orm::metric::Info;
use sea_orm::{DatabaseConnection, Statement};

/// One statement as it was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    /// The SQL with placeholders: its *shape*, the same for every id.
    pub sql: String,
    pub failed: bool,
    /// Sent by an attempt that lost a race and was rolled back and run again
    /// (`retrying`): real traffic, but not repetition in the code's own logic.
    pub abandoned: bool,
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

/// One open capture: its statements so far and the attempts it abandoned.
#[derive(Default)]
struct Frame {
    statements: Vec<Captured>,
    retries: u32,
    /// A frame of [`QueryLog::count`]: how many statements, none of them kept.
    counted: Option<usize>,
}

impl Frame {
    fn counting() -> Self {
        Frame {
            counted: Some(0),
            ..Frame::default()
        }
    }

    /// Takes in what a capture opened inside this one recorded.
    fn absorb(&mut self, inner: &Frame) {
        match &mut self.counted {
            Some(n) => *n += Capture::count_of(&inner.statements) + inner.counted.unwrap_or(0),
            None => self.statements.extend(inner.statements.iter().cloned()),
        }
        self.retries += inner.retries;
    }
}

tokio::task_local! {
    /// The open captures of the current task, innermost last.
    static FRAMES: RefCell<Vec<Frame>>;
}

/// Where the current task's innermost capture stands: call before an attempt that may
/// be retried, and pass the mark to [`abandon_attempt`] if it is. `None` outside a
/// capture.
pub(crate) fn attempt_mark() -> Option<usize> {
    FRAMES
        .try_with(|frames| frames.borrow().last().map(|f| f.statements.len()))
        .ok()
        .flatten()
}

/// Marks what the innermost capture recorded since `mark` as an abandoned attempt,
/// and counts one retry.
pub(crate) fn abandon_attempt(mark: Option<usize>) {
    let Some(mark) = mark else { return };
    let _ = FRAMES.try_with(|frames| {
        if let Some(frame) = frames.borrow_mut().last_mut() {
            for s in frame.statements.iter_mut().skip(mark) {
                s.abandoned = true;
            }
            frame.retries += 1;
        }
    });
}

/// Records the statements a block sends. The record is kept per task: two requests
/// served at once never see each other's statements, and a capture inside a capture
/// (a test around a request that the app also watches) gives both the statements.
///
/// The only way to get one is [`QueryLog::install`], so a capture cannot silently
/// record nothing because the callback was never set.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), sea_orm::DbErr> {
/// use sea_orm::{ConnectionTrait, Database, Statement};
/// use sea_orm_assoc::QueryLog;
///
/// let mut db = Database::connect("sqlite::memory:").await?;
/// let log = QueryLog::install(&mut db);
/// let select = Statement::from_string(db.get_database_backend(), "SELECT 1");
/// let (_, sent) = log
///     .capture(async {
///         for _ in 0..3 {
///             db.query_one_raw(select.clone()).await.unwrap();
///         }
///     })
///     .await;
/// assert_eq!(sent.count(), 3);
/// assert_eq!(sent.repeated(2)[0].times, 3); // an N+1 suspect
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct QueryLog {
    _installed: (),
}

impl QueryLog {
    /// Installs the recording callback on `db`. Call before cloning or sharing `db`.
    pub fn install(db: &mut DatabaseConnection) -> Self {
        db.set_metric_callback(Self::record);
        QueryLog { _installed: () }
    }

    /// Records one statement into the current task's innermost capture, if any: the
    /// callback [`QueryLog::install`] sets, for a connection of another kind that
    /// reports its statements the way SeaORM's metric callback does.
    pub fn record(info: &Info<'_>) {
        // Outside any capture there is nothing to record into.
        let _ = FRAMES.try_with(|frames| {
            if let Some(frame) = frames.borrow_mut().last_mut() {
                if let Some(n) = &mut frame.counted {
                    if !is_transaction_control(&info.statement.sql) {
                        *n += 1;
                    }
                    return;
                }
                frame.statements.push(Captured {
                    sql: info.statement.sql.clone(),
                    failed: info.failed,
                    abandoned: false,
                    statement: info.statement.clone(),
                });
            }
        });
    }

    /// Runs `work` and returns its output with every statement it sent, in order.
    /// Statements sent by tasks that `work` spawns are not included.
    pub async fn capture<F, T>(&self, work: F) -> (T, Capture)
    where
        F: Future<Output = T>,
    {
        if FRAMES.try_with(|_| ()).is_ok() {
            FRAMES.with(|frames| frames.borrow_mut().push(Frame::default()));
            let out = work.await;
            let mine = FRAMES.with(|frames| {
                let mut frames = frames.borrow_mut();
                let mine = frames.pop().unwrap_or_default();
                if let Some(parent) = frames.last_mut() {
                    parent.absorb(&mine);
                }
                mine
            });
            (out, Capture::from(mine))
        } else {
            FRAMES
                .scope(RefCell::new(vec![Frame::default()]), async move {
                    let out = work.await;
                    let mine = FRAMES.with(|frames| frames.borrow_mut().pop().unwrap_or_default());
                    (out, Capture::from(mine))
                })
                .await
        }
    }

    /// Runs `work` and returns its output with the number of statements it sent (not
    /// counting transaction control, as [`Capture::count`]), keeping none of them: what
    /// a benchmark needs, without the cost of copying every statement's SQL and values.
    /// Inside a [`QueryLog::capture`] the statements are recorded as usual, so the
    /// outer capture still sees them.
    pub async fn count<F, T>(&self, work: F) -> (T, usize)
    where
        F: Future<Output = T>,
    {
        if FRAMES.try_with(|_| ()).is_ok() {
            let (out, capture) = self.capture(work).await;
            return (out, capture.count());
        }
        FRAMES
            .scope(RefCell::new(vec![Frame::counting()]), async move {
                let out = work.await;
                let frame = FRAMES.with(|frames| frames.borrow_mut().pop().unwrap_or_default());
                (out, frame.counted.unwrap_or(0))
            })
            .await
    }
}

/// What one captured block sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capture {
    pub statements: Vec<Captured>,
    /// How many times a write was rolled back and run again because it lost a race
    /// (a deadlock, a serialization failure, a busy SQLite, a concurrent insert).
    pub retries: u32,
}

impl From<Frame> for Capture {
    fn from(frame: Frame) -> Self {
        Capture {
            statements: frame.statements,
            retries: frame.retries,
        }
    }
}

impl Capture {
    /// Number of statements sent, not counting transaction control
    /// (BEGIN / COMMIT / ROLLBACK / SAVEPOINT), as the benchmark counts them. A batch
    /// sent at once counts as one.
    pub fn count(&self) -> usize {
        Self::count_of(&self.statements)
    }

    fn count_of(statements: &[Captured]) -> usize {
        statements
            .iter()
            .filter(|s| !is_transaction_control(&s.sql))
            .count()
    }

    // ANCHOR: repeated
    /// Statement shapes sent more than `threshold` times, most repeated first: the
    /// signature of an N+1 (one query per row of a list). Statements of an attempt
    /// that was retried are left out: a retry repeats a transaction, not a query per
    /// row.
    pub fn repeated(&self, threshold: usize) -> Vec<Repeated> {
        let mut shapes: BTreeMap<&str, usize> = BTreeMap::new();
        for s in self
            .statements
            .iter()
            .filter(|s| !s.abandoned && !is_transaction_control(&s.sql))
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
        out.sort_by_key(|r| std::cmp::Reverse(r.times));
        out
    }
    // ANCHOR_END: repeated
}

/// A statement that only begins, ends or marks a transaction. A batch that opens
/// with `SAVEPOINT` or `BEGIN` and carries other statements (`join::attach` on
/// SQLite) is not: it counts as the one statement it was sent as.
fn is_transaction_control(sql: &str) -> bool {
    let sql = sql.trim().trim_end_matches(';');
    if sql.contains(';') {
        return false;
    }
    let head = sql.as_bytes();
    [
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "START TRANSACTION",
    ]
    .iter()
    .any(|kw| {
        head.get(..kw.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(kw.as_bytes()))
    })
}
