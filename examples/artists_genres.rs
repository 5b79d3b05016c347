//! The `has_many :through` lesson's "single source of truth": artists have many genres
//! through songs. Which genres an artist plays is stored in one place only, each
//! song's `genre_id`; there is no genre list on artists and no artist list on genres,
//! so the two can never disagree.
//!
//! ```ruby
//! class Artist < ApplicationRecord
//!   has_many :songs, dependent: :destroy
//!   has_many :genres, -> { distinct }, through: :songs
//! end
//! class Song < ApplicationRecord
//!   belongs_to :artist
//!   belongs_to :genre, optional: true
//! end
//! class Genre < ApplicationRecord
//!   has_many :songs, dependent: :nullify
//!   has_many :artists, -> { distinct }, through: :songs
//! end
//! ```
//!
//! Run it: `cargo run --example artists_genres` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `Song.create(title: "Sinnerman", artist: a, genre: g)`, `a.genres`, `g.artists`.

mod lesson;

use entity::{artist, genre, song};
use lesson::{Lesson, Outcome, debug, declaration, name, outcome, step};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use service::music;

const ARTIST_RS: &str = include_str!("../entity/src/artist.rs");
const SONG_RS: &str = include_str!("../entity/src/song.rs");

fn genres(r: &Result<Vec<genre::Model>, sea_orm::DbErr>) -> String {
    outcome(r, |gs| {
        format!(
            "{:?}",
            gs.iter().map(|g| g.name.as_str()).collect::<Vec<_>>()
        )
    })
}

fn songs(r: &Result<Vec<song::Model>, sea_orm::DbErr>) -> String {
    outcome(r, |ss| {
        ss.iter()
            .map(|s| {
                format!(
                    "{:?} artist_id={} genre_id={:?}",
                    s.title, s.artist_id, s.genre_id
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Artists and genres: has_many :through songs").await?;
    let db = &lesson.db;

    let miles = music::add_artist(db, name("Miles Davis")?).await?;
    let daft = music::add_artist(db, name("Daft Punk")?).await?;
    let jazz = music::add_genre(db, name("Jazz")?).await?;
    let electronic = music::add_genre(db, name("Electronic")?).await?;
    let funk = music::add_genre(db, name("Funk")?).await?;
    music::add_song(db, miles.id, Some(jazz.id), name("So What")?).await?;
    music::add_song(db, miles.id, Some(funk.id), name("Jean Pierre")?).await?;
    music::add_song(db, daft.id, Some(electronic.id), name("Around the World")?).await?;
    lesson.note("setup: artists Miles Davis and Daft Punk; genres Jazz, Electronic, Funk;\nsongs So What (Miles, Jazz), Jean Pierre (Miles, Funk), Around the World (Daft Punk, Electronic)");

    let get_lucky = step!(
        lesson,
        "A song belongs to an artist and a genre",
        "daft.songs.create!(title: \"Get Lucky\", genre: funk)",
        music::add_song(db, daft.id, Some(funk.id), name("Get Lucky")?),
        |r| outcome(r, |s| format!("{s:?}")),
    )
    .await?;

    step!(
        lesson,
        "Where the relation is stored: in songs, and only there",
        "Song.order(:id).pluck(:title, :artist_id, :genre_id)",
        declared: declaration("entity/src/song.rs", SONG_RS, "genre"),
        song::Entity::find().order_by_asc(song::Column::Id).all(db),
        songs,
    )
    .await?;

    step!(
        lesson,
        "Where it is not: an artist row has no genres column",
        "Artist.find(daft.id)   # no genre_ids column to keep in step",
        artist::Entity::find_by_id(daft.id).one(db),
        debug,
    )
    .await?;

    // ANCHOR: step
    step!(
        lesson,
        "Artist has many genres through songs",
        "has_many :genres, -> { distinct }, through: :songs\ndaft.genres",
        declared: declaration("entity/src/artist.rs", ARTIST_RS, "genres"),
        music::artist_genres(db, &daft),
        genres,
    )
    .await?;
    // ANCHOR_END: step

    step!(
        lesson,
        "Genre has many artists through songs",
        "funk.artists",
        music::genre_artists(db, &funk),
        |r| {
            outcome(r, |as_| {
                format!(
                    "{:?}",
                    as_.iter().map(|a| a.name.as_str()).collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    step!(
        lesson,
        "Change one song and the artist's genres follow: nothing else to update",
        "get_lucky.update!(genre: electronic)\ndaft.genres",
        regenre_song(db, &get_lucky, &electronic, &daft),
        genres,
    )
    .await?;

    step!(
        lesson,
        "Deleting a genre keeps its songs and clears their genre (dependent: :nullify)",
        "jazz.destroy   # has_many :songs, dependent: :nullify",
        music::remove_genre(db, jazz.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Miles Davis's songs and genres after",
        "miles.songs\nmiles.genres",
        songs_and_genres_of(db, &miles),
        |r| {
            outcome(r, |(his, g)| {
                format!(
                    "{}\ngenres {:?}",
                    songs(&Ok(his.clone())),
                    g.iter().map(|g| g.name.as_str()).collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    step!(
        lesson,
        "Deleting an artist deletes their songs (dependent: :destroy)",
        "daft.destroy\nSong.pluck(:title)",
        remove_artist_then_list_songs(db, daft.id),
        |r| {
            outcome(r, |ss| {
                format!(
                    "{:?}",
                    ss.iter().map(|s| s.title.as_str()).collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    lesson.finish().await
}

// ANCHOR: regenre_song
/// `song.update!(genre: genre); artist.genres`: the relation lives in `songs`, so
/// changing one song's genre is the whole update.
async fn regenre_song(
    db: &DatabaseConnection,
    song: &song::Model,
    genre: &genre::Model,
    artist: &artist::Model,
) -> Result<Vec<genre::Model>, DbErr> {
    song::ActiveModel {
        genre_id: Set(Some(genre.id)),
        ..song.clone().into_active_model()
    }
    .update(db)
    .await?;
    music::artist_genres(db, artist).await
}
// ANCHOR_END: regenre_song

/// `artist.songs` and `artist.genres`.
async fn songs_and_genres_of(
    db: &DatabaseConnection,
    artist: &artist::Model,
) -> Result<(Vec<song::Model>, Vec<genre::Model>), DbErr> {
    let his = song::Entity::find()
        .filter(song::Column::ArtistId.eq(artist.id))
        .order_by_asc(song::Column::Id)
        .all(db)
        .await?;
    let genres = music::artist_genres(db, artist).await?;
    Ok((his, genres))
}

/// `artist.destroy; Song.pluck(:title)`.
async fn remove_artist_then_list_songs(
    db: &DatabaseConnection,
    artist_id: i32,
) -> Result<Vec<song::Model>, music::MusicError> {
    music::remove_artist(db, artist_id).await?;
    Ok(song::Entity::find()
        .order_by_asc(song::Column::Id)
        .all(db)
        .await?)
}
