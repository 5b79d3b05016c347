//! N+1: the hearts lesson's user page ("content at date with N hearts" for every
//! tweet) loaded two ways, with the statements each sent counted by the toolkit.
//!
//! ```ruby
//! # naive: one COUNT per tweet
//! @user.tweets.order(created_at: :desc).each { |t| t.hearts.count }
//! # eager: the counter cache (or Tweet.includes(:hearts)), a fixed number of queries
//! @user.tweets.order(created_at: :desc).each { |t| t.hearts_count }
//! ```
//!
//! `Capture::repeated(n)` is the toolkit's bullet: it names each statement shape sent
//! more than `n` times by one block.
//!
//! Run it: `cargo run --example n_plus_one` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console`, where every line prints the statements it sent: `User.all`, then `User.find(1).tweets.count`.

mod lesson;

use entity::{heart, tweet, user};
use lesson::{Lesson, Outcome, outcome, step_captured};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};
use service::assoc::Capture;
use service::hearts;

const TWEETS: usize = 6;

fn repeated(capture: &Capture) -> String {
    let found = capture.repeated(1);
    if found.is_empty() {
        return "Capture::repeated(1): nothing repeated".to_owned();
    }
    found
        .iter()
        .map(|r| format!("Capture::repeated(1): {} x {}", r.times, r.sql))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("N+1: one query per tweet, and how not to").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let cy = lesson::user(db, "cy_").await?;
    for n in 1..=TWEETS {
        let t = lesson::tweet(db, &ann, &format!("tweet number {n}")).await?;
        if n % 2 == 0 {
            hearts::heart_tweet(db, bob.id, t.id).await?;
        }
        if n % 3 == 0 {
            hearts::heart_tweet(db, cy.id, t.id).await?;
        }
    }
    lesson.note(&format!(
        "setup: ann posts {TWEETS} tweets; bob hearts every 2nd, cy_ every 3rd"
    ));

    // ANCHOR: step
    let (naive, naive_capture) = step_captured!(
            lesson,
            "The naive page: one heart count per tweet (N+1)",
            "user = User.find(ann.id)\nuser.tweets.order(created_at: :desc).map { |t| [t.content, t.hearts.count] }",
            naive_page(db, ann.id),
            |r, capture| {
                outcome(r, |rows| {
                    format!(
                        "{rows:?}\n{} statements\n{}",
                        capture.count(),
                        repeated(capture)
                    )
                })
            },
        )
        .await;
    // ANCHOR_END: step
    let naive = naive?;

    let (eager, eager_capture) = step_captured!(
            lesson,
            "The eager page: the counter cache, a fixed number of statements",
            "user = User.select(\"users.*, (SELECT COUNT(*) FROM follows WHERE followed_id = users.id) AS followers_count, ...\").find(ann.id)\nuser.tweets.select(\"tweets.*, (SELECT COUNT(*) FROM hearts WHERE user_id = #{current_user.id} AND tweet_id = tweets.id) AS starred\").order(created_at: :desc)",
            hearts::user_page(db, ann.id, Some(bob.id)),
            |r, capture| {
                outcome(r, |page| match page {
                    None => "no such user".to_owned(),
                    Some(page) => {
                        let rows: Vec<(&str, i64)> = page
                            .tweets
                            .iter()
                            .map(|v| (v.tweet.content.as_str(), v.hearts))
                            .collect();
                        format!(
                            "{rows:?}\n{} statements\n{}",
                            capture.count(),
                            repeated(capture)
                        )
                    }
                })
            },
        )
        .await;
    let eager = eager?.ok_or("ann's page is missing")?;

    step_captured!(
            lesson,
            "Eager without a counter cache: the counts in one GROUP BY",
            "Tweet.where(user: ann).order(created_at: :desc)\nHeart.where(tweet: tweets).group(:tweet_id).count",
            page_with_grouped_counts(db, ann.id),
            |r, capture| {
                outcome(r, |rows| {
                    format!("{rows:?}\n{} statements\n{}", capture.count(), repeated(capture))
                })
            },
        )
        .await
        .0?;

    let same = naive
        .iter()
        .zip(&eager.tweets)
        .all(|((content, n), v)| *content == v.tweet.content && *n as i64 == v.hearts);
    lesson.note(&format!(
        "side by side, for {TWEETS} tweets:\n  naive : {} statements (1 user + 1 tweets + {TWEETS} counts)\n  eager : {} statements (user_page)\n  same counts on both pages: {same}",
        naive_capture.count(),
        eager_capture.count()
    ));

    lesson.finish().await
}

// ANCHOR: naive_page
/// `user.tweets.map { |t| [t.content, t.hearts.count] }`: one statement for the user,
/// one for the tweets, then one count per tweet.
async fn naive_page(db: &DatabaseConnection, user_id: i32) -> Result<Vec<(String, u64)>, DbErr> {
    let Some(user) = user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(Vec::new());
    };
    let tweets = user
        .find_related(tweet::Entity)
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id)
        .all(db)
        .await?;
    let mut rows = Vec::new();
    for t in tweets {
        let n = t.find_related(heart::Entity).count(db).await?;
        rows.push((t.content, n));
    }
    Ok(rows)
}
// ANCHOR_END: naive_page

// ANCHOR: page_with_grouped_counts
/// The same rows in two statements: the tweets, then every count in one GROUP BY.
async fn page_with_grouped_counts(
    db: &DatabaseConnection,
    user_id: i32,
) -> Result<Vec<(String, i64)>, DbErr> {
    let tweets = tweet::Entity::find()
        .filter(tweet::Column::UserId.eq(user_id))
        .order_by_desc(tweet::Column::CreatedAt)
        .order_by_desc(tweet::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = tweets.iter().map(|t| t.id).collect();
    let counts = hearts::heart_counts(db, &ids).await?;
    Ok(tweets
        .into_iter()
        .map(|t| {
            let n = counts.get(&t.id).copied().unwrap_or(0);
            (t.content, n)
        })
        .collect())
}
// ANCHOR_END: page_with_grouped_counts
