//! The schema history: every migration goes up, comes all the way down leaving no
//! table behind, and goes up again, on whichever backend `DATABASE_URL` names.

mod common;

use common::TestDb;
use migration::{Migrator, MigratorTrait, SchemaManager};

/// The tables of the current schema, and `sessions`, which the history creates and
/// its newest migrations drop again (sessions moved to an encrypted cookie).
const TABLES: [&str; 13] = common::TABLES;
const DROPPED: &str = "sessions";

/// Every table the history ever creates, in that order.
fn ever() -> Vec<&'static str> {
    let mut all = TABLES.to_vec();
    all.push(DROPPED);
    all
}

async fn present(t: &TestDb) -> Vec<&'static str> {
    let manager = SchemaManager::new(&t.db);
    let mut out = Vec::new();
    for table in ever() {
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
        ever(),
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
