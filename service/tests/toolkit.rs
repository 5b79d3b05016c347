//! The generic association toolkit, exercised on several join tables: hearts (with a
//! counter cache), follows (self-referential), user_items, appointments, songs.

use chrono::Utc;
use entity::{appointment, doctor, follow, genre, heart, item, patient, song, tweet, user_item};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, RelationTrait, TransactionTrait};
use service::assoc::Rule;
use service::assoc::audit::check_foreign_keys;
use service::assoc::join::{attach, attach_all, attach_new, contains, detach, sync, toggle};
use service::assoc::{AlreadyLinked, Attached, DestroyError, LinkError, Side, Toggled, counter};
use service::input::Name;
use service::schema::{hearts_counter, registry};
use service::{clinic, music, store};
use testkit::{TestDb, hearts_of, rows, seed};

fn name(s: &str) -> Name {
    Name::parse(s).unwrap()
}

#[tokio::test]
async fn attach_is_idempotent_on_three_join_tables() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &bob, "hello").await;
    let shield = store::add_item(&t.db, name("shield")).await.unwrap();

    assert_eq!(
        attach::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap(),
        Attached::Created
    );
    assert_eq!(
        attach::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap(),
        Attached::AlreadyLinked
    );
    assert_eq!(
        attach::<follow::Entity, _>(&t.db, ann.id, bob.id)
            .await
            .unwrap(),
        Attached::Created
    );
    assert_eq!(
        attach::<follow::Entity, _>(&t.db, ann.id, bob.id)
            .await
            .unwrap(),
        Attached::AlreadyLinked
    );
    assert_eq!(
        attach::<user_item::Entity, _>(&t.db, ann.id, shield.id)
            .await
            .unwrap(),
        Attached::Created
    );
    assert_eq!(
        attach::<user_item::Entity, _>(&t.db, ann.id, shield.id)
            .await
            .unwrap(),
        Attached::AlreadyLinked
    );

    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(rows(&t.db, "follows").await, 1);
    assert_eq!(rows(&t.db, "user_items").await, 1);
    assert_eq!(
        hearts_of(&t, tw.id).await,
        1,
        "the duplicate did not bump the counter"
    );
    assert!(
        contains::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap()
    );
    assert!(
        contains::<follow::Entity, _>(&t.db, ann.id, bob.id)
            .await
            .unwrap()
    );
    assert!(
        !contains::<follow::Entity, _>(&t.db, bob.id, ann.id)
            .await
            .unwrap(),
        "follows are directed"
    );
}

#[tokio::test]
async fn attach_names_the_missing_side_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let tw = seed::tweet(&t.db, &ann, "hello").await;
    let shield = store::add_item(&t.db, name("shield")).await.unwrap();

    let err = attach::<heart::Entity, _>(&t.db, 999, tw.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LinkError::MissingParent { side: Side::Left, ref table, ref id } if table == "users" && id == "999"),
        "{err:?}"
    );
    let err = attach::<heart::Entity, _>(&t.db, ann.id, 999)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LinkError::MissingParent { side: Side::Right, ref table, ref id } if table == "tweets" && id == "999"),
        "{err:?}"
    );
    let err = attach::<user_item::Entity, _>(&t.db, ann.id, shield.id + 1)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LinkError::MissingParent { side: Side::Right, ref table, .. } if table == "items"),
        "{err:?}"
    );
    let err = attach::<follow::Entity, _>(&t.db, ann.id, 4242)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LinkError::MissingParent {
                side: Side::Right,
                ref id,
                ..
            } if id == "4242"
        ),
        "{err:?}"
    );

    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(rows(&t.db, "user_items").await, 0);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert_eq!(hearts_of(&t, tw.id).await, 0);
}

