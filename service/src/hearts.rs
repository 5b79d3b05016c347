//! Hearts, likes and favorites: three lessons' names for one relation, one table.
//!
//! | lesson | words | here |
//! |---|---|---|
//! | hearts | `Heart.create(user:, tweet:)`, `tweet.hearts.count` | [`heart_tweet`], [`heart_counts`], [`user_page`] |
//! | likes | `user.liked_tweets`, `tweet.likers` | [`like_tweet`], [`liked_tweets`], [`likers`] |
//! | favorites | the star: on, off, the count | [`toggle_heart`], [`unheart_tweet`] |

use std::collections::HashMap;

use entity::{heart, tweet, user};
use sea_orm::sea_query::{
    Asterisk, Expr, ExprTrait, Func, JoinType, PgFunc, Query, QueryStatementBuilder,
    SelectStatement,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    IdenStatic, Iterable, QueryFilter, QueryOrder, QuerySelect, QueryTrait, RelationTrait,
    TransactionTrait,
};

use crate::assoc::page::limit_in_text;
use crate::assoc::{self, Attached, LinkError, Side, Toggled};
use crate::follows::{self, FollowCounts};
use crate::paging::TimeCursor;

#[derive(Debug, thiserror::Error)]
pub enum HeartError {
    #[error("user {0} not found")]
    UserNotFound(i32),
    #[error("tweet {0} not found")]
    TweetNotFound(i32),
    #[error("user {user_id} has already hearted tweet {tweet_id}")]
    AlreadyHearted { user_id: i32, tweet_id: i32 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl HeartError {
    /// What [`heart_tweet`] answers for what the toolkit's `attach` found.
    pub(crate) fn answer(
        attached: Result<Attached, LinkError>,
        user_id: i32,
        tweet_id: i32,
    ) -> Result<(), Self> {
        match attached {
            Ok(Attached::Created) => Ok(()),
            Ok(Attached::AlreadyLinked) => Err(Self::AlreadyHearted { user_id, tweet_id }),
            Err(e) => Err(Self::from_link(e, user_id, tweet_id)),
        }
    }

    /// The toolkit's refusal in this lesson's words: the left side is the user, the
    /// right the tweet.
    fn from_link(err: LinkError, user_id: i32, tweet_id: i32) -> Self {
        match err {
            LinkError::MissingParent {
                side: Side::Left, ..
            } => Self::UserNotFound(user_id),
            LinkError::MissingParent {
                side: Side::Right, ..
            } => Self::TweetNotFound(tweet_id),
            // hearts is not self-referential: a user and a tweet are never "the same".
            LinkError::SelfLink { .. } => Self::TweetNotFound(tweet_id),
            LinkError::Db(e) => Self::Db(e),
        }
    }
}

// ANCHOR: heart_tweet
/// `Heart.create!(user:, tweet:)`: the user and the tweet must exist, and a second
/// heart on the same tweet is refused (and writes nothing). Bumps `hearts_count` in
/// the same transaction.
///
/// # Errors
/// [`HeartError::UserNotFound`], [`HeartError::TweetNotFound`],
/// [`HeartError::AlreadyHearted`], [`HeartError::Db`].
pub async fn heart_tweet<C>(db: &C, user_id: i32, tweet_id: i32) -> Result<(), HeartError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let attached = assoc::join::attach::<heart::Entity, _>(db, user_id, tweet_id).await;
    HeartError::answer(attached, user_id, tweet_id)
}
// ANCHOR_END: heart_tweet

// ANCHOR: like_tweet
/// The likes lesson's `user.like(tweet)`: the same heart under its other name.
///
/// # Errors
/// As [`heart_tweet`].
pub async fn like_tweet<C>(db: &C, user_id: i32, tweet_id: i32) -> Result<(), HeartError>
where
    C: ConnectionTrait + TransactionTrait,
{
    heart_tweet(db, user_id, tweet_id).await
}
// ANCHOR_END: like_tweet

/// Takes a heart back; returns whether there was one.
///
/// # Errors
/// [`HeartError::Db`].
pub async fn unheart_tweet<C>(db: &C, user_id: i32, tweet_id: i32) -> Result<bool, HeartError>
where
    C: ConnectionTrait + TransactionTrait,
{
    Ok(assoc::join::detach::<heart::Entity, _>(db, user_id, tweet_id).await?)
}

// ANCHOR: toggle_heart
/// The favorites star: hearts the tweet if the user has not, takes it back if they
/// have; returns the new state and the tweet's new count.
///
/// # Errors
/// [`HeartError::UserNotFound`], [`HeartError::TweetNotFound`], [`HeartError::Db`].
pub async fn toggle_heart<C>(db: &C, user_id: i32, tweet_id: i32) -> Result<Toggled, HeartError>
where
    C: ConnectionTrait + TransactionTrait,
{
    assoc::join::toggle::<heart::Entity, _>(db, user_id, tweet_id)
        .await
        .map_err(|e| HeartError::from_link(e, user_id, tweet_id))
}
// ANCHOR_END: toggle_heart

// ANCHOR: liked_tweets
/// `user.liked_tweets`: newest first, one statement
/// (`WHERE id IN (SELECT tweet_id FROM hearts WHERE user_id = ?)`; see `id_among`
/// for PostgreSQL).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn liked_tweets<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Vec<tweet::Model>, DbErr> {
    tweet::Entity::find()
        .filter(id_among(
            db.get_database_backend(),
            tweet::Column::Id,
            Query::select()
                .column(heart::Column::TweetId)
                .from(heart::Entity)
                .and_where(heart::Column::UserId.eq(user_id))
                .take(),
        ))
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id)
        .all(db)
        .await
}
// ANCHOR_END: liked_tweets

