//! Service tests for two associations between users: following (a self-referential
//! many-to-many through `follows`, read back as followers, following and the home
//! feed) and direct messages (a `belongs_to` sender and a `belongs_to` receiver, both
//! users, visible to those two only).

use entity::{follow, user};
use sea_orm::EntityTrait;
use service::assoc::{Attached, counter, join};
use service::follows::{self, FollowCounts, FollowError};
use service::input::{InputError, MessageBody};
use service::messages::{self, MessageError, MessageView};
use service::schema::{followers_counter, following_counter};
use testkit::{TestDb, rows, seed};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Ids that no row has: each error names the id it could not find.
const MISSING: i32 = 777_001;
const MISSING_TOO: i32 = 777_002;

fn usernames(users: &[user::Model]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

fn body(text: &str) -> MessageBody {
    MessageBody::parse(text).expect("valid message body")
}

/// `(body, sender, receiver)` of each message, in the order given.
fn summary(views: &[MessageView]) -> Vec<(&str, &str, &str)> {
    views
        .iter()
        .map(|v| {
            (
                v.message.body.as_str(),
                v.sender.username.as_str(),
                v.receiver.username.as_str(),
            )
        })
        .collect()
}

async fn send(
    t: &TestDb,
    from: &user::Model,
    to: &user::Model,
    text: &str,
) -> entity::message::Model {
    messages::send_message(&t.db, from.id, &to.username, body(text))
        .await
        .expect("send message")
}

async fn follow(t: &TestDb, follower: &user::Model, followed: &user::Model) {
    follows::follow_user(&t.db, follower.id, followed.id)
        .await
        .expect("follow");
}

// ---------------------------------------------------------------------------------
// Follows
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn following_a_user_links_them_once_and_following_again_changes_nothing() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;

    assert_eq!(
        follows::follow_user(&t.db, ann.id, bob.id).await?,
        Attached::Created
    );
    assert_eq!(
        follows::follow_user(&t.db, ann.id, bob.id).await?,
        Attached::AlreadyLinked
    );

    assert_eq!(rows(&t.db, "follows").await, 1);
    assert!(follows::is_following(&t.db, ann.id, bob.id).await?);
    assert!(
        !follows::is_following(&t.db, bob.id, ann.id).await?,
        "following is one-way"
    );
    Ok(())
}

#[tokio::test]
async fn following_yourself_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;

    let result = follows::follow_user(&t.db, ann.id, ann.id).await;

    assert!(matches!(result, Err(FollowError::SelfFollow)), "{result:?}");
    assert_eq!(rows(&t.db, "follows").await, 0);
}

#[tokio::test]
async fn following_a_missing_user_is_refused_naming_them_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;

    let missing_followed = follows::follow_user(&t.db, ann.id, MISSING).await;
    let missing_follower = follows::follow_user(&t.db, MISSING_TOO, ann.id).await;

    assert!(
        matches!(missing_followed, Err(FollowError::UserNotFound(MISSING))),
        "{missing_followed:?}"
    );
    assert!(
        matches!(
            missing_follower,
            Err(FollowError::UserNotFound(MISSING_TOO))
        ),
        "{missing_follower:?}"
    );
    assert_eq!(rows(&t.db, "follows").await, 0);
}

#[tokio::test]
async fn unfollowing_says_whether_there_was_a_follow_to_remove() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    follow(&t, &ann, &bob).await;

    assert!(follows::unfollow_user(&t.db, ann.id, bob.id).await?);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert!(!follows::is_following(&t.db, ann.id, bob.id).await?);

    assert!(
        !follows::unfollow_user(&t.db, ann.id, bob.id).await?,
        "nothing left to unfollow"
    );
    Ok(())
}

