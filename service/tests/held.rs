//! `service::held`: the web app's reads and write transactions on held connections.
//! Each test gets a fresh database; on SQLite a file (an in-memory database has one
//! connection, so it stays on SeaORM's pool and there is nothing here to test).

use std::time::Duration;

use entity::tweet;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, PaginatorTrait, Statement, TransactionSession,
    TransactionTrait,
};
use service::assoc::Capture;
use service::db::is_unavailable;
use service::held::Held;
use testkit::{TestDb, seed};

/// A test database whose reads are held connections (a file on SQLite).
async fn fresh() -> TestDb {
    let t = TestDb::concurrent().await;
    assert!(t.reads.is_held(), "reads on held connections");
    assert!(t.writes.is_held(), "writes on held connections");
    t
}

/// How many tweets there are, read on SeaORM's pool (not on the connections tested).
async fn tweets(t: &TestDb) -> u64 {
    tweet::Entity::find().count(&t.db).await.unwrap()
}

/// Posts a tweet for `author` on `db` (a held connection or a transaction on one).
async fn post<C: ConnectionTrait>(db: &C, author: i32, text: &str) {
    service::tweets::post_tweet(db, author, service::input::TweetBody::parse(text).unwrap())
        .await
        .unwrap();
}

fn select(backend: DbBackend, sql: &str) -> Statement {
    Statement::from_string(backend, sql)
}

/// Reads the number `n` back through `reads`: the answer to this statement, not to
/// one sent earlier on the same connection.
async fn read_back(reads: &Held, n: i32) -> Result<i32, DbErr> {
    let sql = format!("SELECT {n} AS n");
    let row = reads
        .query_one_raw(select(reads.get_database_backend(), &sql))
        .await?
        .expect("a SELECT of a constant returns one row");
    row.try_get::<i32>("", "n")
}

/// A statement that runs for about a second on each backend.
fn slow(backend: DbBackend) -> Statement {
    select(
        backend,
        match backend {
            DbBackend::Postgres => "SELECT pg_sleep(1)",
            DbBackend::MySql => "SELECT SLEEP(1)",
            _ => {
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000000) \
                 SELECT COUNT(*) FROM n"
            }
        },
    )
}

/// A statement that outlasts a 50 ms timeout but not SQLite's 5 s busy timeout: a
/// cancelled statement runs to its end on sqlx-sqlite's connection thread, holding the
/// write lock until then, and the next writer waits for it.
fn briefly_slow(backend: DbBackend) -> Statement {
    match backend {
        DbBackend::Sqlite => select(
            backend,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000000) \
             SELECT COUNT(*) FROM n",
        ),
        _ => slow(backend),
    }
}

#[tokio::test]
async fn reads_reuse_one_connection_and_report_every_statement_to_the_log() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let (found, sent) = t
        .log
        .capture(async {
            let mut found = Vec::new();
            for _ in 0..5 {
                found.push(
                    entity::user::Entity::find_by_id(ann.id)
                        .one(&t.reads)
                        .await
                        .unwrap()
                        .unwrap()
                        .username,
                );
            }
            found
        })
        .await;
    assert_eq!(found, vec!["ann"; 5]);
    assert_eq!(sent.count(), 5, "every statement is captured");
    assert_eq!(
        t.reads.held(),
        Some((1, 1)),
        "one statement at a time needs one connection, given back after each"
    );
}

#[tokio::test]
async fn every_postgres_connection_prices_random_reads_as_the_app_sets_them() {
    let t = fresh().await;
    if t.backend() != DbBackend::Postgres {
        return;
    }
    // The held reads and writes, and SeaORM's pool: all take service::db's settings.
    let show = select(DbBackend::Postgres, "SHOW random_page_cost");
    for (name, row) in [
        ("reads", t.reads.query_one_raw(show.clone()).await),
        ("writes", t.writes.query_one_raw(show.clone()).await),
        ("SeaORM's pool", t.db.query_one_raw(show.clone()).await),
    ] {
        let value: String = row.unwrap().unwrap().try_get_by_index(0).unwrap();
        assert_eq!(value, service::db::RANDOM_PAGE_COST, "{name}");
    }
}

