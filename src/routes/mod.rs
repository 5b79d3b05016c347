//! One module per resource, each with `router()`; shared helpers for handlers.

pub mod accounts;
pub mod assets;
pub mod hearts;
pub mod home;
pub mod messages;
pub mod tweets;
pub mod users;

use askama::Template;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::AppState;
use crate::error::{AppError, AppResult};

/// How long a read keeps trying while the database is unreachable: a PostgreSQL or
/// MariaDB restart takes a second or two; the pool's own acquire timeout is 10 s.
const READ_RETRY_FOR: std::time::Duration = std::time::Duration::from_secs(15);

/// Runs a GET or HEAD again when it failed only because the database could not be
/// reached (a connection dropped by a restart, `AppError` marks the response): reads
/// write nothing, so running one twice is safe. Waits 25 ms, doubling to at most 1 s,
/// for up to [`READ_RETRY_FOR`]. Each dead pooled connection fails one attempt and is
/// closed by the pool, so the next attempt gets a live or a new connection. Writes are
/// not retried here: they answer 503 and their transaction rolled back.
pub async fn retry_reads(request: Request, next: Next) -> Response {
    use axum::http::Method;
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let (parts, _) = request.into_parts();
    let deadline = std::time::Instant::now() + READ_RETRY_FOR;
    let mut delay = std::time::Duration::from_millis(25);
    loop {
        let mut again = Request::new(axum::body::Body::empty());
        *again.method_mut() = parts.method.clone();
        *again.uri_mut() = parts.uri.clone();
        *again.version_mut() = parts.version;
        *again.headers_mut() = parts.headers.clone();
        *again.extensions_mut() = parts.extensions.clone();
        let response = next.clone().run(again).await;
        let unavailable = response
            .extensions()
            .get::<crate::error::DatabaseUnavailable>()
            .is_some();
        if !unavailable || std::time::Instant::now() + delay > deadline {
            return response;
        }
        tracing::info!(path = %parts.uri.path(), ?delay, "database unavailable; retrying the read");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(std::time::Duration::from_secs(1));
    }
}

/// Statement shapes repeated more than this many times in one request are reported.
const REPEAT_WARNING: usize = 3;

