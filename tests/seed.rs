//! `cargo run -- seed`: the benchmark data set, and every seeded user can sign in.

mod common;

use common::{TestDb, rows};
use fwitter::seed::{DEMO_PASSWORD, run};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use service::assoc::testing::FreshDb;
use std::process::Command;

#[tokio::test]
async fn seeding_fills_an_empty_database_and_every_user_has_the_demo_password() {
    let t = TestDb::new().await;
    run(&t.db, 1).await.expect("seed scale 1");
    assert_eq!(rows(&t.db, "users").await, 1_000);
    assert_eq!(rows(&t.db, "tweets").await, 10_000);
    assert_eq!(rows(&t.db, "hearts").await, 50_000);
    assert_eq!(rows(&t.db, "follows").await, 20_000);
    assert_eq!(rows(&t.db, "messages").await, 5_000);

    let user = service::users::find_user_by_username(&t.db, "user1")
        .await
        .unwrap()
        .expect("user1");
    let hash = user.password_hash.expect("a password hash");
    assert!(fwitter::auth::verify_password(DEMO_PASSWORD.to_owned(), hash.clone()).await);
    let last = entity::user::Entity::find_by_id(1_000)
        .one(&t.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.password_hash.as_deref(), Some(hash.as_str()));

    // On PostgreSQL the seed leaves the tables vacuumed: every page marked all-visible
    // in the visibility map, so index-only scans read no table page (ANALYZE alone
    // leaves none marked after a bulk load).
    if t.db.get_database_backend() == DbBackend::Postgres {
        let unmarked =
            t.db.query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT relname FROM pg_class WHERE relname IN \
                 ('users', 'tweets', 'hearts', 'follows', 'messages') \
                 AND (relallvisible < relpages OR relpages = 0)",
            ))
            .await
            .unwrap();
        let names: Vec<String> = unmarked
            .iter()
            .map(|r| r.try_get("", "relname").unwrap())
            .collect();
        assert!(
            names.is_empty(),
            "tables with pages not all-visible: {names:?}"
        );
    }

    let again = run(&t.db, 1).await.expect_err("a second seed is refused");
    assert!(again.to_string().contains("already has data"), "{again}");
    assert_eq!(rows(&t.db, "users").await, 1_000, "and writes nothing");
}

/// `fwitter seed` as a user runs it: when it exits, the database holds every row and
/// every user signs in. On SQLite the file alone holds them (the seed checkpoints its
/// write-ahead log and empties it), so a copy of the file without its log, which is
/// what the load tests run on, has them too.
#[tokio::test]
async fn the_seed_command_leaves_every_row_in_the_database_file() {
    let fresh = FreshDb::shared("seedcli").await.expect("a fresh database");
    let out = Command::new(env!("CARGO_BIN_EXE_fwitter"))
        .args(["seed", "--scale", "1"])
        .env("DATABASE_URL", fresh.url())
        .output()
        .expect("run fwitter seed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = fresh
        .url()
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next());
    let copy = file.map(|path| {
        let log = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
        assert_eq!(log, 0, "the write-ahead log is left empty");
        let copy = format!("{path}-copy");
        std::fs::copy(path, &copy).expect("copy the file alone");
        Removed(copy)
    });
    let url = match &copy {
        Some(Removed(copy)) => format!("sqlite://{copy}?mode=ro"),
        None => fresh.url().to_owned(),
    };
    let db = sea_orm::Database::connect(&url).await.expect("connect");
    assert_eq!(rows(&db, "users").await, 1_000);
    assert_eq!(rows(&db, "messages").await, 5_000);
    let user = service::users::find_user_by_username(&db, "user2")
        .await
        .unwrap()
        .expect("user2");
    let hash = user.password_hash.expect("the demo password's hash");
    assert!(fwitter::auth::verify_password(DEMO_PASSWORD.to_owned(), hash).await);
    db.close().await.expect("close");
}

/// A file removed when the test ends, pass or fail.
struct Removed(String);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
