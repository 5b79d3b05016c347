//! The console, driven as a teacher's script would drive it: each lesson's console
//! moment, the sandbox, and bad input (which must print an error and carry on). Runs
//! on the backend `DATABASE_URL` names, in a fresh database per test.
//!
//! SQL lines are compared with identifier quotes removed, so one expected line holds
//! for SQLite and PostgreSQL (`"users"`) and MySQL (`` `users` ``).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::TestDb;
use service::assoc::testing::FreshDb;

/// Runs `script` in the console on `t`'s database; returns what it printed.
async fn console(t: &TestDb, script: &str) -> String {
    console_with(t, false, script).await
}

async fn console_with(t: &TestDb, sandbox: bool, script: &str) -> String {
    let mut out = Vec::new();
    fwitter::console::run_script(&t.db, t.log, sandbox, script, &mut out)
        .await
        .expect("the console runs the script");
    let out = String::from_utf8(out).expect("utf-8 output");
    assert!(
        !out.contains("<unreadable"),
        "every column decodes by its declared type:\n{out}"
    );
    out
}

/// The output with identifier quotes removed.
fn plain(out: &str) -> String {
    out.replace(['"', '`'], "")
}

/// The block printed for the line `input`: from its echo up to the next prompt.
fn block<'a>(out: &'a str, input: &str) -> &'a str {
    let echo = format!(">> {input}\n");
    let start = out
        .find(&echo)
        .unwrap_or_else(|| panic!("no line `{input}` in:\n{out}"))
        + echo.len();
    let rest = &out[start..];
    &rest[..rest.find("\n>> ").map_or(rest.len(), |i| i + 1)]
}

/// The `=>` line (first line of the result) of `input`'s block.
fn result<'a>(out: &'a str, input: &str) -> &'a str {
    let b = block(out, input);
    b.lines()
        .find_map(|l| {
            l.strip_prefix("  =>   ")
                .or_else(|| l.strip_prefix("  Err: "))
        })
        .unwrap_or_else(|| panic!("no result for `{input}` in:\n{b}"))
}

/// The SQL lines of `input`'s block, quotes removed.
fn sql(out: &str, input: &str) -> Vec<String> {
    block(out, input)
        .lines()
        .filter_map(|l| l.strip_prefix("  SQL  "))
        .map(plain)
        .collect()
}

