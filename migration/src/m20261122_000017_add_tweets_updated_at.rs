//! `tweets.updated_at`: Rails' `t.timestamps` gives every table `created_at` and
//! `updated_at`, and the lessons' schema has both on `tweets`; this adds the one the
//! table lacked, filled from `created_at` for the tweets already there.
//!
//! PostgreSQL and MySQL take `DEFAULT CURRENT_TIMESTAMP` as the other timestamps do.
//! SQLite cannot add a column whose default is `CURRENT_TIMESTAMP` (only a constant),
//! so there the default is the epoch; it is never what a tweet keeps, since the service
//! sets `updated_at` on every insert (`tweets::post_tweet`) and the backfill below
//! copies `created_at` into every existing row.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut column = ColumnDef::new("updated_at");
        column.timestamp_with_time_zone().not_null();
        if manager.get_database_backend() == DbBackend::Sqlite {
            column.default("1970-01-01 00:00:00+00:00");
        } else {
            column.default(Expr::current_timestamp());
        }
        manager
            .alter_table(
                Table::alter()
                    .table("tweets")
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table("tweets")
                    .value("updated_at", Expr::col("created_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("tweets")
                    .drop_column("updated_at")
                    .to_owned(),
            )
            .await
    }
}