#[tokio::test]
async fn followers_and_following_are_listed_by_username_and_counted() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let dan = seed::user(&t.db, "dan").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    // Made out of alphabetical order, so the lists' order is the query's doing.
    follow(&t, &dan, &ann).await;
    follow(&t, &bob, &ann).await;
    follow(&t, &ann, &cat).await;
    follow(&t, &ann, &bob).await;

    assert_eq!(
        usernames(&follows::followers(&t.db, ann.id).await?),
        ["bob", "dan"]
    );
    assert_eq!(
        usernames(&follows::following(&t.db, ann.id).await?),
        ["bob", "cat"]
    );
    assert_eq!(
        usernames(&follows::followers(&t.db, cat.id).await?),
        ["ann"]
    );
    assert_eq!(
        usernames(&follows::following(&t.db, cat.id).await?),
        Vec::<&str>::new()
    );

    assert_eq!(
        follows::follow_counts(&t.db, ann.id).await?,
        FollowCounts {
            followers: 2,
            following: 2
        }
    );
    assert_eq!(
        follows::follow_counts(&t.db, cat.id).await?,
        FollowCounts {
            followers: 1,
            following: 0
        }
    );
    assert_eq!(
        follows::follow_counts(&t.db, dan.id).await?,
        FollowCounts {
            followers: 0,
            following: 1
        }
    );

    assert!(follows::is_following(&t.db, ann.id, cat.id).await?);
    assert!(!follows::is_following(&t.db, cat.id, ann.id).await?);
    Ok(())
}

#[tokio::test]
async fn the_home_feed_shows_only_followed_users_tweets_newest_first_with_their_authors()
-> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let dan = seed::user(&t.db, "dan").await;
    let eve = seed::user(&t.db, "eve").await;
    follow(&t, &ann, &bob).await;
    follow(&t, &ann, &cat).await;
    follow(&t, &ann, &eve).await;
    follows::unfollow_user(&t.db, ann.id, eve.id).await?;

    seed::tweet(&t.db, &bob, "bob's first").await;
    seed::tweet(&t.db, &ann, "ann's own").await;
    seed::tweet(&t.db, &cat, "cat's only").await;
    seed::tweet(&t.db, &dan, "dan, not followed").await;
    seed::tweet(&t.db, &eve, "eve, unfollowed").await;
    seed::tweet(&t.db, &bob, "bob's second").await;

    let feed = follows::home_feed(&t.db, ann.id, 50).await?;

    let shown: Vec<(&str, &str)> = feed
        .iter()
        .map(|row| (row.tweet.content.as_str(), row.author.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("bob's second", "bob"),
            ("cat's only", "cat"),
            ("bob's first", "bob")
        ]
    );
    let name_of = |id: i32| {
        [&bob, &cat]
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.username.as_str())
    };
    assert!(
        feed.iter()
            .all(|row| name_of(row.tweet.user_id) == Some(row.author.as_str()))
    );
    Ok(())
}

#[tokio::test]
async fn the_feed_marks_the_tweets_its_reader_hearted_and_no_others() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    follow(&t, &ann, &bob).await;
    let first = seed::tweet(&t.db, &bob, "first").await;
    let second = seed::tweet(&t.db, &bob, "second").await;
    service::hearts::heart_tweet(&t.db, ann.id, first.id).await?;
    service::hearts::heart_tweet(&t.db, cat.id, second.id).await?;

    let (feed, sent) = t.log.capture(follows::home_feed(&t.db, ann.id, 10)).await;
    let starred: Vec<(String, bool)> = feed?
        .into_iter()
        .map(|row| (row.tweet.content, row.hearted_by_viewer))
        .collect();
    assert_eq!(
        starred,
        [("second".to_owned(), false), ("first".to_owned(), true)],
        "cat's heart is not ann's star"
    );
    assert_eq!(sent.count(), 1);
    Ok(())
}

