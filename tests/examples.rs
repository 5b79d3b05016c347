//! Runs every lesson example and checks what it teaches: its key result lines, and
//! that every `== ` step printed at least one `SQL   :` line (captured, so a step that
//! sent nothing shows up here). The examples are built once, then run side by side;
//! each inherits `DATABASE_URL`, so on a server each runs in a database of its own.

mod common;

use common::examples::{LESSONS, command};

/// One printed step: its title and its lines.
struct Step {
    title: String,
    lines: Vec<String>,
}

/// Runs `name`, asserts it succeeded and that every step printed SQL; returns its
/// output.
fn run(name: &str) -> String {
    let out = command(name)
        .output()
        .unwrap_or_else(|e| panic!("run example {name}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let steps = steps(&stdout);
    assert!(
        steps.len() >= 3,
        "{name} printed only {} steps",
        steps.len()
    );
    for step in &steps {
        let has = |prefix: &str| step.lines.iter().any(|l| l.starts_with(prefix));
        assert!(
            has("   Rails : ") && has("   Rust  : ") && has("   =>      "),
            "{name}: step {:?} lacks a Rails, Rust or result line",
            step.title
        );
        let sql = step
            .lines
            .iter()
            .find_map(|l| l.strip_prefix("   SQL   : "))
            .unwrap_or_else(|| panic!("{name}: step {:?} printed no SQL", step.title));
        // A batch sent at once (attach on SQLite) shows its SAVEPOINT first, then one
        // statement a line: the verb is the first statement's after it.
        let verb = if sql.starts_with("SAVEPOINT") {
            step.lines
                .iter()
                .skip_while(|l| !l.starts_with("   SQL   : "))
                .nth(1)
                .map_or("", |l| l.split_whitespace().next().unwrap_or(""))
        } else {
            sql.split_whitespace().next().unwrap_or("")
        };
        assert!(
            // WITH: attach on PostgreSQL, an INSERT and an UPDATE in one statement.
            ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(&verb),
            "{name}: step {:?} shows {sql:?} as its SQL",
            step.title
        );
    }
    stdout
}

fn steps(stdout: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in stdout.lines() {
        if let Some(title) = line.strip_prefix("== ") {
            steps.push(Step {
                title: title.to_owned(),
                lines: Vec::new(),
            });
        } else if line.is_empty() || line.starts_with("-- ") || line.starts_with("# ") {
            // Narration and blank lines are not part of a step.
        } else if let Some(step) = steps.last_mut() {
            step.lines.push(line.to_owned());
        }
    }
    steps
}

/// The `=>` block of the step titled `title` (its first line and the aligned ones).
fn result<'a>(stdout: &'a str, title: &str) -> String {
    let mut in_step = false;
    let mut in_result = false;
    let mut out: Vec<&'a str> = Vec::new();
    for line in stdout.lines() {
        if let Some(t) = line.strip_prefix("== ") {
            in_step = t == title;
            in_result = false;
        } else if in_step {
            if let Some(first) = line.strip_prefix("   =>      ") {
                in_result = true;
                out.push(first);
            } else if in_result && line.starts_with("           ") {
                out.push(line.trim_start());
            } else {
                in_result = false;
            }
        }
    }
    assert!(!out.is_empty(), "no step titled {title:?} in:\n{stdout}");
    out.join("\n")
}

#[test]
fn hearts_refuses_incomplete_hearts_counts_without_n_plus_one_and_destroys_dependents() {
    let out = run("hearts");
    assert_eq!(
        result(&out, "A heart without a user is refused"),
        "Err: user 9999 not found"
    );
    assert!(result(&out, "A heart without a tweet is refused").ends_with("tweet 9999 not found"));
    assert_eq!(
        result(&out, "... and the refused hearts wrote nothing"),
        "1"
    );
    assert!(
        result(&out, "One heart per user per tweet").contains("has already hearted"),
        "{out}"
    );
    assert_eq!(result(&out, "tweet.hearts.count"), "2");
    assert_eq!(
        result(
            &out,
            "Every tweet with its heart count, without one query per tweet"
        ),
        "bob: Big news today (2 hearts)\nann: Lunch was great (1 heart)\nann: Hello, hearts! (2 hearts)"
    );
    assert_eq!(result(&out, "Hearts before any delete"), "5");
    assert_eq!(result(&out, "Hearts after deleting the tweet"), "3");
    assert_eq!(result(&out, "Hearts after deleting the user"), "2");
    assert_eq!(
        result(&out, "The counter cache followed every delete"),
        "Some(1)"
    );
}

#[test]
fn likes_keeps_posted_and_liked_tweets_apart() {
    let out = run("likes");
    assert_eq!(
        result(&out, "The tweets bob posted"),
        r#"["bob's own tweet"]"#
    );
    assert_eq!(
        result(
            &out,
            "The tweets bob liked: a separate relation, through likes"
        ),
        r#"["ann's second tweet", "ann's first tweet"]"#
    );
    assert_eq!(result(&out, "Who liked ann's first tweet"), r#"["bob"]"#);
    assert_eq!(
        result(&out, "Who wrote it: the author is not a liker"),
        r#"Some("ann")"#
    );
    assert_eq!(result(&out, "Like#user"), r#"Some("bob")"#);
    assert_eq!(result(&out, "Like#tweet"), r#"Some("ann's first tweet")"#);
}

#[test]
fn favorites_star_toggles_once_per_user_and_counts_everyone() {
    let out = run("favorites");
    assert_eq!(
        result(&out, "bob clicks the star: favorite"),
        "starred (1 star)"
    );
    assert_eq!(result(&out, "cy clicks the star too"), "starred (2 stars)");
    assert!(
        result(&out, "bob favorites again: one favorite per user per post")
            .contains("already hearted")
    );
    assert_eq!(result(&out, "The count from all users"), "2");
    assert_eq!(result(&out, "Has the current user starred it?"), "true");
    assert_eq!(
        result(&out, "bob clicks the star again: retract"),
        "not starred (1 star)"
    );
    assert_eq!(
        result(&out, "Has the current user starred it now?"),
        "false"
    );
    assert_eq!(result(&out, "The counter cache the page shows"), "Some(1)");
}

#[test]
fn direct_messages_name_both_users_and_quote_the_declarations() {
    let out = run("direct_messages");
    assert!(out.contains(r#"belongs_to :sender, class_name: "User", foreign_key: :sender_id"#));
    assert!(out.contains(r#"relation_enum = "Sender", from = "sender_id""#));
    assert!(out.contains(r#"relation_enum = "SentMessages", via_rel = "Sender""#));
    assert_eq!(
        result(&out, "A message needs a receiver"),
        "Err: there is no user named nobody"
    );
    assert_eq!(
        result(
            &out,
            "A message belongs to its sender: a User under another name"
        ),
        r#"Some("ann")"#
    );
    assert_eq!(
        result(&out, "... and to its receiver, another User"),
        r#"Some("bob")"#
    );
    assert_eq!(
        result(&out, "A user's received messages (the inbox)"),
        "cy_ -> bob: \"Call me\"\nann -> bob: \"Lunch?\""
    );
    assert_eq!(
        result(&out, "Only the two people in a message can read it"),
        "None"
    );
}

#[test]
fn followers_follow_unfollow_count_feed_and_refuse_self_follow() {
    let out = run("followers");
    assert_eq!(result(&out, "ann follows bob"), "Created");
    assert_eq!(
        result(&out, "Following twice is not a second follow"),
        "AlreadyLinked"
    );
    let itself = result(
        &out,
        "Following yourself is refused: by the service, and by the database's CHECK",
    );
    assert!(itself.starts_with("service: Err: you cannot follow yourself\ndatabase: Err: "));
    assert_eq!(result(&out, "Who ann follows"), r#"["bob", "cy_"]"#);
    assert_eq!(result(&out, "Who follows cy"), r#"["ann", "bob"]"#);
    assert_eq!(
        result(&out, "cy's counts"),
        "FollowCounts { followers: 2, following: 0 }"
    );
    assert_eq!(
        result(
            &out,
            "ann's feed: the tweets of the people she follows, newest first"
        ),
        r#"["bob: second post", "cy_: hello world", "bob: first post"]"#
    );
    assert_eq!(result(&out, "ann unfollows bob"), "true");
    assert_eq!(
        result(&out, "ann's following and feed after"),
        "following [\"cy_\"]\nfeed [\"cy_: hello world\"]"
    );
}

#[test]
fn doctors_patients_go_through_appointments() {
    let out = run("doctors_patients");
    assert_eq!(
        result(&out, "An appointment needs a patient"),
        "Err: patient 9999 not found"
    );
    assert_eq!(
        result(&out, "Doctor has many patients through appointments"),
        r#"["Ann", "Bo"]"#
    );
    assert_eq!(
        result(&out, "Patient has many doctors through appointments"),
        r#"["Dr. Who"]"#
    );
    assert_eq!(
        result(&out, "A doctor with appointments cannot be deleted"),
        "Err: doctor 1 still has 3 appointment(s)"
    );
    assert_eq!(
        result(&out, "Appointments left, and Dr. Who's patients now"),
        r#"2 appointments; Dr. Who sees ["Bo"]"#
    );
}

#[test]
fn artists_genres_live_in_songs_only() {
    let out = run("artists_genres");
    assert_eq!(
        result(&out, "Where it is not: an artist row has no genres column"),
        r#"Some(Model { id: 2, name: "Daft Punk" })"#
    );
    assert_eq!(
        result(&out, "Artist has many genres through songs"),
        r#"["Electronic", "Funk"]"#
    );
    assert_eq!(
        result(&out, "Genre has many artists through songs"),
        r#"["Daft Punk", "Miles Davis"]"#
    );
    assert_eq!(
        result(
            &out,
            "Change one song and the artist's genres follow: nothing else to update"
        ),
        r#"["Electronic"]"#
    );
    assert!(
        result(&out, "Miles Davis's songs and genres after")
            .contains("\"So What\" artist_id=1 genre_id=None")
    );
    assert_eq!(
        result(
            &out,
            "Deleting an artist deletes their songs (dependent: :destroy)"
        ),
        r#"["So What", "Jean Pierre"]"#
    );
}

#[test]
fn users_items_show_both_mistakes_and_the_correct_form() {
    let out = run("users_items");
    assert!(out.contains("through: user_items    # NameError"));
    assert!(out.contains("belongs_to :users"));
    assert_eq!(
        result(&out, "A user owns an item once"),
        "Err: user 1 already owns item 1"
    );
    assert_eq!(
        result(
            &out,
            "Mistake 1: `through: user_items` is a method call; `through:` takes a symbol"
        ),
        r#"["Lamp", "Mug"]"#
    );
    assert_eq!(
        result(
            &out,
            "Mistake 2: `belongs_to :users` is plural; belongs_to names one"
        ),
        r#"Some("ann")"#
    );
    assert_eq!(
        result(&out, "Set ann's items to exactly the lamp and the book"),
        "Synced { added: [3], removed: [2] }"
    );
    assert_eq!(
        result(&out, "ann's items now, and bob's"),
        "ann [\"Book\", \"Lamp\"]\nbob []"
    );
}

#[test]
fn n_plus_one_names_the_repeated_count_and_the_eager_page_does_not_repeat() {
    let out = run("n_plus_one");
    let naive = result(&out, "The naive page: one heart count per tweet (N+1)");
    assert!(naive.contains("\n8 statements\n"), "{naive}");
    assert!(
        naive.contains("Capture::repeated(1): 6 x SELECT COUNT(*)"),
        "{naive}"
    );
    let eager = result(
        &out,
        "The eager page: the counter cache, a fixed number of statements",
    );
    assert!(
        eager.ends_with("2 statements\nCapture::repeated(1): nothing repeated"),
        "{eager}"
    );
    assert!(out.contains("--   naive : 8 statements"));
    assert!(out.contains("--   eager : 2 statements"));
    assert!(out.contains("same counts on both pages: true"));
}

#[test]
fn every_lesson_example_is_tested() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(dir).expect("examples/") {
        let path = entry.expect("entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "rs") && stem != "bench" {
            assert!(LESSONS.contains(&stem), "examples/{stem}.rs has no test");
        }
    }
}
