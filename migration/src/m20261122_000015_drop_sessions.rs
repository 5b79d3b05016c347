//! Drops `sessions`: the web app keeps its sessions in an encrypted cookie now
//! (`src/session.rs` says why), so no page view writes a row. `down` brings the
//! table back exactly as `m20261121_000014_create_sessions` made it.

use sea_orm_migration::prelude::*;

use crate::{drop_table, m20261121_000014_create_sessions as created};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "sessions").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        created::Migration.up(manager).await
    }
}