#[tokio::test]
async fn a_statement_error_keeps_the_connection_and_the_next_read_works() {
    let t = fresh().await;
    let backend = t.backend();
    let err = t
        .reads
        .query_all_raw(select(backend, "SELECT * FROM no_such_table"))
        .await
        .expect_err("no such table");
    assert!(matches!(err, DbErr::Query(_)), "{err:?}");
    assert!(!is_unavailable(&err), "a bad statement is not an outage");
    assert_eq!(t.reads.held(), Some((1, 1)), "the connection was kept");
    assert_eq!(read_back(&t.reads, 1).await.unwrap(), 1);
}

#[tokio::test]
async fn a_batch_that_fails_inside_its_own_transaction_is_not_given_back_open() {
    let t = fresh().await;
    if t.backend() != DbBackend::Sqlite {
        return; // a PostgreSQL or MySQL prepared statement is one statement
    }
    let ann = seed::user(&t.db, "ann").await;
    post(&t.writes, ann.id, "first").await;
    assert_eq!(t.writes.held(), Some((1, 1)));
    // BEGIN runs, the next statement fails: the connection is inside a transaction
    // that sqlx did not begin (and on SQLite holds the write lock).
    let err = t
        .writes
        .execute_raw(select(
            DbBackend::Sqlite,
            "BEGIN IMMEDIATE; INSERT INTO no_such_table VALUES (1); COMMIT",
        ))
        .await
        .expect_err("no such table");
    assert!(!is_unavailable(&err), "a bad statement is not an outage");
    assert_eq!(
        t.writes.held(),
        Some((0, 0)),
        "a connection left inside a transaction is thrown away (closing it rolls back)"
    );
    // The write lock is free: another connection's write goes through (it would fail
    // with SQLITE_BUSY after the busy timeout if that transaction were still open),
    // and so does one on the pool's next connection.
    post(&t.db, ann.id, "second").await;
    post(&t.writes, ann.id, "third").await;
    assert_eq!(tweets(&t).await, 3);
    assert_eq!(t.writes.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_cancelled_statement_throws_its_connection_away() {
    let t = fresh().await;
    let backend = t.backend();
    read_back(&t.reads, 1).await.unwrap();
    assert_eq!(t.reads.held(), Some((1, 1)));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(50),
        t.reads.query_one_raw(slow(backend)),
    )
    .await;
    assert!(cancelled.is_err(), "the slow statement was cancelled");
    assert_eq!(
        t.reads.held(),
        Some((0, 0)),
        "a connection left mid-statement is not given back"
    );
    // The next read gets a new connection and its own answer, not the old one's.
    assert_eq!(read_back(&t.reads, 2).await.unwrap(), 2);
    assert_eq!(t.reads.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_killed_connection_fails_one_read_as_unavailable_and_is_replaced() {
    let t = fresh().await;
    if t.backend() == DbBackend::Sqlite {
        return; // no server to kill connections
    }
    read_back(&t.reads, 1).await.unwrap();
    assert!(t.kill_connections().await > 0);
    let err = read_back(&t.reads, 1)
        .await
        .expect_err("the held connection was killed");
    assert!(is_unavailable(&err), "{err:?}");
    assert_eq!(
        t.reads.held(),
        Some((0, 0)),
        "the dead connection was dropped"
    );
    assert_eq!(read_back(&t.reads, 1).await.unwrap(), 1);
}

#[tokio::test]
async fn an_in_memory_sqlite_database_reads_through_the_writes_connection() {
    let t = TestDb::new().await;
    let url = if t.backend() == DbBackend::Sqlite {
        "sqlite::memory:"
    } else {
        return;
    };
    let reads = Held::reads(url, &t.db).unwrap();
    assert!(!reads.is_held());
    seed::user(&t.db, "ann").await;
    let users = entity::user::Entity::find().all(&reads).await.unwrap();
    assert_eq!(users.len(), 1, "the reads see the writes' private database");
}

#[tokio::test]
async fn pages_read_through_held_connections_stop_at_their_size() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    for n in 0..5 {
        seed::tweet(&t.db, &ann, &format!("tweet {n}")).await;
    }
    let first = service::tweets::recent_page(&t.reads, None, None, 2)
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    let older = first.older.expect("more tweets than one page");
    let second = service::tweets::recent_page(&t.reads, None, Some(&older), 2)
        .await
        .unwrap();
    assert_eq!(second.items.len(), 2);
    let all = service::tweets::recent_page(&t.reads, None, None, 100)
        .await
        .unwrap();
    assert_eq!(
        all.items.len(),
        5,
        "a page larger than the list holds it all"
    );
    assert!(all.older.is_none());
}

#[tokio::test]
async fn a_committed_transaction_is_kept_and_its_connection_given_back_without_a_ping() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let ((), sent) = t
        .log
        .capture(async {
            let txn = t.writes.begin().await.unwrap();
            post(&txn, ann.id, "one").await;
            post(&txn, ann.id, "two").await;
            txn.commit().await.unwrap();
        })
        .await;
    assert_eq!(tweets(&t).await, 2);
    // Captured as SeaORM's own transaction reports the same work: every statement,
    // no BEGIN or COMMIT.
    let ((), by_orm) = t
        .log
        .capture(async {
            let txn = t.db.begin().await.unwrap();
            post(&txn, ann.id, "one").await;
            post(&txn, ann.id, "two").await;
            txn.rollback().await.unwrap();
        })
        .await;
    let sql = |c: &Capture| -> Vec<String> { c.statements.iter().map(|s| s.sql.clone()).collect() };
    assert_eq!(sql(&sent), sql(&by_orm));
    assert!(sent.count() >= 2, "{:?}", sql(&sent));
    assert_eq!(
        t.writes.held(),
        Some((1, 1)),
        "the connection was given back"
    );
    // And it is the same connection next time, with no transaction left open on it.
    let txn = t.writes.begin().await.unwrap();
    post(&txn, ann.id, "three").await;
    txn.commit().await.unwrap();
    assert_eq!(tweets(&t).await, 3);
    assert_eq!(t.writes.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_rolled_back_transaction_writes_nothing_and_keeps_its_connection() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let txn = t.writes.begin().await.unwrap();
    post(&txn, ann.id, "gone").await;
    txn.rollback().await.unwrap();
    assert_eq!(tweets(&t).await, 0);
    assert_eq!(t.writes.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_transaction_dropped_while_open_writes_nothing_and_throws_its_connection_away() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    {
        let txn = t.writes.begin().await.unwrap();
        post(&txn, ann.id, "gone").await;
        // Dropped here: an error passed up with `?`, or a cancelled request.
    }
    assert_eq!(
        t.writes.held(),
        Some((0, 0)),
        "a connection inside an open transaction is not given back"
    );
    assert_eq!(tweets(&t).await, 0, "closing the connection rolled it back");
    // The next transaction gets a new connection (on SQLite, once the lock is free).
    let txn = t.writes.begin().await.unwrap();
    post(&txn, ann.id, "kept").await;
    txn.commit().await.unwrap();
    assert_eq!(tweets(&t).await, 1);
}

#[tokio::test]
async fn a_transaction_cancelled_midway_throws_its_connection_away() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let backend = t.backend();
    let cancelled = tokio::time::timeout(Duration::from_millis(50), async {
        let txn = t.writes.begin().await.unwrap();
        post(&txn, ann.id, "gone").await;
        txn.query_one_raw(briefly_slow(backend)).await.unwrap();
        txn.commit().await.unwrap();
    })
    .await;
    assert!(cancelled.is_err(), "the transaction was cancelled");
    assert_eq!(t.writes.held(), Some((0, 0)));
    assert_eq!(tweets(&t).await, 0);
    post(&t.writes, ann.id, "kept").await;
    assert_eq!(tweets(&t).await, 1);
}

#[tokio::test]
async fn a_savepoint_rolls_back_alone_and_the_transaction_goes_on() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let txn = t.writes.begin().await.unwrap();
    post(&txn, ann.id, "outer").await;
    let inner = txn.begin().await.unwrap();
    post(&inner, ann.id, "rolled back").await;
    inner.rollback().await.unwrap();
    {
        let dropped = txn.begin().await.unwrap();
        post(&dropped, ann.id, "dropped").await;
        // Dropped open: rolled back to its savepoint before the next statement.
    }
    let kept = txn.begin().await.unwrap();
    post(&kept, ann.id, "released").await;
    kept.commit().await.unwrap();
    txn.commit().await.unwrap();
    let mut left: Vec<String> = tweet::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .map(|tw| tw.content)
        .collect();
    left.sort();
    assert_eq!(left, vec!["outer", "released"]);
    assert_eq!(t.writes.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_statement_error_in_a_transaction_leaves_it_to_roll_back_on_a_kept_connection() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let backend = t.backend();
    let txn = t.writes.begin().await.unwrap();
    post(&txn, ann.id, "gone").await;
    let err = txn
        .execute_raw(select(backend, "INSERT INTO no_such_table VALUES (1)"))
        .await
        .expect_err("no such table");
    assert!(matches!(err, DbErr::Exec(_)), "{err:?}");
    assert!(!is_unavailable(&err));
    txn.rollback().await.unwrap();
    assert_eq!(tweets(&t).await, 0);
    assert_eq!(t.writes.held(), Some((1, 1)), "the connection was kept");
}

#[tokio::test]
async fn the_toolkit_writes_through_held_transactions() {
    let t = fresh().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &ann, "hello").await;
    service::hearts::heart_tweet(&t.writes, bob.id, tw.id)
        .await
        .unwrap();
    let again = service::hearts::heart_tweet(&t.writes, bob.id, tw.id).await;
    assert!(
        matches!(
            again,
            Err(service::hearts::HeartError::AlreadyHearted { .. })
        ),
        "{again:?}"
    );
    let off = service::hearts::toggle_heart(&t.writes, bob.id, tw.id)
        .await
        .unwrap();
    assert_eq!((off.on, off.count), (false, 0));
    let on = service::hearts::toggle_heart(&t.writes, bob.id, tw.id)
        .await
        .unwrap();
    assert_eq!((on.on, on.count), (true, 1));
    let cached = tweet::Entity::find_by_id(tw.id)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cached.hearts_count, 1,
        "the counter cache moved with the rows"
    );
    assert_eq!(t.writes.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_killed_connection_fails_one_transaction_as_unavailable_and_is_replaced() {
    let t = fresh().await;
    if t.backend() == DbBackend::Sqlite {
        return; // no server to kill connections
    }
    let ann = seed::user(&t.db, "ann").await;
    post(&t.writes, ann.id, "warm").await;
    assert!(t.kill_connections().await > 0);
    let failed = async {
        let txn = t.writes.begin().await?;
        txn.execute_raw(select(t.backend(), "SELECT 1")).await?;
        txn.commit().await
    }
    .await
    .expect_err("the held connection was killed");
    assert!(is_unavailable(&failed), "{failed:?}");
    assert_eq!(
        t.writes.held(),
        Some((0, 0)),
        "the dead connection was dropped"
    );
    post(&t.writes, ann.id, "after").await;
    // SeaORM's pool lost its connections to the kill too: count on the new one.
    assert_eq!(tweet::Entity::find().count(&t.writes).await.unwrap(), 2);
}

/// The path of the SQLite file `db` is connected to.
async fn file_of(db: &Held) -> String {
    db.query_one_raw(select(DbBackend::Sqlite, "PRAGMA database_list"))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "file")
        .unwrap()
}

/// How many tweets the SQLite file itself holds, its log left unread: what the
/// checkpoints have copied into it.
async fn tweets_in_the_file(file: &str) -> i64 {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::sqlx::{Connection, Row, SqliteConnection};
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .immutable(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    // Until a checkpoint has copied the migrations, the file has no tweets table.
    sea_orm::sqlx::query("SELECT COUNT(*) FROM tweets")
        .fetch_one(&mut conn)
        .await
        .map_or(0, |row| row.get::<i64, _>(0))
}

#[tokio::test]
async fn on_a_sqlite_file_the_writer_leaves_its_checkpoints_to_a_connection_of_their_own() {
    let t = fresh().await;
    let backend = t.backend();
    if backend != DbBackend::Sqlite {
        // A server checkpoints by itself: the app has no part in it to check.
        return;
    }
    let int = |db: &Held, sql: &'static str| {
        let db = db.clone();
        async move {
            db.query_one_raw(select(backend, sql))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
        }
    };
    // The writer checkpoints itself only as a backstop; every other connection keeps
    // SQLite's default.
    assert_eq!(
        int(&t.writes, "PRAGMA wal_autocheckpoint").await,
        i64::from(service::db::WRITER_AUTOCHECKPOINT)
    );
    assert_eq!(int(&t.reads, "PRAGMA wal_autocheckpoint").await, 1_000);

    let file = file_of(&t.reads).await;
    let ann = seed::user(&t.db, "ann").await;
    for i in 0..50 {
        post(&t.writes, ann.id, &format!("tweet {i}")).await;
    }
    // Far fewer pages than the writer's backstop, and written only by it: the rows
    // reach the file itself because the background checkpointer copies them there.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tweets_in_the_file(&file).await < 50 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the log was not checkpointed into {file}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A checkpoint by hand finds nothing left to copy.
    let mut conn = {
        use sea_orm::sqlx::Connection;
        sea_orm::sqlx::SqliteConnection::connect(&format!("sqlite://{file}"))
            .await
            .unwrap()
    };
    let done = service::db::checkpoint(&mut conn).await.unwrap();
    assert_eq!(done.copied, done.log, "{done:?}");
}

/// `checkpoint_file` (the seed's last statement, and the server's when it stops)
/// empties the log even while another connection is checkpointing the same file, as
/// the write pool's checkpointer does every 10 ms while the log grows: SQLite then
/// answers `busy` at once, and the seed once failed on it with every row written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoint_file_empties_the_log_while_another_connection_checkpoints_it() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let t = fresh().await;
    let backend = t.backend();
    if backend != DbBackend::Sqlite {
        return;
    }
    let file = file_of(&t.reads).await;
    // Checkpoints beside the writer's own checkpointer, as often as they can go.
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let beside = tokio::spawn({
        let (stop, rounds) = (stop.clone(), rounds.clone());
        let url = format!("sqlite://{file}");
        async move {
            use sea_orm::sqlx::Connection;
            let mut conn = sea_orm::sqlx::SqliteConnection::connect(&url)
                .await
                .unwrap();
            while !stop.load(Ordering::Relaxed) {
                service::db::checkpoint(&mut conn).await.unwrap();
                rounds.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let ann = seed::user(&t.db, "ann").await;
    for i in 0..100 {
        post(&t.writes, ann.id, &format!("tweet {i}")).await;
        service::db::checkpoint_file(&t.db)
            .await
            .unwrap_or_else(|e| panic!("after tweet {i}: {e}"));
    }
    stop.store(true, Ordering::Relaxed);
    beside.await.unwrap();
    assert!(
        rounds.load(Ordering::Relaxed) > 100,
        "the other connection checkpointed throughout"
    );
    let log = std::fs::metadata(format!("{file}-wal")).map_or(0, |m| m.len());
    assert_eq!(log, 0, "the log is left empty");
    assert_eq!(tweets_in_the_file(&file).await, 100);
}
