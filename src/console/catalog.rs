//! What the console knows about the schema: every model (a table of
//! `service::schema::registry()`, named the way Rails names its class), its columns, and
//! its associations by name.
//!
//! Associations are derived from the registry's `belongs_to` relations, as Rails
//! derives them from its conventions: `tweets.user_id -> users.id` gives `tweet.user`
//! (`belongs_to :user`) and `user.tweets` (`has_many :tweets`, with the `dependent:`
//! rule the graph implies). Where a table points at the same parent twice
//! (`messages.sender_id`, `messages.receiver_id`) Rails needs names of its own, and so
//! do `has_many :through` associations; those are the [`DECLARED`] table below: data
//! naming a path through the registry's relations, checked against it at start-up, not
//! code per model.

use std::collections::BTreeMap;

use service::assoc::{Registry, Rule};

/// An association declared by name, as a path through the registry's relations.
pub struct Declared {
    /// The owner's table.
    pub owner: &'static str,
    pub name: &'static str,
    /// `table.column` pointing at the owner.
    pub via: &'static str,
    /// For `through`: the column of the same join table pointing at the target.
    pub source: Option<&'static str>,
    /// Ask for each target once (the join table may repeat a pair).
    pub distinct: bool,
    /// The Rails declaration it mirrors.
    pub rails: &'static str,
}

const fn has_many(
    owner: &'static str,
    name: &'static str,
    via: &'static str,
    rails: &'static str,
) -> Declared {
    Declared {
        owner,
        name,
        via,
        source: None,
        distinct: false,
        rails,
    }
}

const fn through(
    owner: &'static str,
    name: &'static str,
    via: &'static str,
    source: &'static str,
    distinct: bool,
    rails: &'static str,
) -> Declared {
    Declared {
        owner,
        name,
        via,
        source: Some(source),
        distinct,
        rails,
    }
}

/// The lessons' named associations (see `entity/src/*.rs` for each declaration).
pub const DECLARED: &[Declared] = &[
    has_many(
        "users",
        "sent_messages",
        "messages.sender_id",
        "has_many :sent_messages, class_name: \"Message\", foreign_key: :sender_id",
    ),
    has_many(
        "users",
        "received_messages",
        "messages.receiver_id",
        "has_many :received_messages, class_name: \"Message\", foreign_key: :receiver_id",
    ),
    has_many(
        "users",
        "follows_given",
        "follows.follower_id",
        "has_many :follows_given, class_name: \"Follow\", foreign_key: :follower_id",
    ),
    has_many(
        "users",
        "follows_received",
        "follows.followed_id",
        "has_many :follows_received, class_name: \"Follow\", foreign_key: :followed_id",
    ),
    through(
        "users",
        "liked_tweets",
        "hearts.user_id",
        "hearts.tweet_id",
        false,
        "has_many :liked_tweets, through: :hearts, source: :tweet",
    ),
    through(
        "tweets",
        "likers",
        "hearts.tweet_id",
        "hearts.user_id",
        false,
        "has_many :likers, through: :hearts, source: :user",
    ),
    through(
        "users",
        "followers",
        "follows.followed_id",
        "follows.follower_id",
        false,
        "has_many :followers, through: :follows_received, source: :follower",
    ),
    through(
        "users",
        "following",
        "follows.follower_id",
        "follows.followed_id",
        false,
        "has_many :following, through: :follows_given, source: :followed",
    ),
    through(
        "users",
        "items",
        "user_items.user_id",
        "user_items.item_id",
        false,
        "has_many :items, through: :user_items",
    ),
    through(
        "items",
        "users",
        "user_items.item_id",
        "user_items.user_id",
        false,
        "has_many :users, through: :user_items",
    ),
    through(
        "doctors",
        "patients",
        "appointments.doctor_id",
        "appointments.patient_id",
        true,
        "has_many :patients, -> { distinct }, through: :appointments",
    ),
    through(
        "patients",
        "doctors",
        "appointments.patient_id",
        "appointments.doctor_id",
        true,
        "has_many :doctors, -> { distinct }, through: :appointments",
    ),
    through(
        "artists",
        "genres",
        "songs.artist_id",
        "songs.genre_id",
        true,
        "has_many :genres, -> { distinct }, through: :songs",
    ),
    through(
        "genres",
        "artists",
        "songs.genre_id",
        "songs.artist_id",
        true,
        "has_many :artists, -> { distinct }, through: :songs",
    ),
];

