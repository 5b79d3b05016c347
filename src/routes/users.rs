//! A user's page (the hearts lesson's view), followers and following, follow buttons.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use service::follows::FollowError;

use crate::AppState;
use crate::auth::{RequireUser, SessionViewer};
use crate::error::{AppError, AppResult};
use crate::extract::{Path, Query};
use crate::routes::{PageQuery, Pager};
use crate::views::{Layout, Me, PeoplePage, TweetRow, UserPage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users/{id}", get(show))
        .route("/users/{id}/followers", get(followers))
        .route("/users/{id}/following", get(following))
        .route("/users/{id}/follow", post(follow))
        .route("/users/{id}/unfollow", post(unfollow))
}

/// `GET /users/:id`. The viewer comes from the session ([`SessionViewer`]): the
/// page's own statement says whether they still exist.
async fn show(
    State(state): State<AppState>,
    session: Session,
    SessionViewer(me): SessionViewer,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = user_page(&state, &session, me, id, &q, String::new(), None).await?;
    super::ok(&page)
}

/// "Hi, {salutation}", the follow counts, one page of the user's tweets with their
/// hearts, the viewer's stars; also re-rendered with a refused tweet. Two statements
/// (`service::hearts::user_page_at`; one on PostgreSQL), whoever views it.
pub async fn user_page(
    state: &AppState,
    session: &Session,
    me: Option<Me>,
    id: i32,
    q: &PageQuery,
    draft: String,
    error: Option<String>,
) -> AppResult<UserPage> {
    let at = q.cursor()?;
    let found = service::hearts::user_page_at(
        &state.db,
        id,
        me.as_ref().map(|m| m.id),
        at.as_ref(),
        q.per(),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    // A viewer deleted since signing in is shown what a visitor sees.
    let me = me.filter(|_| found.viewer_exists);
    let viewer = me.as_ref().map(|m| m.id);
    let path = format!("/users/{id}");
    let pager = Pager::new(&path, q, found.newer.as_ref(), found.older.as_ref());
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
        layout: Layout::for_me(session, me, format!("@{}", found.user.username)),
        counts: found.counts,
        following: found.followed_by_viewer,
        is_me: viewer == Some(id),
        tweets,
        draft,
        error,
        back: format!("{path}{}", q.to_query()),
        pager,
        user: found.user,
    })
}

async fn followers(
    State(state): State<AppState>,
    session: Session,
    SessionViewer(me): SessionViewer,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    people(&state, &session, me, id, &q, Side::Followers).await
}

async fn following(
    State(state): State<AppState>,
    session: Session,
    SessionViewer(me): SessionViewer,
    Path(id): Path<i32>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    people(&state, &session, me, id, &q, Side::Following).await
}

enum Side {
    Followers,
    Following,
}

/// One page of the people on one side of a user's follows, with its count: two
/// statements (the user with both counts and whether the viewer still exists, then
/// the page), whatever the page, signed in or not.
async fn people(
    state: &AppState,
    session: &Session,
    me: Option<Me>,
    id: i32,
    q: &PageQuery,
    side: Side,
) -> AppResult<Response> {
    let profile = service::follows::profile(&state.db, id, me.as_ref().map(|m| m.id))
        .await?
        .ok_or(AppError::NotFound)?;
    let me = me.filter(|_| profile.viewer_exists);
    let user = profile.user;
    let at = q.cursor()?;
    let (page, title, heading, path) = match side {
        Side::Followers => (
            service::follows::followers_page(&state.db, id, at.as_ref(), q.per()).await?,
            format!("Followers of @{}", user.username),
            format!("{} followers", profile.counts.followers),
            format!("/users/{id}/followers"),
        ),
        Side::Following => (
            service::follows::following_page(&state.db, id, at.as_ref(), q.per()).await?,
            format!("@{} follows", user.username),
            format!("Following {}", profile.counts.following),
            format!("/users/{id}/following"),
        ),
    };
    // Names read from A to Z: the "next" page is further down the alphabet.
    let mut pager = Pager::new(&path, q, page.newer.as_ref(), page.older.as_ref());
    pager.prev_label = "Previous";
    pager.next_label = "Next";
    let layout = Layout::for_me(session, me, title);
    super::ok(&PeoplePage {
        layout,
        heading,
        user,
        people: page.items,
        pager,
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
    service::follows::unfollow_user(&state.writer, me.id, id).await?;
    Ok(Redirect::to(&format!("/users/{id}")).into_response())
}
