//! The followers lesson: a self-referential many-to-many. Both sides of a follow are
//! users, so the join table names them (`follower`, `followed`) and a user walks
//! through it one way for `followers` and the other way for `following`.
//!
//! ```ruby
//! class Follow < ApplicationRecord
//!   belongs_to :follower, class_name: "User"
//!   belongs_to :followed, class_name: "User"
//! end
//! class User < ApplicationRecord
//!   has_many :follows_given, class_name: "Follow", foreign_key: :follower_id
//!   has_many :follows_received, class_name: "Follow", foreign_key: :followed_id
//!   has_many :following, through: :follows_given, source: :followed
//!   has_many :followers, through: :follows_received, source: :follower
//! end
//! ```
//!
//! In SeaORM: `#[sea_orm(self_ref, via = "follow", ..)]` on `user.rs`; the database
//! holds the pair as primary key and a `CHECK (follower_id <> followed_id)`.
//!
//! Run it: `cargo run --example followers` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `bob.follow(ann)`, `ann.followers`, `bob.following.count`, `ann.follow(ann)` (refused).

mod lesson;

use chrono::Utc;
use entity::{follow, user};
use lesson::{Lesson, Outcome, debug, declaration, outcome, step};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait};
use service::assoc::Attached;
use service::follows;

const USER_RS: &str = include_str!("../entity/src/user.rs");

fn usernames(r: &Result<Vec<user::Model>, sea_orm::DbErr>) -> String {
    outcome(r, |us| {
        format!(
            "{:?}",
            us.iter().map(|u| u.username.as_str()).collect::<Vec<_>>()
        )
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Followers: users following users").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let cy = lesson::user(db, "cy_").await?;
    lesson::tweet(db, &bob, "bob: first post").await?;
    lesson::tweet(db, &cy, "cy_: hello world").await?;
    lesson::tweet(db, &ann, "ann: not in my own feed").await?;
    lesson::tweet(db, &bob, "bob: second post").await?;
    lesson.note("setup: users ann, bob, cy_; each has tweeted");

    step!(
        lesson,
        "ann follows bob",
        "ann.following << bob",
        follows::follow_user(db, ann.id, bob.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "ann follows cy, and bob follows cy",
        "ann.following << cy\nbob.following << cy",
        lesson::both(
            follows::follow_user(db, ann.id, cy.id),
            follows::follow_user(db, bob.id, cy.id),
        ),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Following twice is not a second follow",
        "ann.following << bob unless ann.following.include?(bob)",
        follows::follow_user(db, ann.id, bob.id),
        debug,
    )
    .await?;

    let _ = step!(
        lesson,
        "Following yourself is refused: by the service, and by the database's CHECK",
        "ann.following << ann   # validate { errors.add(:followed, \"can't be yourself\") }",
        follow_yourself(db, &ann),
        |(service, database)| {
            format!(
                "service: {}\ndatabase: {}",
                debug(service),
                outcome(database, |_| "inserted (the CHECK is missing!)".into())
            )
        },
    )
    .await;

    // ANCHOR: step
    step!(
        lesson,
        "Who ann follows",
        "has_many :following, through: :follows_given, source: :followed\nann.following",
        declared: declaration("entity/src/user.rs", USER_RS, "following"),
        follows::following(db, ann.id),
        usernames,
    )
    .await?;
    // ANCHOR_END: step

    step!(
        lesson,
        "Who follows cy",
        "has_many :followers, through: :follows_received, source: :follower\ncy.followers",
        declared: declaration("entity/src/user.rs", USER_RS, "followers"),
        follows::followers(db, cy.id),
        usernames,
    )
    .await?;

    step!(
        lesson,
        "Does bob follow ann?",
        "bob.following.include?(ann)",
        follows::is_following(db, bob.id, ann.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "cy's counts",
        "cy.followers.count\ncy.following.count",
        follows::follow_counts(db, cy.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "cy's counts, from the counter caches",
        "cy.reload\n[cy.followers_count, cy.following_count]   # counter_cache: on both belongs_to",
        user::Entity::find_by_id(cy.id).one(db),
        |r| outcome(r, |u| format!(
            "{:?}",
            u.as_ref().map(follows::FollowCounts::of)
        )),
    )
    .await?;

    step!(
        lesson,
        "ann's feed: the tweets of the people she follows, newest first",
        "Tweet.where(user: ann.following).includes(:user).order(created_at: :desc).limit(20)",
        follows::home_feed(db, ann.id, 20),
        |r| {
            outcome(r, |rows| {
                format!(
                    "{:?}",
                    rows.iter()
                        .map(|r| r.tweet.content.as_str())
                        .collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    step!(
        lesson,
        "ann unfollows bob",
        "ann.following.delete(bob)",
        follows::unfollow_user(db, ann.id, bob.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "ann's following and feed after",
        "ann.following\nTweet.where(user: ann.following).order(created_at: :desc)",
        lesson::both(
            follows::following(db, ann.id),
            follows::home_feed(db, ann.id, 20)
        ),
        |r| {
            outcome(r, |(following, feed)| {
                format!(
                    "following {:?}\nfeed {:?}",
                    following
                        .iter()
                        .map(|u| u.username.as_str())
                        .collect::<Vec<_>>(),
                    feed.iter()
                        .map(|r| r.tweet.content.as_str())
                        .collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    lesson.finish().await
}

// ANCHOR: follow_yourself
/// `user.following << user`, asked of the service and then, going around it, of the
/// database: the service refuses, and so does the table's CHECK.
async fn follow_yourself(
    db: &DatabaseConnection,
    user: &user::Model,
) -> (
    Result<Attached, follows::FollowError>,
    Result<follow::Model, DbErr>,
) {
    let service = follows::follow_user(db, user.id, user.id).await;
    let database = follow::ActiveModel {
        follower_id: Set(user.id),
        followed_id: Set(user.id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    (service, database)
}
// ANCHOR_END: follow_yourself
