//! The `has_many :through` lesson on a store: users have many items through
//! user_items. The lesson's own model code has two mistakes, shown here beside the
//! correct form:
//!
//! ```ruby
//! class User < ApplicationRecord
//!   has_many :user_items
//!   has_many :items, through: user_items    # mistake: a method call, not a symbol
//!   has_many :items, through: :user_items   # correct
//! end
//! class UserItem < ApplicationRecord
//!   belongs_to :users                       # mistake: belongs_to is singular
//!   belongs_to :user                        # correct
//!   belongs_to :item
//! end
//! ```
//!
//! The Rust form of each mistake does not compile (`via = user_item` without quotes;
//! `BelongsTo<..>` on a field named for many), so the steps run the correct form and
//! quote its declaration from the entity files.
//!
//! Run it: `cargo run --example users_items` (`DATABASE_URL` picks another backend).
//! Try the same steps in the console: `cargo run -- console --sandbox`, then `u.buy(i)`, `u.items`, `i.users.count`.

mod lesson;

use entity::{item, user, user_item};
use lesson::{Lesson, Outcome, debug, declaration, name, outcome, step};
use sea_orm::{ColumnTrait, EntityTrait, ModelTrait, QueryFilter};
use service::assoc::join;
use service::store;

const USER_RS: &str = include_str!("../entity/src/user.rs");
const USER_ITEM_RS: &str = include_str!("../entity/src/user_item.rs");

fn items(r: &Result<Vec<item::Model>, sea_orm::DbErr>) -> String {
    outcome(r, |is| {
        format!(
            "{:?}",
            is.iter().map(|i| i.name.as_str()).collect::<Vec<_>>()
        )
    })
}

#[tokio::main]
async fn main() -> Outcome {
    let lesson = Lesson::start("Users and items: has_many :through user_items").await?;
    let db = &lesson.db;

    let ann = lesson::user(db, "ann").await?;
    let bob = lesson::user(db, "bob").await?;
    let lamp = store::add_item(db, name("Lamp")?).await?;
    let mug = store::add_item(db, name("Mug")?).await?;
    let book = store::add_item(db, name("Book")?).await?;
    lesson.note("setup: users ann and bob; items Lamp, Mug, Book");

    step!(
        lesson,
        "ann buys the lamp and the mug",
        "ann.items << lamp\nann.items << mug",
        lesson::both(
            store::buy_item(db, ann.id, lamp.id),
            store::buy_item(db, ann.id, mug.id)
        ),
        debug,
    )
    .await?;

    let _ = step!(
        lesson,
        "A user owns an item once",
        "ann.items << lamp   # validates :item_id, uniqueness: { scope: :user_id }",
        store::buy_item(db, ann.id, lamp.id),
        debug,
    )
    .await;

    // ANCHOR: step
    step!(
            lesson,
            "Mistake 1: `through: user_items` is a method call; `through:` takes a symbol",
            "has_many :items, through: user_items    # NameError: undefined local variable or method `user_items'\nhas_many :items, through: :user_items   # correct\nann.items",
            declared: declaration("entity/src/user.rs", USER_RS, "items"),
            store::user_items(db, &ann),
            items,
        )
        .await?;
    // ANCHOR_END: step

    let row = step!(
        lesson,
        "Find one join row",
        "user_item = UserItem.find_by(user: ann, item: lamp)",
        user_item::Entity::find()
            .filter(user_item::Column::UserId.eq(ann.id))
            .filter(user_item::Column::ItemId.eq(lamp.id))
            .one(db),
        |r| outcome(r, |u| format!(
            "{:?}",
            u.as_ref().map(|u| (u.id, u.user_id, u.item_id))
        ) + "   (id, user_id, item_id)"),
    )
    .await?
    .ok_or("the lamp purchase is missing")?;

    step!(
            lesson,
            "Mistake 2: `belongs_to :users` is plural; belongs_to names one",
            "belongs_to :users   # user_item.users => NameError: uninitialized constant UserItem::Users\nbelongs_to :user    # correct\nuser_item.user",
            declared: declaration("entity/src/user_item.rs", USER_ITEM_RS, "user"),
            row.find_related(user::Entity).one(db),
            |r| outcome(r, |u| format!("{:?}", u.as_ref().map(|u| &u.username))),
        )
        .await?;

    step!(
        lesson,
        "Item has many users through user_items",
        "lamp.users",
        store::item_buyers(db, &lamp),
        |r| {
            outcome(r, |us| {
                format!(
                    "{:?}",
                    us.iter().map(|u| u.username.as_str()).collect::<Vec<_>>()
                )
            })
        },
    )
    .await?;

    step!(
        lesson,
        "Does ann own the book?",
        "ann.items.include?(book)",
        join::contains::<user_item::Entity, _>(db, ann.id, book.id),
        debug,
    )
    .await?;

    step!(
        lesson,
        "Set ann's items to exactly the lamp and the book",
        "ann.item_ids = [lamp.id, book.id]",
        join::sync::<user_item::Entity, _>(db, ann.id, &[lamp.id, book.id]),
        debug,
    )
    .await?;

    step!(
        lesson,
        "ann's items now, and bob's",
        "ann.items\nbob.items",
        lesson::both(store::user_items(db, &ann), store::user_items(db, &bob)),
        |r| {
            outcome(r, |(a, b)| {
                format!(
                    "ann {}\nbob {}",
                    items(&Ok(a.clone())),
                    items(&Ok(b.clone()))
                )
            })
        },
    )
    .await?;

    lesson.finish().await
}
