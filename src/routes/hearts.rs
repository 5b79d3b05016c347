//! The hearts form (`POST /hearts`) and the favorites star (`POST /tweets/{id}/star`):
//! JSON `{"hearted", "count"}` for `fetch`, a redirect for a plain form.

use crate::session::Session;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use service::hearts::HeartError;

use crate::AppState;
use crate::auth::RequireUserId;
use crate::error::AppResult;
use crate::extract::{Form, Path};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hearts", post(heart))
        .route("/tweets/{id}/star", post(star))
}

#[derive(Deserialize)]
struct HeartForm {
    tweet_id: i32,
    back: Option<String>,
}

#[derive(Serialize)]
struct Star {
    hearted: bool,
    count: i64,
}

/// One statement (or one place in a group, on a SQLite file): the heart's own write
/// checks that the signed-in user still exists, so the user's row is not read first.
async fn heart(
    State(state): State<AppState>,
    session: Session,
    RequireUserId(me): RequireUserId,
    Form(form): Form<HeartForm>,
) -> AppResult<Response> {
    match state.hearts.heart(me, form.tweet_id).await {
        Ok(()) => session.set_flash("Hearted."),
        Err(HeartError::AlreadyHearted { .. }) => {
            session.set_flash("You have already hearted this tweet.")
        }
        // A missing tweet is a 404; a user deleted since signing in must sign in again.
        Err(e) => return Err(e.into()),
    }
    Ok(super::back_to(form.back.as_deref(), "/").into_response())
}

/// As [`heart`], the user's row is not read first: the toggle's own write checks that
/// the signed-in user still exists (a deleted user's session must sign in again).
async fn star(
    State(state): State<AppState>,
    RequireUserId(me): RequireUserId,
    Path(id): Path<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let toggled = service::hearts::toggle_heart(&state.writer, me, id).await?;
    let wants_json = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    if wants_json {
        return Ok(Json(Star {
            hearted: toggled.on,
            count: toggled.count,
        })
        .into_response());
    }
    // Without JavaScript the star is a plain form; send the visitor back to its page.
    let back = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.into_owned());
    Ok(super::back_to(back.as_deref(), "/").into_response())
}