#[tokio::test]
async fn a_profile_reads_both_follow_counts_and_the_viewers_follow_in_one_statement() -> TestResult
{
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    follow(&t, &bob, &ann).await;
    follow(&t, &cat, &ann).await;
    follow(&t, &ann, &bob).await;

    let (by_bob, sent) = t
        .log
        .capture(follows::profile(&t.db, ann.id, Some(bob.id)))
        .await;
    let by_bob = by_bob?.expect("ann exists");
    assert_eq!(
        (
            by_bob.user.id,
            by_bob.counts.followers,
            by_bob.counts.following
        ),
        (ann.id, 2, 1)
    );
    assert!(by_bob.followed_by_viewer);
    assert_eq!(sent.count(), 1);

    let by_ann = follows::profile(&t.db, bob.id, Some(ann.id))
        .await?
        .expect("bob exists");
    assert!(by_ann.followed_by_viewer);
    let by_bob_of_cat = follows::profile(&t.db, cat.id, Some(bob.id))
        .await?
        .expect("cat");
    assert!(!by_bob_of_cat.followed_by_viewer);
    let anonymous = follows::profile(&t.db, ann.id, None)
        .await?
        .expect("ann exists");
    assert!(!anonymous.followed_by_viewer);
    assert_eq!(anonymous.counts, by_bob.counts);
    assert!(follows::profile(&t.db, 999_999, None).await?.is_none());
    Ok(())
}

/// Both follow counter caches agree with `follows` (an empty drift list each).
async fn follow_counts_agree(t: &TestDb) {
    for cache in [followers_counter(), following_counter()] {
        let drift = counter::verify::<i32, _>(&t.db, &cache)
            .await
            .expect("verify");
        assert!(drift.is_empty(), "{}: {drift:?}", cache.column);
    }
}

/// `(followers_count, following_count)` of the user's row as it is now.
async fn cached_counts(t: &TestDb, id: i32) -> (i32, i32) {
    let u = user::Entity::find_by_id(id)
        .one(&t.db)
        .await
        .expect("read user")
        .expect("user exists");
    (u.followers_count, u.following_count)
}

#[tokio::test]
async fn both_follow_counts_are_counter_caches_moved_by_each_follow_and_unfollow() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    assert_eq!(cached_counts(&t, ann.id).await, (0, 0));

    follow(&t, &ann, &bob).await;
    follow(&t, &cat, &bob).await;
    follow(&t, &ann, &cat).await;
    assert_eq!(cached_counts(&t, ann.id).await, (0, 2));
    assert_eq!(cached_counts(&t, bob.id).await, (2, 0));
    assert_eq!(cached_counts(&t, cat.id).await, (1, 1));

    // Refusals and no-ops move nothing.
    follows::follow_user(&t.db, ann.id, bob.id).await?;
    assert!(follows::follow_user(&t.db, ann.id, ann.id).await.is_err());
    assert!(follows::follow_user(&t.db, ann.id, MISSING).await.is_err());
    assert!(follows::follow_user(&t.db, MISSING, ann.id).await.is_err());
    assert!(!follows::unfollow_user(&t.db, bob.id, ann.id).await?);
    assert_eq!(cached_counts(&t, ann.id).await, (0, 2));
    assert_eq!(cached_counts(&t, bob.id).await, (2, 0));

    assert!(follows::unfollow_user(&t.db, ann.id, bob.id).await?);
    assert_eq!(cached_counts(&t, ann.id).await, (0, 1));
    assert_eq!(cached_counts(&t, bob.id).await, (1, 0));
    follow_counts_agree(&t).await;

    // The toolkit's other writes keep both sides too: toggle, then sync (ann follows
    // exactly bob and cat, then nobody).
    let toggled = join::toggle::<follow::Entity, _>(&t.db, bob.id, ann.id).await?;
    assert!(toggled.on);
    assert_eq!(toggled.count, 1, "the right side's count: ann's followers");
    assert_eq!(cached_counts(&t, bob.id).await, (1, 1));
    join::sync::<follow::Entity, _>(&t.db, ann.id, &[bob.id, cat.id]).await?;
    assert_eq!(cached_counts(&t, ann.id).await, (1, 2));
    follow_counts_agree(&t).await;
    join::sync::<follow::Entity, _>(&t.db, ann.id, &[]).await?;
    assert_eq!(cached_counts(&t, ann.id).await, (1, 0));
    assert_eq!(cached_counts(&t, bob.id).await, (1, 1));
    assert_eq!(cached_counts(&t, cat.id).await, (0, 1));
    follow_counts_agree(&t).await;

    // The profile reads them from the row: one statement, no COUNT.
    let (profile, sent) = t.log.capture(follows::profile(&t.db, bob.id, None)).await;
    let profile = profile?.expect("bob exists");
    assert_eq!(
        profile.counts,
        FollowCounts {
            followers: 1,
            following: 1
        }
    );
    assert_eq!(sent.count(), 1);
    assert!(
        !sent.statements[0].sql.contains("COUNT"),
        "{}",
        sent.statements[0].sql
    );
    Ok(())
}

