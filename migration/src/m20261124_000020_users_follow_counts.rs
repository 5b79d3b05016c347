//! `users.followers_count` and `users.following_count`: counter caches on both sides
//! of the self-referential `follows` join, as Rails declares them on its two
//! `belongs_to` lines:
//!
//! ```ruby
//! class Follow < ApplicationRecord
//!   belongs_to :follower, class_name: "User", counter_cache: :following_count
//!   belongs_to :followed, class_name: "User", counter_cache: :followers_count
//! end
//! ```
//!
//! A profile then reads its two counts from the user's own row instead of counting
//! that user's `follows` on every view (two correlated `COUNT(*)`s; on PostgreSQL a
//! third of the user page's statement, `docs/performance.md`, "Late morning,
//! 2026-11-24"). Every follow, unfollow and destroy moves them in its own transaction
//! (`entity::follow`'s `JoinTable` and `service::schema::registry`); this fills them
//! for the follows already there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::integer;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Each cached column, with the `follows` column that points at the counted user.
const COUNTS: [(&str, &str); 2] = [
    ("followers_count", "followed_id"),
    ("following_count", "follower_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on every backend, not only on PostgreSQL (SeaORM's default):
    /// SQLite takes one column an `ALTER` and its schema changes are transactional, so
    /// a failure between the three statements leaves `users` as it was, and no other
    /// connection reads a `users` with one of the two columns. MySQL commits each
    /// `ALTER` by itself anyway.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column an ALTER: SQLite takes one change per statement.
        for (cached, _) in COUNTS {
            manager
                .alter_table(
                    Table::alter()
                        .table("users")
                        .add_column(integer(cached).default(0))
                        .to_owned(),
                )
                .await?;
        }
        let mut fill = Query::update();
        fill.table("users");
        for (cached, fk) in COUNTS {
            fill.value(
                cached,
                Expr::SubQuery(
                    None,
                    Box::new(
                        Query::select()
                            .expr(Expr::col(("follows", fk)).count())
                            .from("follows")
                            .and_where(Expr::col(("follows", fk)).equals(("users", "id")))
                            .to_owned()
                            .into(),
                    ),
                ),
            );
        }
        manager.exec_stmt(fill).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (cached, _) in COUNTS {
            manager
                .alter_table(Table::alter().table("users").drop_column(cached).to_owned())
                .await?;
        }
        Ok(())
    }
}
