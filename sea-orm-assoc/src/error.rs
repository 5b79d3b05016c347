//! Each operation's error says only what can happen to it, and the one place where
//! database errors are classified, by the kind of constraint (through sqlx's
//! `ErrorKind` and each backend's codes), never by a schema's naming.
//!
//! | operation | error |
//! |---|---|
//! | [`attach`](crate::join::attach), [`toggle`](crate::join::toggle), [`sync`](crate::join::sync) | [`LinkError`]: a missing parent (which side, which table, which id), a self-link, the database |
//! | [`attach_new`](crate::join::attach_new) | [`AlreadyLinked`] or a [`LinkError`] |
//! | [`detach`](crate::join::detach), [`contains`](crate::join::contains), counts, counter caches | [`DbErr`] |
//! | [`Registry::destroy`](crate::Registry::destroy) | [`DestroyError`]: not found, restricted (by which relation, how many rows), the database |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use sea_orm_assoc::doc_fixture::{self as fx, follow, like};
//! # let db = fx::db().await?;
//! use sea_orm::{ActiveModelTrait, ActiveValue::Set};
//! use sea_orm_assoc::error::{is_check_violation, is_foreign_key_violation, is_retryable, is_unique_violation};
//! use sea_orm_assoc::insert_isolated;
//!
//! let like = |person, post| like::ActiveModel { person_id: Set(person), post_id: Set(post) };
//! insert_isolated(&db, like(2, 7)).await?;
//! let twice = insert_isolated(&db, like(2, 7)).await.unwrap_err();
//! assert!(is_unique_violation(&twice) && !is_retryable(&twice));
//! let dangling = like(2, 99).insert(&db).await.unwrap_err();
//! assert!(is_foreign_key_violation(&dangling));
//! // The fixture's CHECK is called `not_self`; it is recognised by its kind.
//! let loop_ = follow::ActiveModel { follower_id: Set(1), followed_id: Set(1) };
//! assert!(is_check_violation(&loop_.insert(&db).await.unwrap_err()));
//! # Ok(())
//! # }
//! ```

use std::fmt;

use sea_orm::{DbErr, SqlErr};

use crate::join::Side;

/// Why a link could not be made.
#[derive(Debug)]
pub enum LinkError {
    /// One side's parent row does not exist.
    MissingParent {
        side: Side,
        /// The parent's table (`users`).
        table: String,
        /// The id that was asked for, as text (`42`, a UUID, a string key).
        id: String,
    },
    /// A self-referential join (e.g. follows) was asked to link a row to itself, or
    /// the database's CHECK refused the row.
    SelfLink {
        /// The join table (`follows`).
        join: String,
        table: String,
        id: String,
    },
    Db(DbErr),
}

/// `attach_new` found the pair already linked, and wrote nothing.
#[derive(Debug)]
pub enum AlreadyLinked {
    /// The pair was linked before the call.
    Pair {
        join: String,
        left: String,
        right: String,
    },
    /// The link could not be made at all.
    Link(LinkError),
}

/// Why a destroy wrote nothing.
#[derive(Debug)]
pub enum DestroyError {
    /// A row asked for does not exist (the first missing one, for many).
    NotFound {
        table: String,
        id: String,
    },
    /// A `restrict` rule stopped the destroy: `rows` rows of `relation`
    /// (`table.column`) point at row `id` of `table`.
    Restricted {
        table: String,
        id: String,
        relation: String,
        rows: u64,
    },
    Db(DbErr),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::MissingParent { side, table, id } => {
                write!(f, "{table} {id} not found ({side} side)")
            }
            LinkError::SelfLink { join, table, id } => {
                write!(f, "{join} cannot link {table} {id} to itself")
            }
            LinkError::Db(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for AlreadyLinked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlreadyLinked::Pair { join, left, right } => {
                write!(f, "{join} already links {left} and {right}")
            }
            AlreadyLinked::Link(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for DestroyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DestroyError::NotFound { table, id } => write!(f, "{table} {id} not found"),
            DestroyError::Restricted {
                table,
                id,
                relation,
                rows,
            } => write!(
                f,
                "cannot delete {table} {id}: {rows} row(s) in {relation} depend on it"
            ),
            DestroyError::Db(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LinkError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl std::error::Error for AlreadyLinked {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AlreadyLinked::Link(e) => Some(e),
            AlreadyLinked::Pair { .. } => None,
        }
    }
}

impl std::error::Error for DestroyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DestroyError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<DbErr> for LinkError {
    fn from(e: DbErr) -> Self {
        LinkError::Db(e)
    }
}

impl From<DbErr> for DestroyError {
    fn from(e: DbErr) -> Self {
        DestroyError::Db(e)
    }
}

impl From<LinkError> for AlreadyLinked {
    fn from(e: LinkError) -> Self {
        AlreadyLinked::Link(e)
    }
}

impl From<DbErr> for AlreadyLinked {
    fn from(e: DbErr) -> Self {
        AlreadyLinked::Link(LinkError::Db(e))
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Left => "left",
            Side::Right => "right",
        })
    }
}

/// Is this the unique index refusing a duplicate?
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Is this a foreign key refusing a missing parent?
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// Is this a CHECK constraint refusing a row, whatever the constraint is called?
/// sqlx classifies it on every backend: PostgreSQL 23514, MySQL 3819, MariaDB 4025,
/// SQLite's extended code 275.
pub fn is_check_violation(err: &DbErr) -> bool {
    #[cfg(feature = "sqlx-dep")]
    if let Some(db) = sqlx_database_error(err) {
        return matches!(db.kind(), sea_orm::sqlx::error::ErrorKind::CheckViolation);
    }
    let _ = err;
    false
}

/// May the same work succeed if tried again? Deadlocks, serialization failures, lock
/// wait timeouts and SQLite's busy or locked database are decided by timing, not by
/// the data.
pub fn is_retryable(err: &DbErr) -> bool {
    #[cfg(feature = "sqlx-dep")]
    if let Some(db) = sqlx_database_error(err) {
        // PostgreSQL deadlock / serialization failure, MySQL deadlock (SQLSTATE
        // 40001); SQLite SQLITE_BUSY (5), BUSY_RECOVERY (261), BUSY_SNAPSHOT (517),
        // SQLITE_LOCKED (6).
        if db
            .code()
            .is_some_and(|code| matches!(&*code, "40P01" | "40001" | "5" | "261" | "517" | "6"))
        {
            return true;
        }
        // MySQL's lock wait timeout (1205) has the generic SQLSTATE HY000.
        #[cfg(feature = "sqlx-mysql")]
        if let Some(my) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
            return my.number() == 1205;
        }
    }
    let _ = err;
    false
}

#[cfg(feature = "sqlx-dep")]
fn sqlx_database_error(err: &DbErr) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => e.as_database_error(),
        _ => None,
    }
}
