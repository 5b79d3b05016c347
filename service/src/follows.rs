//! Followers: a self-referential many-to-many through `follows`.

use entity::{follow, tweet, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, TransactionTrait,
};

use crate::assoc::page::Keyset;
use crate::assoc::{self, Attached, LinkError, Side};
use crate::paging::{NameCursor, Page, TimeCursor};
use crate::tweets::Listed;
use sea_orm::prelude::DateTimeUtc;

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
    /// The toolkit's refusal in this lesson's words: the left side is the follower,
    /// the right the followed user.
    fn from_link(err: LinkError, follower: i32, followed: i32) -> Self {
        match err {
            LinkError::SelfLink { .. } => Self::SelfFollow,
            LinkError::MissingParent {
                side: Side::Left, ..
            } => Self::UserNotFound(follower),
            LinkError::MissingParent {
                side: Side::Right, ..
            } => Self::UserNotFound(followed),
            LinkError::Db(e) => Self::Db(e),
        }
    }
}

// ANCHOR: follow_user
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
        .map_err(|e| FollowError::from_link(e, follower, followed))
}
// ANCHOR_END: follow_user

// ANCHOR: unfollow_user
/// Stops following; returns whether `follower` was following.
///
/// # Errors
/// [`FollowError::Db`].
pub async fn unfollow_user<C>(db: &C, follower: i32, followed: i32) -> Result<bool, FollowError>
where
    C: ConnectionTrait + TransactionTrait,
{
    Ok(assoc::join::detach::<follow::Entity, _>(db, follower, followed).await?)
}
// ANCHOR_END: unfollow_user

/// Does `follower` follow `followed`?
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn is_following<C: ConnectionTrait>(
    db: &C,
    follower: i32,
    followed: i32,
) -> Result<bool, DbErr> {
    assoc::join::contains::<follow::Entity, _>(db, follower, followed).await
}

// ANCHOR: followers
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
// ANCHOR_END: followers

// ANCHOR: following
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
// ANCHOR_END: following

async fn users_in<C: ConnectionTrait>(
    db: &C,
    pick: follow::Column,
    by: follow::Column,
    user_id: i32,
) -> Result<Vec<user::Model>, DbErr> {
    people(pick, by, user_id)
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
}

/// The users whose id is `pick` in the follows where `by` is `user_id`.
fn people(pick: follow::Column, by: follow::Column, user_id: i32) -> sea_orm::Select<user::Entity> {
    user::Entity::find().filter(
        user::Column::Id.in_subquery(
            Query::select()
                .column(pick)
                .from(follow::Entity)
                .and_where(by.eq(user_id))
                .take(),
        ),
    )
}

/// A user page's header: the user, both follow counts, and whether the viewer
/// follows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user: user::Model,
    pub counts: FollowCounts,
    /// False without a viewer.
    pub followed_by_viewer: bool,
    /// Whether the viewer's own row is there, read in the same statement: a page can
    /// take the viewer from the session (sealed, so it names who signed in) and still
    /// show a user deleted since then the page a visitor sees. False without a viewer.
    pub viewer_exists: bool,
}

#[derive(Debug, FromQueryResult)]
struct ProfileRow {
    #[sea_orm(nested)]
    user: user::Model,
    followed_by_viewer: i64,
    viewer_exists: i64,
}

/// [`Profile`] in one statement: the user's row, whose counter caches hold its two
/// counts (followers, following), the viewer's follow (1 or 0: a correlated `EXISTS`
/// over the unique pair, `assoc::counter::viewer_has`) and whether the viewer's row
/// exists (a primary-key `COUNT`, 1 or 0); the constant 0 for both without a viewer.
/// `None` when the user does not exist.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn profile<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    viewer: Option<i32>,
) -> Result<Option<Profile>, DbErr> {
    let row = profile_select(user_id, viewer)?
        .into_model::<ProfileRow>()
        .one(db)
        .await?;
    Ok(row.map(Profile::from))
}

/// [`profile`]'s statement, for a page that reads it together with its list in one
/// statement (`hearts::user_page_at`); [`profile_from`] reads its row back.
pub(crate) fn profile_select(
    user_id: i32,
    viewer: Option<i32>,
) -> Result<sea_orm::Select<user::Entity>, DbErr> {
    let viewer_exists = match viewer {
        Some(viewer) => {
            let row = Alias::new("viewer");
            Expr::SubQuery(
                None,
                Box::new(
                    Query::select()
                        .expr(Expr::cust("COUNT(*)"))
                        .from_as(user::Entity, row.clone())
                        .and_where(Expr::col((row, user::Column::Id)).eq(viewer))
                        .take()
                        .into(),
                ),
            )
        }
        None => Expr::val(0_i64),
    };
    Ok(user::Entity::find_by_id(user_id)
        .expr_as(
            assoc::counter::viewer_has(
                &follow::Relation::Followed.def(),
                follow::Column::FollowerId,
                viewer,
            )?,
            "followed_by_viewer",
        )
        .expr_as(viewer_exists, "viewer_exists"))
}

