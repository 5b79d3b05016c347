//! Sessions in one signed and encrypted cookie, as Rails' default `CookieStore` keeps
//! them: the signed-in user's id and username, the CSRF token and at most one flash
//! message.
//!
//! Why a cookie and not a table: a session table is written on every page view
//! (a new row per visitor without a cookie, a saved expiry per signed-in request),
//! and on SQLite every such write is a commit behind the one write lock. A cookie
//! sealed with AES-256-GCM (the `cookie` crate's private jar) costs no statement at
//! all: a read never writes, and no load of anonymous visitors can fill a table.
//! What it gives up is revoking a session on the server: signing out clears the
//! browser's cookie, but a copy stolen earlier stays valid until it expires (14 days
//! after its last refresh). Rails makes the same trade by default.
//!
//! The cookie is rewritten only when something in it changed (sign-in, sign-out, a
//! new CSRF token, a flash message set or shown), or when it is older than
//! [`REFRESH_AFTER`]: a visitor active every day stays signed in, and a GET by a
//! signed-in visitor sets at most one cookie every few minutes.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, CookieJar, Key, SameSite};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The cookie's name.
pub const COOKIE_NAME: &str = "fwitter_session";
/// A session not refreshed for this long is over.
pub const LIFETIME: time::Duration = time::Duration::days(14);
/// A session older than this is re-issued with a fresh expiry on its next request.
pub const REFRESH_AFTER: time::Duration = time::Duration::minutes(5);

/// The key that seals session cookies (encrypts and authenticates them).
#[derive(Clone)]
pub struct SessionKey(Key);

impl SessionKey {
    /// A random key: sessions end when the process does (tests, throwaway servers).
    pub fn generate() -> Self {
        Self(Key::generate())
    }

    /// A key derived from a secret of at least 32 bytes (HKDF-SHA256).
    ///
    /// # Errors
    /// The secret is shorter than 32 bytes.
    pub fn derive_from(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err(format!(
                "the session secret must be at least 32 bytes long, not {}",
                secret.len()
            ));
        }
        Ok(Self(Key::derive_from(secret)))
    }

    /// The key from a secret kept in `path` (created, with a random secret readable by
    /// its owner only, when missing), so sessions survive a restart.
    ///
    /// # Errors
    /// The file cannot be read or created, or holds too short a secret.
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let secret = match std::fs::read_to_string(path) {
            Ok(text) => text.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let bytes: [u8; 32] = rand::rng().random();
                let text = hex(&bytes);
                write_private(path, &text)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                text
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        Self::derive_from(secret.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token (the CSRF token).
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex(&bytes)
}

/// What the cookie holds. Short field names: it travels with every request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Data {
    #[serde(rename = "u", default, skip_serializing_if = "Option::is_none")]
    user_id: Option<i32>,
    /// The signed-in user's username, kept since sign-in (a username never changes);
    /// cookies sealed before it was kept here have the id alone.
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(rename = "c", default, skip_serializing_if = "String::is_empty")]
    csrf: String,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    flash: Option<String>,
    /// When the cookie was last written (Unix seconds).
    #[serde(rename = "t", default)]
    written_at: i64,
}

#[derive(Debug, Default)]
struct Inner {
    data: Data,
    /// Did the request bring a valid cookie?
    arrived: bool,
    changed: bool,
    ended: bool,
}

/// Who signed in, as the session says: see [`Session::signed_in_as`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub id: i32,
    pub username: String,
}

/// This request's session. Cheap to clone: clones share one state, which the
/// middleware writes back as a cookie after the handler ran, if it changed.
#[derive(Debug, Clone, Default)]
pub struct Session(Arc<Mutex<Inner>>);

impl Session {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A handler that panicked mid-update leaves plain data behind; use it.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The signed-in user's id, if any.
    pub fn user_id(&self) -> Option<i32> {
        self.lock().data.user_id
    }

    /// The signed-in user as they signed in: their id and username, if the cookie
    /// has both (one sealed before the name was kept has the id alone). The cookie
    /// cannot be forged and a username never changes, but the user may have been
    /// deleted since: a page may show them as signed in only if one of its own
    /// statements found them (the home feed's does, `routes::home`); otherwise
    /// look the user up (`auth::CurrentUser`).
    pub fn signed_in_as(&self) -> Option<SignedIn> {
        let inner = self.lock();
        Some(SignedIn {
            id: inner.data.user_id?,
            username: inner.data.username.clone()?,
        })
    }

