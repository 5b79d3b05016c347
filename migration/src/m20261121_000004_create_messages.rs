//! `messages`: two foreign keys to `users`, sender and receiver.

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
                    .table("messages")
                    .col(pk_auto("id"))
                    .col(integer("sender_id"))
                    .col(integer("receiver_id"))
                    .col(text("body"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .foreign_key(&mut foreign_key(
                        "messages",
                        "sender_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "messages",
                        "receiver_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("messages", "sender_id")).await?;
        manager.create_index(index("messages", "receiver_id")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "messages").await
    }
}
