//! The toolkit's own fixture schema, a small blog that knows nothing of fwitter, with
//! a key of every kind the toolkit promises:
//!
//! | table | key | belongs to |
//! |---|---|---|
//! | `people` | `i64` | |
//! | `posts` | `i64` | a person (`Cascade`) |
//! | `tags` | `String` (the name), with `taggings_count` | |
//! | `taggings` | the pair | a post (`Cascade`), a tag (`Restrict`) |
//! | `comments` | `i64` | a post (`Cascade`), an author (`SetNull`, optional) |
//! | `follows` | the pair | two people (`Cascade`); a CHECK refuses a self-follow |
//!
//! `people` and `follows` are the doc examples' fixture tables, reused.
//! | `links` | `Uuid`, with `bookmarks_count` | |
//! | `bookmarks` | the pair | a person (`Cascade`), a link (`Cascade`) |
//!
//! Each test gets a fresh database on the backend `DATABASE_URL` names
//! (`sea_orm_assoc::testing::FreshDb`), with these tables created from the entities.

#![allow(dead_code)]

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectOptions, ConnectionTrait, Database,
    DatabaseConnection, EntityTrait, Schema,
};
use sea_orm_assoc::testing::FreshDb;
use sea_orm_assoc::{CounterCache, JoinTable, QueryLog, Registry};
use uuid::Uuid;

// People and the self-referential follows (with its `JoinTable`) are the doc
// examples' own (`sea_orm_assoc::doc_fixture`): the same tables, declared once.
pub use sea_orm_assoc::doc_fixture::{follow, person};

