//! Group commit for hearts: on a SQLite file the hearts that many requests ask for at
//! the same moment are written together, in one transaction and one round trip.
//!
//! A SQLite file has one writer, and sqlx runs each of its statements on the
//! connection's own thread, so every write transaction costs a hand-off to that
//! thread and back, and the next request's heart waits for it. A heart alone is
//! already one batch ([`assoc::join::attach`]); what is left is that hand-off, once
//! per heart. [`HeartWriter`] queues the hearts and one task takes whatever has
//! queued up (up to [`MOST`]) as one [`assoc::join::attach_all`] batch: at one
//! request at a time that is a batch of one, as before; at 64 it is as many as came
//! in while the last batch ran (the numbers are in `docs/performance.md`, "Morning,
//! 2026-11-23").
//!
//! Each heart is answered on its own, as [`hearts::heart_tweet`] would answer it: a
//! pair asked for twice in one batch is hearted once and refused once, a missing
//! user or tweet is named. The batch cannot be refused by the data, so a database
//! error (a busy timeout, a full disk) is the only thing that fails a batch, and then
//! it fails whole: every heart in it gets the error and none is written. A heart
//! whose request goes away after queuing (the client hung up) is still written, as
//! it would have been had it reached the database first.
//!
//! What it costs: the writer's connection keeps each group size's batch prepared in
//! sqlx's statement cache, up to [`MOST`] of them (three statements a heart); the
//! server's resident memory rose from 83 to 109 MB over a 10 s run at 64 connections.
//!
//! On PostgreSQL and MariaDB each heart is its own transaction, as before: a server
//! runs many writers at once, and a queue would put them back in a line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use entity::heart;
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use tokio::sync::{mpsc, oneshot};

use crate::assoc;
use crate::hearts::{self, HeartError};
use crate::held::Held;

/// The most hearts in one batch: enough that 64 waiting requests go in one or two,
/// few enough that the batch's statement (three per heart) stays short to prepare.
pub const MOST: usize = 64;

/// How many hearts may wait for the writer before a request waits to queue.
const WAITING: usize = 1024;

/// Writes hearts; on a SQLite file in groups (see the module). Clones share the
/// writer.
#[derive(Clone, Debug)]
pub struct HeartWriter {
    db: Held,
    queue: Option<mpsc::Sender<Ask>>,
    sent: Arc<Counts>,
}

/// What a [`HeartWriter`] has sent to the database so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    /// Groups written: batches on SQLite, single hearts elsewhere.
    pub groups: u64,
    /// Hearts asked for in them, refused ones included.
    pub hearts: u64,
}

#[derive(Debug, Default)]
struct Counts {
    groups: AtomicU64,
    hearts: AtomicU64,
}

impl Counts {
    fn add(&self, hearts: usize) {
        self.groups.fetch_add(1, Ordering::Relaxed);
        self.hearts.fetch_add(hearts as u64, Ordering::Relaxed);
    }
}

/// One heart waiting for the writer, and where its answer goes.
#[derive(Debug)]
struct Ask {
    user_id: i32,
    tweet_id: i32,
    answer: oneshot::Sender<Result<(), HeartError>>,
}

impl HeartWriter {
    /// Hearts written on `db`, the write connections. On SQLite this starts the task
    /// that writes the groups, so it must be called inside a tokio runtime; the task
    /// ends when the last clone is dropped.
    pub fn new(db: Held) -> Self {
        let sent = Arc::new(Counts::default());
        let queue = (db.get_database_backend() == DbBackend::Sqlite).then(|| {
            let (queue, asks) = mpsc::channel(WAITING);
            tokio::spawn(write_groups(db.clone(), asks, Arc::clone(&sent)));
            queue
        });
        Self { db, queue, sent }
    }

    /// How many groups, and hearts in them, this writer (and its clones) has sent:
    /// the average group size under load, and what a test checks.
    pub fn sent(&self) -> Sent {
        Sent {
            groups: self.sent.groups.load(Ordering::Relaxed),
            hearts: self.sent.hearts.load(Ordering::Relaxed),
        }
    }

    /// One heart in its own transaction, as [`hearts::heart_tweet`].
    async fn alone(&self, user_id: i32, tweet_id: i32) -> Result<(), HeartError> {
        self.sent.add(1);
        hearts::heart_tweet(&self.db, user_id, tweet_id).await
    }

    /// [`hearts::heart_tweet`], in the next group on SQLite.
    ///
    /// # Errors
    /// Those of [`hearts::heart_tweet`].
    pub async fn heart(&self, user_id: i32, tweet_id: i32) -> Result<(), HeartError> {
        let Some(queue) = &self.queue else {
            return self.alone(user_id, tweet_id).await;
        };
        let (answer, answered) = oneshot::channel();
        let ask = Ask {
            user_id,
            tweet_id,
            answer,
        };
        if queue.send(ask).await.is_err() {
            // The task is gone (it can only have panicked): write this one alone.
            return self.alone(user_id, tweet_id).await;
        }
        answered.await.unwrap_or_else(|_| {
            Err(HeartError::Db(DbErr::Custom(
                "the heart writer stopped before it answered".into(),
            )))
        })
    }
}

/// The writer's task: takes whatever hearts have queued, up to [`MOST`], writes them
/// as one batch, answers each, and waits for the next.
async fn write_groups(db: Held, mut asks: mpsc::Receiver<Ask>, sent: Arc<Counts>) {
    let mut group = Vec::with_capacity(MOST);
    while asks.recv_many(&mut group, MOST).await > 0 {
        let pairs: Vec<(i32, i32)> = group.iter().map(|a| (a.user_id, a.tweet_id)).collect();
        sent.add(pairs.len());
        let answers = assoc::join::attach_all::<heart::Entity, _>(&db, &pairs).await;
        for (ask, attached) in group.drain(..).zip(answers) {
            // A request that went away no longer wants its answer; its heart stands.
            let _ = ask
                .answer
                .send(HeartError::answer(attached, ask.user_id, ask.tweet_id));
        }
    }
}
