//! Home: the feed of followed users' tweets when signed in, recent tweets otherwise.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use entity::user;
use tower_sessions::Session;

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

/// The home page, also re-rendered with a refused tweet's text and error.
pub async fn home_page(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    draft: String,
    error: Option<String>,
) -> AppResult<HomePage> {
    let (heading, rows) = match me {
        Some(me) => (
            "Your feed",
            service::follows::home_feed(&state.db, me.id, FEED_LENGTH).await?,
        ),
        None => (
            "Recent tweets",
            service::tweets::recent_tweets(&state.db, FEED_LENGTH).await?,
        ),
    };
    let hearted = match me {
        Some(me) => {
            service::hearts::hearted_among(&state.db, me.id, rows.iter().map(|(t, _)| t.id)).await?
        }
        None => Default::default(),
    };
    let viewer = me.map(|u| u.id);
    let tweets = rows
        .iter()
        .map(|(t, author)| {
            TweetRow::new(
                t,
                &author.username,
                i64::from(t.hearts_count),
                hearted.contains(&t.id),
                viewer,
            )
        })
        .collect();
    Ok(HomePage {
        layout: Layout::new(session, me, "Home").await?,
        heading: heading.to_owned(),
        tweets,
        draft,
        error,
        back: "/".to_owned(),
    })
}

/// Status for a re-rendered form.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
