//! The app's own `Form`, `Path` and `Query` extractors: axum's, with every rejection
//! turned into an [`AppError`], so a malformed request gets the app's error page with
//! the right status and a message a person can act on, never axum's plain text.
//!
//! | input | status |
//! |---|---|
//! | a path segment that is not an id (`/users/abc`, `/users/99999999999`) | 404: there is no such page |
//! | a query string that cannot be read | 400 |
//! | a form that cannot be read: a missing field, `tweet_id=abc` | 422, naming the field |
//! | a POST body over [`MAX_FORM_BYTES`] | 413 |
//! | a POST that is not `application/x-www-form-urlencoded` | 415 |

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Forms are small: the longest field is a 1,000-character message (up to 4,000
/// bytes of UTF-8, 12,000 percent-encoded). Anything larger is refused with 413
/// before it is read further (`app()` sets this as the body limit, and the CSRF check
/// reads no more than this).
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// A URL-encoded form body. Deserialized with `serde_path_to_error` (the crate axum's
/// own JSON extractor uses for the same purpose) so that a refusal names the field.
pub struct Form<T>(pub T);

impl<S, T> FromRequest<S> for Form<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        if !is_form(request.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| match e.status() {
                StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
                _ => AppError::BadRequest("The form could not be read.".into()),
            })?;
        parse_form(&bytes).map(Form)
    }
}

/// Is the body a URL-encoded form (what an HTML form sends)?
pub fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a URL-encoded form; a refusal names the field (422).
///
/// # Errors
/// [`AppError::Unprocessable`] with "The form is missing `x`." or "`x` is not valid:
/// ...".
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(bytes));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let why = e.inner().to_string();
        AppError::Unprocessable(match why.strip_prefix("missing field ") {
            Some(missing) => format!("The form is missing {missing}."),
            None if field == "." => format!("The form could not be read: {why}."),
            None => format!("`{field}` is not valid: {why}."),
        })
    })
}

/// Path parameters. A segment that does not parse (`/users/abc`) names no page: 404.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(AppError::NotFound),
            Err(other) => Err(AppError::Internal(other.body_text())),
        }
    }
}

/// A query string; one that cannot be read is a 400 with the reason.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                Err(AppError::BadRequest(format!(
                    "The address's query string could not be read: {}.",
                    e.body_text()
                )))
            }
            Err(other) => Err(AppError::BadRequest(other.body_text())),
        }
    }
}
