//! The toolkit's typed errors, and the one place where database errors are classified.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// What can go wrong when the toolkit links, unlinks or destroys rows.
#[derive(Debug, thiserror::Error)]
pub enum AssocError {
    /// A row the operation needs does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Which side of a join was missing, when the operation was on a join.
        side: Option<super::Side>,
        entity: String,
        id: i64,
    },
    /// The pair is already linked (reported by operations that refuse duplicates).
    #[error("{join} already links {left} and {right}")]
    AlreadyLinked { join: String, left: i64, right: i64 },
    /// A `restrict` rule stopped a destroy: `rows` rows of `relation` still point here.
    #[error("cannot delete {entity} {id}: {rows} row(s) in {relation} depend on it")]
    Restricted {
        entity: String,
        id: i64,
        relation: String,
        rows: u64,
    },
    /// A self-referential join (e.g. follows) was asked to link a row to itself.
    #[error("{join} cannot link {entity} {id} to itself")]
    SelfReference {
        join: String,
        entity: String,
        id: i64,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl AssocError {
    /// The database error inside, or the message of a variant the caller's operation
    /// cannot produce (e.g. `Restricted` from destroying a row whose relations all
    /// cascade): for services whose own error type has only a `Db` case left.
    pub fn into_db_err(self) -> DbErr {
        match self {
            AssocError::Db(e) => e,
            other => DbErr::Custom(other.to_string()),
        }
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

/// Is this a CHECK constraint refusing a row (e.g. `chk-follows-not_self`)?
pub fn is_check_violation(err: &DbErr) -> bool {
    database_code(err).is_some_and(|code| {
        // PostgreSQL 23514, MySQL/MariaDB 3819 and 4025 (SQLSTATE 23000 / HY000),
        // SQLite extended code 275 (SQLITE_CONSTRAINT_CHECK).
        matches!(code.as_str(), "23514" | "275")
    }) || err.to_string().contains("CHECK constraint")
        || err.to_string().contains("chk-")
}

/// May the same work succeed if tried again? Deadlocks, serialization failures and
/// SQLite's busy database are decided by timing, not by the data.
pub fn is_retryable(err: &DbErr) -> bool {
    let by_code = database_code(err).is_some_and(|code| {
        // PostgreSQL deadlock / serialization; MySQL deadlock (SQLSTATE 40001);
        // SQLite SQLITE_BUSY (5), BUSY_SNAPSHOT (517), LOCKED (6).
        matches!(code.as_str(), "40P01" | "40001" | "5" | "517" | "6" | "261")
    });
    let text = err.to_string();
    by_code
        || text.contains("database is locked")
        || text.contains("Deadlock found")
        || text.contains("Lock wait timeout")
}

fn database_code(err: &DbErr) -> Option<String> {
    let runtime = match err {
        DbErr::Exec(e) | DbErr::Query(e) | DbErr::Conn(e) => e,
        _ => return None,
    };
    match runtime {
        RuntimeErr::SqlxError(e) => e
            .as_database_error()
            .and_then(|d| d.code().map(|c| c.into_owned())),
        _ => None,
    }
}
