//! The schema history: every migration goes up, comes all the way down leaving no
//! table behind, and goes up again, on whichever backend `DATABASE_URL` names.

mod common;

use common::TestDb;
use migration::{Migrator, MigratorTrait, SchemaManager};

/// Every table the history ever creates; `sessions` was dropped again by the newest
/// migration (sessions moved to an encrypted cookie).
const EVER: [&str; 14] = [
    "users",
    "tweets",
    "hearts",
    "messages",
    "follows",
    "items",
    "user_items",
    "doctors",
    "patients",
    "appointments",
    "artists",
    "genres",
    "songs",
    "sessions",
];

/// The tables of the current schema.
const TABLES: [&str; 13] = [
    "users",
    "tweets",
    "hearts",
    "messages",
    "follows",
    "items",
    "user_items",
    "doctors",
    "patients",
    "appointments",
    "artists",
    "genres",
    "songs",
];

async fn present(t: &TestDb) -> Vec<&'static str> {
    let manager = SchemaManager::new(&t.db);
    let mut out = Vec::new();
    for table in EVER {
        if manager.has_table(table).await.expect("ask for the table") {
            out.push(table);
        }
    }
    out
}

#[tokio::test]
async fn migrations_go_down_to_nothing_and_up_again() {
    let t = TestDb::new().await;
    assert_eq!(
        present(&t).await,
        TABLES.to_vec(),
        "the helper migrated every table"
    );
    assert_eq!(
        Migrator::get_pending_migrations(&t.db)
            .await
            .expect("status")
            .len(),
        0
    );

    Migrator::down(&t.db, None)
        .await
        .expect("roll back every migration");
    assert!(
        present(&t).await.is_empty(),
        "no table left behind: {:?}",
        present(&t).await
    );
    assert_eq!(
        Migrator::get_applied_migrations(&t.db)
            .await
            .expect("status")
            .len(),
        0
    );

    Migrator::up(&t.db, None).await.expect("apply again");
    assert_eq!(present(&t).await, TABLES.to_vec());
}

#[tokio::test]
async fn one_step_down_undoes_only_the_newest_migration() {
    let t = TestDb::new().await;
    Migrator::down(&t.db, Some(1)).await.expect("roll back one");
    assert_eq!(
        present(&t).await,
        TABLES.to_vec(),
        "the newest migration only dropped an index"
    );
    Migrator::down(&t.db, Some(1))
        .await
        .expect("roll back another");
    assert_eq!(
        present(&t).await,
        EVER.to_vec(),
        "undoing the drop brings `sessions` back and nothing else changes"
    );
    assert_eq!(
        Migrator::get_pending_migrations(&t.db)
            .await
            .expect("status")
            .len(),
        2
    );
    Migrator::up(&t.db, None).await.expect("apply them again");
    assert_eq!(present(&t).await, TABLES.to_vec());
}
