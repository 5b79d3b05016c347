//! The likes lesson: a user's posted tweets and liked tweets are two relations.
//!
//! A like belongs to a user and a tweet (`Like#user`, `Like#tweet`). Through the
//! likes a user has many liked tweets and a tweet has many likers; the tweets a user
//! *posted* are another relation altogether, through `tweets.user_id`. Likes are the
//! same rows as hearts (one `hearts` table: the lesson's single source of truth).
//!
//! ```ruby
//! class User < ApplicationRecord
//!   has_many :tweets                                   # posted
//!   has_many :likes
//!   has_many :liked_tweets, through: :likes, source: :tweet
//! end
//! class Tweet < ApplicationRecord
//!   belongs_to :user                                   # the author
//!   has_many :likes
//!   has_many :likers, through: :likes, source: :user
//! end
//! ```
//!
//! SeaORM 2.0.4 cannot declare `liked_tweets` as a second field to `tweets` on
//! `user.rs` (issue #3081), so it is the `user::LikedTweets` link.
//!
//! Run it: `cargo run --example likes` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `u.like(t)`, `u.tweets` (posted) vs `u.liked_tweets` (liked), `t.likers`.

mod lesson;

use entity::{heart, tweet, user};
use lesson::{Lesson, Outcome, debug, outcome, step};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ModelTrait, QueryFilter, QueryOrder,
};
use service::hearts;

fn contents(tweets: &[tweet::Model]) -> String {
    format!(
        "{:?}",
        tweets
            .iter()
            .map(|t| t.content.as_str())
            .collect::<Vec<_>>()
    )
}

fn usernames(users: &[user::Model]) -> String {
    format!(
        "{:?}",
        users
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>()
    )
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Likes: posted tweets and liked tweets").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let first = lesson::tweet(db, &ann, "ann's first tweet").await?;
    let second = lesson::tweet(db, &ann, "ann's second tweet").await?;
    let _own = lesson::tweet(db, &bob, "bob's own tweet").await?;
    lesson.note("setup: ann posts two tweets, bob posts one");

    step!(
        lesson,
        "A user likes a tweet",
        "bob.likes.create!(tweet: first)",
        hearts::like_tweet(db, bob.id, first.id),
        debug,
    )
    .await?;
    step!(
        lesson,
        "... and another",
        "bob.likes.create!(tweet: second)",
        hearts::like_tweet(db, bob.id, second.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "The tweets bob posted",
        "bob.tweets",
        bob.find_related(tweet::Entity).all(db),
        |r| outcome(r, |ts| contents(ts)),
    )
    .await?;

    // ANCHOR: step
    step!(
        lesson,
        "The tweets bob liked: a separate relation, through likes",
        "bob.liked_tweets",
        hearts::liked_tweets(db, bob.id),
        |r| outcome(r, |ts| contents(ts)),
    )
    .await?;
    // ANCHOR_END: step

    step!(
        lesson,
        "The same relation as a SeaORM link (user -> hearts -> tweets)",
        "bob.liked_tweets   # has_many :liked_tweets, through: :likes, source: :tweet",
        bob.find_linked(user::LikedTweets).all(db),
        |r| outcome(r, |ts| contents(ts)),
    )
    .await?;

    step!(
        lesson,
        "Who liked ann's first tweet",
        "first.likers",
        hearts::likers(db, first.id),
        |r| outcome(r, |us| usernames(us)),
    )
    .await?;

    step!(
        lesson,
        "Who wrote it: the author is not a liker",
        "first.user.username",
        first.find_related(user::Entity).one(db),
        |r| outcome(r, |u| format!("{:?}", u.as_ref().map(|u| &u.username))),
    )
    .await?;

    let like = step!(
        lesson,
        "Find one like",
        "like = Like.find_by(user: bob, tweet: first)",
        heart::Entity::find()
            .filter(heart::Column::UserId.eq(bob.id))
            .filter(heart::Column::TweetId.eq(first.id))
            .one(db),
        |r| outcome(r, |h| format!(
            "{:?}",
            h.as_ref().map(|h| (h.id, h.user_id, h.tweet_id))
        ) + "   (id, user_id, tweet_id)"),
    )
    .await?
    .ok_or("the like just made is missing")?;

    step!(
        lesson,
        "Like#user",
        "like.user",
        like.find_related(user::Entity).one(db),
        |r| outcome(r, |u| format!("{:?}", u.as_ref().map(|u| &u.username))),
    )
    .await?;

    step!(
        lesson,
        "Like#tweet",
        "like.tweet",
        like.find_related(tweet::Entity).one(db),
        |r| outcome(r, |t| format!("{:?}", t.as_ref().map(|t| &t.content))),
    )
    .await?;

    step!(
        lesson,
        "Every user with their posted tweets, and with their liked tweets: two statements",
        "User.includes(:tweets).order(:username)\nUser.includes(:liked_tweets).order(:username)",
        users_with_posted_and_liked_tweets(db),
        |r| {
            outcome(r, |(posted, liked)| {
                let mut lines = Vec::new();
                for (u, ts) in posted {
                    lines.push(format!("{} posted {}", u.username, contents(ts)));
                }
                for u in posted.iter().map(|(u, _)| u) {
                    let mine: Vec<&str> = liked
                        .iter()
                        .filter(|(liker, _)| liker.id == u.id)
                        .filter_map(|(_, t)| t.as_ref().map(|t| t.content.as_str()))
                        .collect();
                    lines.push(format!("{} liked {mine:?}", u.username));
                }
                lines.join("\n")
            })
        },
    )
    .await?;

    lesson.finish().await
}

/// Each user with the tweets they posted, and each user with each tweet they liked.
type PostedAndLiked = (
    Vec<(user::Model, Vec<tweet::Model>)>,
    Vec<(user::Model, Option<tweet::Model>)>,
);

// ANCHOR: users_with_posted_and_liked_tweets
/// `User.includes(:tweets)` and `User.includes(:liked_tweets)`: one statement each,
/// a LEFT JOIN along the has_many and one along the `LikedTweets` link.
async fn users_with_posted_and_liked_tweets(
    db: &DatabaseConnection,
) -> Result<PostedAndLiked, DbErr> {
    let posted = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .find_with_related(tweet::Entity)
        .all(db)
        .await?;
    let liked = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .find_also_linked(user::LikedTweets)
        .all(db)
        .await?;
    Ok((posted, liked))
}
// ANCHOR_END: users_with_posted_and_liked_tweets
