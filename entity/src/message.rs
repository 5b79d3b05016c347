//! `messages`: a direct message has two users, so both associations need a name of
//! their own. Rails says it with `class_name:` and `foreign_key:`; SeaORM with
//! `relation_enum` (the alias) and `from` (the foreign key).
//!
//! ```ruby
//! class Message < ApplicationRecord
//!   belongs_to :sender,   class_name: "User", foreign_key: :sender_id
//!   belongs_to :receiver, class_name: "User", foreign_key: :receiver_id
//! end
//! ```

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub sender_id: i32,
    #[sea_orm(indexed)]
    pub receiver_id: i32,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub created_at: DateTimeUtc,

    #[sea_orm(
        belongs_to,
        relation_enum = "Sender",
        from = "sender_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub sender: BelongsTo<super::user::Entity>,
    #[sea_orm(
        belongs_to,
        relation_enum = "Receiver",
        from = "receiver_id",
        to = "id",
        on_delete = "Cascade"
    )]
    pub receiver: BelongsTo<super::user::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
