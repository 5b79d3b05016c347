//! Service tests for the three has_many :through lessons:
//! - the store: users have many items through `user_items` (a user owns an item once);
//! - the clinic: doctors have many patients through `appointments`, which may repeat a
//!   pair; a doctor with appointments cannot be removed (restrict), a patient's
//!   appointments go with them (cascade);
//! - music: artists have many genres through `songs`; a removed genre leaves its songs
//!   without a genre (nullify), a removed artist takes their songs (cascade).

use chrono::{DateTime, TimeZone, Utc};
use entity::{artist, doctor, genre, item, patient, song, user};
use sea_orm::{EntityTrait, TransactionTrait};
use service::clinic::{self, ClinicError};
use service::input::Name;
use service::music::{self, MusicError};
use service::store::{self, StoreError};
use testkit::{TestDb, rows, seed};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Ids that no row has: each error names the id it could not find.
const MISSING: i32 = 777_001;

fn name(text: &str) -> Name {
    Name::parse(text).expect("valid name")
}

fn usernames(users: &[user::Model]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

fn item_names(items: &[item::Model]) -> Vec<&str> {
    items.iter().map(|i| i.name.as_str()).collect()
}

fn patient_names(patients: &[patient::Model]) -> Vec<&str> {
    patients.iter().map(|p| p.name.as_str()).collect()
}

fn doctor_names(doctors: &[doctor::Model]) -> Vec<&str> {
    doctors.iter().map(|d| d.name.as_str()).collect()
}

fn genre_names(genres: &[genre::Model]) -> Vec<&str> {
    genres.iter().map(|g| g.name.as_str()).collect()
}

fn artist_names(artists: &[artist::Model]) -> Vec<&str> {
    artists.iter().map(|a| a.name.as_str()).collect()
}

/// 1 March 2030 at `hour`:00 UTC.
fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 1, hour, 0, 0)
        .single()
        .expect("a valid time")
}

// ---------------------------------------------------------------------------------
// The store: users have many items through user_items
// ---------------------------------------------------------------------------------

async fn add_item(t: &TestDb, item_name: &str) -> item::Model {
    store::add_item(&t.db, name(item_name))
        .await
        .expect("add item")
}

#[tokio::test]
async fn buying_items_links_users_and_items_both_ways() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let bob = seed::user(&t.db, "bob").await;
    let lamp = add_item(&t, "lamp").await;
    let book = add_item(&t, "book").await;

    store::buy_item(&t.db, bob.id, lamp.id).await?;
    store::buy_item(&t.db, ann.id, lamp.id).await?;
    store::buy_item(&t.db, ann.id, book.id).await?;

    assert_eq!(rows(&t.db, "user_items").await, 3);
    assert_eq!(
        item_names(&store::user_items(&t.db, &ann).await?),
        ["book", "lamp"]
    );
    assert_eq!(item_names(&store::user_items(&t.db, &bob).await?), ["lamp"]);
    assert_eq!(
        usernames(&store::item_buyers(&t.db, &lamp).await?),
        ["ann", "bob"]
    );
    assert_eq!(usernames(&store::item_buyers(&t.db, &book).await?), ["ann"]);
    Ok(())
}

#[tokio::test]
async fn buying_an_item_twice_is_refused_and_keeps_one_row() -> TestResult {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let lamp = add_item(&t, "lamp").await;
    store::buy_item(&t.db, ann.id, lamp.id).await?;

    let again = store::buy_item(&t.db, ann.id, lamp.id).await;

    assert!(
        matches!(again, Err(StoreError::AlreadyOwned { user_id, item_id }) if user_id == ann.id && item_id == lamp.id),
        "{again:?}"
    );
    assert_eq!(rows(&t.db, "user_items").await, 1);
    assert_eq!(item_names(&store::user_items(&t.db, &ann).await?), ["lamp"]);
    Ok(())
}

