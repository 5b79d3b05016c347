//! `genres`: `has_many :songs`, `has_many :artists, through: :songs`; no artist column.

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "genres")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub name: String,

    #[sea_orm(has_many)]
    pub songs: HasMany<super::song::Entity>,
    #[sea_orm(has_many, via = "song")]
    pub artists: HasMany<super::artist::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
