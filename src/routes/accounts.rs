//! Sign up, sign in, sign out.

use crate::session::Session;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use service::input::{Email, InputError, Salutation, Username};
use service::users::{NewUser, UserError};

use super::home::INVALID;
use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::error::AppResult;
use crate::views::{Layout, SigninPage, SignupPage};

/// Passwords shorter than this are refused at sign-up.
const MIN_PASSWORD: usize = 8;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/signin", get(signin_form).post(signin))
        .route("/signout", post(signout))
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
    let parsed = parse_signup(&form);
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
            session.sign_in(user.id);
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
        password_hash: Some(auth::hash_password(&form.password).map_err(|e| e.to_string())?),
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
    let user = service::users::find_user_by_username(&state.db, form.username.trim()).await?;
    let verified = user.filter(|u| {
        u.password_hash
            .as_deref()
            .is_some_and(|hash| auth::verify_password(&form.password, hash))
    });
    let Some(user) = verified else {
        let layout = Layout::new(&session, None, "Sign in");
        let page = SigninPage {
            layout,
            username: form.username,
            error: Some("Wrong username or password.".into()),
        };
        return super::page(INVALID, &page);
    };
    session.sign_in(user.id);
    Ok(Redirect::to("/").into_response())
}

async fn signout(session: Session) -> AppResult<Redirect> {
    session.sign_out();
    Ok(Redirect::to("/"))
}
