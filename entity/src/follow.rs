//! `follows`: the self-referential join table. Both sides are users, so each
//! `belongs_to` is named (`Follower`, `Followed`), and `user.rs` walks through this
//! table in one direction for followers and in the other for following.
//!
//! ```ruby
//! class Follow < ApplicationRecord
//!   belongs_to :follower, class_name: "User"
//!   belongs_to :followed, class_name: "User"
//!   validates :follower_id, uniqueness: { scope: :followed_id }
//!   validate { errors.add(:followed, "can't be yourself") if follower_id == followed_id }
//! end
//! ```
//!
//! The pair is the primary key (unique by construction) and the migration adds
//! `CHECK (follower_id <> followed_id)`.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm_assoc::JoinTable;

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

/// Left: the follower; right: the followed user.
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
}