// ANCHOR: likers
/// `tweet.likers`: the users who hearted a tweet, by username, one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn likers<C: ConnectionTrait>(db: &C, tweet_id: i32) -> Result<Vec<user::Model>, DbErr> {
    user::Entity::find()
        .filter(id_among(
            db.get_database_backend(),
            user::Column::Id,
            Query::select()
                .column(heart::Column::UserId)
                .from(heart::Entity)
                .and_where(heart::Column::TweetId.eq(tweet_id))
                .take(),
        ))
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
}
// ANCHOR_END: likers

/// `id IN (subquery)`, spelled `id = ANY(ARRAY(subquery))` on PostgreSQL. Measured
/// there after ANALYZE at S=1 (docs/performance.md): PostgreSQL 15 plans the
/// IN-subquery as a semi-join that scans the parent table (about 1.1 ms a call), the
/// ARRAY form as index lookups (about 0.35 ms). SQLite and MySQL already use the
/// indexes for the IN form.
fn id_among(backend: DbBackend, id: impl ColumnTrait, subquery: SelectStatement) -> Condition {
    if backend == DbBackend::Postgres {
        let ids = Func::cust("ARRAY").arg(Expr::SubQuery(
            None,
            Box::new(subquery.into_sub_query_statement()),
        ));
        Condition::all().add(ExprTrait::eq(
            Expr::col((id.entity_name(), id)),
            PgFunc::any(ids),
        ))
    } else {
        Condition::all().add(id.in_subquery(subquery))
    }
}

// ANCHOR: heart_counts
/// `tweet.hearts.count` for many tweets in one `GROUP BY` statement, counted from the
/// hearts themselves (not the cache). Tweets without hearts map to 0.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn heart_counts<C: ConnectionTrait>(
    db: &C,
    tweet_ids: &[i32],
) -> Result<HashMap<i32, i64>, DbErr> {
    let mut counts = assoc::counter::counts(db, &heart::Relation::Tweet.def(), tweet_ids).await?;
    for id in tweet_ids {
        counts.entry(*id).or_insert(0);
    }
    Ok(counts)
}
// ANCHOR_END: heart_counts

