//! Home: the feed of followed users' tweets when signed in, recent tweets otherwise.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use entity::user;
use sea_orm::prelude::DateTimeUtc;
use service::paging::Page;
use service::tweets::Listed;

use crate::AppState;
use crate::error::AppResult;
use crate::extract::Query;
use crate::routes::{PageQuery, Pager};
use crate::views::{HomePage, Layout, Me, TweetRow};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(show))
}

/// A page of the feed or of recent tweets, as the service reads it.
type Rows = Page<Listed, DateTimeUtc, i32>;

/// `GET /`. A session that names its user (their id and username, kept since
/// sign-in) gets the feed in **one** statement: the feed's statement finds rows only
/// while its reader exists (`service::follows::home_feed_page`), so a page with rows
/// needs no lookup of the reader. Without rows (the reader follows no one who has
/// tweeted, is past the last page, or was deleted since signing in), or with a cookie
/// that has the id alone, the reader is looked up as `auth::CurrentUser` does: a
/// deleted user sees the page a visitor sees.
async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    if let Some(me) = session.signed_in_as() {
        let at = q.cursor()?;
        let rows = service::follows::home_feed_page(&state.db, me.id, at.as_ref(), q.per()).await?;
        if !rows.items.is_empty() {
            let page = feed_page(&session, me, &q, &rows, String::new(), None);
            return super::ok(&page);
        }
        // No rows: is the reader still there?
        if let Some(me) = service::users::find_user(&state.db, me.id).await? {
            let page = feed_page(&session, (&me).into(), &q, &rows, String::new(), None);
            return super::ok(&page);
        }
        let page = home_page(&state, &session, None, &q, String::new(), None).await?;
        return super::ok(&page);
    }
    let me = match session.user_id() {
        Some(id) => service::users::find_user(&state.db, id).await?,
        None => None,
    };
    let page = home_page(&state, &session, me.as_ref(), &q, String::new(), None).await?;
    super::ok(&page)
}

/// One page of the home page, also re-rendered with a refused tweet's text and
/// error: one statement (the feed, or recent tweets).
pub async fn home_page(
    state: &AppState,
    session: &Session,
    me: Option<&user::Model>,
    q: &PageQuery,
    draft: String,
    error: Option<String>,
) -> AppResult<HomePage> {
    let at = q.cursor()?;
    Ok(match me {
        Some(me) => {
            let rows =
                service::follows::home_feed_page(&state.db, me.id, at.as_ref(), q.per()).await?;
            feed_page(session, me.into(), q, &rows, draft, error)
        }
        None => {
            let rows = service::tweets::recent_page(&state.db, None, at.as_ref(), q.per()).await?;
            page(session, None, q, "Recent tweets", &rows, draft, error)
        }
    })
}

/// The signed-in reader's feed.
fn feed_page(
    session: &Session,
    me: Me,
    q: &PageQuery,
    rows: &Rows,
    draft: String,
    error: Option<String>,
) -> HomePage {
    page(session, Some(me), q, "Your feed", rows, draft, error)
}

fn page(
    session: &Session,
    me: Option<Me>,
    q: &PageQuery,
    heading: &str,
    rows: &Rows,
    draft: String,
    error: Option<String>,
) -> HomePage {
    let viewer = me.as_ref().map(|m| m.id);
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
    HomePage {
        layout: Layout::for_me(session, me, "Home"),
        heading: heading.to_owned(),
        tweets,
        draft,
        error,
        back: format!("/{}", q.to_query()),
        pager,
    }
}

/// Status for a re-rendered form.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
