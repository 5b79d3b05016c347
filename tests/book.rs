//! The book (`docs/book`) cannot drift from the code:
//! - every Rust or SQL block in it is only `{{#include ...}}` lines, so its code comes
//!   from a compiled file (or a transcript the examples printed) and never is retyped;
//! - every include names a file that exists and, with an anchor, an anchor that file
//!   has (mdBook itself would include nothing, silently, for a missing anchor);
//! - every link between chapters leads to a page of the book, and every page is in
//!   `SUMMARY.md`;
//! - the examples print their `Rust  :` lines with `step!`, never a typed string.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn src() -> PathBuf {
    root().join("docs/book/src")
}

/// Every Markdown page under `docs/book/src`, with its text.
fn pages() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).expect("read a book directory") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("read a page");
                out.push((path, text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &mut out);
    out.sort();
    assert!(out.len() > 10, "the book has only {} pages", out.len());
    out
}

/// A code block: its fence's info string, the page line it starts on, its lines.
struct Block {
    info: String,
    line: usize,
    body: Vec<String>,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (n, line) in text.lines().enumerate() {
        let fence = line.trim_start().strip_prefix("```");
        match (&mut open, fence) {
            (None, Some(info)) => {
                open = Some(Block {
                    info: info.trim().to_owned(),
                    line: n + 1,
                    body: Vec::new(),
                });
            }
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some(block), None) => block.body.push(line.to_owned()),
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a code block is never closed");
    out
}

/// The `{{#include path[:anchor]}}` directives of a page: (path, anchor).
fn includes(text: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("{{#include ") {
        let after = &rest[at + "{{#include ".len()..];
        let end = after.find("}}").expect("an include is closed with }}");
        let target = after[..end].trim();
        let (path, anchor) = match target.split_once(':') {
            Some((path, anchor)) => (path, Some(anchor.to_owned())),
            None => (target, None),
        };
        out.push((path.to_owned(), anchor));
        rest = &after[end..];
    }
    out
}

/// `path` with `.` and `..` resolved, without touching the file system.
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_rust_and_sql_block_in_the_book_is_included_from_a_file() {
    let mut typed = Vec::new();
    let mut included = 0;
    for (page, text) in pages() {
        for block in blocks(&text) {
            let lang = block.info.split(',').next().unwrap_or("");
            if !matches!(lang, "rust" | "sql") {
                continue;
            }
            included += 1;
            let retyped = block.body.iter().any(|l| {
                let l = l.trim();
                let include = l.starts_with("{{#include ") && l.ends_with("}}");
                !l.is_empty() && !include
            });
            if retyped || block.body.iter().all(|l| l.trim().is_empty()) {
                typed.push(format!("{}:{}", shown(&page), block.line));
            }
        }
    }
    assert!(typed.is_empty(), "code typed into the book: {typed:?}");
    assert!(included > 30, "only {included} included Rust/SQL blocks");
}

#[test]
fn every_include_names_an_existing_file_and_anchor() {
    let mut broken = Vec::new();
    for (page, text) in pages() {
        let dir = page.parent().expect("a page is in a directory");
        for (path, anchor) in includes(&text) {
            let file = normal(&dir.join(&path));
            let Ok(content) = std::fs::read_to_string(&file) else {
                broken.push(format!("{}: no file {path}", shown(&page)));
                continue;
            };
            let Some(anchor) = anchor else { continue };
            // A line range (`:10:20`) would silently show other lines after an edit.
            if anchor.starts_with(|c: char| c.is_ascii_digit()) {
                broken.push(format!(
                    "{}: {path}:{anchor} is a line range; use an anchor",
                    shown(&page)
                ));
                continue;
            }
            let has = |marker: &str| {
                content.lines().any(|l| {
                    l.split_once(marker)
                        .is_some_and(|(_, name)| name.trim() == anchor)
                })
            };
            if !has("ANCHOR: ") || !has("ANCHOR_END: ") {
                broken.push(format!("{}: {path} has no anchor {anchor}", shown(&page)));
            }
        }
    }
    assert!(broken.is_empty(), "broken includes: {broken:#?}");
}

#[test]
fn every_link_leads_to_a_page_and_every_page_is_in_the_summary() {
    let pages = pages();
    let mut broken = Vec::new();
    let mut linked = BTreeSet::new();
    for (page, text) in &pages {
        let dir = page.parent().expect("a page is in a directory");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split('#').next().unwrap_or("");
            rest = &after[end..];
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let file = normal(&dir.join(target));
            if !file.starts_with(src()) {
                broken.push(format!(
                    "{}: {target} leaves the book (the HTML book cannot follow it)",
                    shown(page)
                ));
            } else if !file.is_file() {
                broken.push(format!("{}: no page {target}", shown(page)));
            }
            if page.ends_with("SUMMARY.md") {
                linked.insert(file);
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    let unlisted: Vec<String> = pages
        .iter()
        .map(|(p, _)| p)
        .filter(|p| !p.ends_with("SUMMARY.md") && !linked.contains(*p))
        .map(|p| shown(p))
        .collect();
    assert!(
        unlisted.is_empty(),
        "pages missing from SUMMARY.md: {unlisted:?}"
    );
}

#[test]
fn every_lesson_transcript_is_in_the_book() {
    let all: String = pages().into_iter().map(|(_, text)| text).collect();
    for entry in std::fs::read_dir(src().join("transcripts")).expect("transcripts/") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a name");
        // A step of a lesson's transcript (`name:anchor`), or the console's whole session.
        assert!(
            all.contains(&format!("transcripts/{name}:"))
                || all.contains(&format!("transcripts/{name}}}}}")),
            "no chapter includes a step of {name}"
        );
    }
}

#[test]
fn the_examples_narrate_with_step_never_a_typed_rust_line() {
    let dir = root().join("examples");
    let mut examples = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("bench.rs") {
            continue;
        }
        examples += 1;
        let text = std::fs::read_to_string(&path).expect("read an example");
        for call in [
            ".run_step(",
            ".run_step_captured(",
            ".step(",
            ".step_captured(",
        ] {
            assert!(
                !text.contains(call),
                "{} calls `{call}` directly: use `step!` / `step_captured!`, which print \
                 the expression itself as the Rust line",
                shown(&path)
            );
        }
        assert!(
            text.contains("step!(") || text.contains("step_captured!("),
            "{} has no step",
            shown(&path)
        );
    }
    assert_eq!(examples, 9);
}
