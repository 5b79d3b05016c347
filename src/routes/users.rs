//! A user's page (the hearts lesson's view), followers and following, follow buttons.

use crate::session::Session;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use entity::user;
use service::follows::FollowError;

use crate::AppState;
use crate::auth::{CurrentUser, RequireUser};
use crate::error::{AppError, AppResult};
use crate::views::{Layout, PeoplePage, TweetRow, UserPage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{id}", get(show))
        .route("/users/{id}/followers", get(followers))
        .route("/users/{id}/following", get(following))
        .route("/users/{id}/follow", post(follow))
        .route("/users/{id}/unfollow", post(unfollow))
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let page = user_page(&state, &session, me.as_ref(), id, String::new(), None).await?;
    super::ok(&page)
}

/// "Hi, {salutation}", the follow counts, the user's tweets with their hearts, the
/// viewer's stars; also re-rendered with a refused tweet. Two statements
/// (`service::hearts::user_page`), plus the viewer's own row when signed in.
pub async fn user_page(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    id: i32,
    draft: String,
    error: Option<String>,
) -> AppResult<UserPage> {
    let viewer = me.map(|u| u.id);
    let found = service::hearts::user_page(&state.db, id, viewer)
        .await?
        .ok_or(AppError::NotFound)?;
    let tweets = found
        .tweets
        .iter()
        .map(|t| {
            TweetRow::new(
                &t.tweet,
                &found.user.username,
                t.hearts,
                t.hearted_by_viewer,
                viewer,
            )
        })
        .collect();
    Ok(UserPage {
        layout: Layout::new(session, me, format!("@{}", found.user.username)),
        counts: found.counts,
        following: found.followed_by_viewer,
        is_me: viewer == Some(id),
        tweets,
        draft,
        error,
        back: format!("/users/{id}"),
        user: found.user,
    })
}

async fn followers(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    people(&state, &session, me.as_ref(), id, Side::Followers).await
}

async fn following(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    people(&state, &session, me.as_ref(), id, Side::Following).await
}

enum Side {
    Followers,
    Following,
}

/// A list of people on one side of a user's follows, with its count.
async fn people(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    id: i32,
    side: Side,
) -> AppResult<Response> {
    let user = service::users::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (people, title, heading) = match side {
        Side::Followers => {
            let people = service::follows::followers(&state.db, id).await?;
            let heading = format!("{} followers", people.len());
            (people, format!("Followers of @{}", user.username), heading)
        }
        Side::Following => {
            let people = service::follows::following(&state.db, id).await?;
            let heading = format!("Following {}", people.len());
            (people, format!("@{} follows", user.username), heading)
        }
    };
    let layout = Layout::new(session, me, title);
    super::ok(&PeoplePage {
        layout,
        heading,
        user,
        people,
    })
}

async fn follow(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    match service::follows::follow_user(&state.writer, me.id, id).await {
        Ok(_) => {}
        Err(FollowError::UserNotFound(_)) => return Err(AppError::NotFound),
        Err(FollowError::SelfFollow) => session.set_flash("You cannot follow yourself."),
        Err(FollowError::Db(e)) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}

async fn unfollow(
    State(state): State<AppState>,
    RequireUser(me): RequireUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    service::users::find_user(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    service::follows::unfollow_user(&state.writer, me.id, id)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
