//! `hearts`: the join table of hearts, likes and favorites; one heart per user and tweet.

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
                    .table("hearts")
                    .col(pk_auto("id"))
                    .col(integer("user_id"))
                    .col(integer("tweet_id"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .col(timestamp_with_time_zone_default_now("updated_at"))
                    .foreign_key(&mut foreign_key(
                        "hearts",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "hearts",
                        "tweet_id",
                        "tweets",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // The unique pair also serves as the index on user_id (its leading column).
        manager
            .create_index(unique_pair("hearts", "user_tweet", "user_id", "tweet_id"))
            .await?;
        manager.create_index(index("hearts", "tweet_id")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "hearts").await
    }
}
