//! `artists`: `has_many :songs`, `has_many :genres, through: :songs`.
//!
//! The single-source-of-truth point of the lesson: there is no genre column or list on
//! artists. An artist's genres are whatever their songs say, so they can never
//! disagree with the songs.

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,

    #[sea_orm(has_many)]
    pub songs: HasMany<super::song::Entity>,
    #[sea_orm(has_many, via = "song")]
    pub genres: HasMany<super::genre::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
