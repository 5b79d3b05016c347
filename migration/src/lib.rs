//! fwitter's schema history: one migration per table, applied in order by [`Migrator`].
//!
//! The `ON DELETE` action of every foreign key here matches the `on_delete` of the
//! entity's `belongs_to` field; `service::assoc::dependent::check_foreign_keys`
//! reads the live database and proves it.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_users;
mod m20261121_000002_create_tweets;
mod m20261121_000003_create_hearts;
mod m20261121_000004_create_messages;
mod m20261121_000005_create_follows;
mod m20261121_000006_create_items;
mod m20261121_000007_create_user_items;
mod m20261121_000008_create_doctors;
mod m20261121_000009_create_patients;
mod m20261121_000010_create_appointments;
mod m20261121_000011_create_artists;
mod m20261121_000012_create_genres;
mod m20261121_000013_create_songs;
mod m20261121_000014_create_sessions;
mod m20261122_000015_drop_sessions;
mod m20261122_000016_drop_redundant_tweets_user_id_index;
mod m20261122_000017_add_tweets_updated_at;
mod m20261122_000018_keyset_indexes;
mod m20261123_000019_tweets_fillfactor;
mod m20261124_000020_users_follow_counts;

// ANCHOR: migrator
/// Applies and rolls back every migration of the workspace.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_tweets::Migration),
            Box::new(m20261121_000003_create_hearts::Migration),
            Box::new(m20261121_000004_create_messages::Migration),
            Box::new(m20261121_000005_create_follows::Migration),
            Box::new(m20261121_000006_create_items::Migration),
            Box::new(m20261121_000007_create_user_items::Migration),
            Box::new(m20261121_000008_create_doctors::Migration),
            Box::new(m20261121_000009_create_patients::Migration),
            Box::new(m20261121_000010_create_appointments::Migration),
            Box::new(m20261121_000011_create_artists::Migration),
            Box::new(m20261121_000012_create_genres::Migration),
            Box::new(m20261121_000013_create_songs::Migration),
            Box::new(m20261121_000014_create_sessions::Migration),
            Box::new(m20261122_000015_drop_sessions::Migration),
            Box::new(m20261122_000016_drop_redundant_tweets_user_id_index::Migration),
            Box::new(m20261122_000017_add_tweets_updated_at::Migration),
            Box::new(m20261122_000018_keyset_indexes::Migration),
            Box::new(m20261123_000019_tweets_fillfactor::Migration),
            Box::new(m20261124_000020_users_follow_counts::Migration),
        ]
    }
}
// ANCHOR_END: migrator

/// `fk-<table>-<column>`: a named foreign key, so a violation can be traced to it.
fn foreign_key(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk-{table}-{column}"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::NoAction)
        .to_owned()
}

/// `idx-<table>-<column>`: the index every foreign key gets.
fn index(table: &'static str, column: &'static str) -> IndexCreateStatement {
    Index::create()
        .name(format!("idx-{table}-{column}"))
        .table(table)
        .col(column)
        .to_owned()
}

/// `idx-<table>-<name>`: a unique index over a join pair (the entity's `unique_key`).
fn unique_pair(
    table: &'static str,
    name: &'static str,
    a: &'static str,
    b: &'static str,
) -> IndexCreateStatement {
    Index::create()
        .name(format!("idx-{table}-{name}"))
        .table(table)
        .col(a)
        .col(b)
        .unique()
        .to_owned()
}

/// Drops a table (and with it its indexes and foreign keys).
async fn drop_table(manager: &SchemaManager<'_>, table: &'static str) -> Result<(), DbErr> {
    manager
        .drop_table(Table::drop().table(table).to_owned())
        .await
}
