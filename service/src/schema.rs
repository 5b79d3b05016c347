//! The whole schema as the toolkit sees it: every entity's `belongs_to` relations and
//! the counter caches, for dependent rules, the foreign-key audit and the ER diagram.
//! Built once, on first use, and shared by every destroy.

use std::sync::LazyLock;

use entity::{
    appointment, artist, doctor, follow, genre, heart, item, message, patient, song, tweet, user,
    user_item,
};

use crate::assoc::Registry;

pub use entity::follow::{followers_counter, following_counter};
pub use entity::heart::hearts_counter;

// ANCHOR: graph
static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    Registry::new()
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
        .counter_cache(followers_counter())
        .counter_cache(following_counter())
});

/// Every table of the workspace, with its rules.
pub fn registry() -> &'static Registry {
    &REGISTRY
}
// ANCHOR_END: graph

/// The database error for a `restrict` that the schema does not declare on the
/// destroyed table's dependents (only doctors restrict, through appointments): a
/// registry that disagrees with the migrations, which `check_foreign_keys` reports.
pub(crate) fn undeclared_restriction(e: crate::assoc::DestroyError) -> sea_orm::DbErr {
    sea_orm::DbErr::Custom(format!("undeclared restriction: {e}"))
}
