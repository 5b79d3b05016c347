//! Tweets: post, delete (their hearts go too), and the lesson's `Tweet#username`.

use chrono::Utc;
use entity::{heart, tweet, user};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select, TransactionTrait,
};

use crate::assoc::error::is_foreign_key_violation;
use crate::assoc::page::{Keyset, all_limit_in_text};
use crate::assoc::{self, DestroyError};
use crate::input::TweetBody;
use crate::paging::{Page, TimeCursor};
use crate::schema::{registry, undeclared_restriction};
use sea_orm::prelude::DateTimeUtc;

#[derive(Debug, thiserror::Error)]
pub enum TweetError {
    #[error("user {0} not found")]
    UserNotFound(i32),
    #[error("tweet {0} not found")]
    NotFound(i32),
    #[error("tweet {tweet_id} belongs to someone else")]
    NotAuthor { tweet_id: i32 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

// ANCHOR: post_tweet
/// Posts a tweet for `user_id`.
///
/// # Errors
/// [`TweetError::UserNotFound`], [`TweetError::Db`].
pub async fn post_tweet<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    body: TweetBody,
) -> Result<tweet::Model, TweetError> {
    let now = Utc::now();
    let row = tweet::ActiveModel {
        user_id: Set(user_id),
        content: Set(body.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        hearts_count: Set(0),
        ..Default::default()
    };
    row.insert(db).await.map_err(|e| {
        if is_foreign_key_violation(&e) {
            TweetError::UserNotFound(user_id)
        } else {
            e.into()
        }
    })
}
// ANCHOR_END: post_tweet

// ANCHOR: delete_tweet
/// Deletes `tweet_id` and its hearts, if `author_id` wrote it.
///
/// # Errors
/// [`TweetError::NotFound`], [`TweetError::NotAuthor`] (nothing is deleted),
/// [`TweetError::Db`].
pub async fn delete_tweet<C>(db: &C, author_id: i32, tweet_id: i32) -> Result<(), TweetError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let tweet = tweet::Entity::find_by_id(tweet_id)
        .one(db)
        .await?
        .ok_or(TweetError::NotFound(tweet_id))?;
    if tweet.user_id != author_id {
        return Err(TweetError::NotAuthor { tweet_id });
    }
    registry()
        .destroy(db, tweet::Entity, tweet_id)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            DestroyError::NotFound { .. } => TweetError::NotFound(tweet_id),
            e @ DestroyError::Restricted { .. } => TweetError::Db(undeclared_restriction(e)),
            DestroyError::Db(e) => TweetError::Db(e),
        })
}
// ANCHOR_END: delete_tweet

/// The author's username (`Tweet#username`, delegated through `belongs_to :user`):
/// one statement, a JOIN.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn tweet_username<C: ConnectionTrait>(
    db: &C,
    tweet_id: i32,
) -> Result<Option<String>, DbErr> {
    let found = tweet::Entity::find_by_id(tweet_id)
        .find_also_related(user::Entity)
        .one(db)
        .await?;
    Ok(found.and_then(|(_, author)| author).map(|u| u.username))
}

/// One tweet of a list: the tweet, its author's username, and whether the viewer
/// has hearted it (the star).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub tweet: tweet::Model,
    pub author: String,
    pub hearted_by_viewer: bool,
}

/// What one row of a tweet list reads: the tweet's columns, the author's username
/// (`users` joined), and how many hearts the viewer gave it (0 or 1: the pair is
/// unique).
#[derive(Debug, FromQueryResult)]
struct ListedRow {
    #[sea_orm(nested)]
    tweet: tweet::Model,
    author: String,
    hearted: i64,
}

impl From<ListedRow> for Listed {
    fn from(r: ListedRow) -> Self {
        Listed {
            tweet: r.tweet,
            author: r.author,
            hearted_by_viewer: r.hearted > 0,
        }
    }
}

/// The newest `limit` tweets of everyone, each with its author and the viewer's
/// star: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn recent_tweets<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i32>,
    limit: u64,
) -> Result<Vec<Listed>, DbErr> {
    newest_listed(db, tweet::Entity::find(), viewer, limit).await
}

/// The tweets `tweets` selects, newest first, with the column `hearted`: whether
/// `viewer` hearted each (1 or 0, a correlated `EXISTS` over the unique
/// `(user_id, tweet_id)` index, `assoc::counter::viewer_has`; the constant 0 without a
/// viewer). The star of every tweet list.
///
/// # Errors
/// [`DbErr::Custom`] if the hearts relation had a composite key.
pub(crate) fn newest_with_star(
    tweets: Select<tweet::Entity>,
    viewer: Option<i32>,
) -> Result<Select<tweet::Entity>, DbErr> {
    Ok(with_star(tweets, viewer)?
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id))
}

