//! Tweets (post, delete, `Tweet#username`) and users (register, destroy with
//! everything that depends on them, one at a time or many at once).
//!
//! Every test starts from a fresh database; every refused write is checked for what it
//! left behind.

use entity::{follow, heart, message, tweet, user};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder, TransactionTrait};
use service::assoc::counter;
use service::follows::follow_user;
use service::hearts::heart_tweet;
use service::input::{Email, InputError, MessageBody, Salutation, TweetBody, Username};
use service::messages::send_message;
use service::schema::hearts_counter;
use service::tweets::{TweetError, delete_tweet, post_tweet, tweet_username};
use service::users::{NewUser, UserError, destroy_user, destroy_users, register_user};
use testkit::{TestDb, rows, seed};

/// An id no row has: fresh databases count from 1.
const MISSING: i32 = 999_999;

/// The tweet's cached heart count; `None` when the tweet is gone.
async fn hearts_count(db: &DatabaseConnection, tweet_id: i32) -> Option<i32> {
    tweet::Entity::find_by_id(tweet_id)
        .one(db)
        .await
        .expect("read the tweet")
        .map(|t| t.hearts_count)
}

fn body(text: &str) -> TweetBody {
    TweetBody::parse(text).expect("valid tweet body")
}

fn sign_up(username: &str, email: &str) -> NewUser {
    NewUser {
        username: Username::parse(username).expect("valid username"),
        email: Email::parse(email).expect("valid email"),
        salutation: Salutation::parse(username).expect("valid salutation"),
        password_hash: None,
    }
}

async fn send(db: &DatabaseConnection, from: &entity::user::Model, to: &str) {
    let hi = MessageBody::parse("hi").expect("valid message");
    send_message(db, from.id, to, hi)
        .await
        .expect("send a message");
}

/// Row counts of the tables a user's destroy touches, for "nothing changed".
async fn every_table(db: &DatabaseConnection) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in ["users", "tweets", "hearts", "follows", "messages"] {
        out.push((table, rows(db, table).await));
    }
    out
}

// --- Tweets ------------------------------------------------------------------------

#[tokio::test]
async fn posting_a_tweet_stores_its_trimmed_content() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;

    let posted = post_tweet(&t.db, ann.id, body("  hello, world \n")).await;

    let Ok(posted) = posted else {
        panic!("post: {posted:?}")
    };
    assert_eq!(posted.content, "hello, world");
    assert_eq!((posted.user_id, posted.hearts_count), (ann.id, 0));
    let stored = tweet::Entity::find_by_id(posted.id).one(&t.db).await;
    assert_eq!(stored, Ok(Some(posted)));
}

#[tokio::test]
async fn a_tweet_body_is_one_to_280_characters_not_bytes() {
    assert_eq!(
        TweetBody::parse(""),
        Err(InputError::Blank { field: "tweet" })
    );
    assert_eq!(
        TweetBody::parse(" \t\n "),
        Err(InputError::Blank { field: "tweet" })
    );
    assert_eq!(
        TweetBody::parse(&"a".repeat(281)),
        Err(InputError::TooLong {
            field: "tweet",
            max: 280
        })
    );
    // 280 characters of two and four bytes each: long in bytes, still one tweet.
    let accented = "é".repeat(280);
    let birds = "🐦".repeat(280);
    assert_eq!(
        TweetBody::parse(&accented).map(|b| b.as_str().len()),
        Ok(560)
    );
    assert_eq!(TweetBody::parse(&birds).map(|b| b.as_str().len()), Ok(1120));

    // And the database keeps every one of them.
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let posted = post_tweet(&t.db, ann.id, body(&birds))
        .await
        .map(|t| t.content);
    assert_eq!(posted.ok(), Some(birds));
}

#[tokio::test]
async fn posting_for_a_missing_user_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;

    let result = post_tweet(&t.db, MISSING, body("hello")).await;

    assert!(
        matches!(result, Err(TweetError::UserNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "tweets").await, 0);
}

