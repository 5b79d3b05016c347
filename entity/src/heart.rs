//! `hearts`: the join table of three lessons. Hearts, likes and favorites are the same
//! relation under three names, so one table holds it (the likes lesson's "single source
//! of truth").
//!
//! ```ruby
//! class Heart < ApplicationRecord
//!   belongs_to :user                        # required
//!   belongs_to :tweet, counter_cache: true  # required
//!   validates :user_id, uniqueness: { scope: :tweet_id }
//! end
//! ```
//!
//! The pair is unique in the database (`idx-hearts-user_tweet`), which is what makes
//! attach and toggle race-safe; `tweets.hearts_count` is the counter cache.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm_assoc::{CounterCache, JoinTable};

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "hearts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "user_tweet")]
    pub user_id: i32,
    #[sea_orm(unique_key = "user_tweet", indexed)]
    pub tweet_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,

    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
    #[sea_orm(belongs_to, from = "tweet_id", to = "id", on_delete = "Cascade")]
    pub tweet: BelongsTo<super::tweet::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}

// ANCHOR: hearts_counter
/// `tweets.hearts_count`, counting `hearts` by `tweet_id`.
pub fn hearts_counter() -> CounterCache {
    CounterCache::new(Relation::Tweet.def(), super::tweet::Column::HeartsCount)
}
// ANCHOR_END: hearts_counter

// ANCHOR: join_table
/// The join of the hearts lessons: left the user, right the tweet, and the tweet's
/// `hearts_count` kept by every write (`belongs_to :tweet, counter_cache: true`).
impl JoinTable for Entity {
    type Left = i32;
    type Right = i32;
    fn left() -> RelationDef {
        Relation::User.def()
    }
    fn right() -> RelationDef {
        Relation::Tweet.def()
    }
    fn new_row(user_id: i32, tweet_id: i32) -> ActiveModel {
        let now = chrono::Utc::now();
        ActiveModel {
            user_id: Set(user_id),
            tweet_id: Set(tweet_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
    fn counter_cache() -> Option<CounterCache> {
        Some(hearts_counter())
    }
}
// ANCHOR_END: join_table