#[tokio::test]
async fn attach_sends_one_statement_on_sqlite_and_postgres_and_works_inside_a_callers_transaction()
{
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &bob, "hello").await;

    // On SQLite the insert, the counter and the end of the transaction travel as one
    // batch, on PostgreSQL as one statement (a WITH), created or not; on MySQL INSERT
    // and UPDATE in a transaction.
    let one_trip = t.backend() != DbBackend::MySql;
    let (attached, sent) = t
        .log
        .capture(attach::<heart::Entity, _>(&t.db, ann.id, tw.id))
        .await;
    assert_eq!(attached.unwrap(), Attached::Created);
    assert_eq!(
        sent.count(),
        if one_trip { 1 } else { 2 },
        "{:?}",
        sent.statements
    );
    // A duplicate: on SQLite and PostgreSQL the statement inserts nothing and its last
    // SELECT finds both parents, so it is the pair that was there; still one
    // statement (on MySQL the refused INSERT).
    let (attached, sent) = t
        .log
        .capture(attach::<heart::Entity, _>(&t.db, ann.id, tw.id))
        .await;
    assert_eq!(attached.unwrap(), Attached::AlreadyLinked);
    assert_eq!(sent.count(), 1, "{:?}", sent.statements);
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(
        hearts_of(&t, tw.id).await,
        1,
        "the duplicate left the counter alone"
    );

    // Inside a transaction the caller holds, attach is part of it (on SQLite the
    // batch's savepoint nests in it, on PostgreSQL the statement is one of it).
    let txn = t.db.begin().await.unwrap();
    assert_eq!(
        attach::<heart::Entity, _>(&txn, bob.id, tw.id)
            .await
            .unwrap(),
        Attached::Created
    );
    assert_eq!(
        attach::<heart::Entity, _>(&txn, bob.id, tw.id)
            .await
            .unwrap(),
        Attached::AlreadyLinked
    );
    txn.rollback().await.unwrap();
    assert_eq!(
        rows(&t.db, "hearts").await,
        1,
        "rolled back with the caller's transaction"
    );
    assert_eq!(hearts_of(&t, tw.id).await, 1);

    let txn = t.db.begin().await.unwrap();
    attach::<heart::Entity, _>(&txn, bob.id, tw.id)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(rows(&t.db, "hearts").await, 2);
    assert_eq!(hearts_of(&t, tw.id).await, 2);
    // The connection the batches ran on is out of any transaction: a plain write and
    // a read on the same pool still go through.
    assert_eq!(
        attach::<follow::Entity, _>(&t.db, ann.id, bob.id)
            .await
            .unwrap(),
        Attached::Created
    );
    assert_eq!(rows(&t.db, "follows").await, 1);
}

#[tokio::test]
async fn attach_all_answers_each_pair_as_attach_would_in_one_round_trip_on_sqlite() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let first = seed::tweet(&t.db, &bob, "first").await;
    let second = seed::tweet(&t.db, &bob, "second").await;
    attach::<heart::Entity, _>(&t.db, bob.id, second.id)
        .await
        .unwrap();

    let pairs = [
        (ann.id, first.id),  // new
        (ann.id, first.id),  // the same pair again, in the same batch
        (bob.id, second.id), // there before the batch
        (ann.id, 9_999),     // no such tweet
        (9_999, first.id),   // no such user
        (bob.id, first.id),  // new
        (ann.id, second.id), // new
    ];
    let (answers, sent) = t
        .log
        .capture(attach_all::<heart::Entity, _>(&t.db, &pairs))
        .await;
    let answers: Vec<String> = answers
        .into_iter()
        .map(|a| match a {
            Ok(attached) => format!("{attached:?}"),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        answers,
        [
            "Created",
            "AlreadyLinked",
            "AlreadyLinked",
            "tweets 9999 not found (right side)",
            "users 9999 not found (left side)",
            "Created",
            "Created",
        ]
    );
    // On SQLite the seven pairs travel in one batch, what happened to each read back
    // in it. On PostgreSQL each pair is attach's one statement. On MySQL each is
    // attach's own transaction: INSERT and UPDATE for each of the three that went in,
    // a refused INSERT for each of the two there already, and for the missing tweet a
    // refused INSERT and two lookups (the user is there, the tweet is not), for the
    // missing user one.
    let expected = match t.backend() {
        DbBackend::Sqlite => 1,
        DbBackend::Postgres => pairs.len(),
        _ => 3 * 2 + 2 + 3 + 2,
    };
    assert_eq!(sent.count(), expected, "{:?}", sent.statements);
    assert_eq!(rows(&t.db, "hearts").await, 4);
    assert_eq!(hearts_of(&t, first.id).await, 2);
    assert_eq!(hearts_of(&t, second.id).await, 2);

    // A self-referential join refuses a self-link before anything is sent, and the
    // other pairs still go in.
    let (answers, _) = t
        .log
        .capture(attach_all::<follow::Entity, _>(
            &t.db,
            &[(ann.id, ann.id), (ann.id, bob.id)],
        ))
        .await;
    assert!(matches!(answers[0], Err(LinkError::SelfLink { .. })));
    assert_eq!(answers[1].as_ref().unwrap(), &Attached::Created);
    assert_eq!(rows(&t.db, "follows").await, 1);
    // Nothing asked, nothing sent.
    let (answers, sent) = t
        .log
        .capture(attach_all::<heart::Entity, _>(&t.db, &[]))
        .await;
    assert!(answers.is_empty());
    assert_eq!(sent.count(), 0);
}

#[tokio::test]
async fn a_self_referential_join_refuses_to_link_a_row_to_itself() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let err = attach::<follow::Entity, _>(&t.db, ann.id, ann.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, LinkError::SelfLink { ref join, .. } if join == "follows"),
        "{err:?}"
    );
    let err = toggle::<follow::Entity, _>(&t.db, ann.id, ann.id)
        .await
        .unwrap_err();
    assert!(matches!(err, LinkError::SelfLink { .. }), "{err:?}");
    assert_eq!(rows(&t.db, "follows").await, 0);

    // The database refuses it too, whoever writes the row.
    let raw =
        t.db.execute_unprepared(&format!(
            "INSERT INTO follows (follower_id, followed_id) VALUES ({0}, {0})",
            ann.id
        ))
        .await;
    assert!(raw.is_err(), "the CHECK constraint refuses a self-follow");
    assert_eq!(rows(&t.db, "follows").await, 0);
}

