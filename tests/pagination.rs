//! Lists that stay small as the data grows (issue 13): every list is paged by a key,
//! and a page of a long history costs what a page of a short one does, on whichever
//! backend `DATABASE_URL` names.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use common::web::Client;
use common::{TestDb, seed};
use entity::{follow, message, tweet, user};
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbBackend, EntityTrait};
use service::paging::{MAX_PER_PAGE, PER_PAGE, TimeCursor};

/// `n` rows through `insert_many`, a chunk at a time (SQLite binds at most 32,766
/// values a statement).
async fn insert_all<E, A>(db: &DatabaseConnection, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(1_000).collect();
        E::insert_many(chunk)
            .exec_without_returning(db)
            .await
            .expect("bulk insert");
    }
}

/// A user with `tweets` tweets, `followers` followers (who each follow them and send
/// them a message), and one reader who follows them.
async fn history(t: &TestDb, name: &str, tweets: i64, followers: i32) -> (i32, i32) {
    let star = seed::user(&t.db, name).await;
    let reader = seed::user(&t.db, &format!("{name}_reader")).await;
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    insert_all(
        &t.db,
        (0..tweets)
            .map(|i| tweet::ActiveModel {
                user_id: Set(star.id),
                content: Set(format!("tweet {i}")),
                created_at: Set(start + Duration::seconds(i)),
                updated_at: Set(start + Duration::seconds(i)),
                hearts_count: Set(0),
                ..Default::default()
            })
            .collect(),
    )
    .await;
    insert_all(
        &t.db,
        (0..followers)
            .map(|i| user::ActiveModel {
                username: Set(format!("{name}_fan{i}")),
                email: Set(format!("{name}_fan{i}@example.com")),
                salutation: Set("Hi".to_owned()),
                created_at: Set(start),
                updated_at: Set(start),
                ..Default::default()
            })
            .collect(),
    )
    .await;
    let fans: Vec<i32> = user::Entity::find()
        .all(&t.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|u| u.username.starts_with(&format!("{name}_fan")))
        .map(|u| u.id)
        .collect();
    insert_all(
        &t.db,
        fans.iter()
            .chain([reader.id].iter())
            .map(|&fan| follow::ActiveModel {
                follower_id: Set(fan),
                followed_id: Set(star.id),
                created_at: Set(start),
            })
            .collect(),
    )
    .await;
    // Rows written around the toolkit: bring the follow counter caches up to them.
    for cache in [
        service::schema::followers_counter(),
        service::schema::following_counter(),
    ] {
        service::assoc::counter::recount::<i32, _>(&t.db, &cache)
            .await
            .expect("recount");
    }
    insert_all(
        &t.db,
        fans.iter()
            .enumerate()
            .map(|(i, &fan)| message::ActiveModel {
                sender_id: Set(fan),
                receiver_id: Set(star.id),
                body: Set("hello".to_owned()),
                created_at: Set(start + Duration::seconds(i64::try_from(i).unwrap())),
                ..Default::default()
            })
            .collect(),
    )
    .await;
    (star.id, reader.id)
}

/// Statements sent by the first page and by a page deep in each list.
async fn costs(t: &TestDb, star: i32, reader: i32) -> Vec<usize> {
    let mut sent = Vec::new();
    let first = t
        .log
        .capture(service::hearts::user_page_at(
            &t.db,
            star,
            Some(reader),
            None,
            PER_PAGE,
        ))
        .await;
    let page = first.0.unwrap().unwrap();
    sent.push(first.1.count());
    if let Some(older) = page.older {
        let deep = t
            .log
            .capture(service::hearts::user_page_at(
                &t.db,
                star,
                Some(reader),
                Some(&older),
                PER_PAGE,
            ))
            .await;
        assert!(!deep.0.unwrap().unwrap().tweets.is_empty());
        sent.push(deep.1.count());
    }
    let (feed, n) = t
        .log
        .capture(service::follows::home_feed_page(
            &t.db, reader, None, PER_PAGE,
        ))
        .await;
    assert!(!feed.unwrap().items.is_empty());
    sent.push(n.count());
    let (people, n) = t
        .log
        .capture(service::follows::followers_page(
            &t.db, star, None, PER_PAGE,
        ))
        .await;
    assert!(!people.unwrap().items.is_empty());
    sent.push(n.count());
    let (inbox, n) = t
        .log
        .capture(service::messages::inbox_page(&t.db, star, None, PER_PAGE))
        .await;
    assert!(!inbox.unwrap().items.is_empty());
    sent.push(n.count());
    sent
}

