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
