//! `cargo run -- seed`: the benchmark data set, and every seeded user can sign in.

mod common;

use common::{TestDb, rows};
use fwitter::seed::{DEMO_PASSWORD, run};
use sea_orm::EntityTrait;

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

    let again = run(&t.db, 1).await.expect_err("a second seed is refused");
    assert!(again.to_string().contains("already has data"), "{again}");
    assert_eq!(rows(&t.db, "users").await, 1_000, "and writes nothing");
}
