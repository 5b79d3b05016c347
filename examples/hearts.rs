//! The hearts lesson: a join table with validations and `dependent: :destroy`.
//!
//! A heart belongs to a user and to a tweet; a user has many hearts and a tweet has
//! many hearts. A heart needs both (and one per user per tweet), every tweet shows its
//! count without one query per tweet, and deleting a tweet or a user takes their
//! hearts with them.
//!
//! ```ruby
//! class Heart < ApplicationRecord
//!   belongs_to :user
//!   belongs_to :tweet, counter_cache: true
//!   validates :user_id, uniqueness: { scope: :tweet_id }
//! end
//! class Tweet < ApplicationRecord
//!   belongs_to :user
//!   has_many :hearts, dependent: :destroy
//! end
//! ```
//!
//! Run it: `cargo run --example hearts` (SQLite in memory; set `DATABASE_URL` to a
//! PostgreSQL or MySQL server to run it there, in a database of its own).

mod lesson;

use entity::{heart, tweet, user};
use lesson::{Lesson, Outcome, debug, outcome};
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder};
use service::{hearts, tweets, users};

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Hearts: Heart belongs to user and tweet").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let cy = lesson::user(db, "cy_").await?;
    let hello = lesson::tweet(db, &ann, "Hello, hearts!").await?;
    let lunch = lesson::tweet(db, &ann, "Lunch was great").await?;
    let news = lesson::tweet(db, &bob, "Big news today").await?;
    lesson.note("setup: users ann, bob, cy_; ann tweets \"Hello, hearts!\" and \"Lunch was great\", bob tweets \"Big news today\"");

    lesson
        .step(
            "A heart belongs to a user and a tweet",
            "Heart.create!(user: bob, tweet: hello)",
            "hearts::heart_tweet(db, bob.id, hello.id)",
            hearts::heart_tweet(db, bob.id, hello.id),
            |r| outcome(r, |_| "created; hello.hearts_count is now 1".into()),
        )
        .await?;

    let _ = lesson
        .step(
            "A heart without a user is refused",
            "Heart.create(user: nil, tweet: hello)   # => errors: User must exist",
            "hearts::heart_tweet(db, 9999, hello.id)",
            hearts::heart_tweet(db, 9999, hello.id),
            debug,
        )
        .await;

    let _ = lesson
        .step(
            "A heart without a tweet is refused",
            "Heart.create(user: bob, tweet: nil)   # => errors: Tweet must exist",
            "hearts::heart_tweet(db, bob.id, 9999)",
            hearts::heart_tweet(db, bob.id, 9999),
            debug,
        )
        .await;

    lesson
        .step(
            "... and the refused hearts wrote nothing",
            "Heart.count",
            "heart::Entity::find().count(db)",
            heart::Entity::find().count(db),
            debug,
        )
        .await?;

    let _ = lesson
        .step(
            "One heart per user per tweet",
            "Heart.create(user: bob, tweet: hello)   # validates :user_id, uniqueness: { scope: :tweet_id }",
            "hearts::heart_tweet(db, bob.id, hello.id)",
            hearts::heart_tweet(db, bob.id, hello.id),
            debug,
        )
        .await;

    lesson
        .step(
            "Several users heart tweets",
            "Heart.create!(user: cy, tweet: hello)\nHeart.create!(user: cy, tweet: news)\nHeart.create!(user: ann, tweet: news)\nHeart.create!(user: bob, tweet: lunch)",
            "for (user, tweet) in [(cy, hello), (cy, news), (ann, news), (bob, lunch)] {\n    hearts::heart_tweet(db, user.id, tweet.id).await?;\n}",
            async {
                for (user, tweet) in [(&cy, &hello), (&cy, &news), (&ann, &news), (&bob, &lunch)] {
                    hearts::heart_tweet(db, user.id, tweet.id).await?;
                }
                Ok::<_, hearts::HeartError>(())
            },
            |r| outcome(r, |_| "4 hearts created".into()),
        )
        .await?;

    lesson
        .step(
            "A tweet has many hearts",
            "hello.hearts",
            "hello.find_related(heart::Entity).all(db)",
            hello.find_related(heart::Entity).all(db),
            |r| {
                outcome(r, |hs| {
                    format!(
                        "{:?}",
                        hs.iter()
                            .map(|h| (h.user_id, h.tweet_id))
                            .collect::<Vec<_>>()
                    ) + "   (user_id, tweet_id)"
                })
            },
        )
        .await?;

    lesson
        .step(
            "A user has many hearts",
            "cy.hearts",
            "cy.find_related(heart::Entity).all(db)",
            cy.find_related(heart::Entity).all(db),
            |r| {
                outcome(r, |hs| {
                    format!(
                        "{:?}",
                        hs.iter()
                            .map(|h| (h.user_id, h.tweet_id))
                            .collect::<Vec<_>>()
                    ) + "   (user_id, tweet_id)"
                })
            },
        )
        .await?;

    lesson
        .step(
            "A heart belongs to a user and a tweet: walk back from the heart",
            "heart = cy.hearts.first\nheart.user.username\nheart.tweet.content",
            "heart::Entity::find().filter(heart::Column::UserId.eq(cy.id)).find_also_related(tweet::Entity).one(db)\nheart.find_related(user::Entity).one(db)",
            async {
                let first = heart::Entity::find()
                    .filter(heart::Column::UserId.eq(cy.id))
                    .order_by_asc(heart::Column::Id)
                    .find_also_related(tweet::Entity)
                    .one(db)
                    .await?;
                let Some((heart, tweet)) = first else {
                    return Ok(None);
                };
                let user = heart.find_related(user::Entity).one(db).await?;
                Ok::<_, sea_orm::DbErr>(Some((user.map(|u| u.username), tweet.map(|t| t.content))))
            },
            debug,
        )
        .await?;

    lesson
        .step(
            "tweet.hearts.count",
            "news.hearts.count",
            "news.find_related(heart::Entity).count(db)",
            news.find_related(heart::Entity).count(db),
            debug,
        )
        .await?;

    lesson
        .step(
            "Every tweet with its heart count, without one query per tweet",
            "Tweet.includes(:user).order(created_at: :desc).each { |t| \"#{t.user.username}: #{t.content} (#{t.hearts.count})\" }",
            "let rows = tweets::recent_tweets(db, None, 20).await?;     // tweets JOIN users\nlet counts = hearts::heart_counts(db, &ids).await?;       // one GROUP BY for them all",
            async {
                let rows = tweets::recent_tweets(db, None, 20).await?;
                let ids: Vec<i32> = rows.iter().map(|r| r.tweet.id).collect();
                let counts = hearts::heart_counts(db, &ids).await?;
                Ok::<_, sea_orm::DbErr>(
                    rows.into_iter()
                        .map(|r| {
                            let n = counts.get(&r.tweet.id).copied().unwrap_or(0);
                            format!("{}: {} ({n} {})", r.author, r.tweet.content, if n == 1 { "heart" } else { "hearts" })
                        })
                        .collect::<Vec<_>>(),
                )
            },
            |r| outcome(r, |lines| lines.join("\n")),
        )
        .await?;

    let count_hearts = || heart::Entity::find().count(db);
    lesson
        .step(
            "Hearts before any delete",
            "Heart.count",
            "heart::Entity::find().count(db)",
            count_hearts(),
            debug,
        )
        .await?;

    lesson
        .step(
            "Deleting a tweet destroys its hearts (dependent: :destroy)",
            "hello.destroy   # has_many :hearts, dependent: :destroy",
            "tweets::delete_tweet(db, ann.id, hello.id)",
            tweets::delete_tweet(db, ann.id, hello.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "Hearts after deleting the tweet",
            "Heart.count",
            "heart::Entity::find().count(db)",
            count_hearts(),
            debug,
        )
        .await?;

    lesson
        .step(
            "Deleting a user destroys the hearts they gave (and their tweets)",
            "cy.destroy   # has_many :hearts, dependent: :destroy",
            "users::destroy_user(db, cy.id)",
            users::destroy_user(db, cy.id),
            |r| {
                outcome(r, |steps| {
                    steps
                        .iter()
                        .map(|s| format!("{} {:?}: {} row(s)", s.relation, s.rule, s.rows))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            },
        )
        .await?;

    lesson
        .step(
            "Hearts after deleting the user",
            "Heart.count",
            "heart::Entity::find().count(db)",
            count_hearts(),
            debug,
        )
        .await?;

    lesson
        .step(
            "The counter cache followed every delete",
            "news.reload.hearts_count   # counter_cache: true",
            "tweet::Entity::find_by_id(news.id).one(db)",
            tweet::Entity::find_by_id(news.id).one(db),
            |r| outcome(r, |t| format!("{:?}", t.as_ref().map(|t| t.hearts_count))),
        )
        .await?;

    lesson.finish().await
}