#[tokio::test]
async fn the_hearts_lesson_creates_hearts_and_counts_them() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
ann = User.create(username: "ann")
bob = User.create(username: "bob")
t = ann.tweets.create(content: "Hello, hearts!")
Heart.create(user: bob, tweet: t)
Heart.create(user: bob, tweet: t)
Heart.create(user: bob, tweet: 999)
t.hearts.count
t.reload.hearts_count
t.likers
"#,
    )
    .await;
    assert!(result(&out, r#"ann = User.create(username: "ann")"#).starts_with("#<User id: 1>"));
    let ann = block(&out, r#"ann = User.create(username: "ann")"#);
    assert!(
        ann.lines()
            .any(|l| l.trim_start().starts_with("username") && l.ends_with("\"ann\"")),
        "one field a line:\n{ann}"
    );
    assert_eq!(
        result(&out, "Heart.create(user: bob, tweet: t)"),
        "user 2 hearted tweet 1"
    );
    assert!(
        out.contains("  Err: user 2 has already hearted tweet 1"),
        "a second heart is refused:\n{out}"
    );
    assert_eq!(
        result(&out, "Heart.create(user: bob, tweet: 999)"),
        "tweet 999 not found"
    );
    assert_eq!(result(&out, "t.hearts.count"), "1");
    assert_eq!(
        sql(&out, "t.hearts.count"),
        ["SELECT COUNT(*) AS count FROM hearts WHERE hearts.tweet_id = 1"]
    );
    assert_eq!(
        result(&out, "t.reload.hearts_count"),
        "1",
        "the counter cache"
    );
    let likers = block(&out, "t.likers");
    assert!(likers.contains("=>   1 User row"), "{likers}");
    assert!(likers.contains(" bob "), "{likers}");
    assert_eq!(
        sql(&out, "t.likers"),
        [
            "SELECT users.id, users.username, users.email, users.salutation, users.password_hash, \
          users.created_at, users.updated_at, users.followers_count, users.following_count \
          FROM users INNER JOIN hearts ON hearts.user_id = users.id \
          WHERE hearts.tweet_id = 1 ORDER BY users.id ASC"
        ]
    );
}

#[tokio::test]
async fn the_direct_messages_lesson_reads_sender_receiver_and_followers() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
ann = User.create(username: "ann")
bob = User.create(username: "bob")
m = Message.create(sender: ann, receiver: bob, body: "Hi Bob")
m.sender
m.receiver.username
bob.received_messages
ann.sent_messages.count
bob.follow(ann)
ann.followers
bob.following.count
ann.followers.first.username
bob.follows_given.first.followed.username
"#,
    )
    .await;
    assert!(
        result(
            &out,
            r#"m = Message.create(sender: ann, receiver: bob, body: "Hi Bob")"#
        )
        .starts_with("#<Message id: 1>")
    );
    assert_eq!(result(&out, "m.sender"), "#<User id: 1>");
    assert!(block(&out, "m.sender").contains("\"ann\""));
    assert_eq!(
        sql(&out, "m.sender"),
        [
            "SELECT users.id, users.username, users.email, users.salutation, users.password_hash, \
          users.created_at, users.updated_at, users.followers_count, users.following_count \
          FROM users WHERE users.id = 1 ORDER BY users.id ASC LIMIT 1"
        ]
    );
    assert_eq!(result(&out, "m.receiver.username"), "\"bob\"");
    let inbox = block(&out, "bob.received_messages");
    assert!(
        inbox.contains("=>   1 Message row") && inbox.contains("Hi Bob"),
        "{inbox}"
    );
    assert_eq!(
        sql(&out, "bob.received_messages"),
        [
            "SELECT messages.id, messages.sender_id, messages.receiver_id, messages.body, \
          messages.created_at FROM messages WHERE messages.receiver_id = 2 ORDER BY messages.id ASC"
        ]
    );
    assert_eq!(result(&out, "ann.sent_messages.count"), "1");
    assert_eq!(result(&out, "bob.follow(ann)"), "user 2 now follows user 1");
    let followers = block(&out, "ann.followers");
    assert!(
        followers.contains("=>   1 User row") && followers.contains(" bob "),
        "{followers}"
    );
    assert_eq!(
        sql(&out, "ann.followers")[0].split(" FROM ").nth(1),
        Some(
            "users INNER JOIN follows ON follows.follower_id = users.id WHERE follows.followed_id = 1 ORDER BY users.id ASC"
        )
    );
    assert_eq!(result(&out, "bob.following.count"), "1");
    assert_eq!(result(&out, "ann.followers.first.username"), "\"bob\"");
    assert_eq!(
        result(&out, "bob.follows_given.first.followed.username"),
        "\"ann\""
    );
}

