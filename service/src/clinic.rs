//! The clinic lesson: doctors have many patients through appointments, which carry a
//! time of their own. A patient may see one doctor many times, so the through
//! queries ask for each person once (DISTINCT).

use chrono::{DateTime, Utc};
use entity::{appointment, doctor, patient};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    ModelTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::assoc::error::is_foreign_key_violation;
use crate::assoc::{DestroyError, insert_isolated};
use crate::input::Name;
use crate::schema::{registry, undeclared_restriction};

#[derive(Debug, thiserror::Error)]
pub enum ClinicError {
    #[error("doctor {0} not found")]
    DoctorNotFound(i32),
    #[error("patient {0} not found")]
    PatientNotFound(i32),
    #[error("doctor {doctor_id} still has {appointments} appointment(s)")]
    DoctorHasAppointments { doctor_id: i32, appointments: u64 },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// # Errors
/// [`ClinicError::Db`].
pub async fn add_doctor<C: ConnectionTrait>(
    db: &C,
    name: Name,
) -> Result<doctor::Model, ClinicError> {
    Ok(doctor::ActiveModel {
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// # Errors
/// [`ClinicError::Db`].
pub async fn add_patient<C: ConnectionTrait>(
    db: &C,
    name: Name,
) -> Result<patient::Model, ClinicError> {
    Ok(patient::ActiveModel {
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

// ANCHOR: book_appointment
/// Books an appointment; the doctor and the patient must exist.
///
/// # Errors
/// [`ClinicError::DoctorNotFound`], [`ClinicError::PatientNotFound`],
/// [`ClinicError::Db`]; nothing is written on error.
pub async fn book_appointment<C>(
    db: &C,
    doctor_id: i32,
    patient_id: i32,
    starts_at: DateTime<Utc>,
) -> Result<appointment::Model, ClinicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let row = appointment::ActiveModel {
        doctor_id: Set(doctor_id),
        patient_id: Set(patient_id),
        starts_at: Set(starts_at),
        ..Default::default()
    };
    match insert_isolated(db, row).await {
        Ok(model) => Ok(model),
        Err(e) if !is_foreign_key_violation(&e) => Err(e.into()),
        Err(_) => {
            if doctor::Entity::find_by_id(doctor_id)
                .one(db)
                .await?
                .is_none()
            {
                Err(ClinicError::DoctorNotFound(doctor_id))
            } else {
                Err(ClinicError::PatientNotFound(patient_id))
            }
        }
    }
}
// ANCHOR_END: book_appointment

// ANCHOR: doctor_patients
/// `doctor.patients`, each once, by name: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn doctor_patients<C: ConnectionTrait>(
    db: &C,
    doctor: &doctor::Model,
) -> Result<Vec<patient::Model>, DbErr> {
    doctor
        .find_related(patient::Entity)
        .distinct()
        .order_by_asc(patient::Column::Name)
        .order_by_asc(patient::Column::Id)
        .all(db)
        .await
}
// ANCHOR_END: doctor_patients

// ANCHOR: patient_doctors
/// `patient.doctors`, each once, by name: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn patient_doctors<C: ConnectionTrait>(
    db: &C,
    patient: &patient::Model,
) -> Result<Vec<doctor::Model>, DbErr> {
    patient
        .find_related(doctor::Entity)
        .distinct()
        .order_by_asc(doctor::Column::Name)
        .order_by_asc(doctor::Column::Id)
        .all(db)
        .await
}
// ANCHOR_END: patient_doctors

// ANCHOR: doctor_appointments
/// A doctor's appointments in time order, each with its patient: one statement.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn doctor_appointments<C: ConnectionTrait>(
    db: &C,
    doctor_id: i32,
) -> Result<Vec<(appointment::Model, patient::Model)>, DbErr> {
    let rows = appointment::Entity::find()
        .filter(appointment::Column::DoctorId.eq(doctor_id))
        .find_also_related(patient::Entity)
        .order_by_asc(appointment::Column::StartsAt)
        .order_by_asc(appointment::Column::Id)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, p)| p.map(|p| (a, p)))
        .collect())
}
// ANCHOR_END: doctor_appointments

// ANCHOR: remove_doctor
/// Deletes a doctor, refused while they have appointments (`restrict`).
///
/// # Errors
/// [`ClinicError::DoctorNotFound`], [`ClinicError::DoctorHasAppointments`] (nothing is
/// deleted), [`ClinicError::Db`].
pub async fn remove_doctor<C>(db: &C, doctor_id: i32) -> Result<(), ClinicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    match registry().destroy(db, doctor::Entity, doctor_id).await {
        Ok(_) => Ok(()),
        Err(DestroyError::NotFound { .. }) => Err(ClinicError::DoctorNotFound(doctor_id)),
        Err(DestroyError::Restricted { rows, .. }) => Err(ClinicError::DoctorHasAppointments {
            doctor_id,
            appointments: rows,
        }),
        Err(DestroyError::Db(e)) => Err(e.into()),
    }
}
// ANCHOR_END: remove_doctor

/// Deletes a patient and their appointments.
///
/// # Errors
/// [`ClinicError::PatientNotFound`], [`ClinicError::Db`].
pub async fn remove_patient<C>(db: &C, patient_id: i32) -> Result<(), ClinicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    match registry().destroy(db, patient::Entity, patient_id).await {
        Ok(_) => Ok(()),
        Err(DestroyError::NotFound { .. }) => Err(ClinicError::PatientNotFound(patient_id)),
        Err(e @ DestroyError::Restricted { .. }) => Err(undeclared_restriction(e).into()),
        Err(DestroyError::Db(e)) => Err(e.into()),
    }
}
