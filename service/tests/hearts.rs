//! Hearts, likes and favorites: one relation under three lessons' names.
//!
//! Every test starts from a fresh database. Every refused write is checked for what it
//! left behind: no `hearts` row and an unchanged `tweets.hearts_count`. The listing
//! tests also count the SQL statements they send, so an N+1 fails here.

use entity::tweet;
use sea_orm::{DatabaseConnection, EntityTrait};
use service::assoc::Toggled;
use service::hearts::{
    HeartError, heart_counts, heart_tweet, like_tweet, liked_tweets, likers, toggle_heart,
    unheart_tweet, user_page,
};
use testkit::{TestDb, rows, seed};

/// An id no row has: fresh databases count from 1.
const MISSING: i32 = 999_999;

/// The tweet's cached heart count, as the row holds it; `None` when the tweet is gone.
async fn hearts_count(db: &DatabaseConnection, tweet_id: i32) -> Option<i32> {
    tweet::Entity::find_by_id(tweet_id)
        .one(db)
        .await
        .expect("read the tweet")
        .map(|t| t.hearts_count)
}

fn contents(tweets: Vec<tweet::Model>) -> Vec<String> {
    tweets.into_iter().map(|t| t.content).collect()
}

fn usernames(users: Vec<entity::user::Model>) -> Vec<String> {
    users.into_iter().map(|u| u.username).collect()
}

// --- Heart.create(user:, tweet:) ---------------------------------------------------

#[tokio::test]
async fn hearting_a_tweet_writes_one_heart_and_counts_it() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let result = heart_tweet(&t.db, bob.id, tweet.id).await;

    assert!(matches!(result, Ok(())), "{result:?}");
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
}

#[tokio::test]
async fn hearting_for_a_missing_user_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let result = heart_tweet(&t.db, MISSING, tweet.id).await;

    assert!(
        matches!(result, Err(HeartError::UserNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(0));
}

#[tokio::test]
async fn hearting_a_missing_tweet_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let existing = seed::tweet(&t.db, &ann, "hello").await;

    let result = heart_tweet(&t.db, ann.id, MISSING).await;

    assert!(
        matches!(result, Err(HeartError::TweetNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, existing.id).await, Some(0));
}

#[tokio::test]
async fn hearting_a_tweet_twice_is_refused_and_keeps_one_heart() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;
    heart_tweet(&t.db, bob.id, tweet.id)
        .await
        .expect("first heart");

    let again = heart_tweet(&t.db, bob.id, tweet.id).await;

    assert!(
        matches!(again, Err(HeartError::AlreadyHearted { user_id, tweet_id })
            if user_id == bob.id && tweet_id == tweet.id),
        "{again:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
}

#[tokio::test]
async fn liking_a_tweet_is_hearting_it() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let liked = like_tweet(&t.db, bob.id, tweet.id).await;
    assert!(matches!(liked, Ok(())), "{liked:?}");

    // The like is a heart: hearting it now is a second heart, and is refused.
    let hearted = heart_tweet(&t.db, bob.id, tweet.id).await;
    assert!(
        matches!(hearted, Err(HeartError::AlreadyHearted { .. })),
        "{hearted:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
    assert_eq!(
        liked_tweets(&t.db, bob.id).await.map(contents),
        Ok(vec!["hello".to_owned()])
    );
}

// --- Taking a heart back, and the favorites star -----------------------------------

#[tokio::test]
async fn unhearting_takes_the_heart_back_once() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;
    heart_tweet(&t.db, bob.id, tweet.id).await.expect("heart");

    let first = unheart_tweet(&t.db, bob.id, tweet.id).await;
    assert!(matches!(first, Ok(true)), "{first:?}");
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(0));

    let second = unheart_tweet(&t.db, bob.id, tweet.id).await;
    assert!(matches!(second, Ok(false)), "{second:?}");
    assert_eq!(
        hearts_count(&t.db, tweet.id).await,
        Some(0),
        "the count never goes below zero"
    );
}

#[tokio::test]
async fn toggling_turns_the_heart_on_then_off_and_reports_the_count() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let on = toggle_heart(&t.db, bob.id, tweet.id).await;
    assert!(matches!(on, Ok(Toggled { on: true, count: 1 })), "{on:?}");
    assert_eq!(rows(&t.db, "hearts").await, 1);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));

    let off = toggle_heart(&t.db, bob.id, tweet.id).await;
    assert!(
        matches!(
            off,
            Ok(Toggled {
                on: false,
                count: 0
            })
        ),
        "{off:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(0));
}

