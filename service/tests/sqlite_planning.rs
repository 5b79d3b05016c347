//! SQLite's query planner stability guarantee (`service::db::plan_once`): every
//! connection the pools open plans a statement once, instead of again for each value
//! bound once `ANALYZE` has written `sqlite_stat4`. SQLite only: on the servers each
//! test returns at once.

use sea_orm::DbBackend;
use sea_orm::sqlx::sqlite::SqliteConnection;
use sea_orm::sqlx::{Connection, Executor};
use service::db::{plan_once, plans_once};
use testkit::TestDb;

#[tokio::test]
async fn a_plain_connection_plans_once_only_when_told() {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
    assert!(
        !plans_once(&mut conn).await.unwrap(),
        "SQLite's default: off"
    );
    plan_once(&mut conn).await.unwrap();
    assert!(plans_once(&mut conn).await.unwrap());
    // The connection still works.
    conn.execute("SELECT 1").await.unwrap();
}

#[tokio::test]
async fn every_connection_of_seaorms_pool_plans_once() {
    let t = TestDb::concurrent().await;
    if t.backend() != DbBackend::Sqlite {
        return;
    }
    let pool = t.db.get_sqlite_connection_pool();
    // More than one connection: each is set up as it opens.
    let mut first = pool.acquire().await.unwrap();
    let mut second = pool.acquire().await.unwrap();
    assert!(plans_once(&mut first).await.unwrap());
    assert!(plans_once(&mut second).await.unwrap());
}