/// One model: a table under its Rails class name.
#[derive(Debug, Clone)]
pub struct Model {
    /// `User`, `UserItem`.
    pub name: String,
    pub table: String,
    pub columns: Vec<Column>,
    pub associations: Vec<Association>,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// SeaORM's column type in a word (`Integer`, `String`, `TimestampWithTimeZone`).
    pub kind: String,
    pub nullable: bool,
    pub primary_key: bool,
}

/// A named way from one row to others.
#[derive(Debug, Clone)]
pub struct Association {
    pub name: String,
    pub kind: Kind,
    /// The Rails declaration it mirrors.
    pub rails: String,
}

#[derive(Debug, Clone)]
pub enum Kind {
    /// `self.fk` is the `key` of one `target` row.
    BelongsTo {
        target: String,
        fk: String,
        key: String,
    },
    /// Rows of `target` whose `fk` is `self.key`.
    HasMany {
        target: String,
        fk: String,
        key: String,
    },
    /// Rows of `target` reached through `join`: `join.owner_fk = self.key` and
    /// `join.target_fk = target.target_key`.
    Through {
        target: String,
        join: String,
        owner_fk: String,
        key: String,
        target_fk: String,
        target_key: String,
        distinct: bool,
    },
}

impl Kind {
    /// The table the association leads to.
    pub fn target(&self) -> &str {
        match self {
            Kind::BelongsTo { target, .. }
            | Kind::HasMany { target, .. }
            | Kind::Through { target, .. } => target,
        }
    }
}

/// Every model of the registry.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub models: Vec<Model>,
}

/// A `belongs_to` of the registry as names: `child.fk -> parent.key`.
struct Edge {
    child: String,
    fk: String,
    parent: String,
    key: String,
    rule: Rule,
}