#[tokio::test]
async fn buying_for_a_missing_user_or_a_missing_item_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let ann = seed::user(&t.db, "ann").await;
    let lamp = add_item(&t, "lamp").await;

    let no_user = store::buy_item(&t.db, MISSING, lamp.id).await;
    let no_item = store::buy_item(&t.db, ann.id, MISSING).await;

    assert!(
        matches!(no_user, Err(StoreError::UserNotFound(MISSING))),
        "{no_user:?}"
    );
    assert!(
        matches!(no_item, Err(StoreError::ItemNotFound(MISSING))),
        "{no_item:?}"
    );
    assert_eq!(rows(&t.db, "user_items").await, 0);
}

// ---------------------------------------------------------------------------------
// The clinic: doctors have many patients through appointments
// ---------------------------------------------------------------------------------

async fn add_doctor(t: &TestDb, doctor_name: &str) -> doctor::Model {
    clinic::add_doctor(&t.db, name(doctor_name))
        .await
        .expect("add doctor")
}

async fn add_patient(t: &TestDb, patient_name: &str) -> patient::Model {
    clinic::add_patient(&t.db, name(patient_name))
        .await
        .expect("add patient")
}

async fn book(t: &TestDb, doctor: &doctor::Model, patient: &patient::Model, hour: u32) {
    clinic::book_appointment(&t.db, doctor.id, patient.id, at(hour))
        .await
        .expect("book appointment");
}

#[tokio::test]
async fn a_patient_seen_twice_by_a_doctor_is_listed_once_on_each_side() -> TestResult {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let wilson = add_doctor(&t, "Wilson").await;
    let zoe = add_patient(&t, "Zoe").await;
    let adam = add_patient(&t, "Adam").await;
    book(&t, &house, &zoe, 9).await;
    book(&t, &house, &zoe, 10).await;
    book(&t, &wilson, &zoe, 11).await;
    book(&t, &wilson, &zoe, 12).await;
    book(&t, &house, &adam, 13).await;

    assert_eq!(rows(&t.db, "appointments").await, 5);
    assert_eq!(
        patient_names(&clinic::doctor_patients(&t.db, &house).await?),
        ["Adam", "Zoe"]
    );
    assert_eq!(
        patient_names(&clinic::doctor_patients(&t.db, &wilson).await?),
        ["Zoe"]
    );
    assert_eq!(
        doctor_names(&clinic::patient_doctors(&t.db, &zoe).await?),
        ["House", "Wilson"]
    );
    assert_eq!(
        doctor_names(&clinic::patient_doctors(&t.db, &adam).await?),
        ["House"]
    );
    Ok(())
}

#[tokio::test]
async fn a_doctors_appointments_come_in_time_order_with_their_patients() -> TestResult {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let wilson = add_doctor(&t, "Wilson").await;
    let zoe = add_patient(&t, "Zoe").await;
    let adam = add_patient(&t, "Adam").await;
    book(&t, &house, &zoe, 11).await;
    book(&t, &house, &adam, 9).await;
    book(&t, &wilson, &adam, 10).await;
    book(&t, &house, &zoe, 10).await;

    let diary = clinic::doctor_appointments(&t.db, house.id).await?;

    let seen: Vec<(DateTime<Utc>, &str)> = diary
        .iter()
        .map(|(appointment, patient)| (appointment.starts_at, patient.name.as_str()))
        .collect();
    assert_eq!(seen, [(at(9), "Adam"), (at(10), "Zoe"), (at(11), "Zoe")]);
    assert!(
        diary
            .iter()
            .all(|(appointment, _)| appointment.doctor_id == house.id)
    );
    Ok(())
}

#[tokio::test]
async fn booking_with_a_missing_doctor_or_patient_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let zoe = add_patient(&t, "Zoe").await;

    let no_doctor = clinic::book_appointment(&t.db, MISSING, zoe.id, at(9)).await;
    let no_patient = clinic::book_appointment(&t.db, house.id, MISSING, at(9)).await;

    assert!(
        matches!(no_doctor, Err(ClinicError::DoctorNotFound(MISSING))),
        "{no_doctor:?}"
    );
    assert!(
        matches!(no_patient, Err(ClinicError::PatientNotFound(MISSING))),
        "{no_patient:?}"
    );
    assert_eq!(rows(&t.db, "appointments").await, 0);
}

