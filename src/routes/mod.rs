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
    Ok((status, Html(template.render()?)).into_response())
}

/// Renders a page with 200.
pub fn ok(template: &impl Template) -> AppResult<Response> {
    page(axum::http::StatusCode::OK, template)
}

/// 303 to a local path from a form's `back` field; anything else goes home.
pub fn back_to(back: Option<&str>, fallback: &str) -> Redirect {
    match back {
        Some(path) if path.starts_with('/') && !path.starts_with("//") => Redirect::to(path),
        _ => Redirect::to(fallback),
    }
}