#[tokio::test]
async fn two_users_toggling_one_tweet_count_one_two_then_one() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let bob_on = toggle_heart(&t.db, bob.id, tweet.id).await;
    assert!(
        matches!(bob_on, Ok(Toggled { on: true, count: 1 })),
        "{bob_on:?}"
    );
    let cat_on = toggle_heart(&t.db, cat.id, tweet.id).await;
    assert!(
        matches!(cat_on, Ok(Toggled { on: true, count: 2 })),
        "{cat_on:?}"
    );
    let bob_off = toggle_heart(&t.db, bob.id, tweet.id).await;
    assert!(
        matches!(
            bob_off,
            Ok(Toggled {
                on: false,
                count: 1
            })
        ),
        "{bob_off:?}"
    );

    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(1));
    assert_eq!(
        likers(&t.db, tweet.id).await.map(usernames),
        Ok(vec!["cat".to_owned()])
    );
}

#[tokio::test]
async fn toggling_a_missing_tweet_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let existing = seed::tweet(&t.db, &ann, "hello").await;

    let result = toggle_heart(&t.db, ann.id, MISSING).await;

    assert!(
        matches!(result, Err(HeartError::TweetNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, existing.id).await, Some(0));
}

#[tokio::test]
async fn toggling_for_a_missing_user_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let tweet = seed::tweet(&t.db, &ann, "hello").await;

    let result = toggle_heart(&t.db, MISSING, tweet.id).await;

    assert!(
        matches!(result, Err(HeartError::UserNotFound(MISSING))),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_count(&t.db, tweet.id).await, Some(0));
}

// --- user.liked_tweets and tweet.likers --------------------------------------------

#[tokio::test]
async fn liked_tweets_are_the_tweets_a_user_hearted_newest_first() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let first = seed::tweet(&t.db, &ann, "first").await;
    let _second = seed::tweet(&t.db, &ann, "second").await;
    let third = seed::tweet(&t.db, &ann, "third").await;
    let own = seed::tweet(&t.db, &bob, "bob's own").await;
    // Hearted oldest tweet last: the order is the tweets' date, not the hearts'.
    heart_tweet(&t.db, bob.id, third.id)
        .await
        .expect("heart third");
    heart_tweet(&t.db, bob.id, first.id)
        .await
        .expect("heart first");
    // Ann's heart on bob's tweet is ann's like, not bob's.
    heart_tweet(&t.db, ann.id, own.id)
        .await
        .expect("ann hearts bob's tweet");

    let bobs = liked_tweets(&t.db, bob.id).await.map(contents);
    let anns = liked_tweets(&t.db, ann.id).await.map(contents);

    // Bob posted "bob's own" but never hearted it: posted tweets are not liked tweets.
    assert_eq!(bobs, Ok(vec!["third".to_owned(), "first".to_owned()]));
    assert_eq!(anns, Ok(vec!["bob's own".to_owned()]));
}

#[tokio::test]
async fn a_users_own_tweet_is_a_liked_tweet_only_once_hearted() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let own = seed::tweet(&t.db, &ann, "mine").await;
    assert_eq!(liked_tweets(&t.db, ann.id).await, Ok(vec![]));

    heart_tweet(&t.db, ann.id, own.id)
        .await
        .expect("heart own tweet");

    assert_eq!(
        liked_tweets(&t.db, ann.id).await.map(contents),
        Ok(vec!["mine".to_owned()])
    );
}

#[tokio::test]
async fn likers_are_the_users_who_hearted_a_tweet_by_username() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    // Registered in an order that is not alphabetical.
    let zed = seed::user(&t.db, "zed").await;
    let bob = seed::user(&t.db, "bob").await;
    let _cat = seed::user(&t.db, "cat").await;
    let hearted = seed::tweet(&t.db, &ann, "hearted").await;
    let other = seed::tweet(&t.db, &ann, "other").await;
    heart_tweet(&t.db, zed.id, hearted.id)
        .await
        .expect("zed hearts");
    heart_tweet(&t.db, bob.id, hearted.id)
        .await
        .expect("bob hearts");
    heart_tweet(&t.db, ann.id, other.id)
        .await
        .expect("ann hearts the other tweet");

    let names = likers(&t.db, hearted.id).await.map(usernames);

    assert_eq!(names, Ok(vec!["bob".to_owned(), "zed".to_owned()]));
    assert_eq!(likers(&t.db, MISSING).await, Ok(vec![]));
}