#[tokio::test]
async fn deleting_a_tweet_by_its_author_deletes_it_and_its_hearts() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let doomed = seed::tweet(&t.db, &ann, "doomed").await;
    let kept = seed::tweet(&t.db, &ann, "kept").await;
    heart_tweet(&t.db, ann.id, doomed.id).await.expect("heart");
    heart_tweet(&t.db, bob.id, doomed.id).await.expect("heart");
    heart_tweet(&t.db, bob.id, kept.id).await.expect("heart");

    let result = delete_tweet(&t.db, ann.id, doomed.id).await;

    assert!(matches!(result, Ok(())), "{result:?}");
    assert_eq!(
        hearts_count(&t.db, doomed.id).await,
        None,
        "the tweet is gone"
    );
    assert_eq!(
        rows(&t.db, "hearts").await,
        1,
        "only the other tweet's heart is left"
    );
    assert_eq!(hearts_count(&t.db, kept.id).await, Some(1));
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}

#[tokio::test]
async fn deleting_someone_elses_tweet_is_refused_and_deletes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "ann's").await;
    heart_tweet(&t.db, bob.id, tweet.id).await.expect("heart");

    let result = delete_tweet(&t.db, bob.id, tweet.id).await;

    assert!(
        matches!(result, Err(TweetError::NotAuthor { tweet_id }) if tweet_id == tweet.id),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
}

#[tokio::test]
async fn deleting_a_missing_tweet_is_not_found_and_deletes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let tweet = seed::tweet(&t.db, &ann, "still here").await;
    heart_tweet(&t.db, ann.id, tweet.id).await.expect("heart");

    let result = delete_tweet(&t.db, ann.id, MISSING).await;

    assert!(
        matches!(result, Err(TweetError::NotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
}

#[tokio::test]
async fn a_tweets_username_is_its_authors() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let anns = seed::tweet(&t.db, &ann, "by ann").await;
    let bobs = seed::tweet(&t.db, &bob, "by bob").await;

    assert_eq!(
        tweet_username(&t.db, anns.id).await,
        Ok(Some("ann".to_owned()))
    );
    assert_eq!(
        tweet_username(&t.db, bobs.id).await,
        Ok(Some("bob".to_owned()))
    );
    assert_eq!(tweet_username(&t.db, MISSING).await, Ok(None));
}

// --- Registering ---------------------------------------------------------------------

#[tokio::test]
async fn registering_a_user_stores_them_with_a_lower_cased_email() {
    let t = TestDb::new().await;

    let result = register_user(&t.db, sign_up("ann", " Ann@Example.COM ")).await;

    let Ok(ann) = result else {
        panic!("register: {result:?}")
    };
    assert_eq!(
        (
            ann.username.as_str(),
            ann.email.as_str(),
            ann.salutation.as_str()
        ),
        ("ann", "ann@example.com", "ann")
    );
    assert_eq!(ann.password_hash, None);
    let stored = entity::user::Entity::find_by_id(ann.id).one(&t.db).await;
    assert_eq!(stored, Ok(Some(ann)));
}

#[tokio::test]
async fn registering_a_taken_username_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    seed::user(&t.db, "ann").await;

    let result = register_user(&t.db, sign_up("ann", "another@example.com")).await;

    assert!(
        matches!(&result, Err(UserError::UsernameTaken(name)) if name == "ann"),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "users").await, 1);
}

#[tokio::test]
async fn registering_a_taken_email_in_another_case_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    seed::user(&t.db, "ann").await; // ann@example.com

    let result = register_user(&t.db, sign_up("anna", "ANN@Example.com")).await;

    assert!(
        matches!(&result, Err(UserError::EmailTaken(email)) if email == "ann@example.com"),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "users").await, 1);
}

#[tokio::test]
async fn a_taken_username_is_named_inside_a_callers_transaction_which_stays_usable() {
    let t = TestDb::new().await;
    seed::user(&t.db, "ann").await;
    let txn = t.db.begin().await.expect("begin");

    // PostgreSQL aborts a transaction at its first error: the refused INSERT must not
    // take the caller's transaction down with it.
    let taken = register_user(&txn, sign_up("ann", "another@example.com")).await;
    let bob = register_user(&txn, sign_up("bob", "bob@example.com")).await;

    assert!(
        matches!(&taken, Err(UserError::UsernameTaken(name)) if name == "ann"),
        "{taken:?}"
    );
    assert!(bob.is_ok(), "{bob:?}");
    assert!(matches!(txn.commit().await, Ok(())));
    assert_eq!(rows(&t.db, "users").await, 2);
}

