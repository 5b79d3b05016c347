//! `songs`: the only place the artist-genre relation is stored. Deleting an artist
//! deletes their songs; deleting a genre keeps the songs and clears their genre.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{drop_table, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("songs")
                    .col(pk_auto("id"))
                    .col(string("title"))
                    .col(integer("artist_id"))
                    .col(integer_null("genre_id"))
                    .foreign_key(&mut foreign_key(
                        "songs",
                        "artist_id",
                        "artists",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "songs",
                        "genre_id",
                        "genres",
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("songs", "artist_id")).await?;
        manager.create_index(index("songs", "genre_id")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "songs").await
    }
}
