//! Followers: a self-referential many-to-many through `follows`.

use chrono::Utc;
use entity::{follow, tweet, user};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, RelationDef, RelationTrait, TransactionTrait,
};

use crate::assoc::counter::count_column;
use crate::assoc::{self, AssocError, Attached, JoinTable};
use crate::tweets::Listed;

/// Left: the follower; right: the followed user.
impl JoinTable for follow::Entity {
    fn left() -> RelationDef {
        follow::Relation::Follower.def()
    }
    fn right() -> RelationDef {
        follow::Relation::Followed.def()
    }
    fn new_row(follower_id: i32, followed_id: i32) -> follow::ActiveModel {
        follow::ActiveModel {
            follower_id: Set(follower_id),
            followed_id: Set(followed_id),
            created_at: Set(Utc::now()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("you cannot follow yourself")]
    SelfFollow,
    #[error("user {0} not found")]
    UserNotFound(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl FollowError {
    fn from_assoc(err: AssocError) -> Self {
        match err {
            AssocError::SelfReference { .. } => Self::SelfFollow,
            AssocError::NotFound { id, .. } => Self::UserNotFound(id as i32),
            other => Self::Db(other.into_db_err()),
        }
    }
}

/// `follower` follows `followed`. Following twice is not an error: the answer says
/// whether this call made the link.
///
/// # Errors
/// [`FollowError::SelfFollow`], [`FollowError::UserNotFound`], [`FollowError::Db`].
pub async fn follow_user<C>(db: &C, follower: i32, followed: i32) -> Result<Attached, FollowError>
where
    C: ConnectionTrait + TransactionTrait,
{
    assoc::join::attach::<follow::Entity, _>(db, follower, followed)
        .await
        .map_err(FollowError::from_assoc)
}

/// Stops following; returns whether `follower` was following.
///
/// # Errors
/// [`FollowError::Db`].
pub async fn unfollow_user<C>(db: &C, follower: i32, followed: i32) -> Result<bool, FollowError>
where
    C: ConnectionTrait + TransactionTrait,
{
    assoc::join::detach::<follow::Entity, _>(db, follower, followed)
        .await
        .map_err(FollowError::from_assoc)
}

/// Does `follower` follow `followed`?
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn is_following<C: ConnectionTrait>(
    db: &C,
    follower: i32,
    followed: i32,
) -> Result<bool, DbErr> {
    assoc::join::contains::<follow::Entity, _>(db, follower, followed)
        .await
        .map_err(AssocError::into_db_err)
}

/// `user.followers`, by username: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn followers<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Vec<user::Model>, DbErr> {
    users_in(
        db,
        follow::Column::FollowerId,
        follow::Column::FollowedId,
        user_id,
    )
    .await
}

/// `user.following`, by username: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn following<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Vec<user::Model>, DbErr> {
    users_in(
        db,
        follow::Column::FollowedId,
        follow::Column::FollowerId,
        user_id,
    )
    .await
}

async fn users_in<C: ConnectionTrait>(
    db: &C,
    pick: follow::Column,
    by: follow::Column,
    user_id: i32,
) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(pick)
                    .from(follow::Entity)
                    .and_where(by.eq(user_id))
                    .to_owned(),
            ),
        )
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
}

/// A user page's header: the user, both follow counts, and whether the viewer
/// follows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user: user::Model,
    pub counts: FollowCounts,
    /// False without a viewer.
    pub followed_by_viewer: bool,
}

#[derive(Debug, FromQueryResult)]
struct ProfileRow {
    #[sea_orm(nested)]
    user: user::Model,
    followers: i64,
    following: i64,
    followed_by_viewer: i64,
}

/// [`Profile`] in one statement: the user's row with three correlated counts
/// (followers, following, and the viewer's follow: 0 or 1 over the unique pair).
/// `None` when the user does not exist.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn profile<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    viewer: Option<i32>,
) -> Result<Option<Profile>, DbErr> {
    let by_viewer = assoc::counter::by_viewer(follow::Column::FollowerId, viewer);
    let all = Condition::all;
    let row = user::Entity::find_by_id(user_id)
        .expr_as(
            count_column(&follow::Relation::Followed.def(), all())?,
            "followers",
        )
        .expr_as(
            count_column(&follow::Relation::Follower.def(), all())?,
            "following",
        )
        .expr_as(
            count_column(&follow::Relation::Followed.def(), by_viewer)?,
            "followed_by_viewer",
        )
        .into_model::<ProfileRow>()
        .one(db)
        .await?;
    Ok(row.map(|r| Profile {
        user: r.user,
        counts: FollowCounts {
            followers: r.followers,
            following: r.following,
        },
        followed_by_viewer: r.followed_by_viewer > 0,
    }))
}

/// How many follow a user and how many they follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
}

/// Both counts, with the toolkit's GROUP BY count: two statements.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn follow_counts<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<FollowCounts, DbErr> {
    let followers =
        assoc::counter::counts(db, &follow::Relation::Followed.def(), &[user_id]).await?;
    let following =
        assoc::counter::counts(db, &follow::Relation::Follower.def(), &[user_id]).await?;
    Ok(FollowCounts {
        followers: followers.get(&user_id).copied().unwrap_or(0),
        following: following.get(&user_id).copied().unwrap_or(0),
    })
}

/// The home feed: the newest `limit` tweets of the users `user_id` follows (not their
/// own), each with its author and whether `user_id` hearted it, newest first: one
/// statement (through the `(user_id, created_at)` index of `tweets`).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn home_feed<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    limit: u64,
) -> Result<Vec<Listed>, DbErr> {
    let followed = tweet::Entity::find().filter(
        tweet::Column::UserId.in_subquery(
            Query::select()
                .column(follow::Column::FollowedId)
                .from(follow::Entity)
                .and_where(follow::Column::FollowerId.eq(user_id))
                .to_owned(),
        ),
    );
    crate::tweets::newest_listed(db, followed, Some(user_id), limit).await
}