#[tokio::test]
async fn concurrent_follows_both_ways_keep_both_counts_right() {
    let t = TestDb::concurrent().await;
    let mut people = Vec::new();
    for name in ["ann", "bob", "cat", "dan"] {
        people.push(seed::user(&t.db, name).await.id);
    }
    // Every ordered pair at once, so that A follows B while B follows A: each write
    // moves two users' rows, in opposite orders (a deadlock is retried).
    let pairs: Vec<(i32, i32)> = people
        .iter()
        .flat_map(|&a| people.iter().map(move |&b| (a, b)))
        .filter(|(a, b)| a != b)
        .collect();
    let run = |unfollow: bool| {
        let tasks: Vec<_> = pairs
            .iter()
            .map(|&(a, b)| {
                let db = t.db.clone();
                tokio::spawn(async move {
                    if unfollow {
                        follows::unfollow_user(&db, a, b).await.map(|_| ())
                    } else {
                        follows::follow_user(&db, a, b).await.map(|_| ())
                    }
                })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.unwrap().expect("every write succeeds");
            }
        }
    };
    run(false).await;
    for &id in &people {
        assert_eq!(cached_counts(&t, id).await, (3, 3));
    }
    follow_counts_agree(&t).await;
    run(true).await;
    for &id in &people {
        assert_eq!(cached_counts(&t, id).await, (0, 0));
    }
    follow_counts_agree(&t).await;
}

#[tokio::test]
async fn destroying_users_lowers_the_follow_counts_of_everyone_they_followed_or_who_followed_them()
-> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let dan = seed::user(&t.db, "dan").await;
    for (a, b) in [
        (&ann, &bob),
        (&bob, &ann),
        (&cat, &ann),
        (&ann, &dan),
        (&cat, &dan),
        (&bob, &dan),
        (&bob, &cat),
    ] {
        follow(&t, a, b).await;
    }
    service::users::destroy_user(&t.db, ann.id).await?;
    assert_eq!(cached_counts(&t, bob.id).await, (0, 2));
    assert_eq!(cached_counts(&t, cat.id).await, (1, 1));
    assert_eq!(cached_counts(&t, dan.id).await, (2, 0));
    follow_counts_agree(&t).await;
    // Two at once, one of whom followed the other: each survivor loses each once.
    service::users::destroy_users(&t.db, &[bob.id, cat.id]).await?;
    assert_eq!(cached_counts(&t, dan.id).await, (0, 0));
    follow_counts_agree(&t).await;
    Ok(())
}

#[tokio::test]
async fn the_home_feed_shows_at_most_limit_tweets_the_newest_ones() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    follow(&t, &ann, &bob).await;
    for n in 1..=5 {
        seed::tweet(&t.db, &bob, &format!("tweet {n}")).await;
    }

    let feed = follows::home_feed(&t.db, ann.id, 3).await?;

    let contents: Vec<&str> = feed.iter().map(|row| row.tweet.content.as_str()).collect();
    assert_eq!(contents, ["tweet 5", "tweet 4", "tweet 3"]);
    Ok(())
}

