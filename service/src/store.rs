//! The store lesson: users have many items through user_items.

use entity::{item, user, user_item};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, ModelTrait, QueryOrder,
    TransactionTrait,
};

use crate::assoc::{self, Attached, LinkError, Side};
use crate::input::Name;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("user {0} not found")]
    UserNotFound(i32),
    #[error("item {0} not found")]
    ItemNotFound(i32),
    #[error("user {user_id} already owns item {item_id}")]
    AlreadyOwned { user_id: i32, item_id: i32 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Puts a new item in the store.
///
/// # Errors
/// [`StoreError::Db`].
pub async fn add_item<C: ConnectionTrait>(db: &C, name: Name) -> Result<item::Model, StoreError> {
    Ok(item::ActiveModel {
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

// ANCHOR: buy_item
/// `user.items << item`: the user buys the item, once.
///
/// # Errors
/// [`StoreError::UserNotFound`], [`StoreError::ItemNotFound`],
/// [`StoreError::AlreadyOwned`], [`StoreError::Db`]; nothing is written on error.
pub async fn buy_item<C>(db: &C, user_id: i32, item_id: i32) -> Result<(), StoreError>
where
    C: ConnectionTrait + TransactionTrait,
{
    match assoc::join::attach::<user_item::Entity, _>(db, user_id, item_id).await {
        Ok(Attached::Created) => Ok(()),
        Ok(Attached::AlreadyLinked) => Err(StoreError::AlreadyOwned { user_id, item_id }),
        Err(LinkError::MissingParent {
            side: Side::Left, ..
        }) => Err(StoreError::UserNotFound(user_id)),
        // user_items joins users to items: never a self-link.
        Err(LinkError::MissingParent { .. } | LinkError::SelfLink { .. }) => {
            Err(StoreError::ItemNotFound(item_id))
        }
        Err(LinkError::Db(e)) => Err(e.into()),
    }
}
// ANCHOR_END: buy_item

// ANCHOR: user_items
/// `user.items`, by name: one statement, through `user_items`.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn user_items<C: ConnectionTrait>(
    db: &C,
    user: &user::Model,
) -> Result<Vec<item::Model>, DbErr> {
    user.find_related(item::Entity)
        .order_by_asc(item::Column::Name)
        .all(db)
        .await
}
// ANCHOR_END: user_items

/// `item.users`: who bought it, by username: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn item_buyers<C: ConnectionTrait>(
    db: &C,
    item: &item::Model,
) -> Result<Vec<user::Model>, DbErr> {
    item.find_related(user::Entity)
        .order_by_asc(user::Column::Username)
        .all(db)
        .await
}
