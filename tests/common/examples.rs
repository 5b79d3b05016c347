//! The lesson examples as binaries: built once per test binary with one cargo call,
//! for the tests that run them (`tests/examples.rs`, `tests/transcripts.rs`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Every lesson example (`examples/<name>.rs`; `bench` is not a lesson).
pub const LESSONS: [&str; 9] = [
    "hearts",
    "likes",
    "favorites",
    "direct_messages",
    "followers",
    "doctors_patients",
    "artists_genres",
    "users_items",
    "n_plus_one",
];

/// Builds all lesson examples with one cargo call; returns where their binaries are.
fn examples_dir() -> &'static PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet"]);
        for name in LESSONS {
            cargo.args(["--example", name]);
        }
        let status = cargo.status().expect("run cargo build");
        assert!(status.success(), "building the examples failed");
        // This test binary is target/<profile>/deps/<test>-<hash>.
        let exe = std::env::current_exe().expect("test binary path");
        let profile = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target/<profile>");
        profile.join("examples")
    })
}

/// The command that runs the example `name` (built on first use).
pub fn command(name: &str) -> Command {
    Command::new(examples_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX)))
}
