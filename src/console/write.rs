//! Writes, each through the service function the app and the examples use, so the
//! console cannot do what the app would refuse: inputs are validated by the same
//! newtypes, hearts keep `tweets.hearts_count` right, following yourself is refused,
//! and `destroy` follows the registry's dependent rules.
//!
//! This is the one place with a case per model: each service function has its own
//! arguments. The table of what exists is [`CREATES`] and [`verbs`] (shown by `help`).

use chrono::{DateTime, NaiveDateTime, Utc};
use entity::{
    appointment, artist, doctor, genre, heart, item, message, patient, song, tweet, user, user_item,
};
use sea_orm::{ConnectionTrait, EntityTrait, Iterable, ModelTrait, TransactionTrait};
use service::assoc::{Attached, DestroyError, Registry};
use service::input::{Email, MessageBody, Name, Salutation, TweetBody, Username};
use service::{clinic, follows, hearts, messages, music, store, tweets, users};

use super::catalog::Catalog;
use super::eval::{EvalError, hint};
use super::value::{Record, Value};

/// `Model.create(..)` for each table: the call, and the service function behind it.
pub const CREATES: &[(&str, &str, &str)] = &[
    (
        "users",
        "User.create(username: \"ann\", email: \"ann@example.com\", salutation: \"Ann\")",
        "users::register_user (email and salutation default from the username)",
    ),
    (
        "tweets",
        "Tweet.create(user: u, content: \"Hello\")  or  u.tweets.create(content: \"Hello\")",
        "tweets::post_tweet",
    ),
    (
        "hearts",
        "Heart.create(user: u, tweet: t)  or  u.heart(t)",
        "hearts::heart_tweet",
    ),
    (
        "messages",
        "Message.create(sender: u, receiver: v, body: \"Hi\")",
        "messages::send_message",
    ),
    (
        "follows",
        "Follow.create(follower: u, followed: v)  or  u.follow(v)",
        "follows::follow_user",
    ),
    ("items", "Item.create(name: \"Sword\")", "store::add_item"),
    (
        "user_items",
        "UserItem.create(user: u, item: i)  or  u.buy(i)",
        "store::buy_item",
    ),
    (
        "doctors",
        "Doctor.create(name: \"Dr. Hu\")",
        "clinic::add_doctor",
    ),
    (
        "patients",
        "Patient.create(name: \"Ann\")",
        "clinic::add_patient",
    ),
    (
        "appointments",
        "Appointment.create(doctor: d, patient: p, starts_at: \"2026-05-01 09:30\")",
        "clinic::book_appointment (starts_at defaults to now)",
    ),
    (
        "artists",
        "Artist.create(name: \"Nina\")",
        "music::add_artist",
    ),
    ("genres", "Genre.create(name: \"Jazz\")", "music::add_genre"),
    (
        "songs",
        "Song.create(title: \"Feeling Good\", artist: a, genre: g)",
        "music::add_song (genre is optional)",
    ),
];

/// The write methods of a record of `table`, with the service function each calls.
pub fn verbs(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "users" => &[
            ("heart", "u.heart(t): hearts::heart_tweet"),
            ("like", "u.like(t): hearts::like_tweet"),
            ("unheart", "u.unheart(t): hearts::unheart_tweet"),
            ("follow", "u.follow(v): follows::follow_user"),
            ("unfollow", "u.unfollow(v): follows::unfollow_user"),
            ("buy", "u.buy(item): store::buy_item"),
        ],
        _ => &[],
    }
}

/// The keyword arguments of one call, taken one by one; what is left is a mistake.
struct Args<'a> {
    catalog: &'a Catalog,
    left: Vec<(String, Value)>,
    allowed: Vec<&'static str>,
}

impl<'a> Args<'a> {
    fn new(catalog: &'a Catalog, kwargs: &[(String, Value)]) -> Self {
        Self {
            catalog,
            left: kwargs.to_vec(),
            allowed: Vec::new(),
        }
    }

    fn take(&mut self, key: &'static str) -> Option<Value> {
        self.allowed.push(key);
        let at = self.left.iter().position(|(k, _)| k == key)?;
        Some(self.left.remove(at).1)
    }

