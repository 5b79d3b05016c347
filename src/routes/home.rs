//! Home: the feed of followed users' tweets when signed in, recent tweets otherwise.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use entity::user;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::views::{HomePage, Layout, TweetRow};

const FEED_LENGTH: u64 = 30;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
) -> AppResult<Response> {
    let page = home_page(&state, &session, me.as_ref(), String::new(), None).await?;
    super::ok(&page)
}

/// The home page, also re-rendered with a refused tweet's text and error: one
/// statement (the feed, or recent tweets), plus the viewer's own row when signed in.
pub async fn home_page(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    draft: String,
    error: Option<String>,
) -> AppResult<HomePage> {
    let viewer = me.map(|u| u.id);
    let (heading, rows) = match viewer {
        Some(me) => (
            "Your feed",
            service::follows::home_feed(&state.db, me, FEED_LENGTH).await?,
        ),
        None => (
            "Recent tweets",
            service::tweets::recent_tweets(&state.db, None, FEED_LENGTH).await?,
        ),
    };
    let tweets = rows
        .iter()
        .map(|row| {
            TweetRow::new(
                &row.tweet,
                &row.author,
                i64::from(row.tweet.hearts_count),
                row.hearted_by_viewer,
                viewer,
            )
        })
        .collect();
    Ok(HomePage {
        layout: Layout::new(session, me, "Home"),
        heading: heading.to_owned(),
        tweets,
        draft,
        error,
        back: "/".to_owned(),
    })
}

/// Status for a re-rendered form.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