#[tokio::test]
async fn liked_tweets_and_likers_send_one_statement_whatever_the_number_of_rows() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let mut tweets = Vec::new();
    for n in 0..20 {
        tweets.push(seed::tweet(&t.db, &ann, &format!("tweet {n}")).await);
    }
    let mut fans = Vec::new();
    for n in 0..20 {
        fans.push(seed::user(&t.db, &format!("fan_{n}")).await);
    }
    heart_tweet(&t.db, bob.id, tweets[0].id)
        .await
        .expect("bob's one heart");
    for tweet in &tweets {
        heart_tweet(&t.db, ann.id, tweet.id)
            .await
            .expect("ann hearts every tweet");
    }
    for fan in &fans {
        heart_tweet(&t.db, fan.id, tweets[1].id)
            .await
            .expect("a fan hearts tweet 1");
    }

    let (one, one_cap) = t.log.capture(liked_tweets(&t.db, bob.id)).await;
    let (many, many_cap) = t.log.capture(liked_tweets(&t.db, ann.id)).await;
    assert_eq!(one.map(|v| v.len()), Ok(1));
    assert_eq!(many.map(|v| v.len()), Ok(20));
    assert_eq!((one_cap.count(), many_cap.count()), (1, 1));
    assert_eq!(many_cap.repeated(1), vec![]);

    let (few, few_cap) = t.log.capture(likers(&t.db, tweets[0].id)).await;
    let (crowd, crowd_cap) = t.log.capture(likers(&t.db, tweets[1].id)).await;
    assert_eq!(few.map(|v| v.len()), Ok(2));
    assert_eq!(crowd.map(|v| v.len()), Ok(21));
    assert_eq!((few_cap.count(), crowd_cap.count()), (1, 1));
    assert_eq!(crowd_cap.repeated(1), vec![]);
}

// --- tweet.hearts.count for many tweets --------------------------------------------

#[tokio::test]
async fn heart_counts_for_many_tweets_take_one_statement_and_include_unhearted_tweets() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let two = seed::tweet(&t.db, &ann, "two hearts").await;
    let one = seed::tweet(&t.db, &ann, "one heart").await;
    let none = seed::tweet(&t.db, &ann, "no hearts").await;
    heart_tweet(&t.db, ann.id, two.id).await.expect("heart");
    heart_tweet(&t.db, bob.id, two.id).await.expect("heart");
    heart_tweet(&t.db, bob.id, one.id).await.expect("heart");

    let (counts, capture) = t
        .log
        .capture(heart_counts(&t.db, &[two.id, one.id, none.id]))
        .await;

    let expected = [(two.id, 2), (one.id, 1), (none.id, 0)]
        .into_iter()
        .collect();
    assert_eq!(counts, Ok(expected));
    assert_eq!(capture.count(), 1);
}

// --- The hearts lesson's user page -------------------------------------------------

#[tokio::test]
async fn the_user_page_greets_the_user_and_lists_their_tweets_newest_first_with_hearts() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let older = seed::tweet(&t.db, &ann, "older").await;
    let newer = seed::tweet(&t.db, &ann, "newer").await;
    let _not_anns = seed::tweet(&t.db, &bob, "bob's").await;
    heart_tweet(&t.db, bob.id, older.id).await.expect("heart");
    heart_tweet(&t.db, cat.id, older.id).await.expect("heart");
    heart_tweet(&t.db, bob.id, newer.id).await.expect("heart");

    let page = user_page(&t.db, ann.id, None).await;

    let Ok(Some(page)) = page else {
        panic!("ann's page: {page:?}")
    };
    // "Hi, {salutation}": the page carries the user it greets.
    assert_eq!(page.user, ann);
    let listed: Vec<(&str, i64)> = page
        .tweets
        .iter()
        .map(|v| (v.tweet.content.as_str(), v.hearts))
        .collect();
    assert_eq!(listed, [("newer", 1), ("older", 2)]);
    assert!(
        page.tweets.iter().all(|v| !v.hearted_by_viewer),
        "nobody is viewing"
    );
}

