//! What the templates see: the layout every page shares, and the rows of its lists.
//! Dates and names are formatted here; the templates only place them (and escape
//! them: askama escapes every value in an `.html` template).

use crate::routes::Pager;
use crate::session::Session;
use askama::Template;
use entity::{tweet, user};
use service::follows::FollowCounts;
use service::messages::MessageView;

pub struct Layout {
    pub title: String,
    pub me: Option<Me>,
    pub csrf: String,
    pub flash: Option<String>,
}

pub struct Me {
    pub id: i32,
    pub username: String,
}

impl Layout {
    pub fn new(session: &Session, me: Option<&user::Model>, title: impl Into<String>) -> Self {
        Layout {
            title: title.into(),
            me: me.map(|u| Me {
                id: u.id,
                username: u.username.clone(),
            }),
            csrf: session.csrf_token(),
            flash: session.take_flash(),
        }
    }

    pub fn signed_in(&self) -> bool {
        self.me.is_some()
    }
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
            date: tweet.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
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
            date: v
                .message
                .created_at
                .format("%Y-%m-%d %H:%M UTC")
                .to_string(),
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