#[tokio::test]
async fn the_through_lessons_list_patients_genres_and_items_once_each() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
d = Doctor.create(name: "Dr. Hu")
p = Patient.create(name: "Ann")
Appointment.create(doctor: d, patient: p, starts_at: "2026-05-01 09:30")
Appointment.create(doctor: d, patient: p)
d.patients
d.patients.count
p.doctors.first.name
d.destroy
a = Artist.create(name: "Nina")
g = Genre.create(name: "Jazz")
Song.create(title: "Feeling Good", artist: a, genre: g)
Song.create(title: "Sinnerman", artist: a, genre: g)
a.genres
a.genres.count
g.artists.first.name
u = User.create(username: "cy_")
i = Item.create(name: "Sword")
u.buy(i)
u.buy(i)
u.items
i.users.count
"#,
    )
    .await;
    let patients = block(&out, "d.patients");
    assert!(
        patients.contains("=>   1 Patient row") && patients.contains("Ann"),
        "{patients}"
    );
    assert_eq!(
        sql(&out, "d.patients"),
        [
            "SELECT DISTINCT patients.id, patients.name FROM patients INNER JOIN appointments \
          ON appointments.patient_id = patients.id WHERE appointments.doctor_id = 1 ORDER BY patients.id ASC"
        ]
    );
    assert_eq!(result(&out, "d.patients.count"), "1");
    assert!(sql(&out, "d.patients.count")[0].starts_with("SELECT COUNT(DISTINCT patients.id)"));
    assert_eq!(result(&out, "p.doctors.first.name"), "\"Dr. Hu\"");
    assert_eq!(
        result(&out, "d.destroy"),
        "cannot delete doctors 1: 2 row(s) in appointments.doctor_id depend on it"
    );
    let genres = block(&out, "a.genres");
    assert!(
        genres.contains("=>   1 Genre row") && genres.contains("Jazz"),
        "{genres}"
    );
    assert_eq!(result(&out, "a.genres.count"), "1");
    assert_eq!(result(&out, "g.artists.first.name"), "\"Nina\"");
    assert_eq!(result(&out, "u.buy(i)"), "user 1 bought item 1");
    assert!(out.contains("  Err: user 1 already owns item 1"), "{out}");
    let items = block(&out, "u.items");
    assert!(
        items.contains("=>   1 Item row") && items.contains("Sword"),
        "{items}"
    );
    assert_eq!(
        sql(&out, "u.items"),
        [
            "SELECT items.id, items.name FROM items INNER JOIN user_items ON user_items.item_id = items.id \
          WHERE user_items.user_id = 1 ORDER BY items.id ASC"
        ]
    );
    assert_eq!(result(&out, "i.users.count"), "1");
}

#[tokio::test]
async fn posted_and_liked_tweets_are_different_associations() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
ann = User.create(username: "ann")
bob = User.create(username: "bob")
mine = ann.tweets.create(content: "Posted by ann")
theirs = bob.tweets.create(content: "Posted by bob")
ann.like(theirs)
ann.tweets
ann.liked_tweets
ann.liked_tweets.count
Tweet.where(user: bob).count
bob.destroy
Tweet.count
ann.liked_tweets.size
"#,
    )
    .await;
    let posted = block(&out, "ann.tweets");
    assert!(
        posted.contains("Posted by ann") && !posted.contains("Posted by bob"),
        "{posted}"
    );
    let liked = block(&out, "ann.liked_tweets");
    assert!(
        liked.contains("Posted by bob") && !liked.contains("Posted by ann"),
        "{liked}"
    );
    assert_eq!(
        sql(&out, "ann.liked_tweets")[0].split(" FROM ").nth(1),
        Some(
            "tweets INNER JOIN hearts ON hearts.tweet_id = tweets.id WHERE hearts.user_id = 1 ORDER BY tweets.id ASC"
        )
    );
    assert_eq!(result(&out, "ann.liked_tweets.count"), "1");
    assert_eq!(result(&out, "Tweet.where(user: bob).count"), "1");
    let destroyed = block(&out, "bob.destroy");
    assert!(destroyed.contains("=>   destroyed User 2"), "{destroyed}");
    assert!(
        destroyed.contains("tweets.user_id") && destroyed.contains("1 row(s) deleted"),
        "the dependent rules are shown:\n{destroyed}"
    );
    assert!(
        sql(&out, "bob.destroy")
            .iter()
            .any(|s| s.starts_with("DELETE FROM users")),
        "{destroyed}"
    );
    assert_eq!(result(&out, "Tweet.count"), "1");
    assert_eq!(
        result(&out, "ann.liked_tweets.size"),
        "0",
        "bob's tweet went with bob"
    );
}

