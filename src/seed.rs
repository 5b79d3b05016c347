//! `cargo run -- seed --scale N`: fills the database with the benchmark data set
//! (`bench/WORKLOAD.md`: 1,000 users and 10,000 tweets per unit of scale, with their
//! hearts, follows and messages), so the app has something to show. Every seeded user
//! (`user1` ... `userN`) signs in with [`DEMO_PASSWORD`].

use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::DatabaseConnection;
use service::assoc::error::is_unique_violation;
use service::workload::{self, DataSet};

use crate::auth;

/// The seeded users' password, documented in the README.
pub const DEMO_PASSWORD: &str = "fwitter-demo";

/// Seeds an empty database.
///
/// # Errors
/// A message saying what to do when the database already has rows, or the database's
/// error.
pub async fn run(db: &DatabaseConnection, scale: u32) -> Result<(), Box<dyn std::error::Error>> {
    if scale == 0 {
        return Err("--scale must be at least 1".into());
    }
    let data = DataSet::generate(scale);
    let bar = ProgressBar::new(data.rows());
    bar.set_style(
        ProgressStyle::with_template("seeding {bar:40} {pos}/{len} rows ({eta} left)")
            .map_err(|e| e.to_string())?,
    );
    let seeded = workload::seed(db, &data, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let rows = match seeded {
        Ok(rows) => rows,
        Err(e) if is_unique_violation(&e) => {
            return Err("the database already has data: start from an empty one \
                        (`cargo run -p migration -- fresh`, or another DATABASE_URL)"
                .into());
        }
        Err(e) => return Err(e.into()),
    };
    // One hash for every demo user: they are demo accounts with a published password.
    let hash = auth::hash_password(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| e.to_string())?;
    service::users::set_every_password_hash(db, &hash).await?;
    service::db::after_bulk_load(db).await?;
    // The file alone holds the seed: a copy of it (the load tests copy it) or a
    // program that opens it without its write-ahead log sees every row.
    service::db::checkpoint_file(db).await?;
    println!(
        "seeded {rows} rows: {} users (user1 .. user{}), each signs in with the password {DEMO_PASSWORD:?}",
        data.users.len(),
        data.users.len()
    );
    Ok(())
}