#[tokio::test]
async fn detach_reports_whether_there_was_a_link_and_keeps_the_counter() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &ann, "hello").await;
    attach::<heart::Entity, _>(&t.db, ann.id, tw.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, bob.id, tw.id)
        .await
        .unwrap();
    assert_eq!(hearts_of(&t, tw.id).await, 2);

    assert!(
        detach::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap()
    );
    assert!(
        !detach::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap()
    );
    assert_eq!(hearts_of(&t, tw.id).await, 1);
    assert!(
        detach::<follow::Entity, _>(&t.db, ann.id, bob.id)
            .await
            .is_ok_and(|was| !was)
    );

    let shield = store::add_item(&t.db, name("shield")).await.unwrap();
    attach::<user_item::Entity, _>(&t.db, ann.id, shield.id)
        .await
        .unwrap();
    assert!(
        detach::<user_item::Entity, _>(&t.db, ann.id, shield.id)
            .await
            .unwrap()
    );
    assert_eq!(rows(&t.db, "user_items").await, 0);
}

#[tokio::test]
async fn attach_new_refuses_a_duplicate_with_a_typed_error() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let shield = store::add_item(&t.db, name("shield")).await.unwrap();
    attach_new::<user_item::Entity, _>(&t.db, ann.id, shield.id)
        .await
        .unwrap();
    let err = attach_new::<user_item::Entity, _>(&t.db, ann.id, shield.id)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AlreadyLinked::Pair { ref join, ref left, ref right } if join == "user_items" && *left == ann.id.to_string() && *right == shield.id.to_string()),
        "{err:?}"
    );
    assert_eq!(rows(&t.db, "user_items").await, 1);
}

#[tokio::test]
async fn toggle_with_a_counter_cache_sends_one_statement_on_postgres() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &bob, "hello").await;
    let one_statement = t.backend() == DbBackend::Postgres;

    // On PostgreSQL the DELETE, the INSERT unless it deleted, and the counter's
    // UPDATE are one WITH; elsewhere a transaction (on MySQL after the tweet's row
    // lock).
    for (on, count) in [(true, 1_i64), (false, 0), (true, 1)] {
        let (toggled, sent) = t
            .log
            .capture(toggle::<heart::Entity, _>(&t.db, ann.id, tw.id))
            .await;
        assert_eq!(toggled.unwrap(), Toggled { on, count });
        if one_statement {
            assert_eq!(sent.count(), 1, "{:?}", sent.statements);
        } else {
            assert!(sent.count() > 1, "{:?}", sent.statements);
        }
        assert_eq!(sent.retries, 0);
        assert_eq!(i64::from(hearts_of(&t, tw.id).await), count);
        assert_eq!(rows(&t.db, "hearts").await, count);
    }

    // A missing user or tweet is named, and nothing is written, in one statement too.
    let (err, sent) = t
        .log
        .capture(toggle::<heart::Entity, _>(&t.db, 777, tw.id))
        .await;
    assert!(
        matches!(err, Err(LinkError::MissingParent { side: Side::Left, ref id, .. }) if id == "777"),
        "{err:?}"
    );
    if one_statement {
        assert_eq!(sent.count(), 1, "{:?}", sent.statements);
    }
    let err = toggle::<heart::Entity, _>(&t.db, bob.id, 778).await;
    assert!(
        matches!(err, Err(LinkError::MissingParent { side: Side::Right, ref id, .. }) if id == "778"),
        "{err:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_of(&t, tw.id).await, 1);

    // Inside a transaction the caller holds the toggle is part of it.
    let txn = t.db.begin().await.unwrap();
    let off = toggle::<heart::Entity, _>(&txn, ann.id, tw.id)
        .await
        .unwrap();
    let on = toggle::<heart::Entity, _>(&txn, bob.id, tw.id)
        .await
        .unwrap();
    assert_eq!(
        (off, on),
        (
            Toggled {
                on: false,
                count: 0
            },
            Toggled { on: true, count: 1 }
        )
    );
    txn.rollback().await.unwrap();
    assert_eq!(
        rows(&t.db, "hearts").await,
        1,
        "rolled back with the caller's transaction"
    );
    assert_eq!(hearts_of(&t, tw.id).await, 1);
    assert!(
        contains::<heart::Entity, _>(&t.db, ann.id, tw.id)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn toggle_flips_and_returns_the_new_count() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &ann, "hello").await;

    let a = toggle::<heart::Entity, _>(&t.db, ann.id, tw.id)
        .await
        .unwrap();
    let b = toggle::<heart::Entity, _>(&t.db, bob.id, tw.id)
        .await
        .unwrap();
    let c = toggle::<heart::Entity, _>(&t.db, ann.id, tw.id)
        .await
        .unwrap();
    assert_eq!((a.on, a.count), (true, 1));
    assert_eq!((b.on, b.count), (true, 2));
    assert_eq!((c.on, c.count), (false, 1));

    // Without a counter cache the count comes from the join table.
    let f = toggle::<follow::Entity, _>(&t.db, ann.id, bob.id)
        .await
        .unwrap();
    assert_eq!((f.on, f.count), (true, 1));
    let f = toggle::<follow::Entity, _>(&t.db, ann.id, bob.id)
        .await
        .unwrap();
    assert_eq!((f.on, f.count), (false, 0));
    let shield = store::add_item(&t.db, name("shield")).await.unwrap();
    let s = toggle::<user_item::Entity, _>(&t.db, bob.id, shield.id)
        .await
        .unwrap();
    assert_eq!((s.on, s.count), (true, 1));

    let err = toggle::<heart::Entity, _>(&t.db, ann.id, 777)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LinkError::MissingParent {
                side: Side::Right,
                ref id,
                ..
            } if id == "777"
        ),
        "{err:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
}

