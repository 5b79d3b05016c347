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

mod lesson;

use entity::{artist, genre, song};
use lesson::{Lesson, Outcome, debug, declaration, name, outcome};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
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

    let get_lucky = lesson
        .step(
            "A song belongs to an artist and a genre",
            "daft.songs.create!(title: \"Get Lucky\", genre: funk)",
            "music::add_song(db, daft.id, Some(funk.id), name(\"Get Lucky\")?)",
            music::add_song(db, daft.id, Some(funk.id), name("Get Lucky")?),
            |r| outcome(r, |s| format!("{s:?}")),
        )
        .await?;

    lesson
        .step(
            "Where the relation is stored: in songs, and only there",
            "Song.order(:id).pluck(:title, :artist_id, :genre_id)",
            &format!(
                "{}\nsong::Entity::find().order_by_asc(song::Column::Id).all(db)",
                declaration("entity/src/song.rs", SONG_RS, "genre")
            ),
            song::Entity::find().order_by_asc(song::Column::Id).all(db),
            songs,
        )
        .await?;

    lesson
        .step(
            "Where it is not: an artist row has no genres column",
            "Artist.find(daft.id)   # no genre_ids column to keep in step",
            "artist::Entity::find_by_id(daft.id).one(db)",
            artist::Entity::find_by_id(daft.id).one(db),
            debug,
        )
        .await?;

    lesson
        .step(
            "Artist has many genres through songs",
            "has_many :genres, -> { distinct }, through: :songs\ndaft.genres",
            &format!(
                "{}\nmusic::artist_genres(db, &daft)",
                declaration("entity/src/artist.rs", ARTIST_RS, "genres")
            ),
            music::artist_genres(db, &daft),
            genres,
        )
        .await?;

    lesson
        .step(
            "Genre has many artists through songs",
            "funk.artists",
            "music::genre_artists(db, &funk)",
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

    lesson
        .step(
            "Change one song and the artist's genres follow: nothing else to update",
            "get_lucky.update!(genre: electronic)\ndaft.genres",
            "song::ActiveModel { genre_id: Set(Some(electronic.id)), ..get_lucky.into_active_model() }.update(db)\nmusic::artist_genres(db, &daft)",
            async {
                song::ActiveModel {
                    genre_id: Set(Some(electronic.id)),
                    ..get_lucky.clone().into_active_model()
                }
                .update(db)
                .await?;
                music::artist_genres(db, &daft).await
            },
            genres,
        )
        .await?;

    lesson
        .step(
            "Deleting a genre keeps its songs and clears their genre (dependent: :nullify)",
            "jazz.destroy   # has_many :songs, dependent: :nullify",
            "music::remove_genre(db, jazz.id)",
            music::remove_genre(db, jazz.id),
            debug,
        )
        .await?;

    lesson
        .step(
            "Miles Davis's songs and genres after",
            "miles.songs\nmiles.genres",
            "song::Entity::find().filter(song::Column::ArtistId.eq(miles.id)).all(db)\nmusic::artist_genres(db, &miles)",
            async {
                let his = song::Entity::find()
                    .filter(song::Column::ArtistId.eq(miles.id))
                    .order_by_asc(song::Column::Id)
                    .all(db)
                    .await?;
                let g = music::artist_genres(db, &miles).await?;
                Ok::<_, sea_orm::DbErr>((his, g))
            },
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

    lesson
        .step(
            "Deleting an artist deletes their songs (dependent: :destroy)",
            "daft.destroy\nSong.pluck(:title)",
            "music::remove_artist(db, daft.id)\nsong::Entity::find().all(db)",
            async {
                music::remove_artist(db, daft.id).await?;
                Ok::<_, music::MusicError>(
                    song::Entity::find()
                        .order_by_asc(song::Column::Id)
                        .all(db)
                        .await?,
                )
            },
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
