//! `patients`: one side of a has_many :through lesson.

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
                    .table("patients")
                    .col(pk_auto("id"))
                    .col(string("name"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "patients").await
    }
}