pub mod post {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub author_id: i64,
        pub title: String,
        #[sea_orm(belongs_to, from = "author_id", to = "id", on_delete = "Cascade")]
        pub author: BelongsTo<super::person::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tag {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub taggings_count: i32,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tagging {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "taggings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag_name: String,
        #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
        pub post: BelongsTo<super::post::Entity>,
        #[sea_orm(belongs_to, from = "tag_name", to = "name", on_delete = "Restrict")]
        pub tag: BelongsTo<super::tag::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod comment {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub post_id: i64,
        pub author_id: Option<i64>,
        pub body: String,
        #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
        pub post: BelongsTo<super::post::Entity>,
        #[sea_orm(belongs_to, from = "author_id", to = "id", on_delete = "SetNull")]
        pub author: BelongsTo<Option<super::person::Entity>>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod link {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "links")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub url: String,
        pub bookmarks_count: i64,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod bookmark {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bookmarks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub link_id: Uuid,
        #[sea_orm(belongs_to, from = "person_id", to = "id", on_delete = "Cascade")]
        pub person: BelongsTo<super::person::Entity>,
        #[sea_orm(belongs_to, from = "link_id", to = "id", on_delete = "Cascade")]
        pub link: BelongsTo<super::link::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

use sea_orm::{RelationDef, RelationTrait};

/// A post's tags: `i64` on the left, a `String` key on the right, and the tag's
/// `taggings_count` as the counter cache.
impl JoinTable for tagging::Entity {
    type Left = i64;
    type Right = String;
    fn left() -> RelationDef {
        tagging::Relation::Post.def()
    }
    fn right() -> RelationDef {
        tagging::Relation::Tag.def()
    }
    fn new_row(post_id: i64, tag_name: String) -> tagging::ActiveModel {
        tagging::ActiveModel {
            post_id: Set(post_id),
            tag_name: Set(tag_name),
        }
    }
    fn counter_cache() -> Option<CounterCache> {
        Some(taggings_counter())
    }
}

/// A person's bookmarks: `i64` on the left, a `Uuid` on the right, with the link's
/// `bookmarks_count`.
impl JoinTable for bookmark::Entity {
    type Left = i64;
    type Right = Uuid;
    fn left() -> RelationDef {
        bookmark::Relation::Person.def()
    }
    fn right() -> RelationDef {
        bookmark::Relation::Link.def()
    }
    fn new_row(person_id: i64, link_id: Uuid) -> bookmark::ActiveModel {
        bookmark::ActiveModel {
            person_id: Set(person_id),
            link_id: Set(link_id),
        }
    }
    fn counter_cache() -> Option<CounterCache> {
        Some(bookmarks_counter())
    }
}

pub fn taggings_counter() -> CounterCache {
    CounterCache::new(tagging::Relation::Tag.def(), tag::Column::TaggingsCount)
}

pub fn bookmarks_counter() -> CounterCache {
    CounterCache::new(bookmark::Relation::Link.def(), link::Column::BookmarksCount)
}

/// The blog's registry, as an application would build it once.
pub fn registry() -> Registry {
    Registry::new()
        .entity(person::Entity)
        .entity(post::Entity)
        .entity(tag::Entity)
        .entity(tagging::Entity)
        .entity(comment::Entity)
        .entity(follow::Entity)
        .entity(link::Entity)
        .entity(bookmark::Entity)
        .counter_cache(taggings_counter())
        .counter_cache(bookmarks_counter())
}

/// A fresh database with the blog's tables, a query log, and what removes it.
pub struct Blog {
    pub db: DatabaseConnection,
    pub log: QueryLog,
    _fresh: FreshDb,
}

impl Blog {
    /// One connection (an in-memory SQLite database is private to its connection).
    pub async fn new() -> Self {
        Self::create(FreshDb::new("assoc").await.expect("a fresh database"), 1).await
    }

    /// A pool of several connections, for the race tests.
    pub async fn concurrent() -> Self {
        let fresh = FreshDb::shared("assoc").await.expect("a fresh database");
        Self::create(fresh, 8).await
    }

    async fn create(fresh: FreshDb, connections: u32) -> Self {
        let mut options = ConnectOptions::new(fresh.url());
        options.max_connections(connections).sqlx_logging(false);
        let mut db = Database::connect(options).await.expect("connect");
        if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            db.execute_unprepared("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000")
                .await
                .expect("pragmas");
        }
        let schema = Schema::new(db.get_database_backend());
        let mut follows = schema.create_table_from_entity(follow::Entity);
        // Named without any convention the toolkit could rely on: it recognises a
        // CHECK refusal by its kind.
        follows.check((
            sea_orm::sea_query::Alias::new("no_loops"),
            Expr::col(follow::Column::FollowerId).ne(Expr::col(follow::Column::FollowedId)),
        ));
        for table in [
            schema.create_table_from_entity(person::Entity),
            schema.create_table_from_entity(post::Entity),
            schema.create_table_from_entity(tag::Entity),
            schema.create_table_from_entity(tagging::Entity),
            schema.create_table_from_entity(comment::Entity),
            follows,
            schema.create_table_from_entity(link::Entity),
            schema.create_table_from_entity(bookmark::Entity),
        ] {
            db.execute(&table).await.expect("create a fixture table");
        }
        let log = QueryLog::install(&mut db);
        Blog {
            db,
            log,
            _fresh: fresh,
        }
    }

    pub async fn person(&self, id: i64, name: &str) {
        person::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
        }
        .insert(&self.db)
        .await
        .expect("insert a person");
    }

    pub async fn post(&self, id: i64, author_id: i64, title: &str) {
        post::ActiveModel {
            id: Set(id),
            author_id: Set(author_id),
            title: Set(title.to_owned()),
        }
        .insert(&self.db)
        .await
        .expect("insert a post");
    }

    pub async fn tag(&self, name: &str) {
        tag::ActiveModel {
            name: Set(name.to_owned()),
            taggings_count: Set(0),
        }
        .insert(&self.db)
        .await
        .expect("insert a tag");
    }

    pub async fn comment(&self, id: i64, post_id: i64, author_id: Option<i64>) {
        comment::ActiveModel {
            id: Set(id),
            post_id: Set(post_id),
            author_id: Set(author_id),
            body: Set("nice".to_owned()),
        }
        .insert(&self.db)
        .await
        .expect("insert a comment");
    }

    pub async fn link(&self, url: &str) -> Uuid {
        let id = Uuid::new_v4();
        link::ActiveModel {
            id: Set(id),
            url: Set(url.to_owned()),
            bookmarks_count: Set(0),
        }
        .insert(&self.db)
        .await
        .expect("insert a link");
        id
    }

    pub async fn taggings_count(&self, name: &str) -> i32 {
        tag::Entity::find_by_id(name.to_owned())
            .one(&self.db)
            .await
            .expect("read a tag")
            .expect("the tag")
            .taggings_count
    }

    pub async fn bookmarks_count(&self, id: Uuid) -> i64 {
        link::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .expect("read a link")
            .expect("the link")
            .bookmarks_count
    }

    /// Rows in a table.
    pub async fn rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                self.db.get_database_backend(),
                sql,
            ))
            .await
            .expect("count")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a count")
    }
}
