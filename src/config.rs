//! The command line, read once: flags with environment fallbacks.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://fwitter.db?mode=rwc";

/// fwitter: the ActiveRecord association lessons' Twitter clone, on SeaORM 2.0.
#[derive(Debug, Parser)]
#[command(name = "fwitter", version)]
pub struct Config {
    /// The database; it is migrated before anything else happens.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// Where to serve the app.
    #[arg(
        long,
        env = "FWITTER_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// The secret that seals session cookies (at least 32 bytes). Give every server
    /// of one site the same secret; changing it signs everyone out.
    #[arg(
        long,
        env = "FWITTER_SECRET_KEY",
        hide_env_values = true,
        global = true
    )]
    pub secret_key: Option<String>,
    /// Without `--secret-key`: the file that keeps a generated secret, so sessions
    /// survive a restart (created on first use, readable by its owner only).
    #[arg(
        long,
        env = "FWITTER_SECRET_KEY_FILE",
        default_value = "fwitter.key",
        global = true
    )]
    pub secret_key_file: std::path::PathBuf,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app (what `cargo run` does with no command).
    Serve,
    /// Fill the database with the benchmark data set (bench/WORKLOAD.md); every
    /// seeded user gets the demo password.
    Seed {
        /// 1,000 users and 10,000 tweets per unit.
        #[arg(long, default_value_t = 1)]
        scale: u32,
    },
    /// Print the schema's ER diagram (Mermaid), generated from the entities.
    Erd,
    /// An interactive console on the database, the lessons' irb: `User.find(1)`,
    /// `u.tweets.count`, `Heart.create(user: u, tweet: t)`; each line shows its SQL.
    /// Reads a script when stdin is not a terminal (`fwitter console < file`).
    Console {
        /// Run everything in one transaction, rolled back at exit.
        #[arg(long)]
        sandbox: bool,
        /// Evaluate these lines (one per line) and exit.
        #[arg(short = 'e', value_name = "EXPR")]
        e: Option<String>,
    },
}
