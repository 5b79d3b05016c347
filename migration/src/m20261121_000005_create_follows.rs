//! `follows`: the self-referential join table. The pair is the primary key, and a
//! CHECK keeps anyone from following themselves.

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
                    .table("follows")
                    .col(integer("follower_id"))
                    .col(integer("followed_id"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .primary_key(Index::create().col("follower_id").col("followed_id"))
                    .check((
                        "chk-follows-not_self",
                        Expr::col("follower_id").ne(Expr::col("followed_id")),
                    ))
                    .foreign_key(&mut foreign_key(
                        "follows",
                        "follower_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        "follows",
                        "followed_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // follower_id leads the primary key; followed_id needs its own index.
        manager.create_index(index("follows", "followed_id")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "follows").await
    }
}
