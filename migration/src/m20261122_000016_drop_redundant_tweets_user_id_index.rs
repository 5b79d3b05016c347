//! Drops `idx-tweets-user_id`: `idx-tweets-user_id-created_at` starts with the same
//! column, so it serves every lookup by author (and the foreign key's checks) and,
//! unlike the single-column index, gives a user's tweets already newest first. With
//! both present, PostgreSQL picked the narrower one for the feed and the user page and
//! sorted the rows; every tweet insert also paid for two indexes.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx-tweets-user_id")
                    .table("tweets")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index("tweets", "user_id")).await
    }
}
