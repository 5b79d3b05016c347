//! `user_items`: users have many items through it; a user owns an item once.

use sea_orm_migration::{prelude::*, schema::*};

use crate::{drop_table, foreign_key, index, unique_pair};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("user_items")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(integer("item_id"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .col(timestamp_with_time_zone_default_now("updated_at"))
                    .foreign_key(&mut foreign_key(
                        "user_items",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "user_items",
                        "item_id",
                        "items",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_pair("user_items", "user_item", "user_id", "item_id"))
            .await?;
        manager.create_index(index("user_items", "item_id")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "user_items").await
    }
}
