//! `service::group_commit`: hearts asked for at the same moment, written together on
//! a SQLite file and one by one on a server, each answered as `heart_tweet` would.

use sea_orm::{ConnectionTrait, DbBackend};
use service::group_commit::{HeartWriter, Sent};
use service::hearts::HeartError;
use testkit::{TestDb, hearts_of, rows, seed};
use tokio::task::JoinSet;

/// Asks for every pair at once, each from a task of its own as a request would, and
/// gives back the answers in the order asked.
async fn heart_all(hearts: &HeartWriter, pairs: &[(i32, i32)]) -> Vec<String> {
    let mut asked = JoinSet::new();
    for (i, &(user_id, tweet_id)) in pairs.iter().enumerate() {
        let hearts = hearts.clone();
        asked.spawn(async move { (i, hearts.heart(user_id, tweet_id).await) });
    }
    let mut answers = vec![String::new(); pairs.len()];
    while let Some(done) = asked.join_next().await {
        let (i, answer) = done.unwrap();
        answers[i] = match answer {
            Ok(()) => "hearted".into(),
            Err(HeartError::AlreadyHearted { .. }) => "already".into(),
            Err(e) => e.to_string(),
        };
    }
    answers
}

// The test runtime has one thread, so every task queues its heart before the writer
// looks: on SQLite they make one group.
#[tokio::test]
async fn hearts_asked_for_at_once_go_in_one_group_and_each_gets_its_own_answer() {
    let t = TestDb::concurrent().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let first = seed::tweet(&t.db, &bob, "first").await;
    let second = seed::tweet(&t.db, &bob, "second").await;
    let hearts = HeartWriter::new(t.writes.clone());
    hearts.heart(bob.id, second.id).await.unwrap();
    let before = hearts.sent();

    let mut answers = heart_all(
        &hearts,
        &[
            (ann.id, first.id),
            (ann.id, first.id),
            (bob.id, second.id),
            (ann.id, 9_999),
            (9_999, first.id),
            (bob.id, first.id),
            (ann.id, second.id),
        ],
    )
    .await;
    // The first two ask for the same pair: one hearts it, the other is told it was
    // hearted already. On a SQLite file they go in one group, in the order asked; on a
    // server each is a transaction on a connection of its own, and either may commit
    // first (seen on MariaDB in CI).
    if t.backend() != DbBackend::Sqlite {
        answers[..2].sort_by_key(|a| a != "hearted");
    }
    assert_eq!(
        answers,
        [
            "hearted",
            "already",
            "already",
            "tweet 9999 not found",
            "user 9999 not found",
            "hearted",
            "hearted",
        ]
    );
    let sent = hearts.sent();
    assert_eq!(sent.hearts - before.hearts, 7);
    assert_eq!(
        sent.groups - before.groups,
        if t.backend() == DbBackend::Sqlite {
            1
        } else {
            7
        },
        "one batch on a SQLite file, a transaction per heart on a server"
    );
    assert_eq!(rows(&t.db, "hearts").await, 4);
    assert_eq!(hearts_of(&t, first.id).await, 2);
    assert_eq!(hearts_of(&t, second.id).await, 2);
}

#[tokio::test]
async fn a_group_the_database_refuses_writes_nothing_and_answers_every_heart() {
    let t = TestDb::concurrent().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &bob, "hello").await;
    let hearts = HeartWriter::new(t.writes.clone());

    // The counter's UPDATE fails, after the row's INSERT has run.
    let refuse: &[&str] = match t.backend() {
        DbBackend::Sqlite => &[
            "CREATE TRIGGER refuse BEFORE UPDATE ON tweets BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        DbBackend::Postgres => &[
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse BEFORE UPDATE ON tweets FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
        _ => &[
            "CREATE TRIGGER refuse BEFORE UPDATE ON tweets FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused'",
        ],
    };
    for sql in refuse {
        t.db.execute_unprepared(sql).await.unwrap();
    }
    let answers = heart_all(&hearts, &[(ann.id, tw.id), (bob.id, tw.id)]).await;
    for answer in &answers {
        assert!(answer.contains("refused"), "{answers:?}");
    }
    assert_eq!(
        rows(&t.db, "hearts").await,
        0,
        "the INSERTs went with the batch"
    );
    assert_eq!(hearts_of(&t, tw.id).await, 0);

    // The writer goes on, on a connection that is out of the failed transaction.
    let drop = match t.backend() {
        DbBackend::Postgres => "DROP TRIGGER refuse ON tweets",
        _ => "DROP TRIGGER refuse",
    };
    t.db.execute_unprepared(drop).await.unwrap();
    assert_eq!(
        heart_all(&hearts, &[(ann.id, tw.id), (bob.id, tw.id)]).await,
        ["hearted", "hearted"]
    );
    assert_eq!(rows(&t.db, "hearts").await, 2);
    assert_eq!(hearts_of(&t, tw.id).await, 2);
    let Sent { hearts: asked, .. } = hearts.sent();
    assert_eq!(asked, 4);
}
