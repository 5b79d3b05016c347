//! `tweets`: `belongs_to :user`, `has_many :hearts, dependent: :destroy`.
//!
//! `hearts_count` is a counter cache (`belongs_to :tweet, counter_cache: true` on the
//! heart side): the toolkit keeps it right in the same transaction as every heart row
//! it writes or deletes, and `assoc::counter::verify` finds drift.
//!
//! The users who hearted a tweet are the [`Likers`] link rather than a
//! `has_many, via = "heart"` field: the tweet already reaches `users` through its
//! author, and SeaORM 2.0.4 cannot hold two relations to one entity (issue #3081).

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tweets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub user_id: i32,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// The lessons' "date".
    pub created_at: DateTimeUtc,
    /// Rails' `t.timestamps` pair: set with `created_at` when the tweet is posted (a
    /// tweet is never edited; the counter cache moving is not an edit, as Rails'
    /// `update_counters` does not touch it either).
    pub updated_at: DateTimeUtc,
    pub hearts_count: i32,

    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::user::Entity>,
    #[sea_orm(has_many)]
    pub hearts: HasMany<super::heart::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}

// ANCHOR: Likers
/// `has_many :likers, through: :hearts, source: :user`.
#[derive(Debug, Clone, Copy)]
pub struct Likers;
// ANCHOR_END: Likers

impl Linked for Likers {
    type FromEntity = Entity;
    type ToEntity = super::user::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            super::heart::Relation::Tweet.def().rev(),
            super::heart::Relation::User.def(),
        ]
    }
}