#[tokio::test]
async fn a_page_of_a_long_history_takes_the_statements_of_a_short_one() {
    let t = TestDb::new().await;
    let (short, short_reader) = history(&t, "short", 40, 10).await;
    let (long, long_reader) = history(&t, "long", 20_000, 2_000).await;

    let short_costs = costs(&t, short, short_reader).await;
    let long_costs = costs(&t, long, long_reader).await;
    assert_eq!(short_costs, long_costs);
    // The user page: the profile and the page of tweets (joined in one statement on
    // PostgreSQL), first page and deep; the feed one; followers one; the inbox two
    // (messages, then their people).
    let user_page = if t.db.get_database_backend() == DbBackend::Postgres {
        1
    } else {
        2
    };
    assert_eq!(short_costs, [user_page, user_page, 1, 1, 2]);

    // Page 50 of the user's tweets: the 1,471st to the 1,500th newest.
    let page = service::hearts::user_page_at(&t.db, long, None, None, PER_PAGE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.tweets.len(), 30);
    assert_eq!(page.tweets[0].tweet.content, "tweet 19999");
    let mut at: Option<TimeCursor> = None;
    let mut fiftieth = None;
    for number in 1..=50 {
        let page = service::hearts::user_page_at(&t.db, long, None, at.as_ref(), PER_PAGE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.newer.is_some(), number > 1);
        at = page.older.clone();
        fiftieth = Some(page);
    }
    let fiftieth = fiftieth.unwrap();
    assert_eq!(fiftieth.tweets[0].tweet.content, "tweet 18529");
    assert_eq!(fiftieth.tweets.last().unwrap().tweet.content, "tweet 18500");
}

#[tokio::test]
async fn a_newer_link_goes_back_to_the_same_page_in_the_same_order() {
    let t = TestDb::new().await;
    let (star, reader) = history(&t, "back", 100, 1).await;
    let page = |at: Option<TimeCursor>| {
        let db = t.db.clone();
        async move {
            service::hearts::user_page_at(&db, star, Some(reader), at.as_ref(), PER_PAGE)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let first = page(None).await;
    let second = page(first.older.clone()).await;
    let third = page(second.older.clone()).await;
    // Read backwards (a `Before` cursor), newest first again, with the same links.
    let back = page(third.newer.clone()).await;
    assert_eq!(back, second);
    let back = page(second.newer.clone()).await;
    assert_eq!(back, first);
    assert_eq!(back.tweets[0].tweet.content, "tweet 99");
    assert!(back.newer.is_none());

    // The reader's feed (the star's tweets), the same way.
    let feed = |at: Option<TimeCursor>| {
        let db = t.db.clone();
        async move {
            service::follows::home_feed_page(&db, reader, at.as_ref(), PER_PAGE)
                .await
                .unwrap()
        }
    };
    let first = feed(None).await;
    let second = feed(first.older.clone()).await;
    let third = feed(second.older.clone()).await;
    assert_eq!(feed(third.newer.clone()).await, second);
    let back = feed(second.newer.clone()).await;
    assert_eq!(back, first);
    assert_eq!(back.items[0].tweet.content, "tweet 99");
    assert!(back.newer.is_none());
}

#[tokio::test]
async fn pages_link_to_their_neighbours_and_refuse_bad_cursors_and_sizes() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let me = ann.sign_up("ann").await;
    for i in 0..35 {
        ann.tweet(&format!("number {i}")).await;
    }
    let first = ann.get(&format!("/users/{me}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("number 34") && !first.body.contains("number 4<"));
    let next = first
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|href| href.contains("after="))
        .expect("an Older link")
        .replace("&amp;", "&");
    assert!(first.body.contains("rel=\"next\""));
    assert!(
        !first.body.contains("rel=\"prev\""),
        "the first page has no Newer"
    );

    let second = ann.get(&next).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.body.contains("number 4<") && !second.body.contains("number 34"));
    assert!(second.body.contains("rel=\"prev\""));
    assert!(
        !second.body.contains("rel=\"next\""),
        "the last page has no Older"
    );
    // The star and heart forms on page 2 bring the visitor back to page 2.
    let query = next.split_once('?').unwrap().1;
    assert!(
        second
            .body
            .contains(&format!("/users/{me}?{}", query.replace('&', "&amp;"))),
        "{}",
        second.body
    );

    for bad in ["?after=garbage", "?before=zz", "?after=a.b.c", "?per=lots"] {
        let page = ann.get(&format!("/users/{me}{bad}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}: {}", page.body);
        assert!(
            page.body.contains("<html"),
            "the app's error page for {bad}"
        );
    }
    let both = format!("/users/{me}?{query}&before=x");
    assert_eq!(ann.get(&both).await.status, StatusCode::BAD_REQUEST);

    let huge = ann.get(&format!("/users/{me}?per=100000")).await;
    assert_eq!(huge.status, StatusCode::OK);
    assert!(huge.body.contains("number 0<"), "all 35 fit under the cap");
    assert_eq!(service::paging::per_page(Some(100_000)), MAX_PER_PAGE);
    assert_eq!(service::paging::per_page(Some(0)), 1);
    let two = ann.get(&format!("/users/{me}?per=2")).await;
    assert!(two.body.contains("number 34") && !two.body.contains("number 32<"));

    for path in [
        "/",
        "/messages",
        "/messages/sent",
        &format!("/users/{me}/followers"),
    ] {
        assert_eq!(ann.get(path).await.status, StatusCode::OK, "{path}");
        let bad = ann.get(&format!("{path}?after=nope")).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{path}");
    }
}
