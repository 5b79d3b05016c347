//! `cargo run`: migrate the database, then serve fwitter on 127.0.0.1:3000.
//! `cargo run -- seed --scale N`, `cargo run -- erd`, `cargo run -- console`: see `--help`.

use clap::Parser;
use fwitter::config::{Command, Config};
use fwitter::session::SessionKey;
use fwitter::{AppState, app};
use migration::{Migrator, MigratorTrait};
use tracing_subscriber::EnvFilter;

/// See Cargo.toml for why.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Logs go to stderr, so a console transcript on stdout holds only the session.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "fwitter=info,tower_http=info".into()),
        )
        .init();
    let config = Config::parse();
    if let Some(Command::Erd) = config.command {
        print!(
            "{}",
            service::assoc::erd::mermaid(service::schema::registry())
        );
        return Ok(());
    }

    let pools = service::db::connect_pools(&config.database_url).await?;
    Migrator::up(&pools.orm, None).await?;
    tracing::info!(database = %config.database_url, "migrated");

    match config.command {
        Some(Command::Seed { scale }) => {
            fwitter::seed::run(&pools.orm, scale).await?;
            pools.close().await?;
        }
        Some(Command::Console { sandbox, e }) => {
            let mut db = pools.orm;
            let log = service::assoc::QueryLog::install(&mut db);
            let options = fwitter::console::Options { sandbox, eval: e };
            fwitter::console::main(&db, log, options).await?;
        }
        _ => {
            let key = match &config.secret_key {
                Some(secret) => SessionKey::derive_from(secret.as_bytes()),
                None => SessionKey::from_file(&config.secret_key_file),
            }?;
            let listener = tokio::net::TcpListener::bind(config.addr).await?;
            tracing::info!("serving fwitter on http://{}", listener.local_addr()?);
            axum::serve(listener, app(AppState::new(pools, key)))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}