/// A user who follows `n` users and is followed by the same `n`, each of whom tweeted
/// once.
async fn user_with_a_circle_of(t: &TestDb, n: usize) -> user::Model {
    let ann = seed::user(&t.db, "ann").await;
    for i in 0..n {
        let friend = seed::user(&t.db, &format!("friend_{i:02}")).await;
        seed::tweet(&t.db, &friend, &format!("hello from {i}")).await;
        follow(t, &ann, &friend).await;
        follow(t, &friend, &ann).await;
    }
    ann
}

#[tokio::test]
async fn the_feed_and_the_follow_lists_take_one_statement_whatever_their_length() -> TestResult {
    for n in [3, 30] {
        let t = TestDb::new().await;
        let ann = user_with_a_circle_of(&t, n).await;

        let (feed, sent) = t.log.capture(follows::home_feed(&t.db, ann.id, 100)).await;
        assert_eq!(
            (feed?.len(), sent.count()),
            (n, 1),
            "home_feed with {n} tweets"
        );

        let (followers, sent) = t.log.capture(follows::followers(&t.db, ann.id)).await;
        assert_eq!(
            (followers?.len(), sent.count()),
            (n, 1),
            "followers with {n} users"
        );

        let (following, sent) = t.log.capture(follows::following(&t.db, ann.id)).await;
        assert_eq!(
            (following?.len(), sent.count()),
            (n, 1),
            "following with {n} users"
        );

        let (counts, sent) = t.log.capture(follows::follow_counts(&t.db, ann.id)).await;
        let n = i64::try_from(n)?;
        assert_eq!(
            counts?,
            FollowCounts {
                followers: n,
                following: n
            }
        );
        assert_eq!(sent.count(), 2, "follow_counts: one GROUP BY per direction");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn sending_a_message_stores_it_from_the_sender_to_the_named_receiver() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;

    let message = messages::send_message(&t.db, ann.id, "bob", body("  lunch?  ")).await?;

    assert_eq!((message.sender_id, message.receiver_id), (ann.id, bob.id));
    assert_eq!(message.body, "lunch?", "the body is stored trimmed");
    assert_eq!(rows(&t.db, "messages").await, 1);
    Ok(())
}

#[tokio::test]
async fn a_message_to_an_unknown_username_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;

    let result = messages::send_message(&t.db, ann.id, "nobody", body("hello?")).await;

    assert!(
        matches!(&result, Err(MessageError::ReceiverNotFound(name)) if name == "nobody"),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "messages").await, 0);
}

#[tokio::test]
async fn a_message_from_a_missing_sender_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    seed::user(&t.db, "bob").await;

    let result = messages::send_message(&t.db, MISSING, "bob", body("hello")).await;

    assert!(
        matches!(result, Err(MessageError::SenderNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "messages").await, 0);
}

#[tokio::test]
async fn a_message_body_is_one_to_a_thousand_characters() {
    assert_eq!(
        MessageBody::parse(""),
        Err(InputError::Blank { field: "message" })
    );
    assert_eq!(
        MessageBody::parse("  \n "),
        Err(InputError::Blank { field: "message" })
    );
    assert_eq!(
        MessageBody::parse(&"a".repeat(1001)),
        Err(InputError::TooLong {
            field: "message",
            max: 1000
        })
    );
    let longest = MessageBody::parse(&"é".repeat(1000)).map(|b| b.as_str().chars().count());
    assert_eq!(longest, Ok(1000), "characters are counted, not bytes");
}

#[tokio::test]
async fn a_thousand_character_message_is_stored_whole() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    seed::user(&t.db, "bob").await;
    let text = "é".repeat(1000);

    let sent = messages::send_message(&t.db, ann.id, "bob", body(&text)).await?;

    let read = messages::message_for(&t.db, ann.id, sent.id).await?;
    assert_eq!(read.map(|v| v.message.body), Some(text));
    Ok(())
}

