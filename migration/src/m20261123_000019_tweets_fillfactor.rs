//! Leaves room in each of `tweets`' pages on PostgreSQL (`fillfactor = 70`), so that
//! the counter cache's updates (`hearts_count`, on every heart, unheart and destroy)
//! are HOT updates: the new version of the row goes in the same page, and since no
//! index holds `hearts_count`, none of the table's three indexes gets a new entry.
//!
//! In a full page (PostgreSQL's default `fillfactor` is 100, and a bulk load fills
//! every page) each such update writes the row into another page and an entry into
//! every index. Destroying 100 users of the benchmark lowers the counts of 3,942 of
//! 10,000 tweets in one statement: 97-108 ms at 100, 98 at 90, 54 at 80 and 34 at 70
//! (`EXPLAIN ANALYZE`, docs/performance.md, "Afternoon, 2026-11-23"). The price is a
//! table about 1/0.7 times the size: a whole-table scan reads that many more pages, and
//! a page read through an index holds fewer rows.
//!
//! The setting applies to pages written after it: an existing table keeps its full
//! pages until it is rewritten (`VACUUM FULL tweets`, which locks the table while it
//! runs), which this migration leaves to whoever runs the database. SQLite and MySQL
//! have no such setting; there it does nothing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn on_postgres(manager: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() == DbBackend::Postgres {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, r#"ALTER TABLE "tweets" SET (fillfactor = 70)"#).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, r#"ALTER TABLE "tweets" RESET (fillfactor)"#).await
    }
}
