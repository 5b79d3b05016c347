//! SeaORM 2.0 entities of fwitter, one file per table, in the entity-first format:
//! every association is a typed field on `Model`, so one file teaches one table.
//!
//! | lesson | tables |
//! |---|---|
//! | has_many / belongs_to | [`user`], [`tweet`] |
//! | hearts, likes, favorites (one join table) | [`heart`] |
//! | direct messages (aliased belongs_to) | [`message`] |
//! | followers (self-referential many-to-many) | [`follow`] |
//! | has_many :through | [`item`] + [`user_item`], [`doctor`] + [`appointment`] + [`patient`], [`artist`] + [`song`] + [`genre`] |

pub mod appointment;
pub mod artist;
pub mod doctor;
pub mod follow;
pub mod genre;
pub mod heart;
pub mod item;
pub mod message;
pub mod patient;
pub mod song;
pub mod tweet;
pub mod user;
pub mod user_item;

/// Every entity, for code that walks the whole schema (ER diagram, dependent rules).
pub mod prelude {
    pub use super::appointment::Entity as Appointment;
    pub use super::artist::Entity as Artist;
    pub use super::doctor::Entity as Doctor;
    pub use super::follow::Entity as Follow;
    pub use super::genre::Entity as Genre;
    pub use super::heart::Entity as Heart;
    pub use super::item::Entity as Item;
    pub use super::message::Entity as Message;
    pub use super::patient::Entity as Patient;
    pub use super::song::Entity as Song;
    pub use super::tweet::Entity as Tweet;
    pub use super::user::Entity as User;
    pub use super::user_item::Entity as UserItem;
}
