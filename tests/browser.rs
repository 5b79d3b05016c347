//! End to end in a real headless browser (Debian's `chromium` and `chromium-driver`):
//! two people sign up, one posts, the other hearts through the form, toggles the star
//! and sees the count change without a reload, sends a message, and follows.
//!
//! Ignored by `cargo test --workspace` (it needs the browser); `.ci/run` installs
//! Chromium and runs it: `cargo test --test browser -- --ignored`. It leaves a
//! screenshot of the user page in `target/screenshots/`; with `UPDATE_SCREENSHOT=1` it
//! also refreshes `docs/user-page.png`, which the README shows.

mod common;

use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{TestDb, rows};
use fantoccini::{Client, ClientBuilder, Locator};
use fwitter::{AppState, app};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_browser(profile: &std::path::Path) -> (Driver, Client) {
    let port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Driver)
        .expect("chromedriver runs (apt-get install chromium chromium-driver)");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1000,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..50 {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await;
        if let Ok(client) = attempt {
            return (driver, client);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not start a Chromium session through chromedriver");
}

async fn fill(c: &Client, selector: &str, text: &str) {
    let field = c.find(Locator::Css(selector)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(c: &Client, selector: &str) {
    c.find(Locator::Css(selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn text(c: &Client, selector: &str) -> String {
    c.find(Locator::Css(selector))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_up(c: &Client, base: &str, name: &str) {
    c.goto(&format!("{base}/signup")).await.unwrap();
    fill(c, "input[name=username]", name).await;
    fill(c, "input[name=email]", &format!("{name}@example.com")).await;
    fill(
        c,
        "input[name=salutation]",
        &format!("{name}, welcome back"),
    )
    .await;
    fill(c, "input[name=password]", "correct horse battery").await;
    click(c, "form.stacked button[type=submit]").await;
    // Wait for the page the form leads to, not for any `h1`: the sign-up page has one
    // too, and a `goto` issued while the form's navigation is still pending loses to it
    // (the browser lands on the new user's own page instead).
    let greeting = format!("//h1[starts-with(normalize-space(.), 'Hi, {name},')]");
    c.wait()
        .for_element(Locator::XPath(&greeting))
        .await
        .unwrap();
}

/// Waits until the page is the signed-out one (the header offers "Sign up").
async fn signed_out(c: &Client) {
    c.wait()
        .for_element(Locator::Css("header nav a[href='/signup']"))
        .await
        .unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run installs them"]
async fn two_people_tweet_heart_star_message_and_follow_in_a_real_browser() {
    let t = TestDb::concurrent().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = app(AppState::with(
        t.reads.clone(),
        t.writes.clone(),
        t.log,
        fwitter::session::SessionKey::generate(),
    ));
    tokio::spawn(async move { axum::serve(listener, server).await });

    let profile = std::env::temp_dir().join(format!("fwitter-chromium-{}", std::process::id()));
    let (_driver, c) = start_browser(&profile).await;

    // Ann signs up and posts.
    sign_up(&c, &base, "ann").await;
    assert!(text(&c, "h1").await.contains("Hi, ann, welcome back"));
    fill(&c, "textarea[name=content]", "Hello from a real browser").await;
    click(&c, "form.compose button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("li.tweet"))
        .await
        .unwrap();
    let ann_page = c.current_url().await.unwrap().to_string();
    click(&c, "form[action='/signout'] button").await;
    signed_out(&c).await;

    // Bob signs up, opens Ann's page and hearts the tweet through the form.
    sign_up(&c, &base, "bob").await;
    c.goto(&ann_page).await.unwrap();
    assert_eq!(text(&c, "li.tweet .hearts-count").await, "0");
    click(&c, "form.heart-form button").await;
    // Not any flash: the sign-up's "Welcome" one may still be showing.
    c.wait()
        .for_element(Locator::XPath(
            "//p[@class='flash' and normalize-space(.)='Hearted.']",
        ))
        .await
        .unwrap();
    assert_eq!(text(&c, "p.flash").await, "Hearted.");
    assert_eq!(text(&c, "li.tweet .hearts-count").await, "1");
    assert_eq!(text(&c, "li.tweet .hearts-noun").await, "heart");
    assert_eq!(
        text(&c, "form.star-form .star").await,
        "★",
        "his heart shows as a filled star"
    );

    // The star toggles with fetch: the count changes and the page does not reload.
    c.execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    click(&c, "form.star-form .star").await;
    c.wait()
        .for_element(Locator::XPath(
            "//form[contains(@class,'star-form')]//button[normalize-space(.)='☆']",
        ))
        .await
        .unwrap();
    assert_eq!(text(&c, "form.star-form .star-count").await, "0");
    click(&c, "form.star-form .star").await;
    c.wait()
        .for_element(Locator::XPath(
            "//form[contains(@class,'star-form')]//button[normalize-space(.)='★']",
        ))
        .await
        .unwrap();
    assert_eq!(text(&c, "form.star-form .star-count").await, "1");
    let still_here = c
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(still_here, json!(true), "the star changed without a reload");
    assert_eq!(rows(&t.db, "hearts").await, 1);

    // Bob follows Ann and sends her a message.
    click(&c, "button#follow").await;
    c.wait()
        .for_element(Locator::Css("button#unfollow"))
        .await
        .unwrap();
    assert_eq!(text(&c, "#followers-count").await, "1");
    c.goto(&format!("{base}/messages/new?to=ann"))
        .await
        .unwrap();
    fill(&c, "textarea[name=body]", "Nice tweet!").await;
    click(&c, "form.stacked button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("ol.conversation"))
        .await
        .unwrap();
    assert!(text(&c, "ol.conversation").await.contains("Nice tweet!"));
    assert_eq!(rows(&t.db, "messages").await, 1);
    assert_eq!(rows(&t.db, "follows").await, 1);

    // The user page as Bob sees it, for the README.
    c.goto(&ann_page).await.unwrap();
    let png = c.screenshot().await.unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("user-page.png"), &png).unwrap();
    if std::env::var_os("UPDATE_SCREENSHOT").is_some() {
        std::fs::write(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/user-page.png"),
            &png,
        )
        .unwrap();
    }

    c.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&profile);
}