/// The services also run inside a caller's transaction. A refused booking must still
/// name what is missing, and leave that transaction usable (on PostgreSQL a failed
/// statement aborts the whole transaction unless it ran in a savepoint).
#[tokio::test]
async fn a_refused_booking_inside_a_transaction_names_the_missing_doctor_and_leaves_it_usable()
-> TestResult {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let zoe = add_patient(&t, "Zoe").await;
    let txn = t.db.begin().await?;

    let no_doctor = clinic::book_appointment(&txn, MISSING, zoe.id, at(9)).await;
    let no_patient = clinic::book_appointment(&txn, house.id, MISSING, at(9)).await;
    let booked = clinic::book_appointment(&txn, house.id, zoe.id, at(10)).await;
    txn.commit().await?;

    assert!(
        matches!(no_doctor, Err(ClinicError::DoctorNotFound(MISSING))),
        "{no_doctor:?}"
    );
    assert!(
        matches!(no_patient, Err(ClinicError::PatientNotFound(MISSING))),
        "{no_patient:?}"
    );
    assert!(booked.is_ok(), "{booked:?}");
    assert_eq!(rows(&t.db, "appointments").await, 1);
    Ok(())
}

#[tokio::test]
async fn a_doctor_with_appointments_cannot_be_removed_and_nothing_is_deleted() {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let zoe = add_patient(&t, "Zoe").await;
    let adam = add_patient(&t, "Adam").await;
    book(&t, &house, &zoe, 9).await;
    book(&t, &house, &adam, 10).await;

    let result = clinic::remove_doctor(&t.db, house.id).await;

    assert!(
        matches!(result, Err(ClinicError::DoctorHasAppointments { doctor_id, appointments: 2 }) if doctor_id == house.id),
        "{result:?}"
    );
    assert_eq!(rows(&t.db, "doctors").await, 1);
    assert_eq!(rows(&t.db, "appointments").await, 2);
    assert_eq!(rows(&t.db, "patients").await, 2);
}

#[tokio::test]
async fn removing_a_patient_cancels_their_appointments_only() -> TestResult {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let zoe = add_patient(&t, "Zoe").await;
    let adam = add_patient(&t, "Adam").await;
    book(&t, &house, &zoe, 9).await;
    book(&t, &house, &zoe, 10).await;
    book(&t, &house, &adam, 11).await;

    clinic::remove_patient(&t.db, zoe.id).await?;

    assert_eq!(rows(&t.db, "patients").await, 1);
    assert_eq!(rows(&t.db, "appointments").await, 1);
    assert_eq!(rows(&t.db, "doctors").await, 1);
    assert_eq!(
        patient_names(&clinic::doctor_patients(&t.db, &house).await?),
        ["Adam"]
    );
    Ok(())
}

#[tokio::test]
async fn a_doctor_without_appointments_can_be_removed() -> TestResult {
    let t = TestDb::new().await;
    let house = add_doctor(&t, "House").await;
    let wilson = add_doctor(&t, "Wilson").await;
    let zoe = add_patient(&t, "Zoe").await;
    book(&t, &house, &zoe, 9).await;

    clinic::remove_doctor(&t.db, wilson.id).await?;
    assert_eq!(rows(&t.db, "doctors").await, 1);

    // Once the patient (and so the appointment) is gone, the restriction is lifted.
    clinic::remove_patient(&t.db, zoe.id).await?;
    clinic::remove_doctor(&t.db, house.id).await?;
    assert_eq!(rows(&t.db, "doctors").await, 0);
    Ok(())
}

