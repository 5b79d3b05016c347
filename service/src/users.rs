//! Users: register, and destroy with everything that depends on them.

use chrono::Utc;
use entity::user;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use crate::assoc::error::is_unique_violation;
use crate::assoc::insert_isolated;
use crate::assoc::{DestroyError, Step};
use crate::input::{Email, Salutation, Username};
use crate::schema::{registry, undeclared_restriction};

/// A validated sign-up.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub email: Email,
    pub salutation: Salutation,
    /// An argon2 hash made by the web layer; `None` for users that never sign in.
    pub password_hash: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("username {0} is already taken")]
    UsernameTaken(String),
    #[error("email {0} is already registered")]
    EmailTaken(String),
    #[error("user {0} not found")]
    NotFound(i32),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Registers a user; username and email are unique (the database decides, so two
/// concurrent sign-ups with one name cannot both win).
///
/// # Errors
/// [`UserError::UsernameTaken`], [`UserError::EmailTaken`], [`UserError::Db`].
pub async fn register_user<C>(db: &C, new: NewUser) -> Result<user::Model, UserError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let now = Utc::now();
    let row = user::ActiveModel {
        username: Set(new.username.as_str().to_owned()),
        email: Set(new.email.as_str().to_owned()),
        salutation: Set(new.salutation.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match insert_isolated(db, row).await {
        Ok(user) => Ok(user),
        Err(e) if !is_unique_violation(&e) => Err(e.into()),
        Err(_) => {
            let taken = user::Entity::find()
                .filter(user::Column::Username.eq(new.username.as_str()))
                .one(db)
                .await?;
            if taken.is_some() {
                Err(UserError::UsernameTaken(new.username.as_str().to_owned()))
            } else {
                Err(UserError::EmailTaken(new.email.as_str().to_owned()))
            }
        }
    }
}

// ANCHOR: destroy_user
/// Deletes a user with their tweets (and those tweets' hearts), the hearts they gave,
/// their follows both ways and their messages both ways, in one transaction; the
/// heart counts of other users' tweets they had hearted go down with them.
///
/// # Errors
/// [`UserError::NotFound`], [`UserError::Db`].
pub async fn destroy_user<C>(db: &C, user_id: i32) -> Result<Vec<Step>, UserError>
where
    C: ConnectionTrait + TransactionTrait,
{
    registry()
        .destroy(db, user::Entity, user_id)
        .await
        .map_err(|e| match e {
            DestroyError::NotFound { .. } => UserError::NotFound(user_id),
            restricted @ DestroyError::Restricted { .. } => {
                UserError::Db(undeclared_restriction(restricted))
            }
            DestroyError::Db(e) => UserError::Db(e),
        })
}
// ANCHOR_END: destroy_user

/// Deletes several users at once, each with everything [`destroy_user`] takes, in one
/// transaction and a number of statements that does not grow with the number of users
/// (about a dozen for any batch up to 10,000 users); the heart counts of the tweets
/// they had hearted go down by as many hearts as each lost. Repeated ids count once.
/// Returns the steps taken, rows summed over the batch.
///
/// # Errors
/// [`UserError::NotFound`] naming the first id with no user (nothing is deleted),
/// [`UserError::Db`].
pub async fn destroy_users<C>(db: &C, user_ids: &[i32]) -> Result<Vec<Step>, UserError>
where
    C: ConnectionTrait + TransactionTrait,
{
    registry()
        .destroy_many(db, user::Entity, user_ids)
        .await
        .map_err(|e| match e {
            DestroyError::NotFound { id, .. } => {
                UserError::NotFound(id.parse().unwrap_or(i32::MAX))
            }
            restricted @ DestroyError::Restricted { .. } => {
                UserError::Db(undeclared_restriction(restricted))
            }
            DestroyError::Db(e) => UserError::Db(e),
        })
}

/// The user with this id (the signed-in user, a profile).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn find_user<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find_by_id(id).one(db).await
}

/// The user with this username (sign-in, a conversation's other party).
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn find_user_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<user::Model>, DbErr> {
    user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await
}

/// Gives every user the same password hash: the seeded demo users' documented
/// password. Returns how many users were changed.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn set_every_password_hash<C: ConnectionTrait>(db: &C, hash: &str) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Expr;
    Ok(user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .exec(db)
        .await?
        .rows_affected)
}
