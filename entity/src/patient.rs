//! `patients`: `has_many :appointments`, `has_many :doctors, through: :appointments`.

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,

    #[sea_orm(has_many)]
    pub appointments: HasMany<super::appointment::Entity>,
    #[sea_orm(has_many, via = "appointment")]
    pub doctors: HasMany<super::doctor::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
