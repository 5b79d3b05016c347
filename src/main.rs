//! `cargo run`: connects to `DATABASE_URL` (default: the SQLite file `fwitter.db`),
//! brings the schema up to date, and says so.
//! `cargo run -- erd`: prints the schema's ER diagram (Mermaid), generated from the
//! entities; `docs/schema.md` holds a copy.

use migration::{Migrator, MigratorTrait};
use sea_orm::Database;

const DEFAULT_DATABASE_URL: &str = "sqlite://fwitter.db?mode=rwc";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1).as_deref() {
        Some("erd") => {
            print!(
                "{}",
                service::assoc::erd::mermaid(&service::schema::graph())
            );
            return Ok(());
        }
        Some(other) => {
            return Err(format!("unknown command {other:?}; try `erd` or nothing").into());
        }
        None => {}
    }
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let db = Database::connect(&url).await?;
    Migrator::up(&db, None).await?;
    let applied = Migrator::get_applied_migrations(&db).await?.len();
    println!("fwitter: {url} is migrated ({applied} migrations applied)");
    Ok(())
}