/// `tweets` cut down to the rows `pick` keeps (its filter, order and `LIMIT`), for a
/// list that must be sorted: the tweets of many authors, as the home feed is. On
/// SQLite the rows are picked by id first, from the covering `(user_id, created_at,
/// id)` index alone (`... JOIN (SELECT tweets.id ... LIMIT n) AS picked`), and only
/// the picked rows are read whole, joined to their author and given their star.
/// SQLite computes every column of every candidate row before the sort and the
/// `LIMIT`: for a reader who follows 20 users of 10 tweets each, 200 stars and 200
/// rows sorted with their text to keep 30 (its plan: `USE TEMP B-TREE FOR ORDER BY`
/// after the star's `CORRELATED SCALAR SUBQUERY`). Picked first, the feed's statement
/// took a third of the time, with the same rows (docs/performance.md).
///
/// Elsewhere `tweets` is left as it is and `pick` is only what the caller applies
/// itself. PostgreSQL already sorts before it computes the star (its plan runs the
/// star's subplan 31 times), and for the picking query alone its planner walks
/// `(created_at, id)` instead of the per-author index. MariaDB also runs the star 200
/// times (`ANALYZE FORMAT=JSON`), and the picked statement ran 1.7x faster in a loop
/// of prepared statements in the `mysql` client, but 1.5x slower in the benchmark's
/// feed; until that is explained, MariaDB keeps the plain statement.
pub(crate) fn picked_first<C: ConnectionTrait>(
    db: &C,
    tweets: Select<tweet::Entity>,
    pick: impl FnOnce(Select<tweet::Entity>) -> Select<tweet::Entity>,
) -> Select<tweet::Entity> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return tweets;
    }
    const PICKED: &str = "picked";
    let ids = pick(tweets.select_only().column(tweet::Column::Id)).into_query();
    let mut picked = tweet::Entity::find();
    QueryTrait::query(&mut picked).join_subquery(
        JoinType::InnerJoin,
        ids,
        PICKED,
        Expr::col((tweet::Entity, tweet::Column::Id)).equals((PICKED, tweet::Column::Id)),
    );
    picked
}

/// [`newest_with_star`] without the order, for a page to add its own.
pub(crate) fn with_star(
    tweets: Select<tweet::Entity>,
    viewer: Option<i32>,
) -> Result<Select<tweet::Entity>, DbErr> {
    Ok(tweets.expr_as(
        assoc::counter::viewer_has(&heart::Relation::Tweet.def(), heart::Column::UserId, viewer)?,
        "hearted",
    ))
}

/// Tweets newest first, paged by `(created_at, id)`.
pub(crate) fn tweet_keyset() -> Keyset<tweet::Column, DateTimeUtc, i32> {
    Keyset::newest_first(tweet::Column::CreatedAt, tweet::Column::Id)
}

// ANCHOR: listed_page
/// `tweets` with their author's username (`author`) and the viewer's star
/// (`hearted`): what a row of a tweet list reads ([`ListedRow`]).
fn listed(
    tweets: Select<tweet::Entity>,
    viewer: Option<i32>,
) -> Result<Select<tweet::Entity>, DbErr> {
    Ok(with_star(tweets, viewer)?
        .join(JoinType::InnerJoin, tweet::Relation::User.def())
        .column_as(user::Column::Username, "author"))
}

/// A page of the tweets `tweets` selects, each with its author and the viewer's star:
/// one statement, whatever the page.
pub(crate) async fn listed_page<C: ConnectionTrait>(
    db: &C,
    tweets: Select<tweet::Entity>,
    viewer: Option<i32>,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<Listed, DateTimeUtc, i32>, DbErr> {
    let keyset = tweet_keyset();
    let rows: Vec<ListedRow> = keyset.rows(db, listed(tweets, viewer)?, at, per).await?;
    let listed = rows.into_iter().map(Listed::from).collect();
    Ok(keyset.page(listed, at, per, |l: &Listed| {
        (l.tweet.created_at, l.tweet.id)
    }))
}
// ANCHOR_END: listed_page

/// A page of everyone's tweets, newest first (the front page's "Recent tweets").
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn recent_page<C: ConnectionTrait>(
    db: &C,
    viewer: Option<i32>,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<Listed, DateTimeUtc, i32>, DbErr> {
    listed_page(db, tweet::Entity::find(), viewer, at, per).await
}

/// The newest `limit` of the tweets `tweets` selects, each with its author's username
/// (a JOIN) and the viewer's star ([`newest_with_star`]): one statement, the shape of
/// every tweet list.
pub(crate) async fn newest_listed<C: ConnectionTrait>(
    db: &C,
    tweets: Select<tweet::Entity>,
    viewer: Option<i32>,
    limit: u64,
) -> Result<Vec<Listed>, DbErr> {
    let select = listed(tweets, viewer)?
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id)
        .limit(limit);
    let rows: Vec<ListedRow> = all_limit_in_text(db, select).await?;
    Ok(rows.into_iter().map(Listed::from).collect())
}
