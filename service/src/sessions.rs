//! Server-side session rows for the web app's session store: save (insert or
//! replace), load while unexpired, delete.

use chrono::{DateTime, Utc};
use entity::session;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

/// Writes the session's data and expiry, creating the row or replacing it.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn save_session<C: ConnectionTrait>(
    db: &C,
    id: &str,
    data: String,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let row = session::ActiveModel {
        id: Set(id.to_owned()),
        data: Set(data),
        expires_at: Set(expires_at),
    };
    session::Entity::insert(row)
        .on_conflict(
            OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The session's data, unless it does not exist or has expired.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn load_session<C: ConnectionTrait>(
    db: &C,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find_by_id(id.to_owned())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(db)
        .await
}

/// Deletes the session (sign-out).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn delete_session<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id.to_owned())
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes every expired session; returns how many.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn delete_expired_sessions<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
