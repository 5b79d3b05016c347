//! `cargo run`: connects to `DATABASE_URL` (default: the SQLite file `fwitter.db`),
//! brings the schema up to date, and says so.

use migration::{Migrator, MigratorTrait};
use sea_orm::Database;

const DEFAULT_DATABASE_URL: &str = "sqlite://fwitter.db?mode=rwc";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let db = Database::connect(&url).await?;
    Migrator::up(&db, None).await?;
    let applied = Migrator::get_applied_migrations(&db).await?.len();
    println!("fwitter: {url} is migrated ({applied} migrations applied)");
    Ok(())
}
