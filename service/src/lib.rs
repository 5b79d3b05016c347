//! fwitter's domain: every lesson's operations, one module per aggregate, built on the
//! generic association toolkit, the `sea-orm-assoc` crate (re-exported as [`assoc`]). Functions take the
//! connection first and are generic over `ConnectionTrait`, so each also runs inside a
//! caller's transaction. Never imports a web framework.

pub use sea_orm_assoc as assoc;

pub mod clinic;
pub mod db;
pub mod follows;
pub mod group_commit;
pub mod hearts;
pub mod held;
pub mod input;
pub mod messages;
pub mod music;
pub mod paging;
pub mod schema;
pub mod store;
pub mod tweets;
pub mod users;
pub mod workload;
