//! `appointments`: a join row with a column of its own (`starts_at`). A patient may see
//! the same doctor many times, so the pair is not unique, and "a doctor's patients"
//! must be asked for DISTINCT. Deleting a patient cancels their appointments; deleting a
//! doctor who still has appointments is refused.
//!
//! ```ruby
//! class Appointment < ApplicationRecord
//!   belongs_to :doctor
//!   belongs_to :patient
//! end
//! ```

use sea_orm::entity::prelude::*;

// ANCHOR: model
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(indexed)]
    pub doctor_id: i32,
    #[sea_orm(indexed)]
    pub patient_id: i32,
    pub starts_at: DateTimeUtc,

    /// `dependent: :restrict_with_error` on the doctor's side: a doctor with
    /// appointments on the books cannot be deleted.
    #[sea_orm(belongs_to, from = "doctor_id", to = "id", on_delete = "Restrict")]
    pub doctor: BelongsTo<super::doctor::Entity>,
    #[sea_orm(belongs_to, from = "patient_id", to = "id", on_delete = "Cascade")]
    pub patient: BelongsTo<super::patient::Entity>,
}
// ANCHOR_END: model

impl ActiveModelBehavior for ActiveModel {}
