//! The schema the API documentation's examples run on (not part of the API): people
//! with `i64` keys, their posts with a `likes_count` counter cache, the `likes` join,
//! and a self-referential `follows` join. [`db`] gives an in-memory SQLite database
//! with the tables, two people (1 Ann, 2 Bob) and one post (7, by Ann).

use sea_orm::sea_query::{Alias, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, DbErr,
    RelationDef, RelationTrait, Schema,
};

use crate::{CounterCache, JoinTable, Registry};

pub mod person {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "people")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod post {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub author_id: i64,
        pub likes_count: i64,
        #[sea_orm(belongs_to, from = "author_id", to = "id", on_delete = "Cascade")]
        pub author: BelongsTo<super::person::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod like {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "likes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub post_id: i64,
        #[sea_orm(belongs_to, from = "person_id", to = "id", on_delete = "Cascade")]
        pub person: BelongsTo<super::person::Entity>,
        #[sea_orm(belongs_to, from = "post_id", to = "id", on_delete = "Cascade")]
        pub post: BelongsTo<super::post::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod follow {
    use sea_orm::entity::prelude::*;
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "follows")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub follower_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub followed_id: i64,
        #[sea_orm(
            belongs_to,
            relation_enum = "Follower",
            from = "follower_id",
            to = "id",
            on_delete = "Cascade"
        )]
        pub follower: BelongsTo<super::person::Entity>,
        #[sea_orm(
            belongs_to,
            relation_enum = "Followed",
            from = "followed_id",
            to = "id",
            on_delete = "Cascade"
        )]
        pub followed: BelongsTo<super::person::Entity>,
    }
    impl ActiveModelBehavior for ActiveModel {}
}

/// `posts.likes_count`, counting `likes` by `post_id`.
pub fn likes_counter() -> CounterCache {
    CounterCache::new(like::Relation::Post.def(), post::Column::LikesCount)
}

impl JoinTable for like::Entity {
    type Left = i64;
    type Right = i64;
    fn left() -> RelationDef {
        like::Relation::Person.def()
    }
    fn right() -> RelationDef {
        like::Relation::Post.def()
    }
    fn new_row(person_id: i64, post_id: i64) -> like::ActiveModel {
        like::ActiveModel {
            person_id: Set(person_id),
            post_id: Set(post_id),
        }
    }
    fn counter_cache() -> Option<CounterCache> {
        Some(likes_counter())
    }
}

impl JoinTable for follow::Entity {
    type Left = i64;
    type Right = i64;
    fn left() -> RelationDef {
        follow::Relation::Follower.def()
    }
    fn right() -> RelationDef {
        follow::Relation::Followed.def()
    }
    fn new_row(follower_id: i64, followed_id: i64) -> follow::ActiveModel {
        follow::ActiveModel {
            follower_id: Set(follower_id),
            followed_id: Set(followed_id),
        }
    }
}

/// The fixture's registry.
pub fn registry() -> Registry {
    Registry::new()
        .entity(person::Entity)
        .entity(post::Entity)
        .entity(like::Entity)
        .entity(follow::Entity)
        .counter_cache(likes_counter())
}

/// An in-memory SQLite database with the tables, Ann (1), Bob (2) and Ann's post 7.
///
/// # Errors
/// SQLite's.
pub async fn db() -> Result<DatabaseConnection, DbErr> {
    let db = Database::connect("sqlite::memory:").await?;
    let schema = Schema::new(db.get_database_backend());
    let mut follows = schema.create_table_from_entity(follow::Entity);
    follows.check((
        Alias::new("not_self"),
        Expr::col(follow::Column::FollowerId).ne(Expr::col(follow::Column::FollowedId)),
    ));
    for table in [
        schema.create_table_from_entity(person::Entity),
        schema.create_table_from_entity(post::Entity),
        schema.create_table_from_entity(like::Entity),
        follows,
    ] {
        db.execute(&table).await?;
    }
    for (id, name) in [(1, "Ann"), (2, "Bob")] {
        person::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
        }
        .insert(&db)
        .await?;
    }
    post::ActiveModel {
        id: Set(7),
        author_id: Set(1),
        likes_count: Set(0),
    }
    .insert(&db)
    .await?;
    Ok(db)
}
