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

use sea_orm::entity::prelude::*;

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

impl ActiveModelBehavior for ActiveModel {}
