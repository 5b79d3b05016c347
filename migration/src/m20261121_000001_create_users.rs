//! `users`: username and email unique; the password hash is optional.

use sea_orm_migration::{prelude::*, schema::*};

use crate::drop_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_auto("id"))
                    .col(string_uniq("username"))
                    .col(string_uniq("email"))
                    .col(string("salutation"))
                    .col(string_null("password_hash"))
                    .col(timestamp_with_time_zone_default_now("created_at"))
                    .col(timestamp_with_time_zone_default_now("updated_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "users").await
    }
}
