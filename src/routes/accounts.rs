//! Sign up, sign in, sign out, and deleting your own account.

use crate::session::Session;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use service::assoc::Step;
use service::input::{Email, InputError, Salutation, Username};
use service::users::{NewUser, UserError};

use super::home::INVALID;
use crate::AppState;
use crate::auth::{self, CurrentUser, RequireUser};
use crate::error::{AppError, AppResult};
use crate::extract::Form;
use crate::views::{AccountDeletedPage, AccountPage, Layout, SigninPage, SignupPage};

/// Passwords shorter than this are refused at sign-up.
const MIN_PASSWORD: usize = 8;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
        .route("/account", get(account))
        .route("/account/delete", post(delete_account))
}

#[derive(Deserialize)]
struct SignupForm {
    username: String,
    email: String,
    salutation: String,
    password: String,
}

#[derive(Deserialize)]
struct SigninForm {
    username: String,
    password: String,
}

async fn signup_form(session: Session, CurrentUser(me): CurrentUser) -> AppResult<Response> {
    let layout = Layout::new(&session, me.as_ref(), "Sign up");
    super::ok(&SignupPage {
        layout,
        username: String::new(),
        email: String::new(),
        salutation: String::new(),
        error: None,
    })
}

async fn signup(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    let parsed = match parse_signup(&form) {
        // Every field is checked before the (slow, off-executor) hash is made.
        Ok(mut new) => match auth::hash_password(form.password.clone()).await {
            Ok(hash) => {
                new.password_hash = Some(hash);
                Ok(new)
            }
            Err(e) => return Err(e),
        },
        Err(message) => Err(message),
    };
    let result = match parsed {
        Ok(new) => service::users::register_user(&state.writer, new)
            .await
            .map_err(|e| match e {
                UserError::Db(db) => Err(db),
                other => Ok(other.to_string()),
            }),
        Err(message) => Err(Ok(message)),
    };
    match result {
        Ok(user) => {
            session.sign_in(user.id, &user.username);
            session.set_flash(format!("Welcome, {}!", user.salutation));
            Ok(Redirect::to(&format!("/users/{}", user.id)).into_response())
        }
        Err(Ok(message)) => {
            let layout = Layout::new(&session, None, "Sign up");
            let page = SignupPage {
                layout,
                username: form.username,
                email: form.email,
                salutation: form.salutation,
                error: Some(message),
            };
            super::page(INVALID, &page)
        }
        Err(Err(db)) => Err(db.into()),
    }
}

fn parse_signup(form: &SignupForm) -> Result<NewUser, String> {
    let text = |e: InputError| e.to_string();
    if form.password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "password is too short (at least {MIN_PASSWORD} characters)"
        ));
    }
    Ok(NewUser {
        username: Username::parse(&form.username).map_err(text)?,
        email: Email::parse(&form.email).map_err(text)?,
        salutation: Salutation::parse(&form.salutation).map_err(text)?,
        password_hash: None,
    })
}

async fn signin_form(session: Session, CurrentUser(me): CurrentUser) -> AppResult<Response> {
    let layout = Layout::new(&session, me.as_ref(), "Sign in");
    super::ok(&SigninPage {
        layout,
        username: String::new(),
        error: None,
    })
}

async fn signin(
    State(state): State<AppState>,
    session: Session,
    Form(form): Form<SigninForm>,
) -> AppResult<Response> {
    let wrong = |session: &Session, username: String, error: String| {
        let layout = Layout::new(session, None, "Sign in");
        super::page(
            INVALID,
            &SigninPage {
                layout,
                username,
                error: Some(error),
            },
        )
    };
    // A name no user can have is looked up by nobody (a NUL would be a database
    // error on PostgreSQL); a control character is named, anything else is "wrong".
    let name = match Username::parse(&form.username) {
        Ok(name) => name,
        Err(e @ InputError::ControlCharacter { .. }) => {
            return wrong(&session, String::new(), e.to_string());
        }
        Err(_) => return wrong(&session, form.username, WRONG_PASSWORD.into()),
    };
    let user = service::users::find_user_by_username(&state.db, name.as_str()).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let verified = match hash {
        Some(hash) => auth::verify_password(form.password, hash).await,
        None => false,
    };
    let Some(user) = user.filter(|_| verified) else {
        return wrong(&session, form.username, WRONG_PASSWORD.into());
    };
    session.sign_in(user.id, &user.username);
    Ok(Redirect::to("/").into_response())
}

async fn signout(session: Session) -> AppResult<Redirect> {
    session.sign_out();
    Ok(Redirect::to("/"))
}

const WRONG_PASSWORD: &str = "Wrong username or password.";

#[derive(Deserialize)]
struct DeleteAccountForm {
    /// The username, typed again: a click alone does not delete an account.
    confirm: String,
}

async fn account(session: Session, RequireUser(me): RequireUser) -> AppResult<Response> {
    let layout = Layout::new(&session, Some(&me), "Your account");
    super::ok(&AccountPage {
        layout,
        username: me.username,
        error: None,
    })
}

/// Deletes the signed-in user through the schema's `dependent:` rules
/// (`service::users::destroy_user`, one transaction), signs them out and says what
/// went with the account. Without the username typed as confirmation: 422, nothing
/// deleted.
async fn delete_account(
    State(state): State<AppState>,
    session: Session,
    RequireUser(me): RequireUser,
    Form(form): Form<DeleteAccountForm>,
) -> AppResult<Response> {
    if form.confirm.trim() != me.username {
        let layout = Layout::new(&session, Some(&me), "Your account");
        let page = AccountPage {
            layout,
            username: me.username,
            error: Some("Type your username exactly to confirm. Nothing was deleted.".into()),
        };
        return super::page(INVALID, &page);
    }
    let steps = match service::users::destroy_user(&state.writer, me.id).await {
        Ok(steps) => steps,
        // Deleted by another request a moment ago: the session is stale.
        Err(UserError::NotFound(_)) => {
            session.sign_out();
            return Err(AppError::NotFound);
        }
        Err(UserError::Db(e)) => return Err(e.into()),
        Err(other) => return Err(AppError::Internal(other.to_string())),
    };
    session.sign_out();
    let layout = Layout::new(&session, None, "Account deleted");
    super::ok(&AccountDeletedPage {
        layout,
        username: me.username,
        removed: removed_lines(&steps),
    })
}

/// "3 tweets", "1 heart on your tweets", ...: one line per relation that lost rows, in
/// the order the destroy ran; a relation this page has no words for is named as is.
fn removed_lines(steps: &[Step]) -> Vec<String> {
    let lines: Vec<String> = steps
        .iter()
        .filter(|s| s.rows > 0)
        .map(|s| {
            let n = s.rows;
            let (one, many) = match s.relation.as_str() {
                "tweets.user_id" => ("tweet", "tweets"),
                "hearts.tweet_id" => ("heart on your tweets", "hearts on your tweets"),
                "hearts.user_id" => ("heart you gave", "hearts you gave"),
                "follows.follower_id" => ("person you followed", "people you followed"),
                "follows.followed_id" => ("follower", "followers"),
                "messages.sender_id" => ("message you sent", "messages you sent"),
                "messages.receiver_id" => ("message you received", "messages you received"),
                "user_items.user_id" => ("item you owned", "items you owned"),
                other => return format!("{n} row(s) of {other}"),
            };
            format!("{n} {}", if n == 1 { one } else { many })
        })
        .collect();
    if lines.is_empty() {
        vec!["nothing else: the account had no tweets, hearts, follows or messages".into()]
    } else {
        lines
    }
}
