//! `cargo run -p migration -- up | down [-n N] | status | fresh | refresh | reset`
//!
//! Works on `DATABASE_URL` (or `-u URL`); without either, on the app's SQLite file
//! `sqlite://fwitter.db?mode=rwc`, so the CLI and `cargo run` agree on one database.
//! It connects with the same settings as every other program here (`service::db`),
//! so a SQLite file it creates is in WAL mode from the start.

use sea_orm_migration::cli;
use sea_orm_migration::sea_orm::{ConnectOptions, Database};

const DEFAULT_DATABASE_URL: &str = "sqlite://fwitter.db?mode=rwc";

fn main() {
    let url_given = std::env::var_os("DATABASE_URL").is_some()
        || std::env::args().any(|a| a == "-u" || a.starts_with("--database-url"));
    if !url_given {
        // SAFETY: no other thread exists yet; the runtime is built below.
        unsafe { std::env::set_var("DATABASE_URL", DEFAULT_DATABASE_URL) };
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime starts")
        .block_on(cli::run_cli_with_connection(
            migration::Migrator,
            async |mut options: ConnectOptions| {
                service::db::tune(&mut options);
                Database::connect(options).await
            },
        ));
}