#[tokio::test]
async fn bad_input_is_explained_and_the_session_carries_on() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
u = User.create(username: "ann")
User.find(1
Usr.find(1)
u.twets
User.find(99)
User.find_by(usernme: "ann")
uu.tweets
Tweet.create(user: 99, content: "hello")
User.create(username: "a!")
User.create(username: "ann")
u.follow(u)
u.tweets.create(content: "   ")
User.find_by(username: "nobody")
"unclosed
User.count
"#,
    )
    .await;
    let parse = block(&out, "User.find(1");
    assert!(
        parse.contains("Err: could not read that at column 12"),
        "{parse}"
    );
    assert!(parse.contains("^"), "{parse}");
    assert!(
        result(&out, "Usr.find(1)").starts_with("uninitialized constant Usr; did you mean `User`?"),
        "{out}"
    );
    let twets = result(&out, "u.twets");
    assert!(
        twets.starts_with("undefined method `twets` for #<User id: 1>; did you mean `tweets`?"),
        "{twets}"
    );
    assert!(
        twets.contains("liked_tweets") && twets.contains("followers"),
        "names what exists: {twets}"
    );
    assert_eq!(
        result(&out, "User.find(99)"),
        "Couldn't find User with 'id'=99"
    );
    assert_eq!(
        sql(&out, "User.find(99)").len(),
        1,
        "the failed lookup still shows its SQL"
    );
    assert!(
        result(&out, r#"User.find_by(usernme: "ann")"#)
            .starts_with("User has no column `usernme`; did you mean `username`?"),
        "{out}"
    );
    assert!(
        result(&out, "uu.tweets").starts_with("undefined local variable `uu`; did you mean `u`?")
    );
    assert_eq!(
        result(&out, r#"Tweet.create(user: 99, content: "hello")"#),
        "user 99 not found"
    );
    assert!(
        block(&out, r#"Tweet.create(user: 99, content: "hello")"#)
            .contains("-- refused by the database"),
        "the INSERT the foreign key refused is shown as refused:\n{out}"
    );
    assert_eq!(
        result(&out, r#"User.create(username: "a!")"#),
        "username is invalid: at least 3 characters"
    );
    assert_eq!(
        result(&out, r#"User.create(username: "ann")"#),
        "username ann is already taken"
    );
    assert_eq!(result(&out, "u.follow(u)"), "you cannot follow yourself");
    assert_eq!(
        result(&out, r#"u.tweets.create(content: "   ")"#),
        "tweet can't be blank"
    );
    assert_eq!(result(&out, r#"User.find_by(username: "nobody")"#), "nil");
    assert!(block(&out, "\"unclosed").contains("Err: could not read that"));
    assert_eq!(
        result(&out, "User.count"),
        "1",
        "nothing refused was written:\n{out}"
    );
}

#[tokio::test]
async fn the_sandbox_leaves_the_database_as_it_was() {
    let t = TestDb::new().await;
    console(&t, r#"User.create(username: "ann")"#).await;
    let sandboxed = console_with(
        &t,
        true,
        r#"
bob = User.create(username: "bob")
bob.tweets.create(content: "gone soon")
User.find(1).destroy
User.find("ann")
User.count
Tweet.count
"#,
    )
    .await;
    assert!(sandboxed.starts_with("# sandbox:"), "{sandboxed}");
    assert!(block(&sandboxed, "User.find(1).destroy").contains("destroyed User 1"));
    assert!(
        block(&sandboxed, r#"User.find("ann")"#).contains("  Err: "),
        "an id that is not a number fails (on PostgreSQL in the database):\n{sandboxed}"
    );
    assert_eq!(
        result(&sandboxed, "User.count"),
        "1",
        "a failed line does not spoil the sandbox's transaction"
    );
    assert_eq!(result(&sandboxed, "Tweet.count"), "1");

    let after = console(&t, "User.all\nTweet.count").await;
    let users = block(&after, "User.all");
    assert!(
        users.contains("=>   1 User row") && users.contains(" ann "),
        "{after}"
    );
    assert!(!users.contains("bob"), "{after}");
    assert_eq!(result(&after, "Tweet.count"), "0");
}

#[tokio::test]
async fn help_lists_models_and_one_model_in_full() {
    let t = TestDb::new().await;
    let out = console(&t, "help\nhelp Message\nhelp Mesage").await;
    let all = block(&out, "help");
    for name in [
        "User", "Tweet", "Heart", "Message", "Follow", "Doctor", "Song", "UserItem",
    ] {
        assert!(all.contains(&format!("  {name} (")), "{name} in:\n{all}");
    }
    assert!(
        all.contains(
            ".liked_tweets       has_many :liked_tweets, through: :hearts, source: :tweet"
        ),
        "{all}"
    );
    let message = block(&out, "help Message");
    let sender = format!("{:<18} belongs_to :sender, class_name: \"User\"", "sender");
    assert!(message.contains(&sender), "{message}");
    assert!(
        message.contains("Message.create(sender: u, receiver: v, body: \"Hi\")"),
        "{message}"
    );
    assert!(block(&out, "help Mesage").contains("did you mean `Message`?"));
}

/// The real binary, with a script on stdin and with `-e`: no prompt to answer, the
/// same output, logs kept off stdout.
#[tokio::test]
async fn the_binary_reads_a_script_from_stdin_and_e() {
    // A database the binary's own pool can share (on SQLite a temporary file), removed
    // when the test ends, pass or fail.
    let fresh = FreshDb::shared("console").await.expect("a fresh database");
    let url = fresh.url();
    let run = |args: &[&str], stdin: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fwitter"))
            .arg("console")
            .args(args)
            .env("DATABASE_URL", url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fwitter console");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write the script");
        let out = child.wait_with_output().expect("fwitter console ends");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run(
        &[],
        "ann = User.create(username: \"ann\")\nann.tweets.create(content: \"hi\")\nUser.find(1).tweets.count\nnope\n",
    );
    let first = out.lines().next().unwrap_or_default();
    assert_eq!(first, ">> ann = User.create(username: \"ann\")", "{out}");
    assert_eq!(result(&out, "User.find(1).tweets.count"), "1");
    assert!(
        out.contains("  Err: undefined local variable `nope`"),
        "{out}"
    );
    let e = run(&["-e", "User.count"], "");
    assert_eq!(
        plain(&e).lines().collect::<Vec<_>>(),
        [
            ">> User.count",
            "  SQL  SELECT COUNT(*) AS count FROM users",
            "  =>   1",
        ]
    );
    let sandbox = run(&["--sandbox", "-e", "User.find(1).destroy\nUser.count"], "");
    assert_eq!(result(&sandbox, "User.count"), "0");
    assert_eq!(
        result(&run(&["-e", "User.count"], ""), "User.count"),
        "1",
        "rolled back"
    );
}

#[tokio::test]
async fn a_relation_pages_by_key_after_the_last_row_seen() {
    let t = TestDb::new().await;
    let out = console(
        &t,
        r#"
ann = User.create(username: "ann")
a = ann.tweets.create(content: "one")
b = ann.tweets.create(content: "two")
c = ann.tweets.create(content: "three")
ann.tweets.limit(2)
ann.tweets.after(b).limit(2)
ann.tweets.after("1").count
ann.tweets.after("x")
"#,
    )
    .await;
    assert_eq!(result(&out, "ann.tweets.after(b).limit(2)"), "1 Tweet row");
    assert!(block(&out, "ann.tweets.after(b).limit(2)").contains("three"));
    assert_eq!(
        sql(&out, "ann.tweets.after(b).limit(2)"),
        [
            "SELECT tweets.id, tweets.user_id, tweets.content, tweets.created_at, tweets.updated_at, \
             tweets.hearts_count FROM tweets WHERE tweets.user_id = 1 AND tweets.id > 2 \
             ORDER BY tweets.id ASC LIMIT 2"
        ]
    );
    assert_eq!(result(&out, r#"ann.tweets.after("1").count"#), "2");
    assert!(
        result(&out, r#"ann.tweets.after("x")"#).starts_with("after takes the key"),
        "{out}"
    );
}
