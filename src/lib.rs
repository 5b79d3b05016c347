//! fwitter, the lessons' web app: users, tweets, the hearts form, the AJAX favorite
//! star, direct messages, follows and a feed, with sign-in. `app(state)` builds the
//! router; `main.rs` only reads the config, connects, migrates and serves.
//!
//! Handlers extract, call `service`, and render or redirect; they never build a query.

pub mod auth;
pub mod config;
pub mod console;
pub mod error;
pub mod extract;
mod routes;
pub mod seed;
pub mod session;
mod views;

pub use routes::watch_queries;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use service::assoc::QueryLog;
use service::group_commit::HeartWriter;
use service::held::Held;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::session::SessionKey;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Reads, on held connections (`service::held`).
    pub db: Held,
    /// Write transactions, on held connections: one on a SQLite file
    /// (`service::db::connect_pools` says why).
    pub writer: Held,
    /// POST /hearts: on a SQLite file the hearts asked for at the same moment are
    /// written together (`service::group_commit`).
    pub hearts: HeartWriter,
    /// The query capture installed on both (see `service::assoc::capture`).
    pub log: QueryLog,
    /// Seals the session cookies.
    pub session_key: SessionKey,
}

impl AppState {
    /// Installs the query capture on the read and write pools (they must not be
    /// shared yet) and wraps them, with the key that seals session cookies. SeaORM's
    /// pool (`pools.orm`, for the migrations) is closed: the app does not use it.
    /// Starts the hearts' writer ([`AppState::with`]).
    pub fn new(pools: service::db::Pools, session_key: SessionKey) -> Self {
        let service::db::Pools {
            read: mut db,
            write: mut writer,
            mut orm,
        } = pools;
        let log = QueryLog::install(&mut orm);
        db.set_metric_callback(QueryLog::record);
        writer.set_metric_callback(QueryLog::record);
        drop(orm);
        Self::with(db, writer, log, session_key)
    }

    /// The state over connections already set up (the tests' own), with the
    /// hearts' writer started on `writer`: inside a tokio runtime.
    pub fn with(db: Held, writer: Held, log: QueryLog, session_key: SessionKey) -> Self {
        Self {
            db,
            hearts: HeartWriter::new(writer.clone()),
            writer,
            log,
            session_key,
        }
    }
}

/// The whole app: every resource's routes, CSRF checks on every state-changing
/// request, sessions in an encrypted cookie (no database write on a read), and (in
/// debug builds) a warning when a request repeats one statement shape. Outermost: a
/// request log (method, path, status, latency; `tower_http=info`, on by default in
/// `main`), and a panic becomes the 500 page instead of a dropped connection.
///
/// The middleware wraps the routed app once, around the whole `Router`, not with
/// `Router::layer`, which wraps every route's handler in every layer, each in a box
/// of its own: axum then clones each route's chain of boxes at each level of the
/// chain for every request, a few hundred allocations a request here
/// (`bench/load/instructions.sh` and docs/performance.md, "Small hours,
/// 2026-11-24"). Every request, a matched route or not, passes the same layers in
/// the same order as before.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(routes::home::router())
        .merge(routes::accounts::router())
        .merge(routes::users::router())
        .merge(routes::tweets::router())
        .merge(routes::hearts::router())
        .merge(routes::messages::router())
        .merge(routes::assets::router())
        .fallback(routes::not_found)
        .with_state(state.clone());
    // Outermost first, as `ServiceBuilder` lists them: the body limit is in place
    // before the CSRF check reads a form.
    let checked = ServiceBuilder::new()
        .layer(DefaultBodyLimit::max(extract::MAX_FORM_BYTES))
        .layer(middleware::from_fn(auth::verify_csrf))
        .service(routes);
    let watched = ServiceBuilder::new()
        .option_layer(
            cfg!(debug_assertions)
                .then(|| middleware::from_fn_with_state(state.clone(), routes::watch_queries)),
        )
        .service(checked);
    let layered = ServiceBuilder::new()
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO))
                .on_failure(DefaultOnFailure::new().level(Level::ERROR)),
        )
        .layer(CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a handler panicked");
                axum::response::IntoResponse::into_response(error::AppError::Internal(
                    "a handler panicked".into(),
                ))
            },
        ))
        .layer(middleware::from_fn(routes::retry_reads))
        .layer(middleware::from_fn_with_state(
            state.session_key.clone(),
            session::layer,
        ))
        .service(watched);
    Router::new().fallback_service(layered)
}
