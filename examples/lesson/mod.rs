//! What every lesson example shares: a fresh database, the query log, and the
//! four-line teaching format of `DESIGN.md` ("Teaching output"):
//!
//! ```text
//! == Doctor has many patients through appointments
//!    Rails : doctor.patients
//!    Rust  : clinic::doctor_patients(db, &doctor)
//!    SQL   : SELECT ... (every statement the step sent, captured)
//!    =>      ["Ann", "Bo"]
//! ```
//!
//! Included by each example with `mod lesson;` (cargo does not build `lesson/mod.rs`
//! as an example of its own).
//!
//! The database is chosen by `DATABASE_URL`: unset, a private `sqlite::memory:`; a
//! PostgreSQL or MySQL/MariaDB server URL, a new database `example_<random>` on that
//! server (never the maintenance database the URL names), dropped when the lesson ends.

#![allow(dead_code)]

use std::error::Error;
use std::fmt::{Debug, Display};
use std::future::Future;

use fwitter::scratch::ScratchDb;
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use service::assoc::{Capture, QueryLog};

/// What `main` returns: any error ends the lesson with its message.
pub type Outcome = Result<(), Box<dyn Error>>;

/// Where the SQL and the results line up: `   Rails : ` is eleven characters.
const INDENT: &str = "           ";

/// A running lesson: its database and the log that captures each step's SQL.
pub struct Lesson {
    pub db: DatabaseConnection,
    log: QueryLog,
    /// A database this lesson created on a server, to drop at the end.
    server: Option<ScratchDb>,
}

impl Lesson {
    /// Prints the lesson's title, connects, migrates with the real `Migrator` and
    /// installs the query log.
    ///
    /// # Errors
    /// The database cannot be reached, created or migrated.
    pub async fn start(title: &str) -> Result<Self, Box<dyn Error>> {
        let requested = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        let (url, server) = match requested {
            None => ("sqlite::memory:".to_owned(), None),
            Some(url) if url.starts_with("sqlite:") => (url, None),
            Some(server_url) => {
                let created = ScratchDb::create(&server_url, "example").await?;
                (created.url.clone(), Some(created))
            }
        };
        // From here on `Drop` removes the server database, even if migrating fails.
        let mut lesson = Lesson {
            db: service::db::connect(&url).await?,
            log: QueryLog::default(),
            server,
        };
        Migrator::up(&lesson.db, None).await?;
        lesson.log = QueryLog::install(&mut lesson.db);

        let on = match &lesson.server {
            Some(s) => format!(
                "{:?}, database {}",
                lesson.db.get_database_backend(),
                s.name
            ),
            None => format!("{:?}, {url}", lesson.db.get_database_backend()),
        };
        println!("# {title}");
        println!("# on {on}");
        println!();
        Ok(lesson)
    }

    /// A line of narration between steps (setup, a point of the lesson). Not a step:
    /// it sends nothing.
    pub fn note(&self, text: &str) {
        for line in text.lines() {
            println!("-- {line}");
        }
        println!();
    }

    /// Runs one step, capturing what it sends, and prints it in the four-line format;
    /// `show` turns the result into the `=>` line. Returns the step's output.
    pub async fn step<T>(
        &self,
        title: &str,
        rails: &str,
        rust: &str,
        work: impl Future<Output = T>,
        show: impl FnOnce(&T) -> String,
    ) -> T {
        let (out, _) = self
            .step_captured(title, rails, rust, work, |out, _| show(out))
            .await;
        out
    }

    /// As [`Lesson::step`], and `show` also sees the capture (to count or name the
    /// statements); returns the capture with the output.
    pub async fn step_captured<T>(
        &self,
        title: &str,
        rails: &str,
        rust: &str,
        work: impl Future<Output = T>,
        show: impl FnOnce(&T, &Capture) -> String,
    ) -> (T, Capture) {
        let (out, capture) = self.log.capture(work).await;
        println!("== {title}");
        print_field("   Rails : ", rails);
        print_field("   Rust  : ", rust);
        let sql: Vec<String> = capture.statements.iter().map(|s| s.rendered()).collect();
        if sql.is_empty() {
            // A step that sends nothing teaches nothing about SQL: make it visible
            // (tests/examples.rs fails on a step without a `SQL   :` line).
            println!("   !! this step sent no SQL");
        } else {
            print_field("   SQL   : ", &sql.join("\n"));
        }
        print_field("   =>      ", &show(&out, &capture));
        println!();
        (out, capture)
    }

    /// Closes the connection and drops the database this lesson created on a server.
    ///
    /// # Errors
    /// The server refused to drop the database.
    pub async fn finish(mut self) -> Outcome {
        self.db.clone().close().await?;
        if let Some(server) = self.server.take() {
            server.drop_database().await?;
        }
        Ok(())
    }
}

impl Drop for Lesson {
    /// An example that stopped early (an error, a panic) still removes its database.
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.drop_blocking();
        }
    }
}

/// `label` before the first line of `text`, the others aligned under it.
fn print_field(label: &str, text: &str) {
    let mut lines = text.lines();
    println!("{label}{}", lines.next().unwrap_or(""));
    for line in lines {
        println!("{INDENT}{line}");
    }
}

/// `Err: <the error's message>` or what `ok` makes of the value: an error step prints
/// the typed error as the user would see it.
pub fn outcome<T, E: Display>(result: &Result<T, E>, ok: impl FnOnce(&T) -> String) -> String {
    match result {
        Ok(value) => ok(value),
        Err(e) => format!("Err: {e}"),
    }
}

/// `Ok(value)` printed with `{:?}`, or the error's message.
pub fn debug<T: Debug, E: Display>(result: &Result<T, E>) -> String {
    outcome(result, |v| format!("{v:?}"))
}

/// The declaration of `field` in an entity file's source, read from the file itself
/// (so the example cannot drift from the entity): the `#[sea_orm(..)]` attribute on
/// one line, then the field, then where it is (`entity/src/<file>:<line>`).
pub fn declaration(file: &str, source: &str, field: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let needle = format!("pub {field}:");
    let Some(at) = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&needle))
    else {
        return format!("(no field `{field}` in {file})");
    };
    let mut start = at;
    while start > 0 && !lines[start].trim_start().starts_with("#[sea_orm(") {
        start -= 1;
    }
    let attribute = lines[start..at]
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")");
    format!("{attribute}\n{}    // {file}:{}", lines[at].trim(), at + 1)
}

/// Registers a user the way the app's sign-up does (validated inputs, no password).
///
/// # Errors
/// The name is not a valid username, or it is taken.
pub async fn user(
    db: &DatabaseConnection,
    name: &str,
) -> Result<entity::user::Model, Box<dyn Error>> {
    use service::input::{Email, Salutation, Username};
    let new = service::users::NewUser {
        username: Username::parse(name)?,
        email: Email::parse(&format!("{name}@example.com"))?,
        salutation: Salutation::parse(name)?,
        password_hash: None,
    };
    Ok(service::users::register_user(db, new).await?)
}

/// Posts a tweet through the service.
///
/// # Errors
/// The content is blank or too long, or the author does not exist.
pub async fn tweet(
    db: &DatabaseConnection,
    author: &entity::user::Model,
    content: &str,
) -> Result<entity::tweet::Model, Box<dyn Error>> {
    let body = service::input::TweetBody::parse(content)?;
    Ok(service::tweets::post_tweet(db, author.id, body).await?)
}

/// A name for the has_many :through lessons.
///
/// # Errors
/// The name is blank or too long.
pub fn name(raw: &str) -> Result<service::input::Name, Box<dyn Error>> {
    Ok(service::input::Name::parse(raw)?)
}