    /// `name: "..."`.
    fn text(&mut self, key: &'static str) -> Result<Option<String>, EvalError> {
        match self.take(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s)),
            Some(other) => Err(EvalError::Usage(format!(
                "{key} must be a string, not {}",
                other.inspect(self.catalog)
            ))),
        }
    }

    fn required(&mut self, key: &'static str) -> Result<String, EvalError> {
        self.text(key)?
            .ok_or_else(|| EvalError::Usage(format!("{key} is required: {key}: \"...\"")))
    }

    /// `user: u`, `user: 1` or `user_id: 1`.
    fn id(&mut self, key: &'static str, column: &'static str) -> Result<Option<i32>, EvalError> {
        let value = match self.take(key) {
            Some(v) => Some(v),
            None => self.take(column),
        };
        value.map(|v| id_of(self.catalog, &v)).transpose()
    }

    fn required_id(&mut self, key: &'static str, column: &'static str) -> Result<i32, EvalError> {
        self.id(key, column)?
            .ok_or_else(|| EvalError::Usage(format!("{key} is required: {key}: <record or id>")))
    }

    /// Refuses keys no parameter took.
    fn finish(self) -> Result<(), EvalError> {
        match self.left.first() {
            None => Ok(()),
            Some((key, _)) => {
                let known: Vec<String> = self.allowed.iter().map(|s| s.to_string()).collect();
                Err(EvalError::Usage(format!(
                    "unknown attribute `{key}`{}",
                    hint(key, &known, "attributes")
                )))
            }
        }
    }
}

/// The id a record or a number stands for.
fn id_of(catalog: &Catalog, value: &Value) -> Result<i32, EvalError> {
    let id = match value {
        Value::Record(r) => r.id(catalog).cloned().unwrap_or(Value::Nil),
        other => other.clone(),
    };
    match id {
        Value::Int(i) => i32::try_from(i).map_err(|_| EvalError::Usage(format!("no id {i}"))),
        other => Err(EvalError::Usage(format!(
            "expected a record or an id, got {}",
            other.inspect(catalog)
        ))),
    }
}

fn refused(e: impl std::fmt::Display) -> EvalError {
    EvalError::Refused(e.to_string())
}

/// A typed model as a console record, field by field (no query).
fn record_of<M: ModelTrait>(catalog: &Catalog, model: &M) -> Value {
    let table = <M::Entity as Default>::default();
    let Some(index) = catalog.by_table(sea_orm::EntityName::table_name(&table)) else {
        return Value::Nil;
    };
    let values = <<M::Entity as EntityTrait>::Column as Iterable>::iter()
        .map(|col| Value::from_sea(model.get(col)))
        .collect();
    Value::Record(Record {
        model: index,
        values,
    })
}

