//! `tweets`: belongs to a user (deleted with them); `hearts_count` is the counter cache.

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
                    .table("tweets")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(text("content"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .col(integer("hearts_count").default(0))
                    .foreign_key(&mut foreign_key(
                        "tweets",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("tweets", "user_id")).await?;
        // The user page and the feed read a user's tweets newest first.
        manager
            .create_index(
                Index::create()
                    .name("idx-tweets-user_id-created_at")
                    .table("tweets")
                    .col("user_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "tweets").await
    }
}
