//! Indexes in the order the pages read (issue 13): every list is paged by
//! `(created_at, id)` newest first, so each page is a range scan of an index that ends
//! in those two columns, never a sort of the whole history.
//!
//! - `tweets (user_id, created_at, id)` replaces `(user_id, created_at)`: a user's
//!   page, ties included;
//! - `tweets (created_at, id)`: everyone's recent tweets;
//! - `messages (receiver_id, created_at, id)` and `(sender_id, created_at, id)` replace
//!   the single-column indexes: the inbox and the sent box (and still serve the
//!   foreign keys, which MySQL needs an index for).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn by_time(
    table: &'static str,
    name: &'static str,
    first: Option<&'static str>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(format!("idx-{table}-{name}")).table(table);
    if let Some(col) = first {
        index.col(col);
    }
    index.col("created_at").col("id").to_owned()
}

fn drop(table: &'static str, name: &str) -> IndexDropStatement {
    Index::drop().name(name).table(table).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Each new index is in place before the one it replaces goes (MySQL keeps a
        // foreign key's index until another can serve it).
        manager
            .create_index(by_time("tweets", "user_id-created_at-id", Some("user_id")))
            .await?;
        manager
            .drop_index(drop("tweets", "idx-tweets-user_id-created_at"))
            .await?;
        manager
            .create_index(by_time("tweets", "created_at-id", None))
            .await?;
        for col in ["receiver_id", "sender_id"] {
            let name = if col == "receiver_id" {
                "receiver_id-created_at-id"
            } else {
                "sender_id-created_at-id"
            };
            manager
                .create_index(by_time("messages", name, Some(col)))
                .await?;
            manager
                .drop_index(drop("messages", &format!("idx-messages-{col}")))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in ["receiver_id", "sender_id"] {
            manager.create_index(index("messages", col)).await?;
            manager
                .drop_index(drop(
                    "messages",
                    &format!("idx-messages-{col}-created_at-id"),
                ))
                .await?;
        }
        manager
            .drop_index(drop("tweets", "idx-tweets-created_at-id"))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-tweets-user_id-created_at")
                    .table("tweets")
                    .col("user_id")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(drop("tweets", "idx-tweets-user_id-created_at-id"))
            .await
    }
}