/// `Model.create(..)` through the model's service function.
///
/// # Errors
/// [`EvalError::Usage`] for arguments the call does not take; [`EvalError::Refused`]
/// with the service's own error.
pub async fn create<C>(
    db: &C,
    catalog: &Catalog,
    model: usize,
    kwargs: &[(String, Value)],
) -> Result<Value, EvalError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let table = catalog.models[model].table.as_str();
    let mut a = Args::new(catalog, kwargs);
    let out = match table {
        "users" => {
            let name = a.required("username")?;
            let email = a.text("email")?.unwrap_or(format!("{name}@example.com"));
            let salutation = a.text("salutation")?.unwrap_or(name.clone());
            a.take("password");
            let new = users::NewUser {
                username: Username::parse(&name).map_err(refused)?,
                email: Email::parse(&email).map_err(refused)?,
                salutation: Salutation::parse(&salutation).map_err(refused)?,
                password_hash: None,
            };
            a.finish()?;
            let user = users::register_user(db, new).await.map_err(refused)?;
            record_of(catalog, &user)
        }
        "tweets" => {
            let user = a.required_id("user", "user_id")?;
            let body = TweetBody::parse(&a.required("content")?).map_err(refused)?;
            a.finish()?;
            let t = tweets::post_tweet(db, user, body).await.map_err(refused)?;
            record_of(catalog, &t)
        }
        "hearts" => {
            let (user, tweet) = (
                a.required_id("user", "user_id")?,
                a.required_id("tweet", "tweet_id")?,
            );
            a.finish()?;
            hearts::heart_tweet(db, user, tweet)
                .await
                .map_err(refused)?;
            Value::Done(format!("user {user} hearted tweet {tweet}"))
        }
        "messages" => {
            let sender = a.required_id("sender", "sender_id")?;
            let receiver = match a.take("receiver") {
                Some(Value::Str(name)) => name,
                Some(Value::Record(r)) => match r.get(catalog, "username") {
                    Some(Value::Str(name)) => name.clone(),
                    _ => return Err(EvalError::Usage("receiver must be a user".into())),
                },
                _ => {
                    return Err(EvalError::Usage(
                        "receiver is required: receiver: <user> or receiver: \"username\"".into(),
                    ));
                }
            };
            let body = MessageBody::parse(&a.required("body")?).map_err(refused)?;
            a.finish()?;
            let m = messages::send_message(db, sender, &receiver, body)
                .await
                .map_err(refused)?;
            record_of(catalog, &m)
        }
        "follows" => {
            let follower = a.required_id("follower", "follower_id")?;
            let followed = a.required_id("followed", "followed_id")?;
            a.finish()?;
            follow(db, follower, followed).await?
        }
        "items" => {
            let name = Name::parse(&a.required("name")?).map_err(refused)?;
            a.finish()?;
            record_of(catalog, &store::add_item(db, name).await.map_err(refused)?)
        }
        "user_items" => {
            let user = a.required_id("user", "user_id")?;
            let item = a.required_id("item", "item_id")?;
            a.finish()?;
            store::buy_item(db, user, item).await.map_err(refused)?;
            Value::Done(format!("user {user} bought item {item}"))
        }
        "doctors" | "patients" | "artists" | "genres" => {
            let name = Name::parse(&a.required("name")?).map_err(refused)?;
            a.finish()?;
            match table {
                "doctors" => record_of(
                    catalog,
                    &clinic::add_doctor(db, name).await.map_err(refused)?,
                ),
                "patients" => record_of(
                    catalog,
                    &clinic::add_patient(db, name).await.map_err(refused)?,
                ),
                "artists" => record_of(
                    catalog,
                    &music::add_artist(db, name).await.map_err(refused)?,
                ),
                _ => record_of(catalog, &music::add_genre(db, name).await.map_err(refused)?),
            }
        }
        "appointments" => {
            let doctor = a.required_id("doctor", "doctor_id")?;
            let patient = a.required_id("patient", "patient_id")?;
            let starts_at = match a.text("starts_at")? {
                None => Utc::now(),
                Some(text) => parse_time(&text)?,
            };
            a.finish()?;
            let booked = clinic::book_appointment(db, doctor, patient, starts_at)
                .await
                .map_err(refused)?;
            record_of(catalog, &booked)
        }
        "songs" => {
            let artist = a.required_id("artist", "artist_id")?;
            let genre = a.id("genre", "genre_id")?;
            let title = Name::parse(&a.required("title")?).map_err(refused)?;
            a.finish()?;
            let song = music::add_song(db, artist, genre, title)
                .await
                .map_err(refused)?;
            record_of(catalog, &song)
        }
        other => {
            return Err(EvalError::Usage(format!(
                "{} has no create in the console",
                catalog.models[catalog.by_table(other).unwrap_or(model)].name
            )));
        }
    };
    Ok(out)
}

async fn follow<C>(db: &C, follower: i32, followed: i32) -> Result<Value, EvalError>
where
    C: ConnectionTrait + TransactionTrait,
{
    Ok(
        match follows::follow_user(db, follower, followed)
            .await
            .map_err(refused)?
        {
            Attached::Created => {
                Value::Done(format!("user {follower} now follows user {followed}"))
            }
            Attached::AlreadyLinked => {
                Value::Done(format!("user {follower} already follows user {followed}"))
            }
        },
    )
}

/// `"2026-05-01 09:30"`, `"2026-05-01T09:30:00Z"`: a time in UTC.
fn parse_time(text: &str) -> Result<DateTime<Utc>, EvalError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            EvalError::Usage(format!(
                "starts_at: cannot read {text:?}; write \"2026-05-01 09:30\""
            ))
        })
}

