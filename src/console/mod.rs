//! `fwitter console`: the lessons' irb / tux. An interactive session on the app's
//! database in which a Rails learner types what they would type at `rails console`
//! (`User.find(1)`, `u.tweets.count`, `Heart.create(user: u, tweet: t)`) and sees, for
//! every line, the SQL it sent and the result as a record or a table.
//!
//! - The language is read by a grammar ([`parse`]); names resolve through the
//!   registry `service::schema::registry()` ([`catalog`]): any model, column or
//!   association, none written out per model; writes go through the services
//!   ([`write`]).
//! - The SQL is captured with the toolkit's [`QueryLog`], as the examples capture it.
//! - `--sandbox` runs the whole session in one transaction, rolled back at exit.
//! - Line editing is `rustyline` (history in `.fwitter_history`, tab completion of
//!   models, variables, and columns / associations / methods after a dot): the
//!   maintained readline of the Rust ecosystem, used by evcxr and many REPLs; it
//!   reads from a terminal only, so a script on stdin or `-e` runs without a prompt.

pub mod catalog;
mod complete;
pub mod eval;
pub mod parse;
pub mod value;
mod write;

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use service::assoc::QueryLog;

use self::eval::Session;

/// What the prompt looks like; a script echoes each line after it, so a transcript
/// reads the same as a terminal session.
pub const PROMPT: &str = ">> ";
/// Where `rustyline` keeps the history, in the working directory (git-ignored).
pub const HISTORY_FILE: &str = ".fwitter_history";

/// How a session runs.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// One transaction for the whole session, rolled back at exit.
    pub sandbox: bool,
    /// `-e`: evaluate these lines instead of reading input.
    pub eval: Option<String>,
}

/// One console: the session and the log that captures what each line sends.
pub struct Console<'c, C> {
    db: &'c C,
    session: Session<'c, C>,
    log: QueryLog,
    /// In the sandbox each line runs under a savepoint, so a statement the database
    /// refuses (PostgreSQL then aborts the whole transaction) costs only that line.
    sandbox: bool,
}

/// What happened to a line.
pub enum Outcome {
    /// Print this and read the next line.
    Continue(String),
    /// `exit`.
    Exit,
}

