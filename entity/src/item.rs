//! `items`: `has_many :users, through: :user_items`.

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,

    #[sea_orm(has_many)]
    pub user_items: HasMany<super::user_item::Entity>,
    #[sea_orm(has_many, via = "user_item")]
    pub users: HasMany<super::user::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
