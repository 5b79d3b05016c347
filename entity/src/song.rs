//! `songs`: where the artist-genre relation is stored, and the only place.
//!
//! ```ruby
//! class Song < ApplicationRecord
//!   belongs_to :artist
//!   belongs_to :genre, optional: true
//! end
//! ```

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "songs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub title: String,
    #[sea_orm(indexed)]
    pub artist_id: i32,
    /// Nullable: deleting a genre keeps its songs and clears their genre
    /// (`dependent: :nullify` on the genre's side).
    #[sea_orm(indexed)]
    pub genre_id: Option<i32>,

    #[sea_orm(belongs_to, from = "artist_id", to = "id", on_delete = "Cascade")]
    pub artist: BelongsTo<super::artist::Entity>,
    #[sea_orm(belongs_to, from = "genre_id", to = "id", on_delete = "SetNull")]
    pub genre: BelongsTo<Option<super::genre::Entity>>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
