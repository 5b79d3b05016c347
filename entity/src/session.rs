//! `sessions`: the web app's server-side sessions (not a lesson table). The browser
//! holds only the random id; the data (who is signed in, the CSRF token, a flash
//! message) stays here, as JSON, until it expires.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(column_type = "Text")]
    pub data: String,
    #[sea_orm(indexed)]
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