#[tokio::test]
async fn removing_a_missing_doctor_or_patient_is_not_found() {
    let t = TestDb::new().await;
    add_doctor(&t, "House").await;
    add_patient(&t, "Zoe").await;

    let no_doctor = clinic::remove_doctor(&t.db, MISSING).await;
    let no_patient = clinic::remove_patient(&t.db, MISSING).await;

    assert!(
        matches!(no_doctor, Err(ClinicError::DoctorNotFound(MISSING))),
        "{no_doctor:?}"
    );
    assert!(
        matches!(no_patient, Err(ClinicError::PatientNotFound(MISSING))),
        "{no_patient:?}"
    );
    assert_eq!(rows(&t.db, "doctors").await, 1);
    assert_eq!(rows(&t.db, "patients").await, 1);
}

// ---------------------------------------------------------------------------------
// Music: artists have many genres through songs
// ---------------------------------------------------------------------------------

async fn add_artist(t: &TestDb, artist_name: &str) -> artist::Model {
    music::add_artist(&t.db, name(artist_name))
        .await
        .expect("add artist")
}

async fn add_genre(t: &TestDb, genre_name: &str) -> genre::Model {
    music::add_genre(&t.db, name(genre_name))
        .await
        .expect("add genre")
}

async fn add_song(
    t: &TestDb,
    artist: &artist::Model,
    genre: Option<&genre::Model>,
    title: &str,
) -> song::Model {
    music::add_song(&t.db, artist.id, genre.map(|g| g.id), name(title))
        .await
        .expect("add song")
}

#[tokio::test]
async fn an_artists_genres_and_a_genres_artists_are_listed_once_each() -> TestResult {
    let t = TestDb::new().await;
    let miles = add_artist(&t, "Miles").await;
    let ella = add_artist(&t, "Ella").await;
    let jazz = add_genre(&t, "Jazz").await;
    let blues = add_genre(&t, "Blues").await;
    add_song(&t, &miles, Some(&jazz), "So What").await;
    add_song(&t, &miles, Some(&jazz), "Freddie Freeloader").await;
    add_song(&t, &miles, Some(&blues), "All Blues").await;
    add_song(&t, &ella, Some(&jazz), "Summertime").await;
    add_song(&t, &ella, Some(&jazz), "Misty").await;
    add_song(&t, &ella, None, "Untitled").await;

    assert_eq!(rows(&t.db, "songs").await, 6);
    assert_eq!(
        genre_names(&music::artist_genres(&t.db, &miles).await?),
        ["Blues", "Jazz"]
    );
    assert_eq!(
        genre_names(&music::artist_genres(&t.db, &ella).await?),
        ["Jazz"]
    );
    assert_eq!(
        artist_names(&music::genre_artists(&t.db, &jazz).await?),
        ["Ella", "Miles"]
    );
    assert_eq!(
        artist_names(&music::genre_artists(&t.db, &blues).await?),
        ["Miles"]
    );
    Ok(())
}

#[tokio::test]
async fn a_genre_name_can_be_taken_only_once() {
    let t = TestDb::new().await;
    add_genre(&t, "Jazz").await;

    let again = music::add_genre(&t.db, name("Jazz")).await;

    assert!(
        matches!(&again, Err(MusicError::GenreTaken(taken)) if taken == "Jazz"),
        "{again:?}"
    );
    assert_eq!(rows(&t.db, "genres").await, 1);
}

#[tokio::test]
async fn a_song_by_a_missing_artist_or_in_a_missing_genre_is_refused_and_writes_nothing() {
    let t = TestDb::new().await;
    let miles = add_artist(&t, "Miles").await;
    let jazz = add_genre(&t, "Jazz").await;

    let no_artist = music::add_song(&t.db, MISSING, Some(jazz.id), name("So What")).await;
    let no_genre = music::add_song(&t.db, miles.id, Some(MISSING), name("So What")).await;

    assert!(
        matches!(no_artist, Err(MusicError::ArtistNotFound(MISSING))),
        "{no_artist:?}"
    );
    assert!(
        matches!(no_genre, Err(MusicError::GenreNotFound(MISSING))),
        "{no_genre:?}"
    );
    assert_eq!(rows(&t.db, "songs").await, 0);
}