#[tokio::test]
async fn sync_makes_the_links_exactly_the_given_set() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let tweets = [
        seed::tweet(&t.db, &ann, "one").await,
        seed::tweet(&t.db, &ann, "two").await,
        seed::tweet(&t.db, &ann, "three").await,
    ];
    let ids: Vec<i32> = tweets.iter().map(|t| t.id).collect();

    let s = sync::<heart::Entity, _>(&t.db, ann.id, &ids[..2])
        .await
        .unwrap();
    assert_eq!(s.added, vec![ids[0], ids[1]]);
    let s = sync::<heart::Entity, _>(&t.db, ann.id, &ids[1..])
        .await
        .unwrap();
    assert_eq!((s.added, s.removed), (vec![ids[2]], vec![ids[0]]));
    assert_eq!(hearts_of(&t, ids[0]).await, 0);
    assert_eq!(hearts_of(&t, ids[1]).await, 1);
    assert_eq!(hearts_of(&t, ids[2]).await, 1);

    // One missing id refuses the whole change.
    let err = sync::<heart::Entity, _>(&t.db, ann.id, &[ids[0], 999])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LinkError::MissingParent {
                side: Side::Right,
                ref id,
                ..
            } if id == "999"
        ),
        "{err:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 2);
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );

    let err = sync::<user_item::Entity, _>(&t.db, 999, &[])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LinkError::MissingParent {
                side: Side::Left,
                ref id,
                ..
            } if id == "999"
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn counts_for_many_parents_take_one_statement_on_every_join_table() {
    let t = TestDb::new().await;
    let users = [
        seed::user(&t.db, "ann").await,
        seed::user(&t.db, "bob").await,
        seed::user(&t.db, "cyd").await,
    ];
    let tw = seed::tweet(&t.db, &users[0], "hello").await;
    let quiet = seed::tweet(&t.db, &users[0], "nobody hearts this").await;
    for u in &users {
        attach::<heart::Entity, _>(&t.db, u.id, tw.id)
            .await
            .unwrap();
    }
    attach::<follow::Entity, _>(&t.db, users[1].id, users[0].id)
        .await
        .unwrap();
    attach::<follow::Entity, _>(&t.db, users[2].id, users[0].id)
        .await
        .unwrap();
    let doc = clinic::add_doctor(&t.db, name("Dr Who")).await.unwrap();
    let pat = clinic::add_patient(&t.db, name("Amy")).await.unwrap();
    for _ in 0..4 {
        clinic::book_appointment(&t.db, doc.id, pat.id, Utc::now())
            .await
            .unwrap();
    }

    let (hearts, cap) = t
        .log
        .capture(counter::counts(
            &t.db,
            &heart::Relation::Tweet.def(),
            &[tw.id, quiet.id],
        ))
        .await;
    let hearts = hearts.unwrap();
    assert_eq!(cap.count(), 1);
    assert!(
        cap.statements[0].sql.contains("GROUP BY"),
        "{}",
        cap.statements[0].sql
    );
    assert_eq!(hearts.get(&tw.id), Some(&3));
    assert_eq!(
        hearts.get(&quiet.id),
        None,
        "no hearts, no row: read it as 0"
    );

    let (followers, cap) = t
        .log
        .capture(counter::counts(
            &t.db,
            &follow::Relation::Followed.def(),
            &[users[0].id, users[1].id],
        ))
        .await;
    assert_eq!(cap.count(), 1);
    assert_eq!(followers.unwrap().get(&users[0].id), Some(&2));

    let (visits, cap) = t
        .log
        .capture(counter::counts(
            &t.db,
            &appointment::Relation::Doctor.def(),
            &[doc.id],
        ))
        .await;
    assert_eq!(cap.count(), 1);
    assert_eq!(visits.unwrap().get(&doc.id), Some(&4));
}

