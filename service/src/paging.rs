//! Pages of every list the app shows, through the toolkit's keyset paginator
//! ([`crate::assoc::page`]): each page is found through an index on the list's own
//! order (`(user_id, created_at, id)` for a user's tweets, `(receiver_id, created_at)`
//! for an inbox, the username for follow lists), whatever the page number, in the same
//! number of statements as the first page.

use sea_orm::prelude::DateTimeUtc;

pub use crate::assoc::page::{BadCursor, Cursor, Page};

/// Where a page of tweets or messages starts: `(created_at, id)` of a row.
pub type TimeCursor = Cursor<DateTimeUtc, i32>;
/// Where a page of users starts: `(username, id)` of a row.
pub type NameCursor = Cursor<String, i32>;

/// Rows a page shows unless the request asks for another number.
pub const PER_PAGE: u64 = 30;
/// The most rows a page shows, whatever the request asks.
pub const MAX_PER_PAGE: u64 = 100;

/// The page size for a request's `?per=`: [`PER_PAGE`] when absent, at least 1 and at
/// most [`MAX_PER_PAGE`].
pub fn per_page(requested: Option<u64>) -> u64 {
    requested.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE)
}
