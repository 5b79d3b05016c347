//! Direct messages: inbox, sent, compose, one message, a conversation. Only the
//! sender and the receiver ever see a message; anyone else gets 404.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use service::input::{InputError, MessageBody, Username};
use service::messages::MessageError;

use super::home::INVALID;
use crate::AppState;
use crate::auth::RequireUser;
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::routes::{PageQuery, Pager};
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
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page =
        service::messages::inbox_page(&state.db, me.id, q.cursor()?.as_ref(), q.per()).await?;
    let layout = Layout::new(&session, Some(&me), "Inbox");
    super::ok(&MailboxPage {
        layout,
        heading: "Inbox".into(),
        sent: false,
        messages: page.items.iter().map(MessageRow::from).collect(),
        pager: Pager::new("/messages", &q, page.newer.as_ref(), page.older.as_ref()),
    })
}

async fn sent(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let page =
        service::messages::sent_page(&state.db, me.id, q.cursor()?.as_ref(), q.per()).await?;
    let layout = Layout::new(&session, Some(&me), "Sent");
    super::ok(&MailboxPage {
        layout,
        heading: "Sent".into(),
        sent: true,
        messages: page.items.iter().map(MessageRow::from).collect(),
        pager: Pager::new(
            "/messages/sent",
            &q,
            page.newer.as_ref(),
            page.older.as_ref(),
        ),
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
    let refused = match (recipient(&form.to), MessageBody::parse(&form.body)) {
        (Err(refused), _) => refused,
        (_, Err(e)) => e.to_string(),
        (Ok(to), Ok(body)) => {
            match service::messages::send_message(&state.writer, me.id, to.as_str(), body).await {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/conversations/{}", to.as_str())).into_response()
                    );
                }
                Err(MessageError::ReceiverNotFound(name)) => {
                    format!("There is no user named {name}.")
                }
                Err(MessageError::SenderNotFound(_)) => return Err(AppError::SignInRequired),
                Err(MessageError::Db(e)) => return Err(e.into()),
            }
        }
    };
    if form.from_conversation.is_some()
        && let Ok(name) = Username::parse(&to)
        && let Some(other) = service::users::find_user_by_username(&state.db, name.as_str()).await?
    {
        let page = conversation_page(
            &state,
            &session,
            &me,
            other,
            &PageQuery::default(),
            form.body,
            Some(refused),
        )
        .await?;
        return super::page(INVALID, &page);
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

/// The `to` field as a username; a name no user can have is refused without a query,
/// and a control character is named.
fn recipient(raw: &str) -> Result<Username, String> {
    Username::parse(raw).map_err(|e| match e {
        InputError::ControlCharacter { found, .. } => InputError::ControlCharacter {
            field: "recipient",
            found,
        }
        .to_string(),
        InputError::Blank { .. } => "Say who the message is for.".to_owned(),
        _ => format!("There is no user named {}.", raw.trim()),
    })
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
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    // A name no user can have (a NUL, a space) is not looked up: 404.
    let username = Username::parse(&username).map_err(|_| AppError::NotFound)?;
    let other = service::users::find_user_by_username(&state.db, username.as_str())
        .await?
        .ok_or(AppError::NotFound)?;
    let page = conversation_page(&state, &session, &me, other, &q, String::new(), None).await?;
    super::ok(&page)
}

async fn conversation_page(
    state: &AppState,
    session: &Session,
    me: &entity::user::Model,
    other: entity::user::Model,
    q: &PageQuery,
    body: String,
    error: Option<String>,
) -> AppResult<ConversationPage> {
    let page = service::messages::conversation_page(
        &state.db,
        me.id,
        other.id,
        q.cursor()?.as_ref(),
        q.per(),
    )
    .await?;
    let path = format!("/conversations/{}", other.username);
    Ok(ConversationPage {
        layout: Layout::new(session, Some(me), format!("With @{}", other.username)),
        messages: page.items.iter().map(MessageRow::from).collect(),
        pager: Pager::new(&path, q, page.newer.as_ref(), page.older.as_ref()).oldest_first(),
        other,
        body,
        error,
    })
}
