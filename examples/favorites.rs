//! The favorites lesson: the AJAX star. Clicking it favorites a post; clicking again
//! takes the favorite back; a user has at most one favorite per post; the post shows
//! how many users starred it and whether the current user did.
//!
//! ```ruby
//! class Favorite < ApplicationRecord
//!   belongs_to :user
//!   belongs_to :post, counter_cache: true
//!   validates :user_id, uniqueness: { scope: :post_id }
//! end
//! ```
//!
//! Favorites are hearts under another name (one `hearts` table), so the star is
//! `hearts::toggle_heart`: one transaction that inserts or deletes the row and keeps
//! `tweets.hearts_count` right.
//!
//! Run it: `cargo run --example favorites` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `u.heart(t)`, `u.unheart(t)`, `t.reload.hearts_count`.

mod lesson;

use entity::{heart, tweet, user};
use lesson::{Lesson, Outcome, debug, outcome, step};
use sea_orm::{EntityTrait, ModelTrait, PaginatorTrait};
use service::assoc::Toggled;
use service::assoc::join;
use service::hearts;

fn star(r: &Result<Toggled, hearts::HeartError>) -> String {
    outcome(r, |t| {
        format!(
            "{} ({} star{})",
            if t.on { "starred" } else { "not starred" },
            t.count,
            if t.count == 1 { "" } else { "s" }
        )
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Favorites: the star toggle").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let cy = lesson::user(db, "cy_").await?;
    let post = lesson::tweet(db, &ann, "Rust 2024 edition is out").await?;
    lesson.note("setup: ann posts \"Rust 2024 edition is out\"; bob and cy_ will star it");

    // ANCHOR: step
    step!(
        lesson,
        "bob clicks the star: favorite",
        "current_user.favorites.create!(post: post)   # POST /posts/:id/favorite",
        hearts::toggle_heart(db, bob.id, post.id),
        star,
    )
    .await?;
    // ANCHOR_END: step

    step!(
        lesson,
        "cy clicks the star too",
        "current_user.favorites.create!(post: post)",
        hearts::toggle_heart(db, cy.id, post.id),
        star,
    )
    .await?;

    let _ = step!(
            lesson,
            "bob favorites again: one favorite per user per post",
            "Favorite.create(user: bob, post: post)   # validates :user_id, uniqueness: { scope: :post_id }",
            hearts::heart_tweet(db, bob.id, post.id),
            debug,
        )
        .await;

    step!(
        lesson,
        "The count from all users",
        "post.favorites.count",
        post.find_related(heart::Entity).count(db),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Has the current user starred it?",
        "post.favorites.exists?(user: current_user)   # current_user = bob",
        join::contains::<heart::Entity, _>(db, bob.id, post.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "bob clicks the star again: retract",
        "current_user.favorites.find_by(post: post).destroy   # DELETE /posts/:id/favorite",
        hearts::toggle_heart(db, bob.id, post.id),
        star,
    )
    .await?;

    step!(
        lesson,
        "Has the current user starred it now?",
        "post.favorites.exists?(user: current_user)   # current_user = bob",
        join::contains::<heart::Entity, _>(db, bob.id, post.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "... and cy still has",
        "post.favorites.exists?(user: cy)",
        join::contains::<heart::Entity, _>(db, cy.id, post.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "The counter cache the page shows",
        "post.reload.favorites_count   # counter_cache: true",
        tweet::Entity::find_by_id(post.id).one(db),
        |r| outcome(r, |t| format!("{:?}", t.as_ref().map(|t| t.hearts_count))),
    )
    .await?;

    step!(
        lesson,
        "Who starred it",
        "post.favorited_by   # has_many :favorited_by, through: :favorites, source: :user",
        hearts::likers(db, post.id),
        |r| {
            outcome(r, |us: &Vec<user::Model>| {
                format!("{:?}", us.iter().map(|u| &u.username).collect::<Vec<_>>())
            })
        },
    )
    .await?;

    lesson.finish().await
}
