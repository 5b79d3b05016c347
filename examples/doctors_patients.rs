//! The `has_many :through` lesson: doctors have many patients through appointments.
//! The join row is a model of its own with a column of its own (`starts_at`), and a
//! patient may see one doctor many times, so "a doctor's patients" asks for each
//! patient once.
//!
//! ```ruby
//! class Doctor < ApplicationRecord
//!   has_many :appointments, dependent: :restrict_with_error
//!   has_many :patients, -> { distinct }, through: :appointments
//! end
//! class Appointment < ApplicationRecord
//!   belongs_to :doctor
//!   belongs_to :patient
//! end
//! class Patient < ApplicationRecord
//!   has_many :appointments, dependent: :destroy
//!   has_many :doctors, -> { distinct }, through: :appointments
//! end
//! ```
//!
//! Run it: `cargo run --example doctors_patients` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `d = Doctor.create(name: "Dr. Hu")`, `Appointment.create(doctor: d, patient: p)`, `d.patients`.

mod lesson;

use chrono::{TimeZone, Utc};
use entity::{appointment, doctor, patient};
use lesson::{Lesson, Outcome, debug, declaration, name, outcome, step};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait};
use service::clinic;

const DOCTOR_RS: &str = include_str!("../entity/src/doctor.rs");

fn names<M>(r: &Result<Vec<M>, sea_orm::DbErr>, name: fn(&M) -> &str) -> String {
    outcome(r, |ms| {
        format!("{:?}", ms.iter().map(name).collect::<Vec<_>>())
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Doctors and patients: has_many :through appointments").await?;
    let db = &lesson.db;

    let who = clinic::add_doctor(db, name("Dr. Who")?).await?;
    let house = clinic::add_doctor(db, name("Dr. House")?).await?;
    let ann = clinic::add_patient(db, name("Ann")?).await?;
    let bo = clinic::add_patient(db, name("Bo")?).await?;
    let cy = clinic::add_patient(db, name("Cy")?).await?;
    let at = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).single();
    let monday = at(2, 9).ok_or("bad date")?;
    clinic::book_appointment(db, who.id, bo.id, at(2, 11).ok_or("bad date")?).await?;
    clinic::book_appointment(db, house.id, cy.id, at(3, 10).ok_or("bad date")?).await?;
    clinic::book_appointment(db, who.id, ann.id, at(4, 15).ok_or("bad date")?).await?;
    lesson.note("setup: Dr. Who and Dr. House; patients Ann, Bo, Cy;\nBo sees Dr. Who, Cy sees Dr. House, Ann sees Dr. Who on Wednesday");

    step!(
        lesson,
        "Ann books a second appointment with Dr. Who",
        "Appointment.create!(doctor: who, patient: ann, starts_at: monday)",
        clinic::book_appointment(db, who.id, ann.id, monday),
        |r| outcome(r, |a| format!("appointment {} at {}", a.id, a.starts_at)),
    )
    .await?;

    let _ = step!(
            lesson,
            "An appointment needs a patient",
            "Appointment.create(doctor: who, patient: nil, starts_at: monday)   # => Patient must exist",
            clinic::book_appointment(db, who.id, 9999, monday),
            |r| outcome(r, |a| format!("{a:?}")),
        )
        .await;

    // ANCHOR: step
    step!(
        lesson,
        "Doctor has many patients through appointments",
        "has_many :patients, -> { distinct }, through: :appointments\nwho.patients",
        declared: declaration("entity/src/doctor.rs", DOCTOR_RS, "patients"),
        clinic::doctor_patients(db, &who),
        |r| names(r, |p: &patient::Model| p.name.as_str()),
    )
    .await?;
    // ANCHOR_END: step

    step!(
        lesson,
        "Patient has many doctors through appointments",
        "ann.doctors",
        clinic::patient_doctors(db, &ann),
        |r| names(r, |d: &doctor::Model| d.name.as_str()),
    )
    .await?;

    step!(
            lesson,
            "The join row has a column of its own: the doctor's schedule",
            "who.appointments.includes(:patient).order(:starts_at).map { |a| [a.starts_at, a.patient.name] }",
            clinic::doctor_appointments(db, who.id),
            |r| {
                outcome(r, |rows| {
                    rows.iter()
                        .map(|(a, p)| format!("{} {}", a.starts_at.format("%a %d %b %H:%M"), p.name))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            },
        )
        .await?;

    let _ = step!(
        lesson,
        "A doctor with appointments cannot be deleted",
        "who.destroy   # has_many :appointments, dependent: :restrict_with_error => false",
        clinic::remove_doctor(db, who.id),
        debug,
    )
    .await;

    step!(
        lesson,
        "Deleting a patient cancels their appointments",
        "ann.destroy   # has_many :appointments, dependent: :destroy",
        clinic::remove_patient(db, ann.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Appointments left, and Dr. Who's patients now",
        "Appointment.count\nwho.patients",
        appointments_left_and_patients_of(db, &who),
        |r| {
            outcome(r, |(left, patients)| {
                format!(
                    "{left} appointments; Dr. Who sees {:?}",
                    patients.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    lesson.finish().await
}

/// `Appointment.count` and `doctor.patients`.
async fn appointments_left_and_patients_of(
    db: &DatabaseConnection,
    doctor: &doctor::Model,
) -> Result<(u64, Vec<patient::Model>), DbErr> {
    let left = appointment::Entity::find().count(db).await?;
    let patients = clinic::doctor_patients(db, doctor).await?;
    Ok((left, patients))
}
