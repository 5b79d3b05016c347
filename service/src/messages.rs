//! Direct messages: a sender and a receiver, both users (aliased `belongs_to`).
//! A message is visible to those two and nobody else; every read here takes the viewer.

use std::collections::HashMap;

use chrono::Utc;
use entity::{message, user};
use sea_orm::sea_query::{Condition, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use crate::assoc::page::Keyset;
use crate::input::MessageBody;
use crate::paging::{Page, TimeCursor};
use sea_orm::prelude::DateTimeUtc;

#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("user {0} not found")]
    SenderNotFound(i32),
    #[error("there is no user named {0}")]
    ReceiverNotFound(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A message with the other party: the sender in an inbox, the receiver in "sent".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub message: message::Model,
    pub sender: user::Model,
    pub receiver: user::Model,
}

// ANCHOR: send_message
/// Sends `body` from `sender_id` to the user named `receiver`.
///
/// # Errors
/// [`MessageError::ReceiverNotFound`], [`MessageError::SenderNotFound`],
/// [`MessageError::Db`]; nothing is written on error.
pub async fn send_message<C: ConnectionTrait>(
    db: &C,
    sender_id: i32,
    receiver: &str,
    body: MessageBody,
) -> Result<message::Model, MessageError> {
    let to = user::Entity::find()
        .filter(user::Column::Username.eq(receiver))
        .one(db)
        .await?
        .ok_or_else(|| MessageError::ReceiverNotFound(receiver.to_owned()))?;
    let row = message::ActiveModel {
        sender_id: Set(sender_id),
        receiver_id: Set(to.id),
        body: Set(body.as_str().to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    row.insert(db).await.map_err(|e| {
        if crate::assoc::error::is_foreign_key_violation(&e) {
            MessageError::SenderNotFound(sender_id)
        } else {
            e.into()
        }
    })
}
// ANCHOR_END: send_message

// ANCHOR: inbox
/// Messages received by `user_id`, newest first: two statements (messages, users).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn inbox<C: ConnectionTrait>(db: &C, user_id: i32) -> Result<Vec<MessageView>, DbErr> {
    let messages = message::Entity::find()
        .filter(message::Column::ReceiverId.eq(user_id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .all(db)
        .await?;
    with_people(db, messages).await
}
// ANCHOR_END: inbox

// ANCHOR: sent_messages
/// Messages sent by `user_id`, newest first: two statements.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn sent_messages<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
) -> Result<Vec<MessageView>, DbErr> {
    let messages = message::Entity::find()
        .filter(message::Column::SenderId.eq(user_id))
        .order_by_desc(message::Column::CreatedAt)
        .order_by_desc(message::Column::Id)
        .all(db)
        .await?;
    with_people(db, messages).await
}
// ANCHOR_END: sent_messages

// ANCHOR: conversation
/// Every message between `a` and `b`, oldest first: two statements.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn conversation<C: ConnectionTrait>(
    db: &C,
    a: i32,
    b: i32,
) -> Result<Vec<MessageView>, DbErr> {
    let messages = message::Entity::find()
        .filter(between(a, b))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(db)
        .await?;
    with_people(db, messages).await
}
// ANCHOR_END: conversation

/// A page of [`inbox`], newest first: two statements, whatever the page.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn inbox_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<MessageView, DateTimeUtc, i32>, DbErr> {
    let mine = message::Entity::find().filter(message::Column::ReceiverId.eq(user_id));
    messages_page(db, mine, newest_first(), at, per).await
}

/// A page of [`sent_messages`], newest first: two statements, whatever the page.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn sent_page<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<MessageView, DateTimeUtc, i32>, DbErr> {
    let mine = message::Entity::find().filter(message::Column::SenderId.eq(user_id));
    messages_page(db, mine, newest_first(), at, per).await
}

/// A page of [`conversation`], oldest first: two statements, whatever the page.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn conversation_page<C: ConnectionTrait>(
    db: &C,
    a: i32,
    b: i32,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<MessageView, DateTimeUtc, i32>, DbErr> {
    let between = message::Entity::find().filter(between(a, b));
    let keyset = Keyset::oldest_first(message::Column::CreatedAt, message::Column::Id);
    messages_page(db, between, keyset, at, per).await
}

fn newest_first() -> Keyset<message::Column, DateTimeUtc, i32> {
    Keyset::newest_first(message::Column::CreatedAt, message::Column::Id)
}

/// The messages between `a` and `b`, in either direction.
fn between(a: i32, b: i32) -> Condition {
    Condition::any()
        .add(
            message::Column::SenderId
                .eq(a)
                .and(message::Column::ReceiverId.eq(b)),
        )
        .add(
            message::Column::SenderId
                .eq(b)
                .and(message::Column::ReceiverId.eq(a)),
        )
}

async fn messages_page<C: ConnectionTrait>(
    db: &C,
    messages: sea_orm::Select<message::Entity>,
    keyset: Keyset<message::Column, DateTimeUtc, i32>,
    at: Option<&TimeCursor>,
    per: u64,
) -> Result<Page<MessageView, DateTimeUtc, i32>, DbErr> {
    let rows: Vec<message::Model> = keyset.rows(db, messages, at, per).await?;
    let page = keyset.page(rows, at, per, |m: &message::Model| (m.created_at, m.id));
    Ok(Page {
        items: with_people(db, page.items).await?,
        older: page.older,
        newer: page.newer,
    })
}

// ANCHOR: message_for
/// One message, if `viewer` sent or received it; `None` otherwise, exactly as if it
/// did not exist, so nobody learns which ids are taken.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn message_for<C: ConnectionTrait>(
    db: &C,
    viewer: i32,
    message_id: i32,
) -> Result<Option<MessageView>, DbErr> {
    let visible = Condition::any()
        .add(message::Column::SenderId.eq(viewer))
        .add(message::Column::ReceiverId.eq(viewer));
    let found = message::Entity::find_by_id(message_id)
        .filter(visible)
        .one(db)
        .await?;
    Ok(with_people(db, found.into_iter().collect()).await?.pop())
}
// ANCHOR_END: message_for

/// Attaches both users to each message with one more statement (the two `belongs_to`
/// point at one table, so one `IN (..)` serves both).
async fn with_people<C: ConnectionTrait>(
    db: &C,
    messages: Vec<message::Model>,
) -> Result<Vec<MessageView>, DbErr> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<i32> = messages
        .iter()
        .flat_map(|m| [m.sender_id, m.receiver_id])
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let people: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(messages
        .into_iter()
        .filter_map(|message| {
            let sender = people.get(&message.sender_id)?.clone();
            let receiver = people.get(&message.receiver_id)?.clone();
            Some(MessageView {
                message,
                sender,
                receiver,
            })
        })
        .collect())
}
