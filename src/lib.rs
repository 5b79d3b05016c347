//! fwitter, the lessons' web app: users, tweets, the hearts form, the AJAX favorite
//! star, direct messages, follows and a feed, with sign-in. `app(state)` builds the
//! router; `main.rs` only reads the config, connects, migrates and serves.
//!
//! Handlers extract, call `service`, and render or redirect; they never build a query.

pub mod auth;
pub mod config;
pub mod error;
mod routes;
pub mod scratch;
pub mod seed;
pub mod session_store;
mod views;

pub use routes::watch_queries;

use axum::Router;
use axum::middleware;
use sea_orm::DatabaseConnection;
use service::assoc::QueryLog;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The query capture installed on `db` (see `service::assoc::capture`).
    pub log: QueryLog,
}

impl AppState {
    /// Installs the query capture on `db` (it must not be shared yet) and wraps it.
    pub fn new(mut db: DatabaseConnection) -> Self {
        let log = QueryLog::install(&mut db);
        Self { db, log }
    }
}

/// The whole app: every resource's routes, CSRF checks on every state-changing
/// request, server-side sessions in the database, and (in debug builds) a warning
/// when a request repeats one statement shape.
pub fn app(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(session_store::DbStore::new(state.db.clone()))
        .with_name("fwitter_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let router = Router::new()
        .merge(routes::home::router())
        .merge(routes::accounts::router())
        .merge(routes::users::router())
        .merge(routes::tweets::router())
        .merge(routes::hearts::router())
        .merge(routes::messages::router())
        .merge(routes::assets::router())
        .fallback(routes::not_found)
        .layer(middleware::from_fn(auth::verify_csrf));
    let router = if cfg!(debug_assertions) {
        router.layer(middleware::from_fn_with_state(
            state.clone(),
            routes::watch_queries,
        ))
    } else {
        router
    };
    router.layer(sessions).with_state(state)
}
