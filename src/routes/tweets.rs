//! Post a tweet; delete your own.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;
use service::input::TweetBody;

use super::home::INVALID;
use crate::AppState;
use crate::auth::RequireUser;
use crate::error::AppResult;
use crate::extract::{Form, Path};

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
            // Re-render the page the form was on (its first page), with the text and
            // the reason.
            let back_path = form
                .back
                .as_deref()
                .map(|b| b.split('?').next().unwrap_or(b));
            let on_my_page = back_path == Some(&format!("/users/{}", me.id));
            let first = super::PageQuery::default();
            return if on_my_page {
                let page = super::users::user_page(
                    &state,
                    &session,
                    Some((&me).into()),
                    me.id,
                    &first,
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
                    &first,
                    form.content,
                    Some(e.to_string()),
                )
                .await?;
                super::page(INVALID, &page)
            };
        }
    };
    service::tweets::post_tweet(&state.writer, me.id, body).await?;
    session.set_flash("Tweet posted.");
    Ok(super::back_to(form.back.as_deref(), &format!("/users/{}", me.id)).into_response())
}

async fn delete(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    service::tweets::delete_tweet(&state.writer, me.id, id).await?;
    session.set_flash("Tweet deleted.");
    Ok(Redirect::to(&format!("/users/{}", me.id)).into_response())
}
