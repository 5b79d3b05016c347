//! One error type for every handler: it picks the status and the page, logs server
//! errors with their cause, and never shows database text to the visitor.

use askama::Template;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::{Html, IntoResponse, Response};
use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign in first")]
    SignInRequired,
    #[error("the form was stale or forged (CSRF token missing or wrong)")]
    Csrf,
    #[error("that is not yours")]
    Forbidden,
    /// A query string or request the app cannot read (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A form that could not be read, or a field that was refused (422); the message
    /// names the field and is shown to the visitor.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// A body over the form limit (413), refused before it is parsed.
    #[error("the request body is too large")]
    TooLarge,
    /// A POST that is not a form (415).
    #[error("unsupported content type")]
    UnsupportedMediaType,
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    #[error("{0}")]
    Internal(String),
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, title, detail) = match &self {
            AppError::SignInRequired => {
                return (StatusCode::SEE_OTHER, [(LOCATION, "/signin")]).into_response();
            }
            AppError::NotFound => (StatusCode::NOT_FOUND, "Not found", "There is nothing here."),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Forbidden",
                "The form was stale. Go back, reload the page and try again.",
            ),
            AppError::Forbidden => (StatusCode::FORBIDDEN, "Forbidden", "That is not yours."),
            AppError::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, "Bad request", detail.as_str())
            }
            AppError::Unprocessable(detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "That could not be saved",
                detail.as_str(),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "That was too large to send. Shorten it and try again.",
            ),
            AppError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Not a form",
                "This address takes a form (application/x-www-form-urlencoded).",
            ),
            AppError::Db(e) if service::db::is_unavailable(e) => {
                tracing::warn!(error = %self, "database unavailable");
                let page = ErrorPage {
                    status: 503,
                    title: "Try again in a moment",
                    detail: "The database is not answering right now. Nothing was changed; \
                             please try again in a moment.",
                };
                let mut response = match page.render() {
                    Ok(body) => (StatusCode::SERVICE_UNAVAILABLE, Html(body)).into_response(),
                    Err(_) => (StatusCode::SERVICE_UNAVAILABLE, page.title).into_response(),
                };
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, 1.into());
                response.extensions_mut().insert(DatabaseUnavailable);
                return response;
            }
            AppError::Db(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "We could not finish that. Please try again.",
                )
            }
        };
        let page = ErrorPage {
            status: status.as_u16(),
            title,
            detail,
        };
        match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => (status, title.to_owned()).into_response(),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// A service's error, as the visitor sees it: a missing row is 404, someone else's
/// row 403, a database error keeps its cause (and becomes 503 if the database could
/// not be reached).
impl From<service::tweets::TweetError> for AppError {
    fn from(e: service::tweets::TweetError) -> Self {
        use service::tweets::TweetError;
        match e {
            TweetError::NotFound(_) => AppError::NotFound,
            TweetError::NotAuthor { .. } => AppError::Forbidden,
            // The signed-in user was deleted a moment ago: the session is stale.
            TweetError::UserNotFound(_) => AppError::SignInRequired,
            TweetError::Db(db) => AppError::Db(db),
        }
    }
}

impl From<service::hearts::HeartError> for AppError {
    fn from(e: service::hearts::HeartError) -> Self {
        use service::hearts::HeartError;
        match e {
            HeartError::TweetNotFound(_) => AppError::NotFound,
            // The signed-in user was deleted since signing in: the session is stale.
            HeartError::UserNotFound(_) => AppError::SignInRequired,
            HeartError::AlreadyHearted { .. } => {
                AppError::Unprocessable("You have already hearted this tweet.".into())
            }
            HeartError::Db(db) => AppError::Db(db),
        }
    }
}

impl From<service::follows::FollowError> for AppError {
    fn from(e: service::follows::FollowError) -> Self {
        use service::follows::FollowError;
        match e {
            FollowError::UserNotFound(_) => AppError::NotFound,
            FollowError::SelfFollow => {
                AppError::Unprocessable("You cannot follow yourself.".into())
            }
            FollowError::Db(db) => AppError::Db(db),
        }
    }
}

/// Marks a response whose request failed only because the database could not be
/// reached: an idempotent request (GET, HEAD) may be run again (`crate::retry_reads`).
#[derive(Debug, Clone, Copy)]
pub struct DatabaseUnavailable;
