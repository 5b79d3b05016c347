//! The book's SQL and results are the examples' own output: every lesson example runs
//! here on SQLite in memory, and its output must equal the committed transcript
//! `docs/book/src/transcripts/<example>.txt`, which the book's chapters include.
//!
//! When an example's SQL or result changes, this test fails and shows the first line
//! that differs; regenerate the transcripts and review the diff with
//!
//! ```sh
//! UPDATE_TRANSCRIPTS=1 cargo test --test transcripts
//! git diff docs/book/src/transcripts
//! ```
//!
//! The transcripts are SQLite's: the examples run here with `DATABASE_URL` removed,
//! whatever backend the rest of the suite is on (`tests/examples.rs` runs them on that
//! backend). Two things make the output reproducible: the moments the examples write
//! with `Utc::now()` print as `<now>`, and each step is wrapped in
//! `## ANCHOR: <slug of its title>` / `## ANCHOR_END: ...` lines so that a chapter can
//! include one step with `{{#include ../transcripts/hearts.txt:<slug>}}` (mdBook drops
//! the anchor lines from what it includes).

mod common;

use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use common::examples::{LESSONS, command};

fn transcript_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/book/src/transcripts")
        .join(format!("{name}.txt"))
}

/// Runs the example on SQLite; returns its output, made reproducible and anchored.
fn transcript(name: &str) -> String {
    let started = Utc::now();
    let out = command(name)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap_or_else(|e| panic!("run example {name}: {e}"));
    let finished = Utc::now();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "example {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    anchored(name, &without_now(&stdout, started, finished))
}

/// The anchor name of a step: its title, lowercase, runs of anything but letters and
/// digits turned into one `-`.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// Wraps every step (from its `== ` title to the blank line that ends it) in anchor
/// lines named by [`slug`]; two steps of one example may not share a slug.
fn anchored(name: &str, output: &str) -> String {
    let mut out = String::new();
    let mut open: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for line in output.lines() {
        if let Some(title) = line.strip_prefix("== ") {
            let anchor = slug(title);
            assert!(
                seen.insert(anchor.clone()),
                "{name}: two steps are both anchored {anchor:?}; give one another title"
            );
            out.push_str(&format!("## ANCHOR: {anchor}\n"));
            open = Some(anchor);
        } else if line.is_empty()
            && let Some(anchor) = open.take()
        {
            out.push_str(&format!("## ANCHOR_END: {anchor}\n"));
        }
        out.push_str(line);
        out.push('\n');
    }
    if let Some(anchor) = open {
        out.push_str(&format!("## ANCHOR_END: {anchor}\n"));
    }
    out
}

