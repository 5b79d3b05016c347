//! `cargo run -- seed --scale N`: the benchmark data set, for trying the app.

use sea_orm::DatabaseConnection;

/// Every seeded user signs in with this password (documented in the README).
pub const DEMO_PASSWORD: &str = "fwitter-demo";

/// Not built yet: the data set generator is `service::workload` (issue 5).
pub async fn run(_db: &DatabaseConnection, _scale: u32) -> Result<(), Box<dyn std::error::Error>> {
    Err("seeding is not available yet".into())
}
