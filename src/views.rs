//! What the templates see: the layout every page shares, and the rows of its lists.
//! Dates and names are formatted here; the templates only place them (and escape
//! them: askama escapes every value in an `.html` template).

use crate::routes::Pager;
use crate::session::{Session, SignedIn};
use askama::Template;
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, Timelike, Utc};
use entity::{tweet, user};
use service::follows::FollowCounts;
use service::messages::MessageView;
use std::sync::LazyLock;

pub struct Layout {
    pub title: String,
    pub me: Option<Me>,
    pub csrf: Token,
    pub flash: Option<String>,
}

/// A session's CSRF token as a page writes it, twice in each row of a list:
/// letters and digits (`session::new_token` writes 64 hex digits), which HTML never
/// needs to escape, so askama is told not to (`HtmlSafe`) and skips its escaper.
/// Escaping it about 65 times took 4 % of a feed page's instructions
/// (`bench/load/instructions.sh`, docs/performance.md, "Small hours, 2026-11-24").
/// Anything else, which only a leaked secret could put in the sealed cookie, is
/// escaped here, once.
pub struct Token(String);

impl Token {
    pub fn new(token: String) -> Self {
        if token.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Token(token);
        }
        let mut escaped = String::with_capacity(token.len());
        for c in token.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                '\'' => escaped.push_str("&#x27;"),
                c => escaped.push(c),
            }
        }
        Token(escaped)
    }
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Token {}

/// The signed-in user as the layout shows them: what the session keeps of them.
pub type Me = SignedIn;

impl From<&user::Model> for Me {
    fn from(user: &user::Model) -> Self {
        Me {
            id: user.id,
            username: user.username.clone(),
        }
    }
}

impl Layout {
    pub fn new(session: &Session, me: Option<&user::Model>, title: impl Into<String>) -> Self {
        Self::for_me(session, me.map(Me::from), title)
    }

    /// As [`Layout::new`], for a viewer known by id and name only.
    pub fn for_me(session: &Session, me: Option<Me>, title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            me,
            csrf: Token::new(session.csrf_token()),
            flash: session.take_flash(),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.me.is_some()
    }
}

/// The date format of every list, parsed once, for the years [`list_date`] does not
/// write itself.
static LIST_DATE: LazyLock<Vec<Item<'static>>> = LazyLock::new(|| {
    StrftimeItems::new("%Y-%m-%d %H:%M UTC")
        .parse()
        .expect("the list date format is valid")
});

/// A date as the lists show it: `2026-11-23 21:05 UTC`, what chrono's
/// `%Y-%m-%d %H:%M UTC` writes. Years 0 to 9999 are written digit by digit: chrono's
/// formatter, even with its pattern parsed once, took about 1,900 instructions a
/// date, 4.7 % of a feed page of 31 (`bench/load/instructions.sh`, docs/performance.md,
/// "Small hours, 2026-11-24"). Other years (chrono writes `+12345`) go through chrono.
fn list_date(at: &DateTime<Utc>) -> String {
    let year = at.year();
    if !(0..=9999).contains(&year) {
        return at.format_with_items(LIST_DATE.iter()).to_string();
    }
    let year = year.unsigned_abs();
    let mut text = String::with_capacity(20);
    for (part, sep) in [
        (year / 100, ""),
        (year % 100, "-"),
        (at.month(), "-"),
        (at.day(), " "),
        (at.hour(), ":"),
        (at.minute(), " UTC"),
    ] {
        text.push(digit(part / 10));
        text.push(digit(part % 10));
        text.push_str(sep);
    }
    text
}

/// The decimal digit `n` (0 to 9).
fn digit(n: u32) -> char {
    char::from_digit(n, 10).unwrap_or('?')
}

/// One tweet in a list: "content at date with N hearts", the star, and the buttons.
pub struct TweetRow {
    pub id: i32,
    pub content: String,
    pub date: String,
    pub author_id: i32,
    pub author: String,
    pub hearts: i64,
    pub hearted: bool,
    pub mine: bool,
}

