//! `cargo run`: migrate the database, then serve fwitter on 127.0.0.1:3000.
//! `cargo run -- seed --scale N`, `cargo run -- erd`: see `--help`.

use clap::Parser;
use fwitter::config::{Command, Config};
use fwitter::{AppState, app};
use migration::{Migrator, MigratorTrait};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "fwitter=info,tower_http=info".into()),
        )
        .init();
    let config = Config::parse();
    if let Some(Command::Erd) = config.command {
        print!(
            "{}",
            service::assoc::erd::mermaid(&service::schema::graph())
        );
        return Ok(());
    }

    let db = service::db::connect(&config.database_url).await?;
    Migrator::up(&db, None).await?;
    tracing::info!(database = %config.database_url, "migrated");

    match config.command {
        Some(Command::Seed { scale }) => fwitter::seed::run(&db, scale).await?,
        _ => {
            tokio::spawn(sweep_expired_sessions(db.clone()));
            let listener = tokio::net::TcpListener::bind(config.addr).await?;
            tracing::info!("serving fwitter on http://{}", listener.local_addr()?);
            axum::serve(listener, app(AppState::new(db)))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}

/// Deletes expired sessions once an hour, so abandoned ones do not pile up.
async fn sweep_expired_sessions(db: sea_orm::DatabaseConnection) {
    let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        hourly.tick().await;
        match service::sessions::delete_expired_sessions(&db, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
    }
}