/// One tweet as the user page shows it: "content at date with N hearts", and whether
/// the viewer has hearted it (the star).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TweetView {
    pub tweet: tweet::Model,
    pub hearts: i64,
    pub hearted_by_viewer: bool,
}

/// The hearts lesson's user page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub user: user::Model,
    /// Followers, following, and whether the viewer follows the user.
    pub counts: FollowCounts,
    pub followed_by_viewer: bool,
    /// Whether the viewer's row is there ([`follows::Profile::viewer_exists`]).
    pub viewer_exists: bool,
    pub tweets: Vec<TweetView>,
    /// The next page of tweets ([`user_page_at`]); `None` on the last page, and
    /// always from [`user_page`], which lists them all.
    pub older: Option<TimeCursor>,
    /// The previous page of tweets; `None` on the first.
    pub newer: Option<TimeCursor>,
}

// ANCHOR: user_page
/// The user with their follow counts (the row's own counter caches), then their
/// tweets newest first, each with its heart count (the `hearts_count` counter cache)
/// and whether `viewer` hearted it: two statements whatever the number of tweets
/// ([`follows::profile`], then the tweets with the viewer's star as a correlated
/// `EXISTS` over the unique `(user_id, tweet_id)` index). `None` when the user does
/// not exist.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn user_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    viewer: Option<i32>,
) -> Result<Option<UserPage>, DbErr> {
    let Some(profile) = follows::profile(db, user_id, viewer).await? else {
        return Ok(None);
    };
    let own = tweet::Entity::find().filter(tweet::Column::UserId.eq(user_id));
    let rows = crate::tweets::newest_with_star(own, viewer)?
        .into_model::<StarredRow>()
        .all(db)
        .await?;
    Ok(Some(UserPage::new(profile, rows, None, None)))
}
// ANCHOR_END: user_page

/// [`user_page`] one page of tweets at a time (what the web app shows): the same
/// statements whatever the page, the tweets found through the `(user_id, created_at,
/// id)` index. Two statements ([`follows::profile`], then the page of tweets with the
/// viewer's star), and **one** on PostgreSQL: the profile `LEFT JOIN`ed to the page
/// (the private `user_page_joined` says why only there).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn user_page_at<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    viewer: Option<i32>,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Option<UserPage>, DbErr> {
    let keyset = crate::tweets::tweet_keyset();
    let (profile, rows) = if db.get_database_backend() == DbBackend::Postgres {
        let Some(found) = user_page_joined(db, user_id, viewer, at, per).await? else {
            return Ok(None);
        };
        found
    } else {
        let Some(profile) = follows::profile(db, user_id, viewer).await? else {
            return Ok(None);
        };
        let own = tweet::Entity::find().filter(tweet::Column::UserId.eq(user_id));
        let rows: Vec<StarredRow> = keyset
            .rows(db, crate::tweets::with_star(own, viewer)?, at, per)
            .await?;
        (profile, rows)
    };
    let page = keyset.page(rows, at, per, |r: &StarredRow| {
        (r.tweet.created_at, r.tweet.id)
    });
    Ok(Some(UserPage::new(
        profile, page.items, page.older, page.newer,
    )))
}

