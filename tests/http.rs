//! The web app through `app(state)` and `oneshot`, no socket: every route's success,
//! sign-in requirement, unknown ids, CSRF, privacy, bad input and escaping, and the
//! number of SQL statements a page sends.

mod common;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::web::Client;
use common::{TestDb, all_rows, hearts_of, rows};
use fwitter::AppState;
use fwitter::session::SessionKey;
use sea_orm::DbBackend;
use tower::ServiceExt;

#[tokio::test]
async fn signing_up_signs_you_in_and_greets_you_on_your_page() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let id = ann.sign_up("ann").await;
    let page = ann.get(&format!("/users/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Hi, Dear ann"), "{}", page.body);
    assert!(page.body.contains("@ann"));
    let hash: String = {
        use sea_orm::EntityTrait;
        entity::user::Entity::find_by_id(id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap()
    };
    assert!(
        hash.starts_with("$argon2"),
        "passwords are stored as argon2 hashes"
    );
    assert!(!page.body.contains("correct horse"));
}

#[tokio::test]
async fn a_bad_sign_up_re_renders_the_form_with_the_input_and_writes_nothing() {
    let t = TestDb::new().await;
    let mut c = Client::new(&t);
    let page = c
        .post(
            "/signup",
            &[
                ("username", "a b"),
                ("email", "ann@example.com"),
                ("salutation", "Ann"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("username is invalid"), "{}", page.body);
    assert!(
        page.body.contains(r#"value="ann@example.com""#),
        "the input is kept"
    );
    let page = c
        .post(
            "/signup",
            &[
                ("username", "ann"),
                ("email", "ann@example.com"),
                ("salutation", "Ann"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("password is too short"));
    assert_eq!(rows(&t.db, "users").await, 0);

    c.sign_up("ann").await;
    let mut other = Client::new(&t);
    let page = other
        .post(
            "/signup",
            &[
                ("username", "ann"),
                ("email", "x@example.com"),
                ("salutation", "X"),
                ("password", "correct horse"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("already taken"), "{}", page.body);
    assert_eq!(rows(&t.db, "users").await, 1);
}

#[tokio::test]
async fn signing_in_needs_the_right_password_and_signing_out_ends_the_session() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let before = ann.cookie.clone();
    ann.post("/signout", &[]).await;
    assert!(
        ann.cookie.is_none() || ann.cookie != before,
        "sign-out drops the session"
    );
    assert_eq!(
        ann.get("/messages").await.location.as_deref(),
        Some("/signin")
    );

    let mut c = Client::new(&t);
    c.get("/signin").await;
    let anonymous_cookie = c.cookie.clone();
    let page = c
        .post(
            "/signin",
            &[("username", "ann"), ("password", "wrong password")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("Wrong username or password"));
    let page = c
        .post(
            "/signin",
            &[("username", "ann"), ("password", "correct horse")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_ne!(c.cookie, anonymous_cookie, "a new session id at sign-in");
    assert_eq!(c.get("/messages").await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let t = TestDb::new().await;
    let c = Client::new(&t);
    let response = c
        .app
        .clone()
        .oneshot(Request::get("/signin").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("fwitter_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn every_state_changing_request_without_the_csrf_token_is_forbidden_and_writes_nothing() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let tweet = ann.tweet("hello").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;

    for (path, fields) in [
        ("/tweets", vec![("content", "forged")]),
        ("/hearts", vec![("tweet_id", "1")]),
        (&*format!("/tweets/{tweet}/star"), vec![]),
        (&*format!("/tweets/{tweet}/delete"), vec![]),
        (&*format!("/users/{ann_id}/follow"), vec![]),
        ("/messages", vec![("to", "ann"), ("body", "forged")]),
        ("/signout", vec![]),
    ] {
        let page = bob.post_raw(path, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        let page = bob
            .post_raw(path, &[&[("csrf", "0000")][..], &fields[..]].concat())
            .await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "{path} with a wrong token"
        );
    }
    assert_eq!(bob.star(tweet, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bob.star(tweet, Some("wrong")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert_eq!(rows(&t.db, "messages").await, 0);
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_write_nothing() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let tweet = ann.tweet("hello").await;

    let mut visitor = Client::new(&t);
    for path in [
        "/messages",
        "/messages/sent",
        "/messages/new",
        "/messages/1",
        "/conversations/ann",
    ] {
        let page = visitor.get(path).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/signin")),
            "{path}"
        );
    }
    for (path, fields) in [
        ("/tweets".to_owned(), vec![("content", "hi")]),
        ("/hearts".to_owned(), vec![("tweet_id", "1")]),
        (format!("/tweets/{tweet}/star"), vec![]),
        (format!("/tweets/{tweet}/delete"), vec![]),
        (format!("/users/{ann_id}/follow"), vec![]),
        ("/messages".to_owned(), vec![("to", "ann"), ("body", "hi")]),
    ] {
        let page = visitor.post(&path, &fields).await;
        assert_eq!(
            (page.status, page.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/signin")),
            "{path}"
        );
    }
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert_eq!(rows(&t.db, "messages").await, 0);
    // Reading is open to everyone.
    assert_eq!(
        visitor.get(&format!("/users/{ann_id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(visitor.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_ids_are_404_pages_and_write_nothing() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    for path in [
        "/users/999",
        "/users/999/followers",
        "/users/999/following",
        "/messages/999",
        "/conversations/nobody",
        "/no/such/page",
    ] {
        let page = ann.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("Not found"),
            "an error page, not a stack trace"
        );
    }
    for path in [
        "/users/999/follow",
        "/users/999/unfollow",
        "/tweets/999/star",
        "/tweets/999/delete",
    ] {
        assert_eq!(
            ann.post(path, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        ann.post("/hearts", &[("tweet_id", "999")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        ann.star(999, ann.csrf.clone().as_deref()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(rows(&t.db, "follows").await, 0);
}

#[tokio::test]
async fn the_hearts_form_adds_one_heart_and_refuses_a_second() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let tweet = ann.tweet("heart me").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;

    let back = format!("/users/{ann_id}");
    let page = bob
        .post(
            "/hearts",
            &[("tweet_id", &tweet.to_string()), ("back", &back)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some(back.as_str()))
    );
    let page = bob.get(&back).await;
    assert!(
        page.body.contains(
            r#"with <span class="hearts-count">1</span> <span class="hearts-noun">heart</span>"#
        ),
        "{}",
        page.body
    );

    bob.post(
        "/hearts",
        &[("tweet_id", &tweet.to_string()), ("back", &back)],
    )
    .await;
    let page = bob.get(&back).await;
    assert!(page.body.contains("already hearted"), "{}", page.body);
    assert!(page.body.contains(
        r#"with <span class="hearts-count">1</span> <span class="hearts-noun">heart</span>"#
    ));
    assert_eq!(rows(&t.db, "hearts").await, 1);
}

#[tokio::test]
async fn a_heart_reads_no_user_row_and_a_deleted_users_session_must_sign_in_again() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let tweet = ann.tweet("heart me").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    bob.get("/").await;

    // The sealed session names bob; the heart's own statement checks that he exists,
    // so the user's row (RequireUser's lookup, which reads the username) is not read.
    let (page, sent) = t
        .log
        .capture(bob.post("/hearts", &[("tweet_id", &tweet.to_string())]))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/"));
    assert!(
        sent.statements.iter().all(|s| !s.sql.contains("username")),
        "{:#?}",
        sent.statements
    );
    assert_eq!(hearts_of(&t, tweet).await, 1);

    // Bob is deleted (his heart with him); his cookie still opens, but his next heart
    // is refused as a stale session and writes nothing.
    service::users::destroy_user(&t.db, bob_id).await.unwrap();
    assert_eq!(hearts_of(&t, tweet).await, 0);
    let page = bob
        .post("/hearts", &[("tweet_id", &tweet.to_string())])
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/signin"))
    );
    assert_eq!(rows(&t.db, "hearts").await, 0);
    assert_eq!(hearts_of(&t, tweet).await, 0);
}

#[tokio::test]
async fn a_deleted_readers_session_sees_the_home_page_as_a_visitor_does() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    ann.tweet("for everyone").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    bob.post(&format!("/users/{ann_id}/follow"), &[]).await;
    // Bob's name comes from his session; the feed's one statement finds him.
    let (page, sent) = t.log.capture(bob.get("/")).await;
    assert_eq!(sent.count(), 1, "{:#?}", sent.statements);
    assert!(page.body.contains("Your feed") && page.body.contains("@bob"));
    assert!(page.body.contains("for everyone"), "{}", page.body);

    // Bob is deleted; his sealed cookie still opens, but no row answers to it: the
    // page is the one a visitor sees, and reading it writes nothing.
    service::users::destroy_user(&t.db, bob_id).await.unwrap();
    let page = bob.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Recent tweets"), "{}", page.body);
    assert!(page.body.contains("for everyone") && page.body.contains("Sign in"));
    assert!(!page.body.contains("@bob") && !page.body.contains("Sign out"));
    let writes = writes_while_reading(&t, &mut bob, &["/".to_owned()], 3).await;
    assert!(writes.is_empty(), "{writes:#?}");
}

#[tokio::test]
async fn user_pages_read_no_row_of_their_viewer_and_a_deleted_viewer_sees_what_a_visitor_sees() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let tweet = ann.tweet("for everyone").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    bob.post(&format!("/users/{ann_id}/follow"), &[]).await;
    bob.star(tweet, bob.csrf.clone().as_deref()).await;
    let page = format!("/users/{ann_id}");

    // Bob's id and name come from his session; the page's own statement(s) say he
    // still exists, follows ann and starred her tweet.
    let (shown, sent) = t.log.capture(bob.get(&page)).await;
    assert_eq!(shown.status, StatusCode::OK);
    let anonymous = if t.db.get_database_backend() == DbBackend::Postgres {
        1
    } else {
        2
    };
    assert_eq!(
        sent.count(),
        anonymous,
        "as many as a visitor's page, no lookup of the viewer's own row: {:#?}",
        sent.statements
    );
    assert!(shown.body.contains("@bob") && shown.body.contains("Sign out"));
    assert!(shown.body.contains(r#"id="unfollow""#), "{}", shown.body);
    let followers = format!("/users/{ann_id}/followers");
    let (listed, sent) = t.log.capture(bob.get(&followers)).await;
    assert!(listed.body.contains("@bob") && listed.body.contains("Sign out"));
    assert_eq!(
        sent.count(),
        2,
        "the profile, then the page: {:#?}",
        sent.statements
    );

    // Bob is deleted; his sealed cookie still opens, but no row answers to it: ann's
    // page is the one a visitor sees, no follow button, no star of his, and reading
    // it writes nothing.
    service::users::destroy_user(&t.db, bob_id).await.unwrap();
    let shown = bob.get(&page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(!shown.body.contains("@bob") && !shown.body.contains("Sign out"));
    assert!(!shown.body.contains(r#"id="unfollow""#) && !shown.body.contains(r#"id="follow""#));
    assert!(shown.body.contains("Sign in") && shown.body.contains("for everyone"));
    let listed = bob.get(&followers).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains("@bob") && !listed.body.contains("Sign out"));
    let writes = writes_while_reading(&t, &mut bob, &[page, followers], 3).await;
    assert!(writes.is_empty(), "{writes:#?}");
}

#[tokio::test]
async fn counts_read_one_heart_and_two_hearts_one_follower_and_two_followers() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let tweet = ann.tweet("count me").await;
    let page = format!("/users/{ann_id}");
    let hearts = |n: &str, noun: &str| {
        format!(
            r#"with <span class="hearts-count">{n}</span> <span class="hearts-noun">{noun}</span>"#
        )
    };
    let followers =
        |n: &str, noun: &str| format!(r#"<span id="followers-count">{n}</span> {noun}</a>"#);

    let body = ann.get(&page).await.body;
    assert!(body.contains(&hearts("0", "hearts")), "{body}");
    assert!(body.contains(&followers("0", "followers")), "{body}");

    for (i, name) in ["bob", "cy_"].into_iter().enumerate() {
        let mut fan = Client::new(&t);
        fan.sign_up(name).await;
        fan.post("/hearts", &[("tweet_id", &tweet.to_string())])
            .await;
        fan.post(&format!("/users/{ann_id}/follow"), &[]).await;
        let body = fan.get(&page).await.body;
        let (n, heart, follower) = if i == 0 {
            ("1", "heart", "follower")
        } else {
            ("2", "hearts", "followers")
        };
        assert!(body.contains(&hearts(n, heart)), "{body}");
        assert!(body.contains(&followers(n, follower)), "{body}");
    }
}

#[tokio::test]
async fn the_star_toggles_with_json_and_works_as_a_plain_form() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let tweet = ann.tweet("star me").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;
    let token = bob.csrf.clone();

    let page = bob.star(tweet, token.as_deref()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body, r#"{"hearted":true,"count":1}"#);
    let page = ann.star(tweet, ann.csrf.clone().as_deref()).await;
    assert_eq!(page.body, r#"{"hearted":true,"count":2}"#);
    let page = bob.star(tweet, token.as_deref()).await;
    assert_eq!(page.body, r#"{"hearted":false,"count":1}"#);

    // Without JavaScript: a form POST, then back to the page it was on.
    let page = bob
        .post(&format!("/tweets/{tweet}/star"), &[("back", "/")])
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/"))
    );
    assert_eq!(hearts_of(&t, tweet).await, 2);
    let home = bob.get("/users/1").await;
    assert!(
        home.body.contains(r#"aria-pressed="true""#),
        "the star shows ★ for the viewer"
    );
    assert!(home.body.contains("★"));
}

#[tokio::test]
async fn the_star_reads_no_user_row_and_a_deleted_users_star_must_sign_in_again() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let tweet = ann.tweet("star me").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    let token = bob.csrf.clone();

    // The sealed session names bob; the toggle's own write checks that he exists, so
    // the user's row (RequireUser's lookup, which reads the username) is not read.
    let (page, sent) = t.log.capture(bob.star(tweet, token.as_deref())).await;
    assert_eq!(page.body, r#"{"hearted":true,"count":1}"#);
    assert!(
        sent.statements.iter().all(|s| !s.sql.contains("username")),
        "{:#?}",
        sent.statements
    );

    // Bob is deleted (his heart with him); his cookie still opens, but his star is
    // refused as a stale session, with JSON asked for or not, and writes nothing.
    service::users::destroy_user(&t.db, bob_id).await.unwrap();
    assert_eq!(hearts_of(&t, tweet).await, 0);
    let before = all_rows(&t).await;
    let page = bob.star(tweet, token.as_deref()).await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/signin"))
    );
    let page = bob
        .post(&format!("/tweets/{tweet}/star"), &[("back", "/")])
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/signin"))
    );
    assert_eq!(all_rows(&t).await, before, "nothing was written");
    assert_eq!(hearts_of(&t, tweet).await, 0);
}

#[tokio::test]
async fn a_tweet_is_escaped_and_bad_tweets_re_render_the_form() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    ann.tweet("<script>alert('x')</script>").await;
    let page = ann.get(&format!("/users/{ann_id}")).await;
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(
        page.body.contains("&#60;script&#62;alert("),
        "{}",
        page.body
    );

    let long = "a".repeat(281);
    let page = ann
        .post("/tweets", &[("content", &long), ("back", "/")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("too long"));
    assert!(page.body.contains(&long), "the text is kept for editing");
    let page = ann
        .post(
            "/tweets",
            &[("content", "   "), ("back", &format!("/users/{ann_id}"))],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("can&#39;t be blank") || page.body.contains("can't be blank"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Hi, Dear ann"),
        "re-rendered on the page it came from"
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
}

#[tokio::test]
async fn you_delete_your_own_tweets_and_nobody_elses() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let tweet = ann.tweet("mine").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;
    bob.star(tweet, bob.csrf.clone().as_deref()).await;

    assert_eq!(
        bob.post(&format!("/tweets/{tweet}/delete"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(rows(&t.db, "tweets").await, 1);
    assert_eq!(
        ann.post(&format!("/tweets/{tweet}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(rows(&t.db, "tweets").await, 0);
    assert_eq!(rows(&t.db, "hearts").await, 0, "its hearts went with it");
}

#[tokio::test]
async fn following_fills_the_feed_and_the_lists() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    ann.tweet("ann says hi").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    assert!(bob.get("/").await.body.contains("follow someone"));

    assert_eq!(
        bob.post(&format!("/users/{ann_id}/follow"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    bob.post(&format!("/users/{ann_id}/follow"), &[]).await;
    assert_eq!(
        rows(&t.db, "follows").await,
        1,
        "following twice is one follow"
    );
    assert!(bob.get("/").await.body.contains("ann says hi"));
    let page = bob.get(&format!("/users/{ann_id}")).await;
    assert!(
        page.body.contains(r#"<span id="followers-count">1</span>"#),
        "{}",
        page.body
    );
    assert!(page.body.contains("Unfollow"));
    assert!(
        bob.get(&format!("/users/{ann_id}/followers"))
            .await
            .body
            .contains("@bob")
    );
    assert!(
        bob.get(&format!("/users/{bob_id}/following"))
            .await
            .body
            .contains("@ann")
    );

    bob.post(&format!("/users/{bob_id}/follow"), &[]).await;
    assert!(
        bob.get("/")
            .await
            .body
            .contains("You cannot follow yourself")
    );
    assert_eq!(rows(&t.db, "follows").await, 1);

    bob.post(&format!("/users/{ann_id}/unfollow"), &[]).await;
    assert_eq!(rows(&t.db, "follows").await, 0);
    assert!(!bob.get("/").await.body.contains("ann says hi"));
}

#[tokio::test]
async fn messages_are_seen_by_their_sender_and_receiver_only() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;
    let mut eve = Client::new(&t);
    eve.sign_up("eve").await;

    let page = ann
        .post("/messages", &[("to", "bob"), ("body", "psst, <b>bob</b>")])
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/conversations/bob"))
    );
    let inbox = bob.get("/messages").await;
    assert!(
        inbox.body.contains("psst, &#60;b&#62;bob&#60;/b&#62;"),
        "{}",
        inbox.body
    );
    let id: String = inbox
        .body
        .split(r#"href="/messages/"#)
        .map(|rest| rest.split('"').next().unwrap())
        .find(|id| id.chars().all(|c| c.is_ascii_digit()))
        .unwrap()
        .to_owned();
    assert!(ann.get("/messages/sent").await.body.contains("psst"));
    assert_eq!(
        ann.get(&format!("/messages/{id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        bob.get(&format!("/messages/{id}")).await.status,
        StatusCode::OK
    );
    assert!(bob.get("/conversations/ann").await.body.contains("psst"));

    assert_eq!(
        eve.get(&format!("/messages/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!eve.get("/messages").await.body.contains("psst"));
    assert!(!eve.get("/conversations/ann").await.body.contains("psst"));
    assert!(!eve.get("/conversations/bob").await.body.contains("psst"));
}

#[tokio::test]
async fn a_bad_message_re_renders_the_form_and_writes_nothing() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    let page = ann
        .post("/messages", &[("to", "nobody"), ("body", "hello?")])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("There is no user named nobody"));
    assert!(page.body.contains("hello?"), "the text is kept");
    let long = "m".repeat(1001);
    let page = ann
        .post("/messages", &[("to", "ann"), ("body", &long)])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("too long"));
    let page = ann
        .post(
            "/messages",
            &[("to", "ann"), ("body", ""), ("from_conversation", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("You and @ann"),
        "re-rendered under the conversation"
    );
    assert_eq!(rows(&t.db, "messages").await, 0);
}

/// Statements a request sends, counted around the whole request.
async fn statements(t: &TestDb, client: &mut Client, path: &str) -> usize {
    let request = client.request("GET", path).body(Body::empty()).unwrap();
    let (page, capture) = t.log.capture(client.send(request)).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    // The viewer and the page's user are two lookups of one shape; an N+1 would
    // repeat a shape once per tweet.
    assert!(
        capture.repeated(2).is_empty(),
        "{path} repeats a statement: {:#?}",
        capture.repeated(2)
    );
    if std::env::var_os("SHOW_SQL").is_some() {
        for s in &capture.statements {
            eprintln!("{path}: {}", s.sql);
        }
    }
    // A list's page size is in its text, not bound (`page::limit_in_text` says why).
    for s in capture
        .statements
        .iter()
        .filter(|s| s.sql.contains("ORDER BY"))
    {
        assert!(
            !s.sql.contains("LIMIT $") && !s.sql.contains("LIMIT ?"),
            "{path} binds a page's LIMIT: {}",
            s.sql
        );
    }
    capture.count()
}

#[tokio::test]
async fn pages_send_the_same_number_of_statements_for_one_tweet_or_fifty() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let mut bob = Client::new(&t);
    bob.sign_up("bob").await;
    bob.post(&format!("/users/{ann_id}/follow"), &[]).await;

    let first = ann.tweet("tweet 0").await;
    bob.star(first, bob.csrf.clone().as_deref()).await;
    let page = format!("/users/{ann_id}");
    let one = (
        statements(&t, &mut bob, &page).await,
        statements(&t, &mut bob, "/").await,
    );

    for i in 1..50 {
        let id = ann.tweet(&format!("tweet {i}")).await;
        if i % 2 == 0 {
            bob.star(id, bob.csrf.clone().as_deref()).await;
        }
    }
    let fifty = (
        statements(&t, &mut bob, &page).await,
        statements(&t, &mut bob, "/").await,
    );
    assert_eq!(one, fifty, "user page and feed: (1 tweet) vs (50 tweets)");
    // The user with their follow counts, "do I follow them?" and "am I still
    // here?"; the tweets (their counts are the counter cache) with the viewer's
    // stars. On PostgreSQL the two are one statement (`hearts::user_page_at`). The
    // viewer's id and name come from the session: no row of theirs is read.
    let user_page = if t.db.get_database_backend() == DbBackend::Postgres {
        1
    } else {
        2
    };
    assert_eq!(fifty.0, user_page, "signed-in user page");
    // The feed with authors and the viewer's stars, which finds rows only while the
    // viewer exists: their name comes from the session, so no row of theirs is read.
    assert_eq!(fifty.1, 1, "signed-in feed");
    // A reader whose feed is empty is looked up (are they still there?): two.
    let mut carl = Client::new(&t);
    carl.sign_up("carl").await;
    assert_eq!(statements(&t, &mut carl, "/").await, 2, "an empty feed");
    let home = carl.get("/").await;
    assert!(home.body.contains("Your feed") && home.body.contains("@carl"));
    let visitor = (
        statements(&t, &mut Client::new(&t), &page).await,
        statements(&t, &mut Client::new(&t), "/").await,
    );
    assert_eq!(visitor, (user_page, 1), "anonymous user page and home page");
}

#[tokio::test]
async fn a_tampered_or_foreign_session_cookie_signs_nobody_in() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    ann.sign_up("ann").await;
    assert_eq!(ann.get("/messages").await.status, StatusCode::OK);
    let genuine = ann.cookie.clone().unwrap();

    // One character of the sealed value changed: the seal no longer opens.
    let (name, value) = genuine.split_once('=').unwrap();
    let mut bytes = value.as_bytes().to_vec();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    ann.cookie = Some(format!("{name}={}", String::from_utf8(bytes).unwrap()));
    assert_eq!(
        ann.get("/messages").await.location.as_deref(),
        Some("/signin"),
        "a tampered cookie is no session"
    );

    // The same cookie presented to a server with another secret.
    let mut elsewhere = Client::new(&t);
    elsewhere.cookie = Some(genuine);
    assert_eq!(
        elsewhere.get("/messages").await.location.as_deref(),
        Some("/signin"),
        "a cookie sealed with another key is no session"
    );
}

/// GETs every readable page `times` times over as `client`, and returns every
/// statement that was not a read.
async fn writes_while_reading(
    t: &TestDb,
    client: &mut Client,
    pages: &[String],
    times: usize,
) -> Vec<String> {
    let (_, capture) = t
        .log
        .capture(async {
            for i in 0..times {
                let page = client.get(&pages[i % pages.len()]).await;
                assert_eq!(page.status, StatusCode::OK, "{}", pages[i % pages.len()]);
            }
        })
        .await;
    capture
        .statements
        .iter()
        .map(|s| s.sql.clone())
        .filter(|sql| !sql.trim_start().to_ascii_uppercase().starts_with("SELECT"))
        .collect()
}

#[tokio::test]
async fn a_thousand_page_views_write_nothing_whoever_sends_them() {
    let t = TestDb::new().await;
    let mut ann = Client::new(&t);
    let ann_id = ann.sign_up("ann").await;
    let mut bob = Client::new(&t);
    let bob_id = bob.sign_up("bob").await;
    bob.post(&format!("/users/{ann_id}/follow"), &[]).await;
    let tweet = ann.tweet("hello").await;
    bob.star(tweet, bob.csrf.clone().as_deref()).await;
    bob.post("/messages", &[("to", "ann"), ("body", "hi")])
        .await;
    let before = all_rows(&t).await;

    let public: Vec<String> = [
        "/".to_owned(),
        format!("/users/{ann_id}"),
        format!("/users/{ann_id}/followers"),
        format!("/users/{bob_id}/following"),
        "/signin".to_owned(),
        "/signup".to_owned(),
    ]
    .into();
    // A visitor who never sends the cookie back, as a crawler or a load test does:
    // a new anonymous visitor on every request.
    let mut anonymous = Client::new(&t);
    let (_, capture) = t
        .log
        .capture(async {
            for i in 0..1000 {
                anonymous.cookie = None;
                let page = anonymous.get(&public[i % public.len()]).await;
                assert_eq!(page.status, StatusCode::OK);
            }
        })
        .await;
    let writes: Vec<&str> = capture
        .statements
        .iter()
        .map(|s| s.sql.as_str())
        .filter(|sql| !sql.trim_start().to_ascii_uppercase().starts_with("SELECT"))
        .collect();
    assert!(writes.is_empty(), "anonymous GETs wrote: {writes:#?}");
    assert_eq!(
        all_rows(&t).await,
        before,
        "1,000 anonymous GETs add no row"
    );

    let mut signed_in = public.clone();
    signed_in.extend([
        "/messages".to_owned(),
        "/messages/sent".to_owned(),
        "/messages/new".to_owned(),
        "/conversations/ann".to_owned(),
    ]);
    let writes = writes_while_reading(&t, &mut bob, &signed_in, 1000).await;
    assert!(writes.is_empty(), "signed-in GETs wrote: {writes:#?}");
    assert_eq!(
        all_rows(&t).await,
        before,
        "1,000 signed-in GETs change nothing"
    );
}

#[derive(Clone, Default)]
struct LogSink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogSink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_request_that_repeats_one_statement_logs_a_warning_naming_it() {
    use axum::extract::State;
    use axum::routing::get;

    let t = TestDb::new().await;
    let state = AppState::with(
        t.reads.clone(),
        t.writes.clone(),
        t.log,
        SessionKey::generate(),
    );
    // A deliberately naive handler: one lookup per id, the N+1 shape.
    let naive = Router::new()
        .route(
            "/naive",
            get(|State(s): State<AppState>| async move {
                for id in 1..=5 {
                    service::users::find_user(&s.db, id).await.unwrap();
                }
                "done"
            }),
        )
        .route(
            "/fine",
            get(|State(s): State<AppState>| async move {
                service::users::find_user(&s.db, 1).await.unwrap();
                "done"
            }),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            fwitter::watch_queries,
        ))
        .with_state(state);

    let sink = LogSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for path in ["/fine", "/naive"] {
        let response = naive
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    let logs = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert_eq!(logs.matches("statement repeated").count(), 1, "{logs}");
    assert!(
        logs.contains("route=GET /naive") && logs.contains("times=5"),
        "{logs}"
    );
    assert!(
        logs.contains(r#"FROM \"users\""#)
            || logs.contains(r#"FROM "users""#)
            || logs.contains("FROM `users`"),
        "names the statement: {logs}"
    );
}
