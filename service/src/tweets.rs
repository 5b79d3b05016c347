//! Tweets: post, delete (their hearts go too), and the lesson's `Tweet#username`.

use chrono::Utc;
use entity::{tweet, user};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
    QuerySelect, Select, TransactionTrait,
};

use crate::assoc::AssocError;
use crate::assoc::error::is_foreign_key_violation;
use crate::input::TweetBody;
use crate::schema::graph;

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

/// Posts a tweet for `user_id`.
///
/// # Errors
/// [`TweetError::UserNotFound`], [`TweetError::Db`].
pub async fn post_tweet<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    body: TweetBody,
) -> Result<tweet::Model, TweetError> {
    let row = tweet::ActiveModel {
        user_id: Set(user_id),
        content: Set(body.as_str().to_owned()),
        created_at: Set(Utc::now()),
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
    graph()
        .destroy(db, tweet::Entity, tweet_id)
        .await
        .map(|_| ())
        .map_err(|e| match e {
            AssocError::NotFound { .. } => TweetError::NotFound(tweet_id),
            other => TweetError::Db(other.into_db_err()),
        })
}

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

/// The newest tweets of everyone, each with its author: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn recent_tweets<C: ConnectionTrait>(
    db: &C,
    limit: u64,
) -> Result<Vec<(tweet::Model, user::Model)>, DbErr> {
    newest_with_authors(db, tweet::Entity::find(), limit).await
}

/// The newest `limit` of the tweets `tweets` selects, each with its author, in one
/// statement (a JOIN): the shape of every tweet list.
pub(crate) async fn newest_with_authors<C: ConnectionTrait>(
    db: &C,
    tweets: Select<tweet::Entity>,
    limit: u64,
) -> Result<Vec<(tweet::Model, user::Model)>, DbErr> {
    let rows = tweets
        .find_also_related(user::Entity)
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    // The foreign key guarantees an author; a row without one cannot be shown.
    Ok(rows
        .into_iter()
        .filter_map(|(t, u)| u.map(|u| (t, u)))
        .collect())
}