/// `output` with every timestamp between `from` and `to` (give or take a minute: the
/// ones the example wrote with `Utc::now()`) replaced by `<now>`. Fixed dates, such as
/// the doctors' appointments, are kept.
fn without_now(output: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let from = from - TimeDelta::minutes(1);
    let to = to + TimeDelta::minutes(1);
    let bytes = output.as_bytes();
    let mut out = String::with_capacity(output.len());
    let mut i = 0;
    while i < output.len() {
        if let Some(len) = timestamp_len(&bytes[i..]) {
            let text = &output[i..i + 19];
            let at = NaiveDateTime::parse_from_str(&text.replace('T', " "), "%Y-%m-%d %H:%M:%S")
                .map(|t| t.and_utc());
            if at.is_ok_and(|at| from <= at && at <= to) {
                out.push_str("<now>");
                i += len;
                continue;
            }
        }
        let c = output[i..].chars().next().expect("in bounds");
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// The length of the timestamp at the start of `s`, if one is there:
/// `YYYY-MM-DD HH:MM:SS` (or with `T`), then an optional fraction and an optional
/// ` +00:00`, `+00:00` or `Z`.
fn timestamp_len(s: &[u8]) -> Option<usize> {
    const SHAPE: &[u8] = b"dddd-dd-dd?dd:dd:dd";
    if s.len() < SHAPE.len() {
        return None;
    }
    for (c, want) in s.iter().zip(SHAPE) {
        let ok = match want {
            b'd' => c.is_ascii_digit(),
            b'?' => *c == b' ' || *c == b'T',
            other => c == other,
        };
        if !ok {
            return None;
        }
    }
    let mut n = SHAPE.len();
    if s.get(n) == Some(&b'.') {
        n += 1;
        while s.get(n).is_some_and(u8::is_ascii_digit) {
            n += 1;
        }
    }
    let offset = |at: usize| {
        let o = s.get(at..at + 6)?;
        let shaped = (o[0] == b'+' || o[0] == b'-')
            && o[1..3].iter().all(u8::is_ascii_digit)
            && o[3] == b':'
            && o[4..6].iter().all(u8::is_ascii_digit);
        shaped.then_some(at + 6)
    };
    if s.get(n) == Some(&b'Z') {
        n += 1;
    } else if let Some(end) = offset(n) {
        n = end;
    } else if s.get(n) == Some(&b' ')
        && let Some(end) = offset(n + 1)
    {
        n = end;
    }
    Some(n)
}

/// The console chapter's session: `fwitter console --sandbox` reading
/// `docs/book/src/console-session.txt` on a fresh SQLite database in memory.
fn console_transcript() -> String {
    use std::io::Write;
    let script = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/book/src/console-session.txt"),
    )
    .expect("read the console script");
    let started = Utc::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fwitter"))
        .args(["--database-url", "sqlite::memory:", "console", "--sandbox"])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start fwitter console");
    child
        .stdin
        .take()
        .expect("a stdin")
        .write_all(script.as_bytes())
        .expect("send the script");
    let out = child.wait_with_output().expect("the console ends");
    let finished = Utc::now();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the console failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    without_now(&stdout, started, finished)
}

#[test]
fn console() {
    compare(
        "console",
        "cargo run -- console --sandbox < docs/book/src/console-session.txt",
        console_transcript(),
    );
}

/// Compares the example's transcript with the committed one, or writes it when
/// `UPDATE_TRANSCRIPTS` is set.
fn check(name: &str) {
    compare(
        name,
        &format!("cargo run --example {name}"),
        transcript(name),
    );
}

fn compare(name: &str, command: &str, fresh: String) {
    let path = transcript_path(name);
    if std::env::var_os("UPDATE_TRANSCRIPTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a directory")).expect("mkdir");
        std::fs::write(&path, &fresh).expect("write the transcript");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; write it with `UPDATE_TRANSCRIPTS=1 cargo test --test transcripts`",
            path.display()
        )
    });
    if committed != fresh {
        let (at, (was, now)) = committed
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(fresh.lines().chain(std::iter::repeat("<end of output>")))
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .expect("texts that differ differ on some line");
        panic!(
            "`{command}` no longer prints {}:\n\
             line {}: committed: {was}\n\
             line {}: now:       {now}\n\
             If the change is intended, regenerate with \
             `UPDATE_TRANSCRIPTS=1 cargo test --test transcripts` and review `git diff docs/book`.",
            path.display(),
            at + 1,
            at + 1,
        );
    }
}

macro_rules! transcript_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*

        #[test]
        fn every_lesson_example_has_a_transcript_test() {
            assert_eq!([$(stringify!($name)),*], LESSONS);
        }
    };
}

transcript_tests!(
    hearts,
    likes,
    favorites,
    direct_messages,
    followers,
    doctors_patients,
    artists_genres,
    users_items,
    n_plus_one,
);

#[test]
fn only_the_moments_of_the_run_become_now() {
    let from = Utc::now();
    let now = from.format("%Y-%m-%d %H:%M:%S%.6f +00:00").to_string();
    let rfc = from.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string();
    let text =
        format!("VALUES ('{now}', 1) at {rfc}; booked '2026-03-02 09:00:00 +00:00' id 2026-11");
    assert_eq!(
        without_now(&text, from, from),
        "VALUES ('<now>', 1) at <now>; booked '2026-03-02 09:00:00 +00:00' id 2026-11"
    );
}

#[test]
fn steps_are_anchored_by_their_titles() {
    assert_eq!(
        slug("... and the refused hearts wrote nothing"),
        "and-the-refused-hearts-wrote-nothing"
    );
    assert_eq!(
        anchored("x", "# t\n\n== A b: c\n   Rails : x\n\n-- note\n"),
        "# t\n\n## ANCHOR: a-b-c\n== A b: c\n   Rails : x\n## ANCHOR_END: a-b-c\n\n-- note\n"
    );
}