#[tokio::test]
async fn adjust_each_moves_each_parent_by_its_own_summed_delta_in_one_statement() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let a = seed::tweet(&t.db, &ann, "a").await;
    let b = seed::tweet(&t.db, &ann, "b").await;
    let c = seed::tweet(&t.db, &ann, "c").await;
    let untouched = seed::tweet(&t.db, &ann, "untouched").await;
    for tweet in [&a, &b, &c] {
        hearts_counter().adjust(&t.db, tweet.id, 5).await.unwrap();
    }

    // Three different deltas (the CASE), `a` listed twice (summed), `c` moved by 0.
    let (done, cap) = t
        .log
        .capture(hearts_counter().adjust_each(
            &t.db,
            &[(a.id, 2), (b.id, -1), (a.id, 1), (c.id, 0), (b.id, -1)],
        ))
        .await;
    done.unwrap();

    assert_eq!(cap.count(), 1, "{:?}", cap.statements);
    assert_eq!(hearts_of(&t, a.id).await, 8);
    assert_eq!(hearts_of(&t, b.id).await, 3);
    assert_eq!(hearts_of(&t, c.id).await, 5);
    assert_eq!(hearts_of(&t, untouched.id).await, 0);
}

#[tokio::test]
async fn verify_finds_every_drifted_counter_and_recount_repairs_them() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let a = seed::tweet(&t.db, &ann, "a").await;
    let b = seed::tweet(&t.db, &ann, "b").await;
    let c = seed::tweet(&t.db, &ann, "c").await;
    attach::<heart::Entity, _>(&t.db, ann.id, a.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, ann.id, b.id)
        .await
        .unwrap();
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );

    // Something outside the toolkit writes behind its back.
    t.db.execute_unprepared(&format!(
        "UPDATE tweets SET hearts_count = 7 WHERE id = {}",
        a.id
    ))
    .await
    .unwrap();
    t.db.execute_unprepared(&format!(
        "UPDATE tweets SET hearts_count = 2 WHERE id = {}",
        c.id
    ))
    .await
    .unwrap();

    let drift = counter::verify::<i32, _>(&t.db, &hearts_counter())
        .await
        .unwrap();
    let found: Vec<(i32, i64, i64)> = drift
        .iter()
        .map(|d| (d.parent_id, d.cached, d.actual))
        .collect();
    assert_eq!(found, vec![(a.id, 7, 1), (c.id, 2, 0)]);

    let repaired = counter::recount::<i32, _>(&t.db, &hearts_counter())
        .await
        .unwrap();
    assert_eq!(repaired.len(), 2);
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(hearts_of(&t, a.id).await, 1);
    assert_eq!(hearts_of(&t, c.id).await, 0);
}

#[tokio::test]
async fn dependent_rules_come_from_the_entities_on_delete_declarations() {
    let g = registry();
    let rule_of = |parent: &str, relation: &str| {
        g.dependents_of(parent)
            .into_iter()
            .find(|(def, _)| {
                format!("{}.{:?}", def.from_tbl.sea_orm_table(), def.from_col).contains(relation)
            })
            .map(|(_, rule)| rule)
    };
    assert_eq!(
        rule_of("users", "tweets"),
        Some(Rule::Destroy),
        "tweets have hearts of their own"
    );
    assert_eq!(
        rule_of("tweets", "hearts"),
        Some(Rule::Destroy),
        "hearts carry a counter cache"
    );
    assert_eq!(rule_of("users", "messages"), Some(Rule::DeleteAll));
    assert_eq!(rule_of("doctors", "appointments"), Some(Rule::Restrict));
    assert_eq!(rule_of("genres", "songs"), Some(Rule::Nullify));
    assert_eq!(
        g.dependents_of("users").len(),
        7,
        "tweets, hearts, 2 x messages, 2 x follows, user_items"
    );
}

#[tokio::test]
async fn the_databases_foreign_keys_match_the_entities() {
    let t = TestDb::new().await;
    let mismatches = check_foreign_keys(&t.db, registry()).await.unwrap();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    assert_eq!(
        registry().relations().len(),
        13,
        "every belongs_to of the schema is checked"
    );
}

