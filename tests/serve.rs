//! `cargo run` as a user runs it: the server on a real socket, stopped the way a
//! terminal or a service manager stops it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use common::rows;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sea_orm::{ConnectionTrait, Statement};
use service::assoc::testing::FreshDb;

/// A server killed when the test ends, pass or fail.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What one request got back.
struct Answer {
    status: StatusCode,
    cookie: Option<String>,
    body: String,
}

async fn send(
    client: &Client<HttpConnector, Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Answer {
    let response = client.request(request).await.expect("the server answers");
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        cookie,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// SIGTERM (what `kill`, systemd and container runtimes send) stops the server
/// cleanly: it exits with success, and on SQLite it leaves every commit in the
/// database file itself, so a copy of the file without its log has the user who
/// signed up just before. Before, SIGTERM killed it where it stood, and its last
/// commits were in `<file>-wal` only.
#[tokio::test]
async fn sigterm_stops_the_server_and_leaves_every_commit_in_the_database_file() {
    let fresh = FreshDb::shared("servecli").await.expect("a fresh database");
    let mut server = Command::new(env!("CARGO_BIN_EXE_fwitter"))
        .env("DATABASE_URL", fresh.url())
        .env("FWITTER_ADDR", "127.0.0.1:0")
        .env(
            "FWITTER_SECRET_KEY",
            "a test secret of at least thirty-two bytes",
        )
        .env("RUST_LOG", "fwitter=info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map(Server)
        .expect("start fwitter");
    // The log, line by line, read on a thread of its own so the pipe never fills.
    let (lines, log) = mpsc::channel::<String>();
    let stderr = server.0.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let mut seen = Vec::new();
    let base = loop {
        let line = log
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("the server did not start:\n{}", seen.join("\n")));
        if let Some(at) = line.split("serving fwitter on ").nth(1) {
            break at.trim().to_owned();
        }
        seen.push(line);
    };

    // Sign up through the form, as a browser does: the page's cookie and CSRF token.
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let get = Request::get(format!("{base}/signup"))
        .body(Full::default())
        .unwrap();
    let form = send(&client, get).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = form.cookie.expect("the form's session cookie");
    let csrf = form
        .body
        .split(r#"name="csrf" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form's CSRF token")
        .to_owned();
    let fields = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", csrf.as_str()),
            ("username", "ann"),
            ("email", "ann@example.com"),
            ("salutation", "Dear Ann"),
            ("password", "correct horse"),
        ])
        .finish();
    let post = Request::post(format!("{base}/signup"))
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(fields)))
        .unwrap();
    let signed_up = send(&client, post).await;
    assert_eq!(
        signed_up.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_up.body
    );
    drop(client);

    let term = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("run kill");
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop on SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    seen.extend(log.try_iter());
    assert!(status.success(), "{status}:\n{}", seen.join("\n"));
    let said = seen.join("\n");
    assert!(said.contains("SIGTERM: stopping"), "{said}");
    assert!(!said.contains("WARN"), "{said}");

    // On SQLite, the file alone: its log left empty, and a copy without it.
    let file = fresh
        .url()
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next())
        .map(str::to_owned);
    let url = match &file {
        Some(path) => {
            let log = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
            assert_eq!(log, 0, "the write-ahead log is left empty");
            let copy = format!("{path}-copy");
            std::fs::copy(path, &copy).expect("copy the file alone");
            format!("sqlite://{copy}?mode=ro")
        }
        None => fresh.url().to_owned(),
    };
    let db = sea_orm::Database::connect(&url).await.expect("connect");
    assert_eq!(rows(&db, "users").await, 1);
    let backend = db.get_database_backend();
    let named = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT username FROM users",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<String>(0)
        .unwrap();
    assert_eq!(named, "ann");
    db.close().await.expect("close");
    if let Some(path) = file {
        let _ = std::fs::remove_file(format!("{path}-copy"));
    }
}
