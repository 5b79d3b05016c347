//! The hostile-input suite (issue 11): proptest throws arbitrary strings, ids and
//! `back` values at every form and path of the app, on the backend `DATABASE_URL`
//! names, and checks three things of every answer:
//! - never a 5xx;
//! - a refusal writes nothing (every table's row count is unchanged);
//! - a success writes exactly once (one more row where one was asked for).
//!
//! Bounded: `CASES` cases a property (override with `PROPTEST_CASES`), so the suite
//! stays well under a minute a backend. proptest shrinks a failure to its smallest
//! input and prints it; failures are not persisted to files.

mod common;

use axum::http::StatusCode;
use common::web::{Client, Page};
use common::{TestDb, all_rows, rows};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const CASES: u32 = 64;

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// Text a person or an attacker might send: anything (control characters, NUL,
/// astral planes), printable text around the length limits, blank-looking text, and
/// text with one control character inside.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{1,40}",
        "\\PC{270,290}",
        "[ \t\r\n\u{200b}\u{feff}\u{2060}\u{00ad}]{0,6}",
        ("\\PC{0,10}", "[\u{0}-\u{1f}\u{7f}-\u{9f}]", "\\PC{0,10}")
            .prop_map(|(a, c, b)| format!("{a}{c}{b}")),
        Just(String::new()),
    ]
}

/// An id field or path segment: a real id, a number out of range, or not a number.
fn id(real: i32) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(real.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[-+0-9a-z.%]{0,12}",
        any::<String>(),
    ]
}

/// A `back` field: local paths, other sites, protocol-relative tricks, anything.
fn back() -> impl Strategy<Value = String> {
    prop_oneof![
        "/[ -~]{0,30}",
        "/[ -~]{0,8}[\u{0}-\u{1f}\u{7f}][ -~]{0,8}",
        "/[\\\\/][a-z.]{1,12}/?",
        "[a-z]{1,6}:[ -~]{0,20}",
        any::<String>(),
    ]
}

/// `s` as one path segment (percent-encoded, so any string makes a valid URI).
fn segment(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn no_server_error(page: &Page, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !page.status.is_server_error(),
        "{what} answered {}: {}",
        page.status,
        page.body
    );
    if let Some(location) = &page.location {
        prop_assert!(
            fwitter_local(location),
            "{what} redirected off the site to {location:?}"
        );
    }
    Ok(())
}

/// The same rule as the app's `back` check, restated: one leading `/`, no `//` or
/// `/\`, visible ASCII only.
fn fwitter_local(location: &str) -> bool {
    let b = location.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|&c| c.is_ascii_graphic() && c != b'\\')
}