#[tokio::test]
async fn a_refused_song_inside_a_transaction_names_the_missing_artist_and_leaves_it_usable()
-> TestResult {
    let t = TestDb::new().await;
    let miles = add_artist(&t, "Miles").await;
    let jazz = add_genre(&t, "Jazz").await;
    let txn = t.db.begin().await?;

    let no_artist = music::add_song(&txn, MISSING, Some(jazz.id), name("So What")).await;
    let no_genre = music::add_song(&txn, miles.id, Some(MISSING), name("So What")).await;
    let added = music::add_song(&txn, miles.id, Some(jazz.id), name("So What")).await;
    txn.commit().await?;

    assert!(
        matches!(no_artist, Err(MusicError::ArtistNotFound(MISSING))),
        "{no_artist:?}"
    );
    assert!(
        matches!(no_genre, Err(MusicError::GenreNotFound(MISSING))),
        "{no_genre:?}"
    );
    assert!(added.is_ok(), "{added:?}");
    assert_eq!(rows(&t.db, "songs").await, 1);
    Ok(())
}

#[tokio::test]
async fn removing_a_genre_keeps_its_songs_without_a_genre() -> TestResult {
    let t = TestDb::new().await;
    let miles = add_artist(&t, "Miles").await;
    let jazz = add_genre(&t, "Jazz").await;
    let blues = add_genre(&t, "Blues").await;
    let so_what = add_song(&t, &miles, Some(&jazz), "So What").await;
    let all_blues = add_song(&t, &miles, Some(&blues), "All Blues").await;

    music::remove_genre(&t.db, jazz.id).await?;

    assert_eq!(rows(&t.db, "genres").await, 1);
    assert_eq!(rows(&t.db, "songs").await, 2);
    let kept = song::Entity::find_by_id(so_what.id).one(&t.db).await?;
    assert_eq!(
        kept.map(|s| s.genre_id),
        Some(None),
        "the song stays, with no genre"
    );
    let untouched = song::Entity::find_by_id(all_blues.id).one(&t.db).await?;
    assert_eq!(untouched.map(|s| s.genre_id), Some(Some(blues.id)));
    assert_eq!(
        genre_names(&music::artist_genres(&t.db, &miles).await?),
        ["Blues"]
    );
    Ok(())
}

#[tokio::test]
async fn removing_an_artist_deletes_their_songs_only() -> TestResult {
    let t = TestDb::new().await;
    let miles = add_artist(&t, "Miles").await;
    let ella = add_artist(&t, "Ella").await;
    let jazz = add_genre(&t, "Jazz").await;
    add_song(&t, &miles, Some(&jazz), "So What").await;
    add_song(&t, &miles, None, "Untitled").await;
    add_song(&t, &ella, Some(&jazz), "Misty").await;

    music::remove_artist(&t.db, miles.id).await?;

    assert_eq!(rows(&t.db, "artists").await, 1);
    assert_eq!(rows(&t.db, "songs").await, 1);
    assert_eq!(rows(&t.db, "genres").await, 1, "the genre stays");
    assert_eq!(
        artist_names(&music::genre_artists(&t.db, &jazz).await?),
        ["Ella"]
    );
    Ok(())
}

#[tokio::test]
async fn removing_a_missing_artist_or_genre_is_not_found() {
    let t = TestDb::new().await;
    add_artist(&t, "Miles").await;
    add_genre(&t, "Jazz").await;

    let no_artist = music::remove_artist(&t.db, MISSING).await;
    let no_genre = music::remove_genre(&t.db, MISSING).await;

    assert!(
        matches!(no_artist, Err(MusicError::ArtistNotFound(MISSING))),
        "{no_artist:?}"
    );
    assert!(
        matches!(no_genre, Err(MusicError::GenreNotFound(MISSING))),
        "{no_genre:?}"
    );
    assert_eq!(rows(&t.db, "artists").await, 1);
    assert_eq!(rows(&t.db, "genres").await, 1);
}
