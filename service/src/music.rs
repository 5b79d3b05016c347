//! The music lesson: artists have many genres through songs. The relation is stored in
//! `songs` and nowhere else (no genre list on artists, no artist on genres), so an
//! artist's genres can never disagree with their songs.

use entity::{artist, genre, song};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, ModelTrait,
    QueryOrder, QuerySelect, TransactionTrait,
};

use crate::assoc::error::{is_foreign_key_violation, is_unique_violation};
use crate::assoc::{DestroyError, insert_isolated};
use crate::input::Name;
use crate::schema::{registry, undeclared_restriction};

#[derive(Debug, thiserror::Error)]
pub enum MusicError {
    #[error("artist {0} not found")]
    ArtistNotFound(i32),
    #[error("genre {0} not found")]
    GenreNotFound(i32),
    #[error("genre {0} already exists")]
    GenreTaken(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// # Errors
/// [`MusicError::Db`].
pub async fn add_artist<C: ConnectionTrait>(
    db: &C,
    name: Name,
) -> Result<artist::Model, MusicError> {
    Ok(artist::ActiveModel {
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// # Errors
/// [`MusicError::GenreTaken`], [`MusicError::Db`].
pub async fn add_genre<C: ConnectionTrait>(db: &C, name: Name) -> Result<genre::Model, MusicError> {
    genre::ActiveModel {
        name: Set(name.as_str().to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            MusicError::GenreTaken(name.as_str().to_owned())
        } else {
            e.into()
        }
    })
}

/// Adds a song by `artist_id`, in `genre_id` if given.
///
/// # Errors
/// [`MusicError::ArtistNotFound`], [`MusicError::GenreNotFound`], [`MusicError::Db`];
/// nothing is written on error.
pub async fn add_song<C>(
    db: &C,
    artist_id: i32,
    genre_id: Option<i32>,
    title: Name,
) -> Result<song::Model, MusicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let row = song::ActiveModel {
        title: Set(title.as_str().to_owned()),
        artist_id: Set(artist_id),
        genre_id: Set(genre_id),
        ..Default::default()
    };
    match insert_isolated(db, row).await {
        Ok(model) => Ok(model),
        Err(e) if !is_foreign_key_violation(&e) => Err(e.into()),
        Err(_) => {
            if artist::Entity::find_by_id(artist_id)
                .one(db)
                .await?
                .is_none()
            {
                Err(MusicError::ArtistNotFound(artist_id))
            } else {
                Err(MusicError::GenreNotFound(genre_id.unwrap_or_default()))
            }
        }
    }
}

// ANCHOR: artist_genres
/// `artist.genres`, each once, by name: one statement through `songs`.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn artist_genres<C: ConnectionTrait>(
    db: &C,
    artist: &artist::Model,
) -> Result<Vec<genre::Model>, DbErr> {
    artist
        .find_related(genre::Entity)
        .distinct()
        .order_by_asc(genre::Column::Name)
        .all(db)
        .await
}
// ANCHOR_END: artist_genres

// ANCHOR: genre_artists
/// `genre.artists`, each once, by name: one statement through `songs`.
///
/// # Errors
/// [`DbErr`] from the database.
pub async fn genre_artists<C: ConnectionTrait>(
    db: &C,
    genre: &genre::Model,
) -> Result<Vec<artist::Model>, DbErr> {
    genre
        .find_related(artist::Entity)
        .distinct()
        .order_by_asc(artist::Column::Name)
        .order_by_asc(artist::Column::Id)
        .all(db)
        .await
}
// ANCHOR_END: genre_artists

// ANCHOR: remove_genre
/// Deletes a genre; its songs stay, with no genre (`nullify`).
///
/// # Errors
/// [`MusicError::GenreNotFound`], [`MusicError::Db`].
pub async fn remove_genre<C>(db: &C, genre_id: i32) -> Result<(), MusicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    destroy(
        db,
        genre::Entity,
        genre_id,
        MusicError::GenreNotFound(genre_id),
    )
    .await
}
// ANCHOR_END: remove_genre

// ANCHOR: remove_artist
/// Deletes an artist and their songs.
///
/// # Errors
/// [`MusicError::ArtistNotFound`], [`MusicError::Db`].
pub async fn remove_artist<C>(db: &C, artist_id: i32) -> Result<(), MusicError>
where
    C: ConnectionTrait + TransactionTrait,
{
    destroy(
        db,
        artist::Entity,
        artist_id,
        MusicError::ArtistNotFound(artist_id),
    )
    .await
}
// ANCHOR_END: remove_artist

async fn destroy<C, E>(db: &C, entity: E, id: i32, missing: MusicError) -> Result<(), MusicError>
where
    C: ConnectionTrait + TransactionTrait,
    E: EntityTrait,
{
    match registry().destroy(db, entity, id).await {
        Ok(_) => Ok(()),
        Err(DestroyError::NotFound { .. }) => Err(missing),
        Err(e @ DestroyError::Restricted { .. }) => Err(undeclared_restriction(e).into()),
        Err(DestroyError::Db(e)) => Err(e.into()),
    }
}