impl TweetRow {
    pub fn new(
        tweet: &tweet::Model,
        author: &str,
        hearts: i64,
        hearted: bool,
        viewer: Option<i32>,
    ) -> Self {
        TweetRow {
            id: tweet.id,
            content: tweet.content.clone(),
            date: list_date(&tweet.created_at),
            author_id: tweet.user_id,
            author: author.to_owned(),
            hearts,
            hearted,
            mine: viewer == Some(tweet.user_id),
        }
    }
}

pub struct MessageRow {
    pub id: i32,
    pub from: String,
    pub to: String,
    pub body: String,
    pub date: String,
}

impl From<&MessageView> for MessageRow {
    fn from(v: &MessageView) -> Self {
        MessageRow {
            id: v.message.id,
            from: v.sender.username.clone(),
            to: v.receiver.username.clone(),
            body: v.message.body.clone(),
            date: list_date(&v.message.created_at),
        }
    }
}

#[derive(Template)]
#[template(path = "home/index.html")]
pub struct HomePage {
    pub layout: Layout,
    pub heading: String,
    pub tweets: Vec<TweetRow>,
    pub draft: String,
    pub error: Option<String>,
    pub back: String,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "users/new.html")]
pub struct SignupPage {
    pub layout: Layout,
    pub username: String,
    pub email: String,
    pub salutation: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "sessions/new.html")]
pub struct SigninPage {
    pub layout: Layout,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/show.html")]
pub struct AccountPage {
    pub layout: Layout,
    pub username: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "account/deleted.html")]
pub struct AccountDeletedPage {
    pub layout: Layout,
    pub username: String,
    /// One line per kind of row removed: "3 tweets", "1 heart you gave", ...
    pub removed: Vec<String>,
}

#[derive(Template)]
#[template(path = "users/show.html")]
pub struct UserPage {
    pub layout: Layout,
    pub user: user::Model,
    pub counts: FollowCounts,
    pub following: bool,
    pub is_me: bool,
    pub tweets: Vec<TweetRow>,
    pub draft: String,
    pub error: Option<String>,
    pub back: String,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "users/people.html")]
pub struct PeoplePage {
    pub layout: Layout,
    pub user: user::Model,
    pub heading: String,
    pub people: Vec<user::Model>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "messages/index.html")]
pub struct MailboxPage {
    pub layout: Layout,
    pub heading: String,
    pub sent: bool,
    pub messages: Vec<MessageRow>,
    pub pager: Pager,
}

#[derive(Template)]
#[template(path = "messages/new.html")]
pub struct ComposePage {
    pub layout: Layout,
    pub to: String,
    pub body: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "messages/show.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub message: MessageRow,
}

#[derive(Template)]
#[template(path = "messages/conversation.html")]
pub struct ConversationPage {
    pub layout: Layout,
    pub other: user::Model,
    pub messages: Vec<MessageRow>,
    pub body: String,
    pub error: Option<String>,
    pub pager: Pager,
}

#[cfg(test)]
mod tests {
    use super::list_date;
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_list_date_reads_as_chrono_formats_it() {
        let at = Utc.with_ymd_and_hms(2026, 11, 3, 9, 5, 59).unwrap();
        assert_eq!(list_date(&at), "2026-11-03 09:05 UTC");
        for at in [
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(999, 10, 9, 10, 10, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(12345, 6, 7, 8, 9, 10).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 7, 8, 9, 10).unwrap(),
        ] {
            assert_eq!(list_date(&at), at.format("%Y-%m-%d %H:%M UTC").to_string());
        }
    }

    #[test]
    fn a_token_is_written_as_it_is_when_html_needs_no_escape_and_escaped_otherwise() {
        use super::Token;
        let hex = crate::session::new_token();
        assert_eq!(Token::new(hex.clone()).to_string(), hex);
        assert_eq!(
            Token::new(r#"a"><script>&'"#.to_owned()).to_string(),
            "a&quot;&gt;&lt;script&gt;&amp;&#x27;"
        );
    }

    proptest::proptest! {
        /// Any second from the year -2000 to 12000, as chrono writes it.
        #[test]
        fn any_list_date_reads_as_chrono_formats_it(secs in -125_000_000_000_i64..316_000_000_000) {
            let at = Utc.timestamp_opt(secs, 0).unwrap();
            proptest::prop_assert_eq!(list_date(&at), at.format("%Y-%m-%d %H:%M UTC").to_string());
        }
    }
}
