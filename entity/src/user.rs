//! `users`: the person behind every lesson.
//!
//! ```ruby
//! class User < ApplicationRecord
//!   has_many :tweets, dependent: :destroy
//!   has_many :hearts, dependent: :destroy
//!   has_many :liked_tweets, through: :hearts, source: :tweet
//!   has_many :sent_messages, class_name: "Message", foreign_key: :sender_id
//!   has_many :received_messages, class_name: "Message", foreign_key: :receiver_id
//!   has_many :followers / :following, through: :follows   # self-referential
//!   has_many :items, through: :user_items
//! end
//! ```
//!
//! # Posted tweets and liked tweets (SeaORM issue #3081)
//! A user reaches `tweets` twice: the ones they posted (`tweets.user_id`) and the ones
//! they hearted (through `hearts`). SeaORM 2.0.4 cannot declare the second as a
//! `has_many, via = "heart"` field next to the first: with `relation_enum` on both it
//! compiles, but generates no `Related<tweet::Entity>` and never loads the via field.
//! So the posted tweets are the ordinary `tweets` field, and the liked tweets are the
//! [`LikedTweets`] link (user -> hearts -> tweets): one statement with
//! `find_linked`, one batched statement for many users with `find_also_linked`. Both
//! relations load in a constant number of statements, whatever the number of rows.

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub username: String,
    #[sea_orm(unique)]
    pub email: String,
    pub salutation: String,
    /// Argon2 hash; `None` for users made by the lessons' examples, who never sign in.
    pub password_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// How many users follow this one: a counter cache of `follows` by `followed_id`,
    /// moved by every follow, unfollow and destroy (`follow::followers_counter`).
    pub followers_count: i32,
    /// How many users this one follows: `follows` by `follower_id`
    /// (`follow::following_counter`).
    pub following_count: i32,

    #[sea_orm(has_many)]
    pub tweets: HasMany<super::tweet::Entity>,
    #[sea_orm(has_many)]
    pub hearts: HasMany<super::heart::Entity>,
    #[sea_orm(has_many, relation_enum = "SentMessages", via_rel = "Sender")]
    pub sent_messages: HasMany<super::message::Entity>,
    #[sea_orm(has_many, relation_enum = "ReceivedMessages", via_rel = "Receiver")]
    pub received_messages: HasMany<super::message::Entity>,
    /// Users who follow this one: walk into `follows` by `followed_id`, out by `follower_id`.
    #[sea_orm(self_ref, via = "follow", from = "Followed", to = "Follower")]
    pub followers: HasMany<Entity>,
    /// Users this one follows: the same walk, reversed.
    #[sea_orm(self_ref, via = "follow", reverse)]
    pub following: HasMany<Entity>,
    #[sea_orm(has_many)]
    pub user_items: HasMany<super::user_item::Entity>,
    #[sea_orm(has_many, via = "user_item")]
    pub items: HasMany<super::item::Entity>,
}
// ANCHOR_END: model

/// Names for `Entity::load().with(..)`: `user::Entity::load().with(user::Followers)`.
pub use super::follow::Entity as Followers;
pub use super::follow::EntityReverse as Following;

impl ActiveModelBehavior for ActiveModel {}

// ANCHOR: LikedTweets
/// `has_many :liked_tweets, through: :hearts, source: :tweet`, as a link because of
/// SeaORM issue #3081 (see the module header).
#[derive(Debug, Clone, Copy)]
pub struct LikedTweets;
// ANCHOR_END: LikedTweets

impl Linked for LikedTweets {
    type FromEntity = Entity;
    type ToEntity = super::tweet::Entity;

    fn link(&self) -> Vec<RelationDef> {
        vec![
            super::heart::Relation::User.def().rev(),
            super::heart::Relation::Tweet.def(),
        ]
    }
}
