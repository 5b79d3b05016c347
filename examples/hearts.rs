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
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `ann = User.create(username: "ann")`, `t = ann.tweets.create(content: "Hi")`, `Heart.create(user: ann, tweet: t)`, `t.hearts.count`.

mod lesson;

use entity::{heart, tweet, user};
use lesson::{Lesson, Outcome, debug, outcome, step};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
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

    // ANCHOR: step
    step!(
        lesson,
        "A heart belongs to a user and a tweet",
        "Heart.create!(user: bob, tweet: hello)",
        hearts::heart_tweet(db, bob.id, hello.id),
        |r| outcome(r, |_| "created; hello.hearts_count is now 1".into()),
    )
    .await?;
    // ANCHOR_END: step

    let _ = step!(
        lesson,
        "A heart without a user is refused",
        "Heart.create(user: nil, tweet: hello)   # => errors: User must exist",
        hearts::heart_tweet(db, 9999, hello.id),
        debug,
    )
    .await;

    let _ = step!(
        lesson,
        "A heart without a tweet is refused",
        "Heart.create(user: bob, tweet: nil)   # => errors: Tweet must exist",
        hearts::heart_tweet(db, bob.id, 9999),
        debug,
    )
    .await;

    step!(
        lesson,
        "... and the refused hearts wrote nothing",
        "Heart.count",
        heart::Entity::find().count(db),
        debug,
    )
    .await?;

    let _ = step!(
            lesson,
            "One heart per user per tweet",
            "Heart.create(user: bob, tweet: hello)   # validates :user_id, uniqueness: { scope: :tweet_id }",
            hearts::heart_tweet(db, bob.id, hello.id),
            debug,
        )
        .await;

    step!(
            lesson,
            "Several users heart tweets",
            "Heart.create!(user: cy, tweet: hello)\nHeart.create!(user: cy, tweet: news)\nHeart.create!(user: ann, tweet: news)\nHeart.create!(user: bob, tweet: lunch)",
            heart_each(db, [(&cy, &hello), (&cy, &news), (&ann, &news), (&bob, &lunch)]),
            |r| outcome(r, |_| "4 hearts created".into()),
        )
        .await?;

    step!(
        lesson,
        "A tweet has many hearts",
        "hello.hearts",
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

    step!(
        lesson,
        "A user has many hearts",
        "cy.hearts",
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

    step!(
        lesson,
        "A heart belongs to a user and a tweet: walk back from the heart",
        "heart = cy.hearts.first\nheart.user.username\nheart.tweet.content",
        first_heart_with_user_and_tweet(db, &cy),
        debug,
    )
    .await?;

    step!(
        lesson,
        "tweet.hearts.count",
        "news.hearts.count",
        news.find_related(heart::Entity).count(db),
        debug,
    )
    .await?;

    step!(
            lesson,
            "Every tweet with its heart count, without one query per tweet",
            "Tweet.includes(:user).order(created_at: :desc).each { |t| \"#{t.user.username}: #{t.content} (#{t.hearts.count})\" }",
            recent_tweets_with_heart_counts(db),
            |r| outcome(r, |lines| lines.join("\n")),
        )
        .await?;

    // A list that grows is shown a page at a time. Rails' kaminari reads page 2 with
    // `OFFSET`; the page here starts after the last row of page 1 (its key is the
    // cursor), so any page is found through the `(user_id, created_at, id)` index.
    let first = step!(
        lesson,
        "A user's tweets a page at a time: page 1",
        "ann.tweets.order(created_at: :desc).page(1).per(1)   # kaminari",
        hearts::user_page_at(db, ann.id, None, None, 1),
        |r| outcome(r, |p| page_line(p.as_ref())),
    )
    .await?;
    let after = first.and_then(|p| p.older);
    step!(
        lesson,
        "Page 2 starts after page 1's last tweet, not at an OFFSET",
        "ann.tweets.order(created_at: :desc).page(2).per(1)",
        hearts::user_page_at(db, ann.id, None, after.as_ref(), 1),
        |r| outcome(r, |p| page_line(p.as_ref())),
    )
    .await?;

    step!(
        lesson,
        "Hearts before any delete",
        "Heart.count",
        heart::Entity::find().count(db),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Deleting a tweet destroys its hearts (dependent: :destroy)",
        "hello.destroy   # has_many :hearts, dependent: :destroy",
        tweets::delete_tweet(db, ann.id, hello.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Hearts after deleting the tweet",
        "Heart.count",
        heart::Entity::find().count(db),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Deleting a user destroys the hearts they gave (and their tweets)",
        "cy.destroy   # has_many :hearts, dependent: :destroy",
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

    step!(
        lesson,
        "Hearts after deleting the user",
        "Heart.count",
        heart::Entity::find().count(db),
        debug,
    )
    .await?;

    step!(
        lesson,
        "The counter cache followed every delete",
        "news.reload.hearts_count   # counter_cache: true",
        tweet::Entity::find_by_id(news.id).one(db),
        |r| outcome(r, |t| format!("{:?}", t.as_ref().map(|t| t.hearts_count))),
    )
    .await?;

    lesson.finish().await
}

// ANCHOR: heart_each
/// `Heart.create!` for each (user, tweet) pair, stopping at the first refusal.
async fn heart_each(
    db: &DatabaseConnection,
    pairs: [(&user::Model, &tweet::Model); 4],
) -> Result<(), hearts::HeartError> {
    for (user, tweet) in pairs {
        hearts::heart_tweet(db, user.id, tweet.id).await?;
    }
    Ok(())
}
// ANCHOR_END: heart_each

// ANCHOR: first_heart_with_user_and_tweet
/// `heart = user.hearts.first; [heart.user.username, heart.tweet.content]`: the heart
/// with its tweet in one JOIN, then the heart's user.
async fn first_heart_with_user_and_tweet(
    db: &DatabaseConnection,
    user: &user::Model,
) -> Result<Option<(Option<String>, Option<String>)>, DbErr> {
    let first = heart::Entity::find()
        .filter(heart::Column::UserId.eq(user.id))
        .order_by_asc(heart::Column::Id)
        .find_also_related(tweet::Entity)
        .one(db)
        .await?;
    let Some((heart, tweet)) = first else {
        return Ok(None);
    };
    let user = heart.find_related(user::Entity).one(db).await?;
    Ok(Some((user.map(|u| u.username), tweet.map(|t| t.content))))
}
// ANCHOR_END: first_heart_with_user_and_tweet

// ANCHOR: recent_tweets_with_heart_counts
/// Every tweet as "author: content (N hearts)": the tweets with their authors in one
/// JOIN, then every count in one GROUP BY, whatever the number of tweets.
async fn recent_tweets_with_heart_counts(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    let rows = tweets::recent_tweets(db, None, 20).await?;
    let ids: Vec<i32> = rows.iter().map(|r| r.tweet.id).collect();
    let counts = hearts::heart_counts(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.get(&r.tweet.id).copied().unwrap_or(0);
            let noun = if n == 1 { "heart" } else { "hearts" };
            format!("{}: {} ({n} {noun})", r.author, r.tweet.content)
        })
        .collect())
}
// ANCHOR_END: recent_tweets_with_heart_counts

/// A page of tweets as the example prints it: the contents, and whether there is an
/// older or a newer page.
fn page_line(page: Option<&hearts::UserPage>) -> String {
    let Some(page) = page else {
        return "no such user".into();
    };
    let contents: Vec<&str> = page
        .tweets
        .iter()
        .map(|t| t.tweet.content.as_str())
        .collect();
    format!(
        "{contents:?}; older page: {}, newer page: {}",
        if page.older.is_some() { "yes" } else { "no" },
        if page.newer.is_some() { "yes" } else { "no" },
    )
}
