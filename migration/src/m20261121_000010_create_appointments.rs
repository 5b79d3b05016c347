//! `appointments`: doctors and patients, with a time of their own. A doctor with
//! appointments cannot be deleted (RESTRICT); a patient's go with them (CASCADE).

use sea_orm_migration::{prelude::*, schema::*};

use crate::{drop_table, foreign_key, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("appointments")
                    .col(pk_auto("id"))
                    .col(integer("doctor_id"))
                    .col(integer("patient_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .foreign_key(&mut foreign_key(
                        "appointments",
                        "doctor_id",
                        "doctors",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut foreign_key(
                        "appointments",
                        "patient_id",
                        "patients",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("appointments", "doctor_id"))
            .await?;
        manager
            .create_index(index("appointments", "patient_id"))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_table(manager, "appointments").await
    }
}