impl Catalog {
    /// The models of `graph`, with derived and [`DECLARED`] associations.
    ///
    /// # Errors
    /// A declared association names a relation the registry does not have.
    pub fn new(graph: &Registry) -> Result<Self, String> {
        let edges: Vec<Edge> = graph
            .relations()
            .iter()
            .map(|def| Edge {
                child: def.from_tbl.sea_orm_table().to_string(),
                fk: single(&def.from_col),
                parent: def.to_tbl.sea_orm_table().to_string(),
                key: single(&def.to_col),
                rule: graph.rule(def),
            })
            .collect();
        let mut models: Vec<Model> = graph
            .tables()
            .iter()
            .map(|t| Model {
                name: class_name(&t.name),
                table: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| Column {
                        name: c.name.clone(),
                        kind: c.kind.clone(),
                        nullable: c.nullable,
                        primary_key: c.primary_key,
                    })
                    .collect(),
                associations: Vec::new(),
            })
            .collect();
        let mut found: BTreeMap<String, Vec<Association>> = BTreeMap::new();
        for edge in &edges {
            let name = edge.fk.strip_suffix("_id").unwrap_or(&edge.fk).to_owned();
            let mut rails = format!("belongs_to :{name}");
            if class_name(&edge.parent) != class_name(&format!("{name}s")) {
                rails.push_str(&format!(", class_name: \"{}\"", class_name(&edge.parent)));
            }
            let nullable = models
                .iter()
                .find(|m| m.table == edge.child)
                .and_then(|m| m.columns.iter().find(|c| c.name == edge.fk))
                .is_some_and(|c| c.nullable);
            if nullable {
                rails.push_str(", optional: true");
            }
            found
                .entry(edge.child.clone())
                .or_default()
                .push(Association {
                    name,
                    kind: Kind::BelongsTo {
                        target: edge.parent.clone(),
                        fk: edge.fk.clone(),
                        key: edge.key.clone(),
                    },
                    rails,
                });
            // `has_many :<child table>` only when the name says which foreign key.
            let twice = edges
                .iter()
                .filter(|e| e.child == edge.child && e.parent == edge.parent)
                .count()
                > 1;
            if !twice {
                let dependent = match edge.rule {
                    Rule::Destroy => ":destroy",
                    Rule::DeleteAll => ":delete_all",
                    Rule::Nullify => ":nullify",
                    Rule::Restrict => ":restrict_with_error",
                };
                found
                    .entry(edge.parent.clone())
                    .or_default()
                    .push(Association {
                        name: edge.child.clone(),
                        kind: Kind::HasMany {
                            target: edge.child.clone(),
                            fk: edge.fk.clone(),
                            key: edge.key.clone(),
                        },
                        rails: format!("has_many :{}, dependent: {dependent}", edge.child),
                    });
            }
        }
        for d in DECLARED {
            let via = find_edge(&edges, d.via, d.owner)?;
            let kind = match d.source {
                None => Kind::HasMany {
                    target: via.child.clone(),
                    fk: via.fk.clone(),
                    key: via.key.clone(),
                },
                Some(source) => {
                    let src = edges
                        .iter()
                        .find(|e| format!("{}.{}", e.child, e.fk) == source && e.child == via.child)
                        .ok_or_else(|| format!("{}.{}: no relation {source}", d.owner, d.name))?;
                    Kind::Through {
                        target: src.parent.clone(),
                        join: via.child.clone(),
                        owner_fk: via.fk.clone(),
                        key: via.key.clone(),
                        target_fk: src.fk.clone(),
                        target_key: src.key.clone(),
                        distinct: d.distinct,
                    }
                }
            };
            found
                .entry(d.owner.to_owned())
                .or_default()
                .push(Association {
                    name: d.name.to_owned(),
                    kind,
                    rails: d.rails.to_owned(),
                });
        }
        for model in &mut models {
            model.associations = found.remove(&model.table).unwrap_or_default();
        }
        Ok(Self { models })
    }

    /// The model named `name` (`User`), or by its table (`users`).
    pub fn model(&self, name: &str) -> Option<usize> {
        self.models
            .iter()
            .position(|m| m.name == name || m.table == name)
    }

    /// The model of `table`.
    pub fn by_table(&self, table: &str) -> Option<usize> {
        self.models.iter().position(|m| m.table == table)
    }

    pub fn names(&self) -> Vec<String> {
        self.models.iter().map(|m| m.name.clone()).collect()
    }
}

impl Model {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn association(&self, name: &str) -> Option<&Association> {
        self.associations.iter().find(|a| a.name == name)
    }

    /// The primary key column (the first, for a composite key).
    pub fn primary_key(&self) -> &str {
        self.columns
            .iter()
            .find(|c| c.primary_key)
            .map_or("id", |c| c.name.as_str())
    }
}

fn find_edge<'a>(edges: &'a [Edge], via: &str, owner: &str) -> Result<&'a Edge, String> {
    edges
        .iter()
        .find(|e| format!("{}.{}", e.child, e.fk) == via && e.parent == owner)
        .ok_or_else(|| format!("no relation {via} -> {owner} in the registry"))
}

fn single(identity: &sea_orm::Identity) -> String {
    match identity {
        sea_orm::Identity::Unary(col) => col.to_string(),
        other => format!("{other:?}"),
    }
}

/// `users` -> `User`, `user_items` -> `UserItem`: Rails' class name for a table.
pub fn class_name(table: &str) -> String {
    let singular = if let Some(stem) = table.strip_suffix("ies") {
        format!("{stem}y")
    } else {
        table.strip_suffix('s').unwrap_or(table).to_owned()
    };
    singular
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_association_is_a_path_of_the_registry() {
        let catalog = Catalog::new(service::schema::registry()).expect("declared paths resolve");
        let user = &catalog.models[catalog.model("User").unwrap()];
        for name in [
            "tweets",
            "hearts",
            "liked_tweets",
            "sent_messages",
            "received_messages",
            "followers",
            "following",
            "items",
        ] {
            assert!(user.association(name).is_some(), "User.{name}");
        }
        let message = &catalog.models[catalog.model("Message").unwrap()];
        assert_eq!(
            message.association("sender").unwrap().rails,
            "belongs_to :sender, class_name: \"User\""
        );
        assert_eq!(class_name("user_items"), "UserItem");
    }
}
