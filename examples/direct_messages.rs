//! The direct messages lesson: a message has a sender and a receiver, and both are
//! users. Two associations to one table need names of their own: Rails gives them
//! with `class_name:` and `foreign_key:`, SeaORM with `relation_enum` (the name) and
//! `from` (the foreign key) on each `belongs_to` field of `entity/src/message.rs`.
//!
//! ```ruby
//! class Message < ApplicationRecord
//!   belongs_to :sender,   class_name: "User", foreign_key: :sender_id
//!   belongs_to :receiver, class_name: "User", foreign_key: :receiver_id
//! end
//! class User < ApplicationRecord
//!   has_many :sent_messages,     class_name: "Message", foreign_key: :sender_id
//!   has_many :received_messages, class_name: "Message", foreign_key: :receiver_id
//! end
//! ```
//!
//! Each step's Rust line quotes the declaration from the entity file itself.
//!
//! Run it: `cargo run --example direct_messages` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `m = Message.create(sender: ann, receiver: bob, body: "Hi")`, `m.sender`, `bob.received_messages`.

mod lesson;

use entity::{message, user};
use lesson::{Lesson, Outcome, debug, declaration, outcome, step};
use sea_orm::{ColumnTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait};
use service::input::MessageBody;
use service::messages::{self, MessageView};

const MESSAGE_RS: &str = include_str!("../entity/src/message.rs");
const USER_RS: &str = include_str!("../entity/src/user.rs");

fn views(r: &Result<Vec<MessageView>, sea_orm::DbErr>) -> String {
    outcome(r, |vs| {
        vs.iter()
            .map(|v| {
                format!(
                    "{} -> {}: {:?}",
                    v.sender.username, v.receiver.username, v.message.body
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Direct messages: sender and receiver are both users").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let cy = lesson::user(db, "cy_").await?;
    lesson.note("setup: users ann, bob, cy_");

    let hello = step!(
        lesson,
        "ann sends bob a message",
        "ann.sent_messages.create!(receiver: User.find_by(username: \"bob\"), body: \"Lunch?\")",
        messages::send_message(db, ann.id, "bob", MessageBody::parse("Lunch?")?),
        |r| outcome(r, |m| format!(
            "message {} from {} to {}",
            m.id, m.sender_id, m.receiver_id
        )),
    )
    .await?;

    step!(
            lesson,
            "bob answers, and cy writes to bob",
            "bob.sent_messages.create!(receiver: ann, body: \"Sure, noon\")\ncy.sent_messages.create!(receiver: bob, body: \"Call me\")",
            lesson::both(
                messages::send_message(db, bob.id, "ann", MessageBody::parse("Sure, noon")?),
                messages::send_message(db, cy.id, "bob", MessageBody::parse("Call me")?),
            ),
            |r| outcome(r, |_| "2 messages sent".into()),
        )
        .await?;

    let _ = step!(
            lesson,
            "A message needs a receiver",
            "ann.sent_messages.create(receiver: User.find_by(username: \"nobody\"), body: \"Hi\")   # => Receiver must exist",
            messages::send_message(db, ann.id, "nobody", MessageBody::parse("Hi")?),
            debug,
        )
        .await;

    // ANCHOR: step
    step!(
        lesson,
        "A message belongs to its sender: a User under another name",
        "belongs_to :sender, class_name: \"User\", foreign_key: :sender_id\nhello.sender.username",
        declared: declaration("entity/src/message.rs", MESSAGE_RS, "sender"),
        user::Entity::find()
            .join(JoinType::InnerJoin, message::Relation::Sender.def().rev())
            .filter(message::Column::Id.eq(hello.id))
            .one(db),
        |r| outcome(r, |u| format!("{:?}", u.as_ref().map(|u| &u.username))),
    )
    .await?;
    // ANCHOR_END: step

    step!(
            lesson,
            "... and to its receiver, another User",
            "belongs_to :receiver, class_name: \"User\", foreign_key: :receiver_id\nhello.receiver.username",
            declared: declaration("entity/src/message.rs", MESSAGE_RS, "receiver"),
            user::Entity::find()
                .join(JoinType::InnerJoin, message::Relation::Receiver.def().rev())
                .filter(message::Column::Id.eq(hello.id))
                .one(db),
            |r| outcome(r, |u| format!("{:?}", u.as_ref().map(|u| &u.username))),
        )
        .await?;

    step!(
            lesson,
            "A user's sent messages",
            "has_many :sent_messages, class_name: \"Message\", foreign_key: :sender_id\nann.sent_messages",
            declared: declaration("entity/src/user.rs", USER_RS, "sent_messages"),
            messages::sent_messages(db, ann.id),
            views,
        )
        .await?;

    step!(
            lesson,
            "A user's received messages (the inbox)",
            "has_many :received_messages, class_name: \"Message\", foreign_key: :receiver_id\nbob.received_messages.order(created_at: :desc)",
            declared: declaration("entity/src/user.rs", USER_RS, "received_messages"),
            messages::inbox(db, bob.id),
            views,
        )
        .await?;

    step!(
            lesson,
            "The conversation between ann and bob, both directions",
            "Message.where(sender: ann, receiver: bob).or(Message.where(sender: bob, receiver: ann)).order(:created_at)",
            messages::conversation(db, ann.id, bob.id),
            views,
        )
        .await?;

    step!(
        lesson,
        "Only the two people in a message can read it",
        "cy.sent_messages.or(cy.received_messages).find_by(id: hello.id)   # => nil",
        messages::message_for(db, cy.id, hello.id),
        |r| outcome(r, |v| format!("{:?}", v.as_ref().map(|v| &v.message.body))),
    )
    .await?;

    lesson.finish().await
}
