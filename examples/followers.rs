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

mod lesson;

use chrono::Utc;
use entity::{follow, user};
use lesson::{Lesson, Outcome, debug, declaration, outcome};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
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

    lesson
        .step(
            "ann follows bob",
            "ann.following << bob",
            "follows::follow_user(db, ann.id, bob.id)",
            follows::follow_user(db, ann.id, bob.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "ann follows cy, and bob follows cy",
            "ann.following << cy\nbob.following << cy",
            "follows::follow_user(db, ann.id, cy.id)\nfollows::follow_user(db, bob.id, cy.id)",
            async {
                let a = follows::follow_user(db, ann.id, cy.id).await?;
                let b = follows::follow_user(db, bob.id, cy.id).await?;
                Ok::<_, follows::FollowError>((a, b))
            },
            debug,
        )
        .await?;

    lesson
        .step(
            "Following twice is not a second follow",
            "ann.following << bob unless ann.following.include?(bob)",
            "follows::follow_user(db, ann.id, bob.id)",
            follows::follow_user(db, ann.id, bob.id),
            debug,
        )
        .await?;

    let _ = lesson
        .step(
            "Following yourself is refused: by the service, and by the database's CHECK",
            "ann.following << ann   # validate { errors.add(:followed, \"can't be yourself\") }",
            "follows::follow_user(db, ann.id, ann.id)   // refused before any SQL\nfollow::ActiveModel { follower_id: Set(ann.id), followed_id: Set(ann.id), .. }.insert(db)",
            async {
                let service = follows::follow_user(db, ann.id, ann.id).await;
                let database = follow::ActiveModel {
                    follower_id: Set(ann.id),
                    followed_id: Set(ann.id),
                    created_at: Set(Utc::now()),
                }
                .insert(db)
                .await;
                (service, database)
            },
            |(service, database)| {
                format!(
                    "service: {}\ndatabase: {}",
                    debug(service),
                    outcome(database, |_| "inserted (the CHECK is missing!)".into())
                )
            },
        )
        .await;

    lesson
        .step(
            "Who ann follows",
            "has_many :following, through: :follows_given, source: :followed\nann.following",
            &format!(
                "{}\nfollows::following(db, ann.id)",
                declaration("entity/src/user.rs", USER_RS, "following")
            ),
            follows::following(db, ann.id),
            usernames,
        )
        .await?;

    lesson
        .step(
            "Who follows cy",
            "has_many :followers, through: :follows_received, source: :follower\ncy.followers",
            &format!(
                "{}\nfollows::followers(db, cy.id)",
                declaration("entity/src/user.rs", USER_RS, "followers")
            ),
            follows::followers(db, cy.id),
            usernames,
        )
        .await?;

    lesson
        .step(
            "Does bob follow ann?",
            "bob.following.include?(ann)",
            "follows::is_following(db, bob.id, ann.id)",
            follows::is_following(db, bob.id, ann.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "cy's counts",
            "cy.followers.count\ncy.following.count",
            "follows::follow_counts(db, cy.id)",
            follows::follow_counts(db, cy.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "ann's feed: the tweets of the people she follows, newest first",
            "Tweet.where(user: ann.following).includes(:user).order(created_at: :desc).limit(20)",
            "follows::home_feed(db, ann.id, 20)",
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

    lesson
        .step(
            "ann unfollows bob",
            "ann.following.delete(bob)",
            "follows::unfollow_user(db, ann.id, bob.id)",
            follows::unfollow_user(db, ann.id, bob.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "ann's following and feed after",
            "ann.following\nTweet.where(user: ann.following).order(created_at: :desc)",
            "follows::following(db, ann.id)\nfollows::home_feed(db, ann.id, 20)",
            async {
                let following = follows::following(db, ann.id).await?;
                let feed = follows::home_feed(db, ann.id, 20).await?;
                Ok::<_, sea_orm::DbErr>((following, feed))
            },
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