#[tokio::test]
async fn destroy_honours_restrict_nullify_and_destroy() {
    let t = TestDb::new().await;
    let g = registry();
    let doc = clinic::add_doctor(&t.db, name("Dr Who")).await.unwrap();
    let pat = clinic::add_patient(&t.db, name("Amy")).await.unwrap();
    clinic::book_appointment(&t.db, doc.id, pat.id, Utc::now())
        .await
        .unwrap();
    clinic::book_appointment(&t.db, doc.id, pat.id, Utc::now())
        .await
        .unwrap();

    let err = g.destroy(&t.db, doctor::Entity, doc.id).await.unwrap_err();
    assert!(
        matches!(err, DestroyError::Restricted { ref relation, rows: 2, .. } if relation == "appointments.doctor_id"),
        "{err:?}"
    );
    assert_eq!(rows(&t.db, "doctors").await, 1, "restrict writes nothing");
    assert_eq!(rows(&t.db, "appointments").await, 2);

    let artist = music::add_artist(&t.db, name("Nina")).await.unwrap();
    let jazz = music::add_genre(&t.db, name("jazz")).await.unwrap();
    music::add_song(&t.db, artist.id, Some(jazz.id), name("Feeling Good"))
        .await
        .unwrap();
    let steps = g.destroy(&t.db, genre::Entity, jazz.id).await.unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!((steps[0].rule, steps[0].rows), (Rule::Nullify, 1));
    let songs = song::Entity::find().all(&t.db).await.unwrap();
    assert_eq!(songs.len(), 1, "nullify keeps the song");
    assert_eq!(songs[0].genre_id, None);

    let err = g.destroy(&t.db, item::Entity, 12345).await.unwrap_err();
    assert!(
        matches!(err, DestroyError::NotFound { ref table, ref id } if table == "items" && id == "12345"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_restrict_rule_refuses_a_whole_batch_and_writes_nothing() {
    let t = TestDb::new().await;
    let g = registry();
    let free = clinic::add_doctor(&t.db, name("Dr Free")).await.unwrap();
    let busy = clinic::add_doctor(&t.db, name("Dr Busy")).await.unwrap();
    let booked = clinic::add_doctor(&t.db, name("Dr Booked")).await.unwrap();
    let amy = clinic::add_patient(&t.db, name("Amy")).await.unwrap();
    let rory = clinic::add_patient(&t.db, name("Rory")).await.unwrap();
    for (doc, pat) in [(&busy, &amy), (&busy, &rory), (&booked, &amy)] {
        clinic::book_appointment(&t.db, doc.id, pat.id, Utc::now())
            .await
            .unwrap();
    }

    let err = g
        .destroy_many(&t.db, doctor::Entity, &[free.id, busy.id, booked.id])
        .await
        .unwrap_err();

    assert!(
        matches!(err, DestroyError::Restricted { ref table, ref id, ref relation, rows: 2 }
            if table == "doctors" && *id == busy.id.to_string() && relation == "appointments.doctor_id"),
        "{err:?}"
    );
    assert_eq!(
        rows(&t.db, "doctors").await,
        3,
        "not even the free doctor goes"
    );
    assert_eq!(rows(&t.db, "appointments").await, 3);

    // Patients cascade: the same batch call takes both and their appointments.
    let steps = g
        .destroy_many(&t.db, patient::Entity, &[amy.id, rory.id])
        .await
        .unwrap();
    assert_eq!(
        steps
            .iter()
            .map(|s| (s.relation.as_str(), s.rows))
            .collect::<Vec<_>>(),
        [("appointments.patient_id", 3)]
    );
    assert_eq!(rows(&t.db, "patients").await, 0);
    assert_eq!(rows(&t.db, "appointments").await, 0);
}

#[tokio::test]
async fn destroying_more_ids_than_a_statement_lists_takes_all_or_nothing() {
    use sea_orm::ActiveValue::Set;
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    // More ids than destroy lists in one statement (10,000): the batch is cut in two,
    // in one transaction.
    for chunk in 0..11 {
        let rows = (0..1_000).map(|i| item::ActiveModel {
            name: Set(format!("item {}", chunk * 1_000 + i)),
            ..Default::default()
        });
        item::Entity::insert_many(rows)
            .exec_without_returning(&t.db)
            .await
            .unwrap();
    }
    let mut ids: Vec<i32> = item::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .iter()
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    store::buy_item(&t.db, ann.id, ids[5]).await.unwrap();
    store::buy_item(&t.db, ann.id, ids[10_500]).await.unwrap();
    let missing = ids[10_999] + 1;

    let mut with_missing = ids.clone();
    with_missing.push(missing);
    let err = registry()
        .destroy_many(&t.db, item::Entity, &with_missing)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DestroyError::NotFound { ref table, ref id } if table == "items" && *id == missing.to_string()),
        "{err:?}"
    );
    assert_eq!(
        rows(&t.db, "items").await,
        11_000,
        "the first part is rolled back too"
    );
    assert_eq!(rows(&t.db, "user_items").await, 2);

    let (steps, cap) = t
        .log
        .capture(registry().destroy_many(&t.db, item::Entity, &ids))
        .await;
    let steps = steps.unwrap();
    assert_eq!(steps.len(), 1, "{steps:#?}");
    assert_eq!(
        (steps[0].relation.as_str(), steps[0].rows),
        ("user_items.item_id", 2)
    );
    assert_eq!(rows(&t.db, "items").await, 0);
    assert_eq!(rows(&t.db, "user_items").await, 0);
    assert_eq!(
        cap.count(),
        2 * 3,
        "per 10,000 ids: read the keys, delete the join rows, delete the items"
    );
}

#[tokio::test]
async fn destroying_a_user_keeps_other_tweets_counters_right() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let bobs = seed::tweet(&t.db, &bob, "bob's").await;
    let anns = seed::tweet(&t.db, &ann, "ann's").await;
    attach::<heart::Entity, _>(&t.db, ann.id, bobs.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, bob.id, bobs.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, bob.id, anns.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, ann.id, anns.id)
        .await
        .unwrap();
    attach::<follow::Entity, _>(&t.db, ann.id, bob.id)
        .await
        .unwrap();
    attach::<follow::Entity, _>(&t.db, bob.id, ann.id)
        .await
        .unwrap();

    let (steps, cap) = t
        .log
        .capture(registry().destroy(&t.db, entity::user::Entity, ann.id))
        .await;
    let steps = steps.unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s.relation == "tweets.user_id" && s.rows == 1),
        "{steps:#?}"
    );
    assert!(
        steps
            .iter()
            .any(|s| s.relation == "hearts.user_id" && s.rows == 1),
        "{steps:#?}"
    );
    assert_eq!(
        hearts_of(&t, bobs.id).await,
        1,
        "ann's heart on bob's tweet is gone from the count"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        cap.repeated(1).is_empty(),
        "set-based: no statement shape repeats: {:#?}",
        cap.repeated(1)
    );
}

