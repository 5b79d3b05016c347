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
use crate::extract::Query;
use crate::routes::{PageQuery, Pager};
use crate::views::{HomePage, Layout, TweetRow};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    CurrentUser(me): CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page = home_page(&state, &session, me.as_ref(), &q, String::new(), None).await?;
    super::ok(&page)
}

/// One page of the home page, also re-rendered with a refused tweet's text and
/// error: one statement (the feed, or recent tweets), plus the viewer's own row when
/// signed in.
pub async fn home_page(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    q: &PageQuery,
    draft: String,
    error: Option<String>,
) -> AppResult<HomePage> {
    let viewer = me.map(|u| u.id);
    let at = q.cursor()?;
    let (heading, rows) = match viewer {
        Some(me) => (
            "Your feed",
            service::follows::home_feed_page(&state.db, me, at.as_ref(), q.per()).await?,
        ),
        None => (
            "Recent tweets",
            service::tweets::recent_page(&state.db, None, at.as_ref(), q.per()).await?,
        ),
    };
    let pager = Pager::new("/", q, rows.newer.as_ref(), rows.older.as_ref());
    let tweets = rows
        .items
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
        back: format!("/{}", q.to_query()),
        pager,
    })
}

/// Status for a re-rendered form.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