/// The [`Profile`] in a row of [`profile_select`]'s columns, under their own names.
///
/// # Errors
/// [`DbErr`] if a column is missing or of another type.
pub(crate) fn profile_from(row: &sea_orm::QueryResult) -> Result<Profile, DbErr> {
    ProfileRow::from_query_result(row, "").map(Profile::from)
}

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Self {
        Profile {
            counts: FollowCounts::of(&r.user),
            user: r.user,
            followed_by_viewer: r.followed_by_viewer > 0,
            viewer_exists: r.viewer_exists > 0,
        }
    }
}

/// How many follow a user and how many they follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowCounts {
    pub followers: i64,
    pub following: i64,
}

impl FollowCounts {
    /// The user row's own counter caches (`users.followers_count`,
    /// `users.following_count`), kept by every follow, unfollow and destroy.
    pub fn of(user: &user::Model) -> Self {
        Self {
            followers: i64::from(user.followers_count),
            following: i64::from(user.following_count),
        }
    }
}

// ANCHOR: follow_counts
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
// ANCHOR_END: follow_counts

// ANCHOR: home_feed
/// The home feed: the newest `limit` tweets of the users `user_id` follows (not their
/// own), each with its author and whether `user_id` hearted it, newest first: one
/// statement (through the `(user_id, created_at)` index of `tweets`; on SQLite the
/// ids are picked before the rows are read: `tweets::picked_first`).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn home_feed<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    limit: u64,
) -> Result<Vec<Listed>, DbErr> {
    let tweets = crate::tweets::picked_first(db, followed_tweets(user_id), |ids| {
        ids.order_by_desc(tweet::Column::CreatedAt)
            .order_by_desc(tweet::Column::Id)
            .limit(limit)
    });
    crate::tweets::newest_listed(db, tweets, Some(user_id), limit).await
}
// ANCHOR_END: home_feed

/// A page of [`home_feed`], newest first: one statement, whatever the page. It finds
/// rows only while the user `user_id` exists: they come through `user_id`'s rows in
/// `follows`, whose foreign key to `users` takes them away with the user (`ON DELETE
/// CASCADE`, enforced on every backend). So a page with rows is proof, in the
/// statement's own snapshot, that its reader exists: the web app's home page, which
/// takes the reader's name from the session, reads no row of the reader's own
/// (`routes::home`). An explicit `EXISTS` on `users` said the same at a price: SQLite
/// 3.51 turns it into a join probed once per candidate tweet, +40 % on this statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn home_feed_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<Listed, DateTimeUtc, i32>, DbErr> {
    let tweets = crate::tweets::picked_first(db, followed_tweets(user_id), |ids| {
        crate::tweets::tweet_keyset().apply(ids, at, per)
    });
    crate::tweets::listed_page(db, tweets, Some(user_id), at, per).await
}

/// The tweets of the users `user_id` follows.
fn followed_tweets(user_id: i32) -> sea_orm::Select<tweet::Entity> {
    tweet::Entity::find().filter(
        tweet::Column::UserId.in_subquery(
            Query::select()
                .column(follow::Column::FollowedId)
                .from(follow::Entity)
                .and_where(follow::Column::FollowerId.eq(user_id))
                .take(),
        ),
    )
}

/// A page of [`followers`], by username: one statement, whatever the page.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn followers_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    at: Option<&NameCursor>,
    per: u64,
) -> Result<Page<user::Model, String, i32>, DbErr> {
    users_page(
        db,
        follow::Column::FollowerId,
        follow::Column::FollowedId,
        user_id,
        at,
        per,
    )
    .await
}

/// A page of [`following`], by username: one statement, whatever the page.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn following_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    at: Option<&NameCursor>,
    per: u64,
) -> Result<Page<user::Model, String, i32>, DbErr> {
    users_page(
        db,
        follow::Column::FollowedId,
        follow::Column::FollowerId,
        user_id,
        at,
        per,
    )
    .await
}

async fn users_page<C: ConnectionTrait>(
    db: &C,
    pick: follow::Column,
    by: follow::Column,
    user_id: i32,
    at: Option<&NameCursor>,
    per: u64,
) -> Result<Page<user::Model, String, i32>, DbErr> {
    let keyset = Keyset::oldest_first(user::Column::Username, user::Column::Id);
    let rows: Vec<user::Model> = keyset.rows(db, people(pick, by, user_id), at, per).await?;
    Ok(keyset.page(rows, at, per, |u: &user::Model| (u.username.clone(), u.id)))
}