// --- Destroying ----------------------------------------------------------------------

#[tokio::test]
async fn destroying_a_user_removes_everything_that_depends_on_them() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let ann_1 = seed::tweet(&t.db, &ann, "ann 1").await;
    let ann_2 = seed::tweet(&t.db, &ann, "ann 2").await;
    let bobs = seed::tweet(&t.db, &bob, "bob's").await;
    let cats = seed::tweet(&t.db, &cat, "cat's").await;
    // Hearts on ann's tweets, ann's own among them.
    for (user, tweet) in [
        (&ann, &ann_1),
        (&bob, &ann_1),
        (&cat, &ann_1),
        (&cat, &ann_2),
    ] {
        heart_tweet(&t.db, user.id, tweet.id)
            .await
            .expect("heart on ann's tweet");
    }
    // Hearts ann gave to others, and one that is not hers.
    for (user, tweet) in [(&ann, &bobs), (&ann, &cats), (&bob, &cats)] {
        heart_tweet(&t.db, user.id, tweet.id)
            .await
            .expect("heart on another's tweet");
    }
    follow_user(&t.db, ann.id, bob.id)
        .await
        .expect("ann follows bob");
    follow_user(&t.db, cat.id, ann.id)
        .await
        .expect("cat follows ann");
    follow_user(&t.db, bob.id, cat.id)
        .await
        .expect("bob follows cat");
    send(&t.db, &ann, "bob").await;
    send(&t.db, &bob, "ann").await;
    send(&t.db, &bob, "cat").await;
    assert_eq!(
        (
            hearts_count(&t.db, bobs.id).await,
            hearts_count(&t.db, cats.id).await
        ),
        (Some(1), Some(2))
    );

    let result = destroy_user(&t.db, ann.id).await;

    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        every_table(&t.db).await,
        [
            ("users", 2),
            ("tweets", 2),
            ("hearts", 1),
            ("follows", 1),
            ("messages", 1)
        ],
        "left: bob and cat, their tweets, bob's heart on cat's tweet, \
         bob following cat, bob's message to cat"
    );
    assert_eq!(hearts_count(&t.db, ann_1.id).await, None);
    assert_eq!(hearts_count(&t.db, ann_2.id).await, None);
    assert_eq!(
        hearts_count(&t.db, bobs.id).await,
        Some(0),
        "ann's heart went with her"
    );
    assert_eq!(
        hearts_count(&t.db, cats.id).await,
        Some(1),
        "bob's heart stays"
    );
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}

