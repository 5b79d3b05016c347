//! `user_items`: the join row of "users have many items through user_items".
//!
//! The lesson's own model code has two mistakes; the correct Rails is:
//! ```ruby
//! class UserItem < ApplicationRecord
//!   belongs_to :user    # singular: the lesson wrote `belongs_to :users`
//!   belongs_to :item
//! end
//! class User < ApplicationRecord
//!   has_many :user_items
//!   has_many :items, through: :user_items   # a symbol: the lesson wrote `through: user_items`
//! end
//! ```
//! A user owns an item once; the pair is unique.

use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;
use sea_orm_assoc::JoinTable;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "user_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique_key = "user_item")]
    pub user_id: i32,
    #[sea_orm(unique_key = "user_item", indexed)]
    pub item_id: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,

    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
    #[sea_orm(belongs_to, from = "item_id", to = "id", on_delete = "Cascade")]
    pub item: BelongsTo<super::item::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}

/// Left: the user; right: the item.
impl JoinTable for Entity {
    type Left = i32;
    type Right = i32;
    fn left() -> RelationDef {
        Relation::User.def()
    }
    fn right() -> RelationDef {
        Relation::Item.def()
    }
    fn new_row(user_id: i32, item_id: i32) -> ActiveModel {
        let now = chrono::Utc::now();
        ActiveModel {
            user_id: Set(user_id),
            item_id: Set(item_id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
    }
}
