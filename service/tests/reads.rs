//! `service::reads`: the web app's reads on held connections. Each test gets a fresh
//! database; on SQLite a file (an in-memory database has one connection, so its reads
//! stay on SeaORM's pool and there is nothing here to test).

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, EntityTrait, Statement};
use service::db::is_unavailable;
use service::reads::Reads;
use testkit::{TestDb, seed};

/// A test database whose reads are held connections (a file on SQLite).
async fn fresh() -> TestDb {
    let t = TestDb::concurrent().await;
    assert!(t.reads.is_held(), "reads on held connections");
    t
}

fn select(backend: DbBackend, sql: &str) -> Statement {
    Statement::from_string(backend, sql)
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
    let one = t
        .reads
        .query_one_raw(select(backend, "SELECT 1 AS one"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.try_get::<i32>("", "one").unwrap(), 1);
}

#[tokio::test]
async fn a_cancelled_statement_throws_its_connection_away() {
    let t = fresh().await;
    let backend = t.backend();
    t.reads
        .query_one_raw(select(backend, "SELECT 1 AS one"))
        .await
        .unwrap();
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
    let two = t
        .reads
        .query_one_raw(select(backend, "SELECT 2 AS two"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(two.try_get::<i32>("", "two").unwrap(), 2);
    assert_eq!(t.reads.held(), Some((1, 1)));
}

#[tokio::test]
async fn a_killed_connection_fails_one_read_as_unavailable_and_is_replaced() {
    let t = fresh().await;
    if t.backend() == DbBackend::Sqlite {
        return; // no server to kill connections
    }
    let backend = t.backend();
    t.reads
        .query_one_raw(select(backend, "SELECT 1 AS one"))
        .await
        .unwrap();
    assert!(t.kill_connections().await > 0);
    let err = t
        .reads
        .query_one_raw(select(backend, "SELECT 1 AS one"))
        .await
        .expect_err("the held connection was killed");
    assert!(is_unavailable(&err), "{err:?}");
    assert_eq!(
        t.reads.held(),
        Some((0, 0)),
        "the dead connection was dropped"
    );
    let one = t
        .reads
        .query_one_raw(select(backend, "SELECT 1 AS one"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.try_get::<i32>("", "one").unwrap(), 1);
}

#[tokio::test]
async fn an_in_memory_sqlite_database_reads_through_the_writes_connection() {
    let t = TestDb::new().await;
    let url = if t.backend() == DbBackend::Sqlite {
        "sqlite::memory:"
    } else {
        return;
    };
    let reads = Reads::connect(url, &t.db).unwrap();
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