/// The table counts after a request: unchanged on refusal, exactly `table` + 1 on
/// success (`grew` says which).
async fn wrote_once_or_nothing(
    t: &TestDb,
    before: &[(&'static str, i64)],
    grew: Option<&str>,
    what: &str,
) -> Result<(), TestCaseError> {
    let after = all_rows(t).await;
    for ((table, was), (_, now)) in before.iter().zip(&after) {
        let expected = if Some(*table) == grew { was + 1 } else { *was };
        prop_assert_eq!(*now, expected, "{}: rows of {}", what, table);
    }
    Ok(())
}

#[test]
fn any_tweet_and_back_is_posted_once_or_refused_with_nothing_written() {
    let rt = runtime();
    let (t, client) = rt.block_on(async {
        let t = TestDb::new().await;
        let mut ann = Client::new(&t);
        ann.sign_up("ann").await;
        (t, tokio::sync::Mutex::new(ann))
    });
    runner()
        .run(&(text(), back()), |(content, back)| {
            rt.block_on(async {
                let mut ann = client.lock().await;
                let before = all_rows(&t).await;
                let page = ann
                    .post("/tweets", &[("content", &content), ("back", &back)])
                    .await;
                no_server_error(&page, "POST /tweets")?;
                let grew = match page.status {
                    StatusCode::SEE_OTHER => Some("tweets"),
                    StatusCode::UNPROCESSABLE_ENTITY => None,
                    other => return Err(TestCaseError::fail(format!("status {other}"))),
                };
                prop_assert_eq!(
                    grew.is_some(),
                    service::input::TweetBody::parse(&content).is_ok(),
                    "posted exactly when the text is a valid tweet"
                );
                wrote_once_or_nothing(&t, &before, grew, "POST /tweets").await
            })
        })
        .unwrap();
}

#[test]
fn any_heart_or_star_request_keeps_counts_and_rows_in_step() {
    let rt = runtime();
    let (t, client, tweet) = rt.block_on(async {
        let t = TestDb::new().await;
        let mut ann = Client::new(&t);
        ann.sign_up("ann").await;
        let tweet = ann.tweet("heart me").await;
        let mut bob = Client::new(&t);
        bob.sign_up("bob").await;
        (t, tokio::sync::Mutex::new(bob), tweet)
    });
    runner()
        .run(&(id(tweet), back(), any::<bool>()), |(id, back, star)| {
            rt.block_on(async {
                let mut bob = client.lock().await;
                let page = if star {
                    let path = format!("/tweets/{}/star", segment(&id));
                    bob.post(&path, &[("back", &back)]).await
                } else {
                    bob.post("/hearts", &[("tweet_id", &id), ("back", &back)])
                        .await
                };
                no_server_error(&page, "a heart or star")?;
                prop_assert!(
                    matches!(
                        page.status,
                        StatusCode::SEE_OTHER
                            | StatusCode::NOT_FOUND
                            | StatusCode::UNPROCESSABLE_ENTITY
                    ),
                    "status {}",
                    page.status
                );
                // The counter cache agrees with the rows whatever came in.
                let hearts = rows(&t.db, "hearts").await;
                let counted = {
                    use sea_orm::{EntityTrait, QuerySelect};
                    entity::tweet::Entity::find()
                        .select_only()
                        .column(entity::tweet::Column::HeartsCount)
                        .into_tuple::<i32>()
                        .all(&t.db)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(i64::from)
                        .sum::<i64>()
                };
                prop_assert_eq!(hearts, counted);
                prop_assert!(hearts <= 1);
                Ok(())
            })
        })
        .unwrap();
}

#[test]
fn any_message_is_sent_once_or_refused_with_nothing_written() {
    let rt = runtime();
    let (t, client) = rt.block_on(async {
        let t = TestDb::new().await;
        let mut bob = Client::new(&t);
        bob.sign_up("bob").await;
        let mut ann = Client::new(&t);
        ann.sign_up("ann").await;
        (t, tokio::sync::Mutex::new(ann))
    });
    let to = prop_oneof![Just("bob".to_owned()), Just(" bob ".to_owned()), text()];
    runner()
        .run(
            &(to, text(), any::<bool>()),
            |(to, body, in_conversation)| {
                rt.block_on(async {
                    let mut ann = client.lock().await;
                    let before = all_rows(&t).await;
                    let mut form = vec![("to", to.as_str()), ("body", body.as_str())];
                    if in_conversation {
                        form.push(("from_conversation", "1"));
                    }
                    let page = ann.post("/messages", &form).await;
                    no_server_error(&page, "POST /messages")?;
                    let grew = match page.status {
                        StatusCode::SEE_OTHER => Some("messages"),
                        StatusCode::UNPROCESSABLE_ENTITY => None,
                        other => return Err(TestCaseError::fail(format!("status {other}"))),
                    };
                    wrote_once_or_nothing(&t, &before, grew, "POST /messages").await
                })
            },
        )
        .unwrap();
}

#[test]
fn any_sign_up_or_sign_in_creates_one_user_or_nothing() {
    let rt = runtime();
    let (t, client) = rt.block_on(async {
        let t = TestDb::new().await;
        let mut ann = Client::new(&t);
        ann.sign_up("ann").await;
        let visitor = tokio::sync::Mutex::new(Client::new(&t));
        (t, visitor)
    });
    let name = prop_oneof!["[a-z_]{3,12}", text()];
    let email = prop_oneof!["[a-z]{1,8}@example\\.com", text()];
    runner()
        .run(
            &(name, email, text(), "[ -~]{0,12}", any::<bool>()),
            |(username, email, salutation, password, sign_in)| {
                rt.block_on(async {
                    let mut visitor = client.lock().await;
                    // Each case starts signed out.
                    visitor.cookie = None;
                    visitor.csrf = None;
                    let before = all_rows(&t).await;
                    if sign_in {
                        let page = visitor
                            .post(
                                "/signin",
                                &[("username", &username), ("password", &password)],
                            )
                            .await;
                        no_server_error(&page, "POST /signin")?;
                        prop_assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
                        return wrote_once_or_nothing(&t, &before, None, "POST /signin").await;
                    }
                    let page = visitor
                        .post(
                            "/signup",
                            &[
                                ("username", &username),
                                ("email", &email),
                                ("salutation", &salutation),
                                ("password", &format!("{password}-long-enough")),
                            ],
                        )
                        .await;
                    no_server_error(&page, "POST /signup")?;
                    let grew = match page.status {
                        StatusCode::SEE_OTHER => Some("users"),
                        StatusCode::UNPROCESSABLE_ENTITY => None,
                        other => return Err(TestCaseError::fail(format!("status {other}"))),
                    };
                    wrote_once_or_nothing(&t, &before, grew, "POST /signup").await
                })
            },
        )
        .unwrap();
}

#[test]
fn any_path_segment_or_query_is_a_page_or_a_404_and_writes_nothing() {
    let rt = runtime();
    let (t, client, ann_id) = rt.block_on(async {
        let t = TestDb::new().await;
        let mut ann = Client::new(&t);
        let ann_id = ann.sign_up("ann").await;
        ann.tweet("hello").await;
        (t, tokio::sync::Mutex::new(ann), ann_id)
    });
    let templates = prop_oneof![
        Just("/users/{}"),
        Just("/users/{}/followers"),
        Just("/users/{}/following"),
        Just("/messages/{}"),
        Just("/conversations/{}"),
        Just("/messages/new?to={}"),
        Just("/{}"),
    ];
    runner()
        .run(&(templates, id(ann_id)), |(template, id)| {
            rt.block_on(async {
                let mut ann = client.lock().await;
                let before = all_rows(&t).await;
                let path = template.replace("{}", &segment(&id));
                let page = ann.get(&path).await;
                no_server_error(&page, &format!("GET {path}"))?;
                prop_assert!(
                    matches!(
                        page.status,
                        StatusCode::OK
                            | StatusCode::NOT_FOUND
                            | StatusCode::BAD_REQUEST
                            | StatusCode::METHOD_NOT_ALLOWED
                    ),
                    "GET {} answered {}",
                    path,
                    page.status
                );
                wrote_once_or_nothing(&t, &before, None, "a GET").await
            })
        })
        .unwrap();
    // Follow, unfollow and delete with any id: 303, 404 or 422, never a 5xx.
    runner()
        .run(
            &(
                prop_oneof![Just("follow"), Just("unfollow")],
                id(ann_id + 1),
            ),
            |(action, id)| {
                rt.block_on(async {
                    let mut ann = client.lock().await;
                    let path = format!("/users/{}/{action}", segment(&id));
                    let page = ann.post(&path, &[]).await;
                    no_server_error(&page, &path)?;
                    let path = format!("/tweets/{}/delete", segment(&id));
                    let page = ann.post(&path, &[]).await;
                    no_server_error(&page, &path)?;
                    Ok(())
                })
            },
        )
        .unwrap();
}
