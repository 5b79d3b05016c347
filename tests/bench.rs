//! The benchmark at scale 1, both implementations: every check value must be the one
//! `bench/WORKLOAD.md` gives for S=1. Times are printed, never asserted.
//!
//! Runs the real example (`cargo run --example bench`, a debug build: about 25 s on
//! two cores), since the example manages databases of its own: on SQLite, or on the
//! server `DATABASE_URL` names (a scratch database of its own there).

use std::collections::BTreeMap;
use std::process::Command;

/// The spec's "Expected check values", column S=1.
const EXPECTED: [(&str, i64); 9] = [
    ("seed", 86_000),
    ("user_page_naive", 10_052),
    ("user_page_eager", 10_052),
    ("liked_tweets", 50_000),
    ("likers", 4_914),
    ("heart_create", 4_974),
    ("favorite_toggle", 32_496),
    ("feed", 15_000),
    ("destroy_users", 0),
];

/// The value of `"key":` in one of the example's JSON lines (flat, no nesting).
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    let end = rest.find([',', '}'])?;
    Some(rest[..end].trim_matches('"'))
}

#[test]
fn both_implementations_print_the_specified_check_values_at_scale_one() {
    let url = std::env::var("DATABASE_URL").unwrap_or_default();
    let (backend, server) = match url.split(':').next() {
        Some("postgres" | "postgresql") => ("postgres", Some(&url)),
        Some("mysql") => ("mysql", Some(&url)),
        // Unset or SQLite: the benchmark's own temporary file.
        _ => ("sqlite", None),
    };
    let mut command = Command::new(env!("CARGO"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", "bench", "--"])
        .args(["--backend", backend, "--scale", "1", "--impl", "both"]);
    if let Some(url) = server {
        command.args(["--server", url]);
    }
    let output = command.output().expect("run cargo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the benchmark failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let mut checks: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut queries: BTreeMap<(String, String), i64> = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let imp = field(line, "impl").expect("impl field");
        let workload = field(line, "workload").expect("workload field");
        let check = field(line, "check")
            .and_then(|c| c.parse().ok())
            .expect("numeric check field");
        assert_eq!(field(line, "backend"), Some(backend));
        assert_eq!(field(line, "scale"), Some("1"));
        assert!(
            field(line, "ms").is_some_and(|ms| ms.parse::<f64>().is_ok()),
            "{line}"
        );
        let sent = field(line, "queries")
            .and_then(|q| q.parse().ok())
            .expect("numeric queries field");
        checks.insert((imp.to_owned(), workload.to_owned()), check);
        queries.insert((imp.to_owned(), workload.to_owned()), sent);
    }

    for imp in ["service", "raw"] {
        for (workload, expected) in EXPECTED {
            assert_eq!(
                checks.get(&(imp.to_owned(), workload.to_owned())),
                Some(&expected),
                "{imp} {workload}"
            );
        }
    }
    // Beyond the spec, the service pages everyone's tweets (issue 13): page 1 and
    // page 50, 500 pages of 30 each, one statement a page whatever its number.
    for workload in ["recent_page_1", "recent_page_50"] {
        let key = ("service".to_owned(), workload.to_owned());
        assert_eq!(checks.get(&key), Some(&15_000), "{workload}");
        assert_eq!(queries.get(&key), Some(&500), "{workload}");
    }
    assert_eq!(
        checks.len(),
        2 * EXPECTED.len() + 2,
        "one line per workload and impl"
    );

    // The eager page costs two statements (user, tweets with their cached counts);
    // the naive one twelve (the same two and one count per tweet).
    let sent = |workload: &str| queries[&("service".to_owned(), workload.to_owned())];
    assert_eq!(sent("user_page_eager"), 2 * 200);
    assert_eq!(sent("user_page_naive"), 12 * 200);
    // The hundred users go in one set-based destroy (14 statements, as one user's
    // would: two of them lower the follow counts of the users left), then one
    // statement counts the orphans.
    assert_eq!(sent("destroy_users"), 14 + 1);

    // Both ran in one process: it prints each workload's ratio service/raw.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let ratio = |workload: &str| {
        stderr.lines().find_map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            match cells[..] {
                [name, _, _, ratio, ..] if name == workload => {
                    ratio.strip_suffix('x')?.parse::<f64>().ok()
                }
                _ => None,
            }
        })
    };
    for (workload, _) in EXPECTED {
        assert!(
            ratio(workload).is_some_and(|r| r > 0.0),
            "no ratio for {workload} in:\n{stderr}"
        );
    }
}