/// A user's write methods: `u.heart(t)`, `u.follow(v)`, ...
///
/// # Errors
/// [`EvalError::Usage`] for a wrong argument, [`EvalError::Refused`] with the
/// service's error.
pub async fn verb<C>(
    db: &C,
    catalog: &Catalog,
    record: &Record,
    verb: &str,
    args: &[Value],
) -> Result<Value, EvalError>
where
    C: ConnectionTrait + TransactionTrait,
{
    let me = id_of(catalog, &Value::Record(record.clone()))?;
    let [other] = args else {
        return Err(EvalError::Usage(format!(
            "{verb} takes one record: u.{verb}(x)"
        )));
    };
    let other = id_of(catalog, other)?;
    Ok(match verb {
        "heart" => {
            hearts::heart_tweet(db, me, other).await.map_err(refused)?;
            Value::Done(format!("user {me} hearted tweet {other}"))
        }
        "like" => {
            hearts::like_tweet(db, me, other).await.map_err(refused)?;
            Value::Done(format!("user {me} likes tweet {other}"))
        }
        "unheart" => {
            let removed = hearts::unheart_tweet(db, me, other)
                .await
                .map_err(refused)?;
            Value::Done(if removed {
                format!("user {me} no longer hearts tweet {other}")
            } else {
                format!("user {me} had not hearted tweet {other}")
            })
        }
        "follow" => follow(db, me, other).await?,
        "unfollow" => {
            let removed = follows::unfollow_user(db, me, other)
                .await
                .map_err(refused)?;
            Value::Done(if removed {
                format!("user {me} no longer follows user {other}")
            } else {
                format!("user {me} did not follow user {other}")
            })
        }
        "buy" => {
            store::buy_item(db, me, other).await.map_err(refused)?;
            Value::Done(format!("user {me} bought item {other}"))
        }
        _ => return Err(EvalError::Usage(format!("no write `{verb}`"))),
    })
}

/// `record.destroy`: the registry's dependent rules, in one transaction (the
/// toolkit's `Registry::destroy`, which the services' own destroys use); shows each
/// relation it deleted or nullified. A follow, keyed by its pair, is `unfollow`.
///
/// # Errors
/// [`EvalError::Refused`] for a `restrict` rule or a missing row.
pub async fn destroy<C>(
    db: &C,
    registry: &Registry,
    catalog: &Catalog,
    record: &Record,
) -> Result<Value, EvalError>
where
    C: ConnectionTrait + TransactionTrait + Sync,
{
    let model = &catalog.models[record.model];
    if model.table == "follows" {
        let pair = (
            record.get(catalog, "follower_id"),
            record.get(catalog, "followed_id"),
        );
        let (Some(a), Some(b)) = pair else {
            return Err(EvalError::Usage("a follow needs both ids".into()));
        };
        let (a, b) = (id_of(catalog, a)?, id_of(catalog, b)?);
        follows::unfollow_user(db, a, b).await.map_err(refused)?;
        return Ok(Value::Done(format!("user {a} no longer follows user {b}")));
    }
    let id = id_of(catalog, &Value::Record(record.clone()))?;
    let steps = match model.table.as_str() {
        "users" => registry.destroy(db, user::Entity, id).await,
        "tweets" => registry.destroy(db, tweet::Entity, id).await,
        "hearts" => registry.destroy(db, heart::Entity, id).await,
        "messages" => registry.destroy(db, message::Entity, id).await,
        "items" => registry.destroy(db, item::Entity, id).await,
        "user_items" => registry.destroy(db, user_item::Entity, id).await,
        "doctors" => registry.destroy(db, doctor::Entity, id).await,
        "patients" => registry.destroy(db, patient::Entity, id).await,
        "appointments" => registry.destroy(db, appointment::Entity, id).await,
        "artists" => registry.destroy(db, artist::Entity, id).await,
        "genres" => registry.destroy(db, genre::Entity, id).await,
        "songs" => registry.destroy(db, song::Entity, id).await,
        _ => {
            return Err(EvalError::Usage(format!(
                "{} cannot be destroyed here",
                model.name
            )));
        }
    };
    match steps {
        Ok(steps) => Ok(Value::Destroyed {
            model: record.model,
            id: id.into(),
            steps,
        }),
        Err(DestroyError::Db(e)) => Err(EvalError::Db(e)),
        Err(e) => Err(refused(e)),
    }
}
