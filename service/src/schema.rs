//! The whole schema as the toolkit sees it: every entity's `belongs_to` relations and
//! the counter caches, for dependent rules and the foreign-key check.

use entity::{
    appointment, artist, doctor, follow, genre, heart, item, message, patient, song, tweet, user,
    user_item,
};
use sea_orm::RelationTrait;

use crate::assoc::{CounterCache, Graph};

/// `tweets.hearts_count`, counting `hearts` by `tweet_id`.
pub fn hearts_counter() -> CounterCache {
    CounterCache::new(heart::Relation::Tweet.def(), tweet::Column::HeartsCount)
}

/// Every table of the workspace, with its rules.
pub fn graph() -> Graph {
    Graph::new()
        .entity(user::Entity)
        .entity(tweet::Entity)
        .entity(heart::Entity)
        .entity(message::Entity)
        .entity(follow::Entity)
        .entity(item::Entity)
        .entity(user_item::Entity)
        .entity(doctor::Entity)
        .entity(patient::Entity)
        .entity(appointment::Entity)
        .entity(artist::Entity)
        .entity(genre::Entity)
        .entity(song::Entity)
        .counter_cache(hearts_counter())
}
