mod common;
use common::{TestDb, rows, seed};

#[tokio::test]
async fn a_fresh_database_has_every_table_and_no_rows() {
    let t = TestDb::new().await;
    for table in ["users", "tweets", "hearts", "messages", "follows", "items", "user_items", "doctors", "patients", "appointments", "artists", "genres", "songs"] {
        assert_eq!(rows(&t.db, table).await, 0, "{table}");
    }
    let ann = seed::user(&t.db, "ann").await;
    let tw = seed::tweet(&t.db, &ann, "hello").await;
    service::hearts::heart_tweet(&t.db, ann.id, tw.id).await.unwrap();
    let (page, cap) = t.log.capture(service::hearts::user_page(&t.db, ann.id, Some(ann.id))).await;
    let page = page.unwrap().unwrap();
    assert_eq!(page.tweets[0].hearts, 1);
    for s in &cap.statements { println!("{}", s.rendered); }
    assert_eq!(cap.count(), 3);
}