#[tokio::test]
async fn the_inbox_lists_received_messages_newest_first_with_both_people() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    send(&t, &bob, &ann, "one").await;
    send(&t, &cat, &ann, "two").await;
    send(&t, &ann, &bob, "ann's reply").await;
    send(&t, &bob, &cat, "not for ann").await;
    send(&t, &bob, &ann, "three").await;

    let inbox = messages::inbox(&t.db, ann.id).await?;

    assert_eq!(
        summary(&inbox),
        [
            ("three", "bob", "ann"),
            ("two", "cat", "ann"),
            ("one", "bob", "ann")
        ]
    );
    Ok(())
}

#[tokio::test]
async fn sent_messages_are_listed_newest_first_with_both_people() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    send(&t, &ann, &bob, "one").await;
    send(&t, &bob, &ann, "to ann").await;
    send(&t, &ann, &cat, "two").await;
    send(&t, &cat, &bob, "not from ann").await;

    let sent = messages::sent_messages(&t.db, ann.id).await?;

    assert_eq!(
        summary(&sent),
        [("two", "ann", "cat"), ("one", "ann", "bob")]
    );
    Ok(())
}

#[tokio::test]
async fn a_conversation_has_both_directions_oldest_first_and_nobody_else() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    send(&t, &ann, &bob, "hi bob").await;
    send(&t, &cat, &ann, "psst").await;
    send(&t, &bob, &ann, "hi ann").await;
    send(&t, &ann, &cat, "later").await;
    send(&t, &cat, &bob, "hey").await;
    send(&t, &ann, &bob, "bye").await;

    let expected = [
        ("hi bob", "ann", "bob"),
        ("hi ann", "bob", "ann"),
        ("bye", "ann", "bob"),
    ];
    assert_eq!(
        summary(&messages::conversation(&t.db, ann.id, bob.id).await?),
        expected
    );
    assert_eq!(
        summary(&messages::conversation(&t.db, bob.id, ann.id).await?),
        expected
    );
    Ok(())
}

#[tokio::test]
async fn a_message_is_visible_to_its_sender_and_receiver_and_nobody_else() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let secret = send(&t, &ann, &bob, "a secret").await;

    let by_sender = messages::message_for(&t.db, ann.id, secret.id).await?;
    let by_receiver = messages::message_for(&t.db, bob.id, secret.id).await?;
    let by_third = messages::message_for(&t.db, cat.id, secret.id).await?;
    let missing = messages::message_for(&t.db, ann.id, MISSING).await?;

    assert_eq!(summary(by_sender.as_slice()), [("a secret", "ann", "bob")]);
    assert_eq!(by_receiver, by_sender);
    assert_eq!(by_third, None, "a third user is told it does not exist");
    assert_eq!(missing, None);
    Ok(())
}

#[tokio::test]
async fn inbox_sent_and_conversation_take_two_statements_whatever_the_number_of_messages()
-> TestResult {
    for n in [2, 20] {
        let t = TestDb::new().await;
        let ann = seed::user(&t.db, "ann").await;
        let bob = seed::user(&t.db, "bob").await;
        let cat = seed::user(&t.db, "cat").await;
        for i in 0..n {
            send(&t, &bob, &ann, &format!("bob {i}")).await;
            send(&t, &cat, &ann, &format!("cat {i}")).await;
            send(&t, &ann, &bob, &format!("ann {i}")).await;
        }

        let (inbox, sent) = t.log.capture(messages::inbox(&t.db, ann.id)).await;
        assert_eq!(
            (inbox?.len(), sent.count()),
            (2 * n, 2),
            "inbox of {}",
            2 * n
        );

        let (outbox, sent) = t.log.capture(messages::sent_messages(&t.db, ann.id)).await;
        assert_eq!((outbox?.len(), sent.count()), (n, 2), "sent messages: {n}");

        let (talk, sent) = t
            .log
            .capture(messages::conversation(&t.db, ann.id, bob.id))
            .await;
        assert_eq!(
            (talk?.len(), sent.count()),
            (2 * n, 2),
            "conversation of {}",
            2 * n
        );
    }
    Ok(())
}
