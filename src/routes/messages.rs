//! Direct messages: inbox, sent, compose, one message, a conversation. Only the
//! sender and the receiver ever see a message; anyone else gets 404.

use crate::session::Session;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use service::input::MessageBody;
use service::messages::MessageError;

use super::home::INVALID;
use crate::AppState;
use crate::auth::RequireUser;
use crate::error::{AppError, AppResult};
use crate::views::{ComposePage, ConversationPage, Layout, MailboxPage, MessagePage, MessageRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/messages", get(inbox).post(send))
        .route("/messages/sent", get(sent))
        .route("/messages/new", get(compose))
        .route("/messages/{id}", get(show))
        .route("/conversations/{username}", get(conversation))
}

#[derive(Deserialize)]
struct ComposeQuery {
    to: Option<String>,
}

#[derive(Deserialize)]
struct NewMessage {
    to: String,
    body: String,
    /// Set when the form is the one under a conversation.
    from_conversation: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
) -> AppResult<Response> {
    let messages = service::messages::inbox(&state.db, me.id).await?;
    let layout = Layout::new(&session, Some(&me), "Inbox");
    super::ok(&MailboxPage {
        layout,
        heading: "Inbox".into(),
        sent: false,
        messages: messages.iter().map(MessageRow::from).collect(),
    })
}

async fn sent(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
) -> AppResult<Response> {
    let messages = service::messages::sent_messages(&state.db, me.id).await?;
    let layout = Layout::new(&session, Some(&me), "Sent");
    super::ok(&MailboxPage {
        layout,
        heading: "Sent".into(),
        sent: true,
        messages: messages.iter().map(MessageRow::from).collect(),
    })
}

async fn compose(
    session: Session,
    RequireUser(me): RequireUser,
    Query(q): Query<ComposeQuery>,
) -> AppResult<Response> {
    let layout = Layout::new(&session, Some(&me), "New message");
    super::ok(&ComposePage {
        layout,
        to: q.to.unwrap_or_default(),
        body: String::new(),
        error: None,
    })
}

async fn send(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Form(form): Form<NewMessage>,
) -> AppResult<Response> {
    let to = form.to.trim().to_owned();
    let refused = match MessageBody::parse(&form.body) {
        Err(e) => e.to_string(),
        Ok(body) => match service::messages::send_message(&state.writer, me.id, &to, body).await {
            Ok(_) => return Ok(Redirect::to(&format!("/conversations/{to}")).into_response()),
            Err(MessageError::ReceiverNotFound(name)) => format!("There is no user named {name}."),
            Err(MessageError::SenderNotFound(_)) => return Err(AppError::SignInRequired),
            Err(MessageError::Db(e)) => return Err(e.into()),
        },
    };
    if form.from_conversation.is_some() {
        if let Some(other) = service::users::find_user_by_username(&state.db, &to).await? {
            let page =
                conversation_page(&state, &session, &me, other, form.body, Some(refused)).await?;
            return super::page(INVALID, &page);
        }
    }
    let layout = Layout::new(&session, Some(&me), "New message");
    super::page(
        INVALID,
        &ComposePage {
            layout,
            to,
            body: form.body,
            error: Some(refused),
        },
    )
}

async fn show(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Path(id): Path<i32>,
) -> AppResult<Response> {
    let view = service::messages::message_for(&state.db, me.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let layout = Layout::new(&session, Some(&me), "Message");
    super::ok(&MessagePage {
        layout,
        message: MessageRow::from(&view),
    })
}

async fn conversation(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Path(username): Path<String>,
) -> AppResult<Response> {
    let other = service::users::find_user_by_username(&state.db, &username)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = conversation_page(&state, &session, &me, other, String::new(), None).await?;
    super::ok(&page)
}

async fn conversation_page(
    state: &AppState,
    session: &Session,
    me: &entity::user::Model,
    other: entity::user::Model,
    body: String,
    error: Option<String>,
) -> AppResult<ConversationPage> {
    let messages = service::messages::conversation(&state.db, me.id, other.id).await?;
    Ok(ConversationPage {
        layout: Layout::new(session, Some(me), format!("With @{}", other.username)),
        messages: messages.iter().map(MessageRow::from).collect(),
        other,
        body,
        error,
    })
}
