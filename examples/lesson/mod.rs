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
//! A step is written with the [`step!`] macro, which prints the expression it runs as
//! the step's `Rust  :` line (`stringify!`), so the narration cannot drift from the
//! code: `step!(lesson, "title", "Rails code", hearts::heart_tweet(db, bob.id, hello.id), show)`.
//!
//! The database is chosen by `DATABASE_URL`: unset, a private `sqlite::memory:`; a
//! PostgreSQL or MySQL/MariaDB server URL, a new database `example_<random>` on that
//! server (never the maintenance database the URL names), dropped when the lesson ends
//! (`sea_orm_assoc::testing::FreshDb`, as the tests' databases); a `sqlite:` URL, that
//! database itself.

// Each example uses some of what is here (not every one shows a captured step).
#![allow(dead_code, unused_macros, unused_imports)]

use std::error::Error;
use std::fmt::{Debug, Display};
use std::future::Future;

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use service::assoc::testing::FreshDb;
use service::assoc::{Capture, QueryLog};

/// What `main` returns: any error ends the lesson with its message.
pub type Outcome = Result<(), Box<dyn Error>>;

/// Where the SQL and the results line up: `   Rails : ` is eleven characters.
const INDENT: &str = "           ";

/// A running lesson: its database and the log that captures each step's SQL.
pub struct Lesson {
    pub db: DatabaseConnection,
    log: QueryLog,
    /// The database this lesson created, removed when the lesson ends (even early, on
    /// an error or a panic); `None` when `DATABASE_URL` named a SQLite database.
    fresh: Option<FreshDb>,
}

impl Lesson {
    /// Prints the lesson's title, connects, migrates with the real `Migrator` and
    /// installs the query log.
    ///
    /// # Errors
    /// The database cannot be reached, created or migrated.
    pub async fn start(title: &str) -> Result<Self, Box<dyn Error>> {
        let given = std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("sqlite:"));
        let (url, fresh) = match given {
            Some(url) => (url, None),
            None => {
                let fresh = FreshDb::new("example").await?;
                (fresh.url().to_owned(), Some(fresh))
            }
        };
        let mut db = service::db::connect(&url).await?;
        let log = QueryLog::install(&mut db);
        Migrator::up(&db, None).await?;

        let backend = db.get_database_backend();
        let on = match fresh.as_ref().and_then(FreshDb::scratch) {
            Some(s) => format!("{backend:?}, database {}", s.name),
            None => format!("{backend:?}, {url}"),
        };
        println!("# {title}");
        println!("# on {on}");
        println!();
        Ok(Lesson { db, log, fresh })
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
    /// `show` turns the result into the `=>` line. Returns the step's output. Called
    /// through [`step!`], which passes the expression's own text as `rust`.
    pub async fn run_step<T>(
        &self,
        title: &str,
        rails: &str,
        rust: &str,
        work: impl Future<Output = T>,
        show: impl FnOnce(&T) -> String,
    ) -> T {
        let (out, _) = self
            .run_step_captured(title, rails, rust, work, |out, _| show(out))
            .await;
        out
    }

    /// As [`Lesson::run_step`], and `show` also sees the capture (to count or name the
    /// statements); returns the capture with the output. Called through
    /// [`step_captured!`].
    pub async fn run_step_captured<T>(
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

    /// Closes the connection, then removes the database this lesson created.
    ///
    /// # Errors
    /// The connection did not close cleanly.
    pub async fn finish(self) -> Outcome {
        self.db.clone().close().await?;
        Ok(())
    }
}

// ANCHOR: step_macro
/// One lesson step: `step!(lesson, "title", "Rails code", rust_expression, show)`.
///
/// Runs `rust_expression` (a future) with its SQL captured and prints the step; the
/// `Rust  :` line is the expression's own text, `stringify!`ed by the compiler, so it
/// is the code that ran. `declared: text,` before the expression prints `text` (an
/// entity's declaration, read from its source by [`declaration`]) above it.
macro_rules! step {
    ($lesson:expr, $title:expr, $rails:expr, declared: $declared:expr, $work:expr, $show:expr $(,)?) => {
        $lesson.run_step(
            $title,
            $rails,
            &format!(
                "{}\n{}",
                $declared,
                crate::lesson::one_line(stringify!($work))
            ),
            $work,
            $show,
        )
    };
    ($lesson:expr, $title:expr, $rails:expr, $work:expr, $show:expr $(,)?) => {
        $lesson.run_step(
            $title,
            $rails,
            &crate::lesson::one_line(stringify!($work)),
            $work,
            $show,
        )
    };
}
pub(crate) use step;
// ANCHOR_END: step_macro

/// As [`step!`], with a `show` that also sees the capture (`|out, capture| ..`).
macro_rules! step_captured {
    ($lesson:expr, $title:expr, $rails:expr, $work:expr, $show:expr $(,)?) => {
        $lesson.run_step_captured(
            $title,
            $rails,
            &crate::lesson::one_line(stringify!($work)),
            $work,
            $show,
        )
    };
}
pub(crate) use step_captured;

/// `label` before the first line of `text`, the others aligned under it.
fn print_field(label: &str, text: &str) {
    let mut lines = text.lines();
    println!("{label}{}", lines.next().unwrap_or(""));
    for line in lines {
        println!("{INDENT}{line}");
    }
}

/// Two steps' worth of work in one: runs `first`, then `second` (never both at once,
/// and not `second` if `first` failed), and returns both results.
///
/// # Errors
/// The first error either sends.
pub async fn both<A, B, E>(
    first: impl Future<Output = Result<A, E>>,
    second: impl Future<Output = Result<B, E>>,
) -> Result<(A, B), E> {
    let a = first.await?;
    let b = second.await?;
    Ok((a, b))
}

/// `stringify!`'s text of an expression as one line: the compiler's pretty printer
/// breaks a long call over several lines and leaves a trailing comma before `)`.
pub fn one_line(code: &str) -> String {
    code.split('\n')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .replace(",)", ")")
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