#[tokio::test]
async fn the_user_page_marks_the_tweets_each_viewer_hearted() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let cat = seed::user(&t.db, "cat").await;
    let older = seed::tweet(&t.db, &ann, "older").await;
    let newer = seed::tweet(&t.db, &ann, "newer").await;
    heart_tweet(&t.db, bob.id, older.id).await.expect("heart");
    heart_tweet(&t.db, cat.id, newer.id).await.expect("heart");

    let stars = |page: Result<Option<service::hearts::UserPage>, _>| {
        page.map(|p| {
            p.map(|p| {
                p.tweets
                    .into_iter()
                    .map(|v| (v.tweet.content, v.hearted_by_viewer))
                    .collect::<Vec<_>>()
            })
        })
    };
    let as_bob = stars(user_page(&t.db, ann.id, Some(bob.id)).await);
    let as_cat = stars(user_page(&t.db, ann.id, Some(cat.id)).await);
    let as_ann = stars(user_page(&t.db, ann.id, Some(ann.id)).await);

    let row = |content: &str, hearted: bool| (content.to_owned(), hearted);
    assert_eq!(
        as_bob,
        Ok(Some(vec![row("newer", false), row("older", true)]))
    );
    assert_eq!(
        as_cat,
        Ok(Some(vec![row("newer", true), row("older", false)]))
    );
    assert_eq!(
        as_ann,
        Ok(Some(vec![row("newer", false), row("older", false)]))
    );
}

#[tokio::test]
async fn the_user_page_of_a_missing_user_is_none() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;

    assert_eq!(user_page(&t.db, MISSING, None).await, Ok(None));
    assert_eq!(user_page(&t.db, MISSING, Some(ann.id)).await, Ok(None));
}

/// A user with `n` tweets, every other one hearted by `viewer`.
async fn author_with_tweets(
    db: &DatabaseConnection,
    name: &str,
    n: usize,
    viewer: &entity::user::Model,
) -> entity::user::Model {
    let author = seed::user(db, name).await;
    for i in 0..n {
        let tweet = seed::tweet(db, &author, &format!("tweet {i}")).await;
        if i % 2 == 0 {
            heart_tweet(db, viewer.id, tweet.id)
                .await
                .expect("viewer hearts");
        }
    }
    author
}

#[tokio::test]
async fn the_user_page_sends_two_statements_with_a_viewer_whatever_the_number_of_tweets() {
    let t = TestDb::new().await;
    let viewer = seed::user(&t.db, "viewer").await;
    let quiet = author_with_tweets(&t.db, "quiet", 1, &viewer).await;
    let chatty = author_with_tweets(&t.db, "chatty", 50, &viewer).await;

    let (small, small_cap) = t
        .log
        .capture(user_page(&t.db, quiet.id, Some(viewer.id)))
        .await;
    let (large, large_cap) = t
        .log
        .capture(user_page(&t.db, chatty.id, Some(viewer.id)))
        .await;

    let starred = |page: &Result<Option<service::hearts::UserPage>, _>| match page {
        Ok(Some(p)) => Some((
            p.tweets.len(),
            p.tweets.iter().filter(|v| v.hearted_by_viewer).count(),
        )),
        _ => None,
    };
    assert_eq!(starred(&small), Some((1, 1)));
    assert_eq!(starred(&large), Some((50, 25)));
    assert_eq!(small_cap.count(), large_cap.count());
    assert_eq!(
        large_cap.count(),
        2,
        "the user with its follow counts; the tweets with the viewer's stars"
    );
    assert_eq!(large_cap.repeated(1), vec![]);
}

#[tokio::test]
async fn the_user_page_sends_two_statements_without_a_viewer_whatever_the_number_of_tweets() {
    let t = TestDb::new().await;
    let viewer = seed::user(&t.db, "viewer").await;
    let quiet = author_with_tweets(&t.db, "quiet", 1, &viewer).await;
    let chatty = author_with_tweets(&t.db, "chatty", 50, &viewer).await;

    let (small, small_cap) = t.log.capture(user_page(&t.db, quiet.id, None)).await;
    let (large, large_cap) = t.log.capture(user_page(&t.db, chatty.id, None)).await;

    let hearts = |page: &Result<Option<service::hearts::UserPage>, _>| match page {
        Ok(Some(p)) => Some(p.tweets.iter().map(|v| v.hearts).sum::<i64>()),
        _ => None,
    };
    assert_eq!(hearts(&small), Some(1));
    assert_eq!(hearts(&large), Some(25));
    assert_eq!(small_cap.count(), large_cap.count());
    assert_eq!(
        large_cap.count(),
        2,
        "the user with its follow counts; the tweets"
    );
    assert_eq!(large_cap.repeated(1), vec![]);
}