/// Debug builds: logs a warning naming any statement a request sent more than a few
/// times (the N+1 signature), with the route.
pub async fn watch_queries(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let route = format!("{} {}", request.method(), request.uri().path());
    let (response, capture) = state.log.capture(next.run(request)).await;
    for repeated in capture.repeated(REPEAT_WARNING) {
        tracing::warn!(%route, times = repeated.times, sql = %repeated.sql, "statement repeated within one request (N+1?)");
    }
    response
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Renders a page with a status.
pub fn page(status: axum::http::StatusCode, template: &impl Template) -> AppResult<Response> {
    let mut html = String::with_capacity(PAGE_BYTES);
    template.render_into(&mut html)?;
    Ok((status, Html(html)).into_response())
}

/// Room for a whole page before rendering starts. `Template::render` starts from the
/// template's own text (a few KB) and doubles as it goes; a page of 30 tweets is
/// about 33 KB, so it was copied four times on the way, 3.3 % of the instructions of
/// a signed-in `GET /` on SQLite (callgrind, docs/performance.md). A longer page
/// grows as before.
const PAGE_BYTES: usize = 40 * 1024;

/// Renders a page with 200.
pub fn ok(template: &impl Template) -> AppResult<Response> {
    page(axum::http::StatusCode::OK, template)
}

/// 303 to a path on this site from a form's `back` field; anything else (another
/// site, a malformed path) goes to `fallback`. Checked before the handler writes, so
/// the redirect after a committed write can never fail to build.
pub fn back_to(back: Option<&str>, fallback: &str) -> Redirect {
    match back {
        Some(path) if is_local_path(path) => Redirect::to(path),
        _ => Redirect::to(fallback),
    }
}

/// A same-site absolute path: starts with one `/`, and is not protocol-relative
/// (`//host`, or `/\host`, which browsers read as `//host`). Only visible ASCII is
/// accepted (what a browser sends; a control character cannot go in a `Location`
/// header), with no backslash anywhere, and at most 2,000 bytes.
pub fn is_local_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && bytes.len() <= 2000
        && bytes.iter().all(|&b| b.is_ascii_graphic() && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_same_site_paths_are_redirect_targets() {
        for ok in ["/", "/users/1", "/users/1?page=2#tweet-3", "/a%20b"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "users/1",
            "//evil.example/",
            "/\\evil.example/",
            "/a\\b",
            "/\n",
            "/%0A\r",
            "/\0",
            "/ spaced",
            "/caf\u{e9}",
            "https://evil.example/",
            "javascript:alert(1)",
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
        assert!(!is_local_path(&format!("/{}", "a".repeat(2000))));
    }
}

/// `?after=`, `?before=` and `?per=` of a paged list (`service::paging`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    after: Option<String>,
    before: Option<String>,
    per: Option<u64>,
}

impl PageQuery {
    /// Where the page starts: `None` for the first page.
    ///
    /// # Errors
    /// [`AppError::BadRequest`] for a cursor the app did not write, or both `after`
    /// and `before`.
    pub fn cursor<A, B>(&self) -> Result<Option<service::paging::Cursor<A, B>>, AppError>
    where
        A: service::assoc::page::CursorKey,
        B: service::assoc::page::CursorKey,
    {
        let parse = |text: &str| {
            service::paging::Cursor::parse(text).map_err(|e| AppError::BadRequest(e.to_string()))
        };
        match (&self.after, &self.before) {
            (None, None) => Ok(None),
            (Some(after), None) => parse(after).map(|c| match c {
                service::paging::Cursor::After(..) => Ok(Some(c)),
                service::paging::Cursor::Before(..) => Err(bad_direction()),
            })?,
            (None, Some(before)) => parse(before).map(|c| match c {
                service::paging::Cursor::Before(..) => Ok(Some(c)),
                service::paging::Cursor::After(..) => Err(bad_direction()),
            })?,
            (Some(_), Some(_)) => Err(AppError::BadRequest(
                "a page starts after one row or before another, not both".into(),
            )),
        }
    }

    /// The page size: `?per=` within `service::paging`'s bounds.
    pub fn per(&self) -> u64 {
        service::paging::per_page(self.per)
    }

    /// The request's own query string (`?after=..&per=..`, or empty), for a form's
    /// `back` to return to this page.
    pub fn to_query(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(after) = &self.after {
            q.append_pair("after", after);
        }
        if let Some(before) = &self.before {
            q.append_pair("before", before);
        }
        if let Some(per) = self.per {
            q.append_pair("per", &per.to_string());
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }
}

/// An `after` link holding a Before cursor, or the reverse: a cursor this page did
/// not write, refused in the words of any other bad cursor.
fn bad_direction() -> AppError {
    AppError::BadRequest(service::paging::BadCursor.to_string())
}

/// The links to a paged list's neighbouring pages: "Newer" / "Older" for a list newest
/// first, "Earlier" / "Later" for a conversation read from its start.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pager {
    /// The page before this one in the list's order (`rel="prev"`).
    pub prev: Option<String>,
    /// The page after it (`rel="next"`).
    pub next: Option<String>,
    pub prev_label: &'static str,
    pub next_label: &'static str,
}

impl Pager {
    /// Links to `path` with the neighbours' cursors, keeping a `?per=` the request set.
    pub fn new<A, B>(
        path: &str,
        query: &PageQuery,
        newer: Option<&service::paging::Cursor<A, B>>,
        older: Option<&service::paging::Cursor<A, B>>,
    ) -> Self
    where
        A: service::assoc::page::CursorKey,
        B: service::assoc::page::CursorKey,
    {
        let link = |key: &str, cursor: &service::paging::Cursor<A, B>| {
            let mut q = form_urlencoded::Serializer::new(String::new());
            q.append_pair(key, &cursor.encode());
            if let Some(per) = query.per {
                q.append_pair("per", &per.to_string());
            }
            format!("{path}?{}", q.finish())
        };
        Pager {
            prev: newer.map(|c| link("before", c)),
            next: older.map(|c| link("after", c)),
            prev_label: "Newer",
            next_label: "Older",
        }
    }

    /// The same links labelled for a list read oldest first.
    pub fn oldest_first(self) -> Self {
        Pager {
            prev_label: "Earlier",
            next_label: "Later",
            ..self
        }
    }
}
