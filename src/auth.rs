//! Who is signed in, password hashes, the CSRF token and the flash message.
//!
//! The session (an encrypted cookie, `crate::session`) holds the user's id and
//! username, a CSRF token and at most one flash message. Every state-changing request
//! must carry the token: as the `csrf` field of a form, or as the `x-csrf-token`
//! header of a `fetch`.

use crate::session::Session;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRef, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use entity::user;
use rand::Rng;

use crate::AppState;
use crate::error::AppError;
use crate::extract::MAX_FORM_BYTES;
use crate::views::Me;

const CSRF: &str = "csrf";

/// The signed-in user, if any: their row, looked up by the session's id (one
/// statement), so a user deleted since signing in is no one.
pub struct CurrentUser(pub Option<user::Model>);

/// The signed-in user; anyone else is sent to the sign-in page.
pub struct RequireUser(pub user::Model);

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        let Some(id) = session.user_id() else {
            return Ok(CurrentUser(None));
        };
        let state = AppState::from_ref(state);
        Ok(CurrentUser(service::users::find_user(&state.db, id).await?))
    }
}

/// The viewer as the sealed session names them (the id and username kept since
/// sign-in): no statement. The cookie cannot be forged, so it names who signed in; a
/// page that takes it reads whether they still exist in its own statement
/// (`service::follows::Profile::viewer_exists`) and shows a user deleted since then
/// what a visitor sees, as [`CurrentUser`] would. A cookie with the id alone is looked
/// up as [`CurrentUser`] does.
pub struct SessionViewer(pub Option<Me>);

impl<S> FromRequestParts<S> for SessionViewer
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if let Some(me) = session.signed_in_as() {
            return Ok(SessionViewer(Some(me)));
        }
        let CurrentUser(found) = CurrentUser::from_request_parts(parts, state).await?;
        Ok(SessionViewer(found.as_ref().map(Me::from)))
    }
}

/// The signed-in user's id, from the sealed session cookie alone: no statement. For
/// a write whose own statement checks that the user still exists (a heart: the
/// toolkit's `attach` inserts only `WHERE EXISTS` the user, and says so when it did
/// not), where [`RequireUser`]'s lookup of the whole row would be a statement more
/// for nothing. The cookie cannot be forged (it is sealed with the server's secret),
/// so the id is the user who signed in; a user deleted since then is refused by the
/// write, which the route answers as a stale session (sign in again).
pub struct RequireUserId(pub i32);

impl<S> FromRequestParts<S> for RequireUserId
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        session
            .user_id()
            .map(RequireUserId)
            .ok_or(AppError::SignInRequired)
    }
}

impl<S> FromRequestParts<S> for RequireUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match CurrentUser::from_request_parts(parts, state).await?.0 {
            Some(user) => Ok(RequireUser(user)),
            None => Err(AppError::SignInRequired),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// Refuses every state-changing request whose CSRF token does not match the
/// session's, with 403 and nothing done.
pub async fn verify_csrf(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    match checked(request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn checked(request: Request) -> Result<Request, AppError> {
    let session = request
        .extensions()
        .get::<Session>()
        .cloned()
        .ok_or_else(|| AppError::Internal("the session layer is missing".into()))?;
    let Some(expected) = session.existing_csrf_token() else {
        return Err(AppError::Csrf);
    };

    if let Some(given) = request.headers().get("x-csrf-token") {
        return if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            Ok(request)
        } else {
            Err(AppError::Csrf)
        };
    }
    if !crate::extract::is_form(request.headers()) {
        return Err(AppError::Csrf);
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FORM_BYTES as u64) {
        return Err(AppError::TooLarge);
    }
    let (parts, body) = request.into_parts();
    // A body that fails to arrive whole is, past the length check, one that went on
    // beyond the limit (chunked) or was cut off: either way not a form we can take.
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let given = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == CSRF)
        .map(|(_, v)| v.into_owned())
        .ok_or(AppError::Csrf)?;
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An argon2 hash of `password` with a fresh salt, computed on tokio's blocking pool:
/// a hash takes tens of milliseconds of CPU by design, and on an async worker it would
/// stall every request scheduled on that thread.
///
/// # Errors
/// [`AppError::Internal`] if hashing fails (it does not for valid input).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(internal)?
}

/// Does `password` match the stored hash? On the blocking pool, as
/// [`hash_password`].
pub async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password_now(&password, &hash))
        .await
        .unwrap_or(false)
}

fn hash_password_now(password: &str) -> Result<String, AppError> {
    let salt_bytes: [u8; 16] = rand::rng().random();
    let salt = SaltString::encode_b64(&salt_bytes).map_err(internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(internal)
}

fn verify_password_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .and_then(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed))
        .is_ok()
}