    /// Signs `user_id` in, keeping their `username`, with a new CSRF token (a token
    /// seen before sign-in is worth nothing after it) and no flash.
    pub fn sign_in(&self, user_id: i32, username: &str) {
        let mut inner = self.lock();
        inner.data = Data {
            user_id: Some(user_id),
            username: Some(username.to_owned()),
            csrf: new_token(),
            ..Data::default()
        };
        inner.changed = true;
        inner.ended = false;
    }

    /// Ends the session: the cookie is cleared.
    pub fn sign_out(&self) {
        let mut inner = self.lock();
        inner.data = Data::default();
        inner.ended = true;
        inner.changed = false;
    }

    /// The session's CSRF token, created on first use.
    pub fn csrf_token(&self) -> String {
        let mut inner = self.lock();
        if inner.data.csrf.is_empty() {
            inner.data.csrf = new_token();
            inner.changed = true;
            inner.ended = false;
        }
        inner.data.csrf.clone()
    }

    /// The CSRF token the visitor was given, if any (never creates one).
    pub fn existing_csrf_token(&self) -> Option<String> {
        Some(self.lock().data.csrf.clone()).filter(|t| !t.is_empty())
    }

    /// Leaves a message for the next page the visitor sees.
    pub fn set_flash(&self, message: impl Into<String>) {
        let mut inner = self.lock();
        inner.data.flash = Some(message.into());
        inner.changed = true;
        inner.ended = false;
    }

    /// Takes the waiting flash message, if any.
    pub fn take_flash(&self) -> Option<String> {
        let mut inner = self.lock();
        let flash = inner.data.flash.take();
        if flash.is_some() {
            inner.changed = true;
        }
        flash
    }

    /// The `Set-Cookie` this request's answer needs, if any.
    fn set_cookie(&self, key: &SessionKey, now: i64) -> Option<Cookie<'static>> {
        let mut inner = self.lock();
        if inner.ended {
            return inner.arrived.then(removal);
        }
        let stale = inner.arrived && now - inner.data.written_at >= REFRESH_AFTER.whole_seconds();
        if !(inner.changed || stale) {
            return None;
        }
        inner.data.written_at = now;
        let value = serde_json::to_string(&inner.data).ok()?;
        let mut jar = CookieJar::new();
        jar.private_mut(&key.0)
            .add(base_cookie(value).max_age(LIFETIME));
        jar.get(COOKIE_NAME).cloned()
    }

    fn from_headers(headers: &HeaderMap, key: &SessionKey, now: i64) -> Self {
        let mut jar = CookieJar::new();
        for header in headers.get_all(COOKIE) {
            let Ok(text) = header.to_str() else { continue };
            for cookie in Cookie::split_parse(text.to_owned()).flatten() {
                if cookie.name() == COOKIE_NAME {
                    jar.add_original(cookie);
                }
            }
        }
        let data = jar
            .private(&key.0)
            .get(COOKIE_NAME)
            .and_then(|c| serde_json::from_str::<Data>(c.value()).ok())
            .filter(|d| now - d.written_at < LIFETIME.whole_seconds() && d.written_at <= now + 60);
        let arrived = data.is_some();
        Session(Arc::new(Mutex::new(Inner {
            data: data.unwrap_or_default(),
            arrived,
            changed: false,
            ended: false,
        })))
    }
}

fn base_cookie(value: String) -> cookie::CookieBuilder<'static> {
    Cookie::build((COOKIE_NAME, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
}

fn removal() -> Cookie<'static> {
    base_cookie(String::new())
        .max_age(time::Duration::ZERO)
        .build()
}

fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The middleware: opens the request's cookie into a [`Session`] (an invalid,
/// tampered or expired cookie is no session), and after the handler writes it back
/// if it changed or is due for a refresh.
pub async fn layer(State(key): State<SessionKey>, mut request: Request, next: Next) -> Response {
    let now = unix_now();
    let session = Session::from_headers(request.headers(), &key, now);
    request.extensions_mut().insert(session.clone());
    let mut response = next.run(request).await;
    if let Some(cookie) = session.set_cookie(&key, now) {
        match HeaderValue::from_str(&cookie.to_string()) {
            Ok(value) => {
                response.headers_mut().append(SET_COOKIE, value);
            }
            Err(e) => tracing::error!(error = %e, "could not write the session cookie"),
        }
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| AppError::Internal("the session layer is missing".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    /// The request headers a browser sends back after `cookie` was set.
    fn returned(cookie: &Cookie<'static>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let pair = format!("{}={}", cookie.name(), cookie.value());
        headers.insert(COOKIE, HeaderValue::from_str(&pair).unwrap());
        headers
    }

    fn signed_in_cookie(key: &SessionKey, at: i64) -> Cookie<'static> {
        let session = Session::default();
        session.sign_in(7, "ann");
        session.set_cookie(key, at).expect("sign-in sets a cookie")
    }

    #[test]
    fn a_session_comes_back_from_its_cookie_and_an_unchanged_one_is_not_rewritten() {
        let key = SessionKey::generate();
        let cookie = signed_in_cookie(&key, NOW);
        let session = Session::from_headers(&returned(&cookie), &key, NOW + 60);
        assert_eq!(session.user_id(), Some(7));
        let ann = SignedIn {
            id: 7,
            username: "ann".into(),
        };
        assert_eq!(session.signed_in_as(), Some(ann));
        assert!(session.existing_csrf_token().is_some());
        assert!(
            session.set_cookie(&key, NOW + 60).is_none(),
            "a read sets nothing"
        );
    }

    #[test]
    fn a_session_older_than_the_refresh_interval_is_rewritten_with_a_new_date() {
        let key = SessionKey::generate();
        let cookie = signed_in_cookie(&key, NOW);
        let later = NOW + REFRESH_AFTER.whole_seconds();
        let session = Session::from_headers(&returned(&cookie), &key, later);
        let refreshed = session.set_cookie(&key, later).expect("refreshed");
        let again = Session::from_headers(&returned(&refreshed), &key, later + 1);
        assert_eq!(again.user_id(), Some(7));
        assert_eq!(again.lock().data.written_at, later);
    }

    #[test]
    fn an_expired_or_future_dated_cookie_is_no_session() {
        let key = SessionKey::generate();
        let cookie = signed_in_cookie(&key, NOW);
        let expired = NOW + LIFETIME.whole_seconds();
        assert_eq!(
            Session::from_headers(&returned(&cookie), &key, expired).user_id(),
            None
        );
        assert_eq!(
            Session::from_headers(&returned(&cookie), &key, NOW - 3600).user_id(),
            None,
            "written an hour from now"
        );
    }

    #[test]
    fn signing_out_clears_the_cookie_and_a_visitor_without_one_gets_no_removal() {
        let key = SessionKey::generate();
        let cookie = signed_in_cookie(&key, NOW);
        let session = Session::from_headers(&returned(&cookie), &key, NOW);
        session.sign_out();
        let removal = session.set_cookie(&key, NOW).expect("a removal cookie");
        assert_eq!(removal.max_age(), Some(time::Duration::ZERO));

        let stranger = Session::default();
        stranger.sign_out();
        assert!(stranger.set_cookie(&key, NOW).is_none());
    }

    #[test]
    fn a_cookie_sealed_before_the_username_was_kept_is_still_signed_in_by_id() {
        let key = SessionKey::generate();
        let mut jar = CookieJar::new();
        let older = format!(r#"{{"u":7,"c":"{}","t":{NOW}}}"#, new_token());
        jar.private_mut(&key.0)
            .add(base_cookie(older).max_age(LIFETIME));
        let cookie = jar.get(COOKIE_NAME).cloned().unwrap();
        let session = Session::from_headers(&returned(&cookie), &key, NOW + 60);
        assert_eq!(session.user_id(), Some(7));
        assert_eq!(session.signed_in_as(), None, "the name must be looked up");
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert!(SessionKey::derive_from(b"too short").is_err());
        assert!(SessionKey::derive_from(&[7u8; 32]).is_ok());
    }
}
