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
            // The app state takes the pools; this clone closes them once it is done.
            let closing = pools.clone();
            axum::serve(listener, app(AppState::new(pools, key)))
                .with_graceful_shutdown(stop_signal())
                .await?;
            tracing::info!("stopped: every request answered; closing the database");
            // On a SQLite file, the last commits go from the log into the file itself,
            // as the seed ends: a copy of the file alone then has them. If other
            // connections keep it from that, they are still safe in the log, which
            // SQLite reads again at the next start.
            if let Err(e) = service::db::checkpoint_file(&closing.orm).await {
                tracing::warn!(error = %e, "the log was not emptied");
            }
            closing.close().await?;
        }
    }
    Ok(())
}

/// Ctrl-C, or SIGTERM (what `kill`, systemd and container runtimes send to stop a
/// service): the server stops taking connections, answers the requests it has, and
/// closes the database. A signal that cannot be watched is logged and left out; it
/// does not stop the server.
async fn stop_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "Ctrl-C cannot be watched");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "SIGTERM cannot be watched");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("Ctrl-C: stopping"),
        () = terminate => tracing::info!("SIGTERM: stopping"),
    }
}