/// What [`user_page_at`] pages, in **one** statement: the user's profile and the
/// rows `Keyset::apply` would read. The user's row with its counts, `LEFT JOIN`ed to
/// the page of their tweets, one row per tweet, or one row of `NULL` tweet columns
/// when there is none:
///
/// ```sql
/// SELECT * FROM (SELECT "users".*, <viewer follows> FROM "users" WHERE "id" = $1 LIMIT 1) AS "profile"
///   LEFT JOIN (SELECT "tweets"."id" AS "t_id", .., <star> AS "t_hearted" FROM "tweets"
///              WHERE "user_id" = $2 ORDER BY "created_at" DESC, "id" DESC LIMIT 11) AS "page"
///   ON TRUE ORDER BY "page"."t_created_at" DESC, "page"."t_id" DESC
/// ```
///
/// The `LIMIT 1` keeps the profile a table of its own: without it PostgreSQL merges
/// it into the outer query and runs its subquery (then two counts, now the viewer's
/// follow) once per tweet.
///
/// Used on PostgreSQL only, where each statement costs a wake-up of a server process
/// that shares the machine's cores with the app: under `pgbench` with 8 clients on 2
/// vCPUs the two statements did 4,692-5,460 pages a second and this one 7,340-8,357,
/// and the web app's user page at 64 connections went up by 15-31 %. On a SQLite file
/// the same statement made that page 9-23 % slower (SQLite materializes the page and
/// sorts it again, and a statement there costs no server's wake-up); MariaDB is not
/// measured yet (docs/performance.md, "Late morning"). The home feed joined the same
/// way to the signed-in reader's row was faster under `pgbench` but not in the web
/// app, so it keeps its two statements ("Afternoon, 2026-11-23").
async fn user_page_joined<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    viewer: Option<i32>,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Option<(follows::Profile, Vec<StarredRow>)>, DbErr> {
    const PROFILE: &str = "profile";
    const PAGE: &str = "page";
    const PRE: &str = "t_";
    let profile = follows::profile_select(user_id, viewer)?
        .limit(1)
        .into_query();
    let keyset = crate::tweets::tweet_keyset();
    let own = tweet::Column::iter()
        .fold(tweet::Entity::find().select_only(), |s, c| {
            s.column_as(c, format!("{PRE}{}", c.as_str()))
        })
        .filter(tweet::Column::UserId.eq(user_id))
        .expr_as(
            assoc::counter::viewer_has(
                &heart::Relation::Tweet.def(),
                heart::Column::UserId,
                viewer,
            )?,
            format!("{PRE}hearted"),
        );
    let own = keyset.apply(own, at, per).into_query();
    // The page's rows in the order `apply` read them (`Keyset::page` puts them back).
    let order = keyset.read_order(at);
    let statement = Query::select()
        .column(Asterisk)
        .from_subquery(profile, PROFILE)
        .join_subquery(JoinType::LeftJoin, own, PAGE, Condition::all())
        .order_by((PAGE, format!("{PRE}created_at")), order.clone())
        .order_by((PAGE, format!("{PRE}id")), order)
        .take();
    let found = db
        .query_all_raw(limit_in_text(db.get_database_backend(), &statement))
        .await?;
    let Some(first) = found.first() else {
        return Ok(None);
    };
    let profile = follows::profile_from(first)?;
    let tweet_id = format!("{PRE}id");
    let mut rows = Vec::with_capacity(found.len());
    for row in &found {
        // No tweets: the one row's tweet columns are all NULL.
        if row.try_get::<Option<i32>>("", &tweet_id)?.is_some() {
            rows.push(StarredRow::from_query_result(row, PRE)?);
        }
    }
    Ok(Some((profile, rows)))
}

impl UserPage {
    /// The page from its header and its tweet rows, each with its cached heart count.
    fn new(
        profile: follows::Profile,
        rows: Vec<StarredRow>,
        older: Option<TimeCursor>,
        newer: Option<TimeCursor>,
    ) -> Self {
        UserPage {
            user: profile.user,
            counts: profile.counts,
            followed_by_viewer: profile.followed_by_viewer,
            viewer_exists: profile.viewer_exists,
            tweets: rows
                .into_iter()
                .map(|r| TweetView {
                    hearts: i64::from(r.tweet.hearts_count),
                    hearted_by_viewer: r.hearted > 0,
                    tweet: r.tweet,
                })
                .collect(),
            older,
            newer,
        }
    }
}

#[derive(Debug, FromQueryResult)]
struct StarredRow {
    #[sea_orm(nested)]
    tweet: tweet::Model,
    hearted: i64,
}