#[tokio::test]
async fn destroying_a_missing_user_is_not_found_and_changes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;
    heart_tweet(&t.db, bob.id, tweet.id).await.expect("heart");
    follow_user(&t.db, bob.id, ann.id).await.expect("follow");
    send(&t.db, &bob, "ann").await;
    let before = every_table(&t.db).await;

    let result = destroy_user(&t.db, MISSING).await;

    assert!(
        matches!(result, Err(UserError::NotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(every_table(&t.db).await, before);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}

// --- Destroying many users at once ---------------------------------------------------

/// What is left, as `(from, to)` pairs sorted: hearts (user, tweet), follows
/// (follower, followed), messages (sender, receiver); and the tweets' ids.
async fn left(db: &DatabaseConnection) -> [Vec<(i32, i32)>; 4] {
    let mut hearts: Vec<_> = heart::Entity::find()
        .all(db)
        .await
        .expect("read hearts")
        .iter()
        .map(|h| (h.user_id, h.tweet_id))
        .collect();
    let mut follows: Vec<_> = follow::Entity::find()
        .all(db)
        .await
        .expect("read follows")
        .iter()
        .map(|f| (f.follower_id, f.followed_id))
        .collect();
    let mut messages: Vec<_> = message::Entity::find()
        .all(db)
        .await
        .expect("read messages")
        .iter()
        .map(|m| (m.sender_id, m.receiver_id))
        .collect();
    let mut tweets: Vec<_> = tweet::Entity::find()
        .all(db)
        .await
        .expect("read tweets")
        .iter()
        .map(|t| (t.user_id, t.id))
        .collect();
    for rows in [&mut hearts, &mut follows, &mut messages, &mut tweets] {
        rows.sort_unstable();
    }
    [hearts, follows, messages, tweets]
}

/// Four users who all heart, follow and message each other, two tweets each: every
/// relation a destroy touches has rows pointing at every user.
async fn four_friends(db: &DatabaseConnection) -> (Vec<user::Model>, Vec<tweet::Model>) {
    let mut users = Vec::new();
    for name in ["ann", "bob", "cat", "dan"] {
        users.push(seed::user(db, name).await);
    }
    let mut tweets = Vec::new();
    for author in &users {
        for n in 1..=2 {
            let text = format!("{} {n}", author.username);
            tweets.push(seed::tweet(db, author, &text).await);
        }
    }
    for fan in &users {
        for post in &tweets {
            if post.user_id != fan.id {
                heart_tweet(db, fan.id, post.id).await.expect("heart");
            }
        }
        for other in users.iter().filter(|u| u.id != fan.id) {
            follow_user(db, fan.id, other.id).await.expect("follow");
            send(db, fan, &other.username).await;
        }
    }
    (users, tweets)
}

#[tokio::test]
async fn destroying_several_users_at_once_removes_exactly_their_tweets_hearts_follows_and_messages()
{
    let t = TestDb::new().await;
    let (users, _) = four_friends(&t.db).await;
    let [ann, bob, cat, dan] = [&users[0], &users[1], &users[2], &users[3]];
    let [hearts, follows, messages, tweets] = left(&t.db).await;
    let survives =
        |a: i32, b: i32| ![ann.id, bob.id].contains(&a) && ![ann.id, bob.id].contains(&b);
    let author = |tweet_id: i32| {
        tweets
            .iter()
            .find(|(_, id)| *id == tweet_id)
            .map(|(u, _)| *u)
    };

    let result = destroy_users(&t.db, &[ann.id, bob.id]).await;

    assert!(result.is_ok(), "{result:?}");
    let expected = [
        hearts
            .iter()
            .copied()
            .filter(|&(u, tw)| author(tw).is_some_and(|a| survives(u, a)))
            .collect::<Vec<_>>(),
        follows
            .iter()
            .copied()
            .filter(|&(a, b)| survives(a, b))
            .collect(),
        messages
            .iter()
            .copied()
            .filter(|&(a, b)| survives(a, b))
            .collect(),
        tweets
            .iter()
            .copied()
            .filter(|&(u, _)| survives(u, u))
            .collect(),
    ];
    assert_eq!(
        left(&t.db).await,
        expected,
        "only cat's and dan's rows are left"
    );
    assert_eq!(
        every_table(&t.db).await,
        [
            ("users", 2),
            ("tweets", 4),
            ("hearts", 4),
            ("follows", 2),
            ("messages", 2)
        ],
        "cat and dan, their two tweets each, their hearts on each other's tweets, \
         following and messaging each other"
    );
    // By id: a destroy moves the survivors' follow counts, and PostgreSQL returns an
    // updated row wherever its new version went.
    let names: Vec<String> = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(&t.db)
        .await
        .expect("read users")
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(names, [cat.username.clone(), dan.username.clone()]);
}

#[tokio::test]
async fn destroying_several_users_lowers_each_remaining_tweets_count_by_the_hearts_it_lost() {
    let t = TestDb::new().await;
    let (users, tweets) = four_friends(&t.db).await;
    let [ann, bob, cat, dan] = [&users[0], &users[1], &users[2], &users[3]];
    // Every tweet has a heart from each of the three other users.
    for post in &tweets {
        assert_eq!(hearts_count(&t.db, post.id).await, Some(3));
    }
    // One more tweet by cat that only ann hearted, and one nobody hearted.
    let anns_pick = seed::tweet(&t.db, cat, "ann liked this").await;
    let unloved = seed::tweet(&t.db, dan, "nobody liked this").await;
    heart_tweet(&t.db, ann.id, anns_pick.id)
        .await
        .expect("heart");

    let result = destroy_users(&t.db, &[ann.id, bob.id]).await;

    assert!(result.is_ok(), "{result:?}");
    for post in tweets
        .iter()
        .filter(|p| [cat.id, dan.id].contains(&p.user_id))
    {
        assert_eq!(
            hearts_count(&t.db, post.id).await,
            Some(1),
            "{}: lost ann's and bob's hearts, kept the other survivor's",
            post.content
        );
    }
    assert_eq!(hearts_count(&t.db, anns_pick.id).await, Some(0));
    assert_eq!(hearts_count(&t.db, unloved.id).await, Some(0));
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}

#[tokio::test]
async fn destroying_users_with_one_missing_is_not_found_and_deletes_nobody() {
    let t = TestDb::new().await;
    let (users, tweets) = four_friends(&t.db).await;
    let before = every_table(&t.db).await;

    let result = destroy_users(&t.db, &[users[0].id, MISSING, users[1].id]).await;

    assert!(
        matches!(result, Err(UserError::NotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(every_table(&t.db).await, before);
    assert_eq!(hearts_count(&t.db, tweets[7].id).await, Some(3));
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}

#[tokio::test]
async fn destroying_no_users_sends_nothing_and_a_repeated_id_counts_once() {
    let t = TestDb::new().await;
    let (users, _) = four_friends(&t.db).await;

    let (nobody, cap) = t.log.capture(destroy_users(&t.db, &[])).await;
    let twice = destroy_users(&t.db, &[users[0].id, users[0].id]).await;

    assert!(
        matches!(nobody, Ok(ref steps) if steps.is_empty()),
        "{nobody:?}"
    );
    assert_eq!(cap.statements.len(), 0);
    assert!(twice.is_ok(), "{twice:?}");
    assert_eq!(rows(&t.db, "users").await, 3);
}

#[tokio::test]
async fn the_statements_of_destroying_users_do_not_grow_with_the_number_of_users() {
    let t = TestDb::new().await;
    // Twelve users of three tweets each, who all follow and message each other. Every
    // user hearts every other's tweets, except the last user's: tweet k of those is
    // hearted by the users whose index is a multiple of k + 1, so a batch takes a
    // different number of hearts from each of them (users 3..=10: 8, 4 and 3).
    let mut users = Vec::new();
    for n in 0..12 {
        users.push(seed::user(&t.db, &format!("user{n}")).await);
    }
    let last = users[11].id;
    let mut tweets = Vec::new();
    for author in &users {
        for k in 0..3 {
            let text = format!("{} {k}", author.username);
            tweets.push((k, seed::tweet(&t.db, author, &text).await));
        }
    }
    for (i, fan) in users.iter().enumerate() {
        for (k, post) in &tweets {
            let hearts = post.user_id != fan.id && (post.user_id != last || i % (k + 1) == 0);
            if hearts {
                heart_tweet(&t.db, fan.id, post.id).await.expect("heart");
            }
        }
        for other in users.iter().filter(|u| u.id != fan.id) {
            follow_user(&t.db, fan.id, other.id).await.expect("follow");
            send(&t.db, fan, &other.username).await;
        }
    }
    let ids: Vec<i32> = users.iter().map(|u| u.id).collect();

    let (one, one_sent) = t.log.capture(destroy_users(&t.db, &ids[..1])).await;
    let (two, two_sent) = t.log.capture(destroy_users(&t.db, &ids[1..3])).await;
    let (eight, eight_sent) = t.log.capture(destroy_users(&t.db, &ids[3..11])).await;

    for result in [&one, &two, &eight] {
        assert!(result.is_ok(), "{result:?}");
    }
    assert_eq!(
        (two_sent.count(), eight_sent.count()),
        (one_sent.count(), one_sent.count()),
        "one user, two and eight cost the same statements"
    );
    assert!(
        eight_sent.repeated(1).is_empty(),
        "set-based: no statement shape repeats: {:#?}",
        eight_sent.repeated(1)
    );
    assert_eq!(rows(&t.db, "users").await, 1);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert_eq!(rows(&t.db, "messages").await, 0);
    assert_eq!(rows(&t.db, "tweets").await, 3);
    assert_eq!(
        counter::verify::<i32, _>(&t.db, &hearts_counter()).await,
        Ok(vec![])
    );
}