#[tokio::test]
async fn capture_names_the_statement_an_n_plus_one_repeats() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(seed::tweet(&t.db, &ann, &format!("tweet {i}")).await.id);
    }
    let (_, naive) = t
        .log
        .capture(async {
            for id in &ids {
                counter::counts(&t.db, &heart::Relation::Tweet.def(), &[*id])
                    .await
                    .unwrap();
            }
        })
        .await;
    let (_, eager) = t
        .log
        .capture(counter::counts(&t.db, &heart::Relation::Tweet.def(), &ids))
        .await;

    assert_eq!(naive.count(), 5);
    assert_eq!(eager.count(), 1);
    let repeated = naive.repeated(3);
    assert_eq!(repeated.len(), 1);
    assert_eq!(repeated[0].times, 5);
    assert!(repeated[0].sql.contains("hearts"), "{}", repeated[0].sql);
    assert!(eager.repeated(1).is_empty());
    assert!(
        naive.statements[0].rendered().contains(&ids[0].to_string()),
        "rendered SQL carries the values"
    );
}

#[tokio::test]
async fn sixteen_concurrent_toggles_of_one_pair_are_sixteen_toggles() {
    let t = TestDb::concurrent().await;
    let ann = seed::user(&t.db, "ann").await;
    let tw = seed::tweet(&t.db, &ann, "race me").await;

    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let db = t.db.clone();
            tokio::spawn(async move { toggle::<heart::Entity, _>(&db, ann.id, tw.id).await })
        })
        .collect();
    let mut on = 0;
    for task in tasks {
        if task.await.unwrap().expect("every toggle succeeds").on {
            on += 1;
        }
    }
    assert_eq!(on, 8, "each toggle applied exactly once, alternating");
    assert_eq!(
        rows(&t.db, "hearts").await,
        0,
        "an even number of toggles ends where it began"
    );
    assert_eq!(hearts_of(&t, tw.id).await, 0);
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sixteen_concurrent_attaches_of_one_pair_write_one_row() {
    let t = TestDb::concurrent().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tw = seed::tweet(&t.db, &bob, "race me").await;

    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let db = t.db.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    attach::<heart::Entity, _>(&db, ann.id, tw.id).await
                } else {
                    attach::<follow::Entity, _>(&db, ann.id, bob.id).await
                }
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        if task.await.unwrap().expect("every attach succeeds") == Attached::Created {
            created += 1;
        }
    }
    assert_eq!(
        created, 2,
        "one heart and one follow were created; the other 14 found them"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(rows(&t.db, "follows").await, 1);
    assert_eq!(hearts_of(&t, tw.id).await, 1);
}

