//! Post a tweet; delete your own.

use crate::session::Session;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use serde::Deserialize;
use service::input::TweetBody;
use service::tweets::TweetError;

use super::home::INVALID;
use crate::AppState;
use crate::auth::RequireUser;
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tweets", post(create))
        .route("/tweets/{id}/delete", post(delete))
}

#[derive(Deserialize)]
struct NewTweet {
    content: String,
    back: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Form(form): Form<NewTweet>,
) -> AppResult<Response> {
    let body = match TweetBody::parse(&form.content) {
        Ok(body) => body,
        Err(e) => {
            // Re-render the page the form was on, with the text and the reason.
            let on_my_page = form.back.as_deref() == Some(&format!("/users/{}", me.id));
            return if on_my_page {
                let page = super::users::user_page(
                    &state,
                    &session,
                    Some(&me),
                    me.id,
                    form.content,
                    Some(e.to_string()),
                )
                .await?;
                super::page(INVALID, &page)
            } else {
                let page = super::home::home_page(
                    &state,
                    &session,
                    Some(&me),
                    form.content,
                    Some(e.to_string()),
                )
                .await?;
                super::page(INVALID, &page)
            };
        }
    };
    service::tweets::post_tweet(&state.writer, me.id, body)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    session.set_flash("Tweet posted.");
    Ok(super::back_to(form.back.as_deref(), &format!("/users/{}", me.id)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    match service::tweets::delete_tweet(&state.writer, me.id, id).await {
        Ok(()) => session.set_flash("Tweet deleted."),
        Err(TweetError::NotFound(_)) => return Err(AppError::NotFound),
        Err(TweetError::NotAuthor { .. }) => return Err(AppError::Forbidden),
        Err(e) => return Err(AppError::Internal(e.to_string())),
    }
    Ok(Redirect::to(&format!("/users/{}", me.id)).into_response())
}
