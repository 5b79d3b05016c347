//! The schema history: every migration goes up, comes all the way down leaving no
//! table behind, and goes up again, on whichever backend `DATABASE_URL` names.

use chrono::{TimeZone, Utc};
use entity::{tweet, user};
use migration::{Migrator, MigratorTrait, Query, SchemaManager};
use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, Statement};
use service::input::TweetBody;
use testkit::TestDb;

/// The tables of the current schema, and `sessions`, which the history creates and
/// its newest migrations drop again (sessions moved to an encrypted cookie).
const TABLES: [&str; 13] = testkit::TABLES;
const DROPPED: &str = "sessions";

/// Every table the history ever creates, in that order.
fn ever() -> Vec<&'static str> {
    let mut all = TABLES.to_vec();
    all.push(DROPPED);
    all
}

/// `tweets`' storage options on PostgreSQL (`["fillfactor=70"]`); empty elsewhere.
async fn tweets_options(t: &TestDb) -> Vec<String> {
    if t.db.get_database_backend() != DbBackend::Postgres {
        return Vec::new();
    }
    let row =
        t.db.query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT coalesce(reloptions, '{}') AS o FROM pg_class WHERE relname = 'tweets'",
        ))
        .await
        .expect("read pg_class")
        .expect("tweets is there");
    row.try_get("", "o").expect("reloptions")
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
    let manager = SchemaManager::new(&t.db);
    let pg = t.db.get_database_backend() == DbBackend::Postgres;
    let room = if pg {
        vec!["fillfactor=70".to_owned()]
    } else {
        Vec::new()
    };
    assert_eq!(tweets_options(&t).await, room);
    Migrator::down(&t.db, Some(1)).await.expect("roll back one");
    for cached in ["followers_count", "following_count"] {
        assert!(
            !manager
                .has_column("users", cached)
                .await
                .expect("ask for the column"),
            "the newest migration only added the follow counts: {cached}"
        );
    }
    assert_eq!(tweets_options(&t).await, room, "and nothing older");
    Migrator::down(&t.db, Some(1))
        .await
        .expect("roll back the fillfactor");
    assert!(
        tweets_options(&t).await.is_empty(),
        "the newest migration only left room in tweets' pages (PostgreSQL)"
    );
    assert!(
        manager
            .has_index("tweets", "idx-tweets-created_at-id")
            .await
            .expect("ask for the index"),
        "and nothing older"
    );
    Migrator::down(&t.db, Some(1))
        .await
        .expect("roll back the keyset indexes");
    assert_eq!(
        present(&t).await,
        TABLES.to_vec(),
        "the keyset migration only changed indexes"
    );
    assert!(
        !manager
            .has_index("tweets", "idx-tweets-created_at-id")
            .await
            .expect("ask for the index"),
        "rolling it back drops the keyset indexes"
    );
    assert!(
        manager
            .has_index("tweets", "idx-tweets-user_id-created_at")
            .await
            .expect("ask for the index"),
        "and brings back the index they replaced"
    );
    assert!(
        manager
            .has_column("tweets", "updated_at")
            .await
            .expect("ask for the column"),
        "and nothing older"
    );
    Migrator::down(&t.db, Some(1))
        .await
        .expect("roll back another");
    assert!(
        !manager
            .has_column("tweets", "updated_at")
            .await
            .expect("ask for the column"),
        "the one before drops tweets.updated_at"
    );
    Migrator::down(&t.db, Some(2))
        .await
        .expect("roll back two more");
    assert_eq!(
        present(&t).await,
        ever(),
        "undoing the index drop and the sessions drop brings `sessions` back and nothing else"
    );
    assert_eq!(
        Migrator::get_pending_migrations(&t.db)
            .await
            .expect("status")
            .len(),
        6
    );
    Migrator::up(&t.db, None).await.expect("apply them again");
    assert_eq!(present(&t).await, TABLES.to_vec());
    assert_eq!(tweets_options(&t).await, room);
}

#[tokio::test]
async fn tweets_posted_before_updated_at_existed_get_their_created_at() {
    let t = TestDb::new().await;
    Migrator::down(&t.db, Some(4))
        .await
        .expect("back to tweets without updated_at");
    let manager = SchemaManager::new(&t.db);
    let ann = old_user(&manager, 1, "ann").await;
    let posted = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    manager
        .exec_stmt(
            Query::insert()
                .into_table("tweets")
                .columns(["user_id", "content", "created_at", "hearts_count"])
                .values_panic([ann.into(), "before".into(), posted.into(), 0.into()])
                .to_owned(),
        )
        .await
        .expect("insert a tweet the old way");

    Migrator::up(&t.db, None).await.expect("add updated_at");
    let tweets = tweet::Entity::find().all(&t.db).await.expect("read tweets");
    assert_eq!(tweets.len(), 1);
    assert_eq!(tweets[0].created_at, posted);
    assert_eq!(tweets[0].updated_at, posted, "backfilled from created_at");

    let new = service::tweets::post_tweet(&t.db, ann, TweetBody::parse("after").unwrap())
        .await
        .expect("post");
    assert_eq!(
        new.updated_at, new.created_at,
        "set with created_at on insert"
    );
}

/// A user inserted as a schema older than the entity would (no follow counts): `id`.
async fn old_user(manager: &SchemaManager<'_>, id: i32, name: &str) -> i32 {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    manager
        .exec_stmt(
            Query::insert()
                .into_table("users")
                .columns([
                    "id",
                    "username",
                    "email",
                    "salutation",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    id.into(),
                    name.into(),
                    format!("{name}@example.com").into(),
                    name.into(),
                    at.into(),
                    at.into(),
                ])
                .to_owned(),
        )
        .await
        .expect("insert a user the old way");
    id
}

#[tokio::test]
async fn the_follow_counts_start_at_the_follows_already_there() {
    let t = TestDb::new().await;
    Migrator::down(&t.db, Some(1))
        .await
        .expect("back to users without follow counts");
    let manager = SchemaManager::new(&t.db);
    let (ann, bob, cat) = (
        old_user(&manager, 1, "ann").await,
        old_user(&manager, 2, "bob").await,
        old_user(&manager, 3, "cat").await,
    );
    let at = Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap();
    for (follower, followed) in [(ann, bob), (cat, bob), (bob, ann)] {
        manager
            .exec_stmt(
                Query::insert()
                    .into_table("follows")
                    .columns(["follower_id", "followed_id", "created_at"])
                    .values_panic([follower.into(), followed.into(), at.into()])
                    .to_owned(),
            )
            .await
            .expect("insert a follow the old way");
    }

    Migrator::up(&t.db, None)
        .await
        .expect("add the follow counts");
    let counts = |u: &user::Model| (u.username.clone(), u.followers_count, u.following_count);
    let mut users: Vec<_> = user::Entity::find()
        .all(&t.db)
        .await
        .expect("read users")
        .iter()
        .map(counts)
        .collect();
    users.sort();
    assert_eq!(
        users,
        [
            ("ann".to_owned(), 1, 1),
            ("bob".to_owned(), 2, 1),
            ("cat".to_owned(), 0, 1)
        ]
    );
    // From here on the service keeps them.
    service::follows::follow_user(&t.db, ann, cat)
        .await
        .expect("follow");
    let cat_row = user::Entity::find_by_id(cat)
        .one(&t.db)
        .await
        .expect("read cat")
        .expect("cat");
    assert_eq!((cat_row.followers_count, cat_row.following_count), (1, 1));
}
