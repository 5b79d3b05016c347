//! `follows`: the self-referential join table. Both sides are users, so each
//! `belongs_to` is named (`Follower`, `Followed`), and `user.rs` walks through this
//! table in one direction for followers and in the other for following.
//!
//! ```ruby
//! class Follow < ApplicationRecord
//!   belongs_to :follower, class_name: "User", counter_cache: :following_count
//!   belongs_to :followed, class_name: "User", counter_cache: :followers_count
//!   validates :follower_id, uniqueness: { scope: :followed_id }
//!   validate { errors.add(:followed, "can't be yourself") if follower_id == followed_id }
//! end
//! ```
//!
//! The pair is the primary key (unique by construction) and the migration adds
//! `CHECK (follower_id <> followed_id)`.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm_assoc::{CounterCache, JoinTable};

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "follows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub follower_id: i32,
    #[sea_orm(primary_key, auto_increment = false, indexed)]
    pub followed_id: i32,
    pub created_at: DateTimeUtc,

    #[sea_orm(
        belongs_to,
        relation_enum = "Follower",
        from = "follower_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub follower: BelongsTo<super::user::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Followed",
        from = "followed_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub followed: BelongsTo<super::user::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}

// ANCHOR: follow_counters
/// `users.followers_count`, counting `follows` by `followed_id`
/// (`belongs_to :followed, class_name: "User", counter_cache: :followers_count`).
pub fn followers_counter() -> CounterCache {
    CounterCache::new(
        Relation::Followed.def(),
        super::user::Column::FollowersCount,
    )
}

/// `users.following_count`, counting `follows` by `follower_id`
/// (`belongs_to :follower, class_name: "User", counter_cache: :following_count`).
pub fn following_counter() -> CounterCache {
    CounterCache::new(
        Relation::Follower.def(),
        super::user::Column::FollowingCount,
    )
}
// ANCHOR_END: follow_counters

/// Left: the follower; right: the followed user. Both sides keep a counter cache.
impl JoinTable for Entity {
    type Left = i32;
    type Right = i32;
    fn left() -> RelationDef {
        Relation::Follower.def()
    }
    fn right() -> RelationDef {
        Relation::Followed.def()
    }
    fn new_row(follower_id: i32, followed_id: i32) -> ActiveModel {
        ActiveModel {
            follower_id: Set(follower_id),
            followed_id: Set(followed_id),
            created_at: Set(chrono::Utc::now()),
        }
    }
    fn counter_cache() -> Option<CounterCache> {
        Some(followers_counter())
    }
    fn left_counter_cache() -> Option<CounterCache> {
        Some(following_counter())
    }
}
