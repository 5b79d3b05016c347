//! A browser stand-in for the HTTP tests: drives `app(state)` with `oneshot` (no
//! socket), keeping the session cookie and the page's CSRF token.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fwitter::session::SessionKey;
use fwitter::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::TestDb;

/// A browser stand-in: keeps the session cookie and the page's CSRF token.
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Client {
    pub fn new(t: &TestDb) -> Self {
        let state = AppState::with(
            t.reads.clone(),
            t.writes.clone(),
            t.log,
            SessionKey::generate(),
        );
        Client {
            app: app(state),
            cookie: None,
            csrf: None,
        }
    }

    pub async fn send(&mut self, request: Request<Body>) -> Page {
        let response = self
            .app
            .clone()
            .oneshot(request)
            .await
            .expect("the router answers");
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            // An expired cookie (sign-out) clears the jar.
            self.cookie = if set.to_str().unwrap().contains("Max-Age=0") {
                None
            } else {
                Some(pair)
            };
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        if let Some(token) = body.split(r#"name="csrf-token" content=""#).nth(1) {
            self.csrf = Some(token.split('"').next().unwrap().to_owned());
        }
        Page {
            status,
            location,
            body,
        }
    }

    pub fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(cookie) = &self.cookie {
            r = r.header(header::COOKIE, cookie);
        }
        r
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.request("GET", path).body(Body::empty()).unwrap();
        self.send(request).await
    }

    /// POSTs a form with the current CSRF token (fetching a page first if needed).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        if self.csrf.is_none() {
            self.get("/").await;
        }
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.clone().unwrap().leak())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POSTs a form exactly as given: no CSRF token added.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let request = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// The star's `fetch`: JSON wanted, token in a header.
    pub async fn star(&mut self, tweet_id: i32, token: Option<&str>) -> Page {
        let mut r = self
            .request("POST", &format!("/tweets/{tweet_id}/star"))
            .header(header::ACCEPT, "application/json");
        if let Some(token) = token {
            r = r.header("x-csrf-token", token);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    pub async fn sign_up(&mut self, name: &str) -> i32 {
        let page = self
            .post(
                "/signup",
                &[
                    ("username", name),
                    ("email", &format!("{name}@example.com")),
                    ("salutation", &format!("Dear {name}")),
                    ("password", "correct horse"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let location = page.location.unwrap();
        self.get(&location).await;
        location.rsplit('/').next().unwrap().parse().unwrap()
    }

    pub async fn tweet(&mut self, content: &str) -> i32 {
        let page = self
            .post("/tweets", &[("content", content), ("back", "/")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let home = self.get("/").await;
        let _ = home;
        latest_tweet_id(self).await
    }
}

pub async fn latest_tweet_id(client: &mut Client) -> i32 {
    let me = client.get("/").await.body;
    let my_page = me
        .split(r#"id="my-page" href=""#)
        .nth(1)
        .map(|s| s.to_owned());
    let path = match my_page {
        Some(rest) => rest.split('"').next().unwrap().to_owned(),
        None => me
            .split(r#"href="/users/"#)
            .nth(1)
            .map(|s| format!("/users/{}", s.split('"').next().unwrap()))
            .unwrap(),
    };
    let page = client.get(&path).await.body;
    page.split(r#"id="tweet-"#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}