impl<'c, C> Console<'c, C>
where
    C: ConnectionTrait + TransactionTrait + Sync,
{
    /// A console on `db` (a connection or, in the sandbox, a transaction) whose
    /// statements `log` records; `log` must be installed on the connection.
    ///
    /// # Errors
    /// The registry lacks a relation the console's declared associations name.
    pub fn new(db: &'c C, log: QueryLog) -> Result<Self, DbErr> {
        Ok(Self {
            db,
            session: Session::new(db).map_err(DbErr::Custom)?,
            log,
            sandbox: false,
        })
    }

    /// A console inside the sandbox's transaction `txn`.
    ///
    /// # Errors
    /// As [`Console::new`].
    pub fn sandboxed(txn: &'c C, log: QueryLog) -> Result<Self, DbErr> {
        let mut console = Self::new(txn, log)?;
        console.sandbox = true;
        Ok(console)
    }

    /// Evaluates one line and returns what to print: the SQL it sent, then `=>` and
    /// the result, or `Err:` and why. Never panics on input.
    pub async fn line(&mut self, input: &str) -> Outcome {
        let text = input.trim();
        if text.is_empty() || text.starts_with('#') {
            return Outcome::Continue(String::new());
        }
        match text {
            "exit" | "quit" | "exit!" => return Outcome::Exit,
            "help" => return Outcome::Continue(help(&self.session.catalog, None)),
            _ => {}
        }
        if let Some(name) = text.strip_prefix("help ") {
            return Outcome::Continue(help(&self.session.catalog, Some(name.trim())));
        }
        let parsed = match parse::line(text) {
            Ok(parsed) => parsed,
            Err(e) => {
                return Outcome::Continue(format!(
                    "  Err: could not read that at column {}: {}\n  {PROMPT}{text}\n  {}^",
                    e.at + 1,
                    e.message,
                    " ".repeat(PROMPT.len() + e.at)
                ));
            }
        };
        // Outside the capture: the savepoint is the console's, not the line's.
        if self.sandbox {
            let _ = self
                .db
                .execute_unprepared("SAVEPOINT fwitter_console")
                .await;
        }
        let (result, capture) = self.log.capture(self.session.run(&parsed)).await;
        if self.sandbox {
            let end = if result.is_ok() {
                "RELEASE SAVEPOINT fwitter_console"
            } else {
                "ROLLBACK TO SAVEPOINT fwitter_console"
            };
            let _ = self.db.execute_unprepared(end).await;
        }
        let mut out = String::new();
        for statement in &capture.statements {
            let refused = if statement.failed {
                "   -- refused by the database"
            } else {
                ""
            };
            // A batch (attach on SQLite) is one statement a line: indent the rest
            // under the first.
            let sql = statement.rendered().replace('\n', "\n       ");
            let _ = writeln!(out, "  SQL  {sql}{refused}");
        }
        match result {
            Ok(value) => {
                let shown = value.show(&self.session.catalog);
                let mut lines = shown.lines();
                let _ = write!(out, "  =>   {}", lines.next().unwrap_or(""));
                for line in lines {
                    let _ = write!(out, "\n       {line}");
                }
            }
            Err(e) => {
                let _ = write!(out, "  Err: {e}");
            }
        }
        Outcome::Continue(out)
    }

    /// Names a completion may offer after `receiver.` (see [`complete`]).
    fn names(&self) -> complete::Names {
        complete::Names::of(&self.session)
    }

    /// Runs `script` line by line, echoing each after the prompt, writing to `out`.
    ///
    /// # Errors
    /// Writing to `out` failed.
    pub async fn script(&mut self, script: &str, out: &mut dyn Write) -> std::io::Result<()> {
        for input in script.lines() {
            if input.trim().is_empty() {
                continue;
            }
            writeln!(out, "{PROMPT}{input}")?;
            match self.line(input).await {
                Outcome::Exit => break,
                Outcome::Continue(text) if text.is_empty() => {}
                Outcome::Continue(text) => writeln!(out, "{text}")?,
            }
        }
        Ok(())
    }

    /// Reads lines from the terminal with history and completion until `exit` or
    /// end of input.
    ///
    /// # Errors
    /// The terminal could not be read.
    pub async fn interactive(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let mut editor =
            rustyline::Editor::<complete::Helper, rustyline::history::DefaultHistory>::new()?;
        editor.set_helper(Some(complete::Helper::new(self.names())));
        let _ = editor.load_history(HISTORY_FILE);
        loop {
            match editor.readline(PROMPT) {
                Ok(input) => {
                    let _ = editor.add_history_entry(input.as_str());
                    match self.line(&input).await {
                        Outcome::Exit => break,
                        Outcome::Continue(text) if text.is_empty() => {}
                        Outcome::Continue(text) => println!("{text}"),
                    }
                    if let Some(helper) = editor.helper_mut() {
                        helper.names = self.names();
                    }
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => break,
                Err(e) => return Err(e.into()),
            }
        }
        let _ = editor.save_history(HISTORY_FILE);
        Ok(())
    }
}

/// Runs `script` on `db` (in a transaction rolled back at the end when `sandbox`),
/// writing what a terminal session would show to `out`: the library entry the tests
/// and `fwitter console < file` share.
///
/// # Errors
/// The database refused to begin or roll back the sandbox, or `out` failed.
pub async fn run_script(
    db: &DatabaseConnection,
    log: QueryLog,
    sandbox: bool,
    script: &str,
    out: &mut dyn Write,
) -> Result<(), Box<dyn std::error::Error>> {
    if sandbox {
        let txn = db.begin().await?;
        writeln!(out, "{SANDBOX_BANNER}")?;
        Console::sandboxed(&txn, log)?.script(script, out).await?;
        txn.rollback().await?;
    } else {
        Console::new(db, log)?.script(script, out).await?;
    }
    Ok(())
}

const SANDBOX_BANNER: &str = "# sandbox: any modifications you make will be rolled back on exit";

/// `fwitter console`: `-e` lines, a script on stdin, or an interactive session when
/// stdin is a terminal. `db` must carry `log` (`QueryLog::install`).
///
/// # Errors
/// The database or the terminal failed (bad input never ends the session).
pub async fn main(
    db: &DatabaseConnection,
    log: QueryLog,
    options: Options,
) -> Result<(), Box<dyn std::error::Error>> {
    let script = match options.eval {
        Some(lines) => Some(lines),
        None if !std::io::stdin().is_terminal() => {
            let mut text = String::new();
            for line in std::io::stdin().lock().lines() {
                text.push_str(&line?);
                text.push('\n');
            }
            Some(text)
        }
        None => None,
    };
    let mut stdout = std::io::stdout();
    match script {
        Some(script) => run_script(db, log, options.sandbox, &script, &mut stdout).await,
        None => {
            println!(
                "fwitter console on {:?}: `help` lists the models, `exit` leaves.",
                db.get_database_backend()
            );
            if options.sandbox {
                let txn = db.begin().await?;
                println!("{SANDBOX_BANNER}");
                Console::sandboxed(&txn, log)?.interactive().await?;
                txn.rollback().await?;
            } else {
                Console::new(db, log)?.interactive().await?;
            }
            Ok(())
        }
    }
}

/// `help`: the syntax, then every model; `help User`: one model in full.
fn help(catalog: &catalog::Catalog, name: Option<&str>) -> String {
    let mut out = String::new();
    let Some(name) = name else {
        out.push_str(SYNTAX);
        let _ = writeln!(
            out,
            "\nModels, their columns, and their associations with the Rails declaration each\nmirrors (`help User` for one model in full, with its writes):"
        );
        for m in &catalog.models {
            let columns: Vec<&str> = m.columns.iter().map(|c| c.name.as_str()).collect();
            let _ = writeln!(out, "  {} ({}): {}", m.name, m.table, columns.join(", "));
            for a in &m.associations {
                let _ = writeln!(out, "    .{:<18} {}", a.name, a.rails);
            }
        }
        return out.trim_end().to_owned();
    };
    let Some(index) = catalog.model(name) else {
        return format!(
            "  Err: uninitialized constant {name}{}",
            eval::hint(name, &catalog.names(), "models")
        );
    };
    let m = &catalog.models[index];
    let _ = writeln!(out, "{} (table {})", m.name, m.table);
    let _ = writeln!(out, "  columns:");
    for c in &m.columns {
        let mut notes = Vec::new();
        if c.primary_key {
            notes.push("primary key");
        }
        if c.nullable {
            notes.push("may be nil");
        }
        let _ = writeln!(
            out,
            "    {:<18} {}{}",
            c.name,
            c.kind.to_ascii_lowercase(),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            }
        );
    }
    let _ = writeln!(out, "  associations (the Rails declaration each mirrors):");
    for a in &m.associations {
        let _ = writeln!(out, "    {:<18} {}", a.name, a.rails);
    }
    let _ = writeln!(
        out,
        "  reads: {}.{}",
        m.name,
        eval::MODEL_METHODS.join(&format!(", {}.", m.name))
    );
    if let Some((_, call, service)) = write::CREATES.iter().find(|(t, _, _)| *t == m.table) {
        let _ = writeln!(out, "  create: {call}\n          ({service})");
    }
    for (_, verb) in write::verbs(&m.table) {
        let _ = writeln!(out, "  write: {verb}");
    }
    let _ = writeln!(out, "  record.destroy follows the dependent rules above");
    out.trim_end().to_owned()
}

const SYNTAX: &str = r#"fwitter console: Rails-style expressions on the app's database.
  User.find(1)  User.find_by(username: "ann")  User.all  User.count  User.first
  User.where(username: "ann").count  Tweet.where(user: u).limit(5)
  u.tweets.limit(5)  u.tweets.after(12).limit(5)   a page, then the page after row 12
  u = User.find(1)          variables hold records and relations
  u.tweets  u.tweets.count  u.tweets.first  m.sender  doctor.patients
  u.username                a column
  Heart.create(user: u, tweet: t)  u.follow(v)  t.destroy   writes go through the services
  help User                 one model: columns, associations, writes
  exit                      leave (the sandbox rolls back)
Each line prints the SQL it sent (SQL), then the result (=>) or the error (Err:)."#;