#[tokio::test]
async fn after_a_mixed_sequence_no_counter_drifts_and_no_row_is_orphaned() {
    let t = TestDb::new().await;
    let mut users = Vec::new();
    for name in ["ann", "bob", "cyd", "dee", "eve"] {
        users.push(seed::user(&t.db, name).await);
    }
    let mut tweets = Vec::new();
    for (i, u) in users.iter().enumerate() {
        for k in 0..3 {
            tweets.push(seed::tweet(&t.db, u, &format!("tweet {k} by {i}")).await);
        }
    }
    for (i, u) in users.iter().enumerate() {
        for (j, tw) in tweets.iter().enumerate() {
            if (i + j) % 3 != 0 {
                attach::<heart::Entity, _>(&t.db, u.id, tw.id)
                    .await
                    .unwrap();
            }
        }
        let next = &users[(i + 1) % users.len()];
        attach::<follow::Entity, _>(&t.db, u.id, next.id)
            .await
            .unwrap();
    }
    for (j, tw) in tweets.iter().enumerate().step_by(4) {
        detach::<heart::Entity, _>(&t.db, users[j % 5].id, tw.id)
            .await
            .unwrap();
        toggle::<heart::Entity, _>(&t.db, users[(j + 1) % 5].id, tw.id)
            .await
            .unwrap();
    }
    registry()
        .destroy(&t.db, tweet::Entity, tweets[1].id)
        .await
        .unwrap();
    registry()
        .destroy(&t.db, tweet::Entity, tweets[7].id)
        .await
        .unwrap();
    registry()
        .destroy(&t.db, entity::user::Entity, users[2].id)
        .await
        .unwrap();
    registry()
        .destroy(&t.db, entity::user::Entity, users[4].id)
        .await
        .unwrap();

    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );
    let orphans = "SELECT \
        (SELECT COUNT(*) FROM hearts WHERE user_id NOT IN (SELECT id FROM users) OR tweet_id NOT IN (SELECT id FROM tweets)) + \
        (SELECT COUNT(*) FROM tweets WHERE user_id NOT IN (SELECT id FROM users)) + \
        (SELECT COUNT(*) FROM follows WHERE follower_id NOT IN (SELECT id FROM users) OR followed_id NOT IN (SELECT id FROM users)) + \
        (SELECT COUNT(*) FROM messages WHERE sender_id NOT IN (SELECT id FROM users) OR receiver_id NOT IN (SELECT id FROM users)) AS n";
    let row =
        t.db.query_one_raw(sea_orm::Statement::from_string(t.backend(), orphans))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
    assert_eq!(rows(&t.db, "users").await, 3);
    // 15 tweets; less the 2 deleted one by one; less the 2 + 3 left of the destroyed users.
    assert_eq!(rows(&t.db, "tweets").await, 8);
}

#[tokio::test]
async fn a_capture_inside_a_capture_gives_both_the_statements() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let ((_, inner), outer) = t
        .log
        .capture(async {
            service::users::find_user(&t.db, ann.id).await.unwrap();
            t.log
                .capture(service::hearts::liked_tweets(&t.db, ann.id))
                .await
        })
        .await;
    assert_eq!(inner.count(), 1);
    assert_eq!(
        outer.count(),
        2,
        "the outer capture also sees the inner one's statement"
    );
}

#[tokio::test]
async fn concurrent_captures_do_not_see_each_others_statements() {
    let t = TestDb::concurrent().await;
    let ann = seed::user(&t.db, "ann").await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (db, log) = (t.db.clone(), t.log);
            tokio::spawn(async move {
                log.capture(async {
                    for _ in 0..i {
                        service::users::find_user(&db, ann.id).await.unwrap();
                    }
                })
                .await
                .1
                .count()
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        assert_eq!(
            task.await.unwrap(),
            i,
            "task {i} counted only its own statements"
        );
    }
}

#[tokio::test]
async fn destroying_a_user_with_more_tweets_than_a_statement_lists_still_takes_everything() {
    use sea_orm::ActiveValue::Set;
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    // More tweets than destroy lists by key (10,000): the children are then found by
    // a subquery instead.
    let now = Utc::now();
    for chunk in 0..11 {
        let rows = (0..1_000).map(|i| tweet::ActiveModel {
            user_id: Set(ann.id),
            content: Set(format!("tweet {}", chunk * 1_000 + i)),
            created_at: Set(now),
            updated_at: Set(now),
            hearts_count: Set(0),
            ..Default::default()
        });
        tweet::Entity::insert_many(rows)
            .exec_without_returning(&t.db)
            .await
            .unwrap();
    }
    let last = seed::tweet(&t.db, &ann, "the last").await;
    let bobs = seed::tweet(&t.db, &bob, "bob's").await;
    attach::<heart::Entity, _>(&t.db, bob.id, last.id)
        .await
        .unwrap();
    attach::<heart::Entity, _>(&t.db, ann.id, bobs.id)
        .await
        .unwrap();

    let steps = registry()
        .destroy(&t.db, entity::user::Entity, ann.id)
        .await
        .unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s.relation == "tweets.user_id" && s.rows == 11_001),
        "{steps:#?}"
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_of(&t, bobs.id).await, 0);
    assert!(
        counter::verify::<i32, _>(&t.db, &hearts_counter())
            .await
            .unwrap()
            .is_empty()
    );
}
