//! The benchmark's deterministic data set (`bench/WORKLOAD.md`): one splitmix64
//! stream drawn in the spec's exact order, kept as plain rows, and [`seed`], which
//! bulk-inserts it through the entities. The benchmark and the web app's seed command
//! share it, so both load the same users, tweets, hearts, follows and messages.

use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use entity::{follow, heart, message, tweet, user};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbBackend, DbErr, EntityTrait, TransactionSession,
    TransactionTrait,
};

/// Users per unit of scale.
pub const USERS_PER_SCALE: u64 = 1000;
/// Tweets each user writes.
pub const TWEETS_PER_USER: u64 = 10;
/// Distinct tweets each user hearts.
pub const HEARTS_PER_USER: usize = 50;
/// Distinct users each user follows.
pub const FOLLOWS_PER_USER: usize = 20;
/// Messages each user sends.
pub const MESSAGES_PER_USER: u64 = 5;

/// The spec's PRNG: splitmix64 over one 64-bit state.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The stream the data set is drawn from starts at state 42.
    pub const SEED: u64 = 42;

    pub fn new(state: u64) -> Self {
        Self { state }
    }

    /// The next 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `next() % n`: a value in `0..n`.
    pub fn pick(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The ids the read workloads visit: `1 + (i * 7919) % n`.
pub fn probe(i: u64, n: u64) -> u64 {
    1 + (i * 7919) % n
}

/// `2024-01-01T00:00:00Z`: the data set's clock starts here.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

/// A user of the data set: `user{id}`, `user{id}@example.com`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub email: String,
    /// How many follows of the data set point at this user (a counter cache).
    pub followers_count: i32,
    /// How many follows of the data set this user made (a counter cache).
    pub following_count: i32,
}

/// A tweet: `tweet {k} by user{u}`, created `id` seconds after [`epoch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TweetRow {
    pub id: i32,
    pub user_id: i32,
    pub content: String,
    pub created_at: DateTime<Utc>,
    /// How many hearts of the data set point at this tweet (the counter cache).
    pub hearts_count: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartRow {
    pub user_id: i32,
    pub tweet_id: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowRow {
    pub follower_id: i32,
    pub followed_id: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub sender_id: i32,
    pub receiver_id: i32,
    pub body: String,
}

/// The whole data set at one scale, rows in the spec's insertion order.
#[derive(Debug, Clone)]
pub struct DataSet {
    pub scale: u32,
    pub users: Vec<UserRow>,
    pub tweets: Vec<TweetRow>,
    pub hearts: Vec<HeartRow>,
    pub follows: Vec<FollowRow>,
    pub messages: Vec<MessageRow>,
}

impl DataSet {
    /// Draws the data set of scale `scale` (`1000 * scale` users).
    ///
    /// # Panics
    /// When `scale` is 0 or so large that an id would not fit an `i32`.
    pub fn generate(scale: u32) -> Self {
        assert!(scale > 0, "the scale is at least 1");
        let users_n = USERS_PER_SCALE * u64::from(scale);
        let tweets_n = users_n * TWEETS_PER_USER;
        assert!(
            i32::try_from(tweets_n).is_ok(),
            "scale {scale} gives ids beyond i32"
        );
        // Ids stay below `tweets_n`, checked above to fit an i32.
        let id = |n: u64| n as i32;
        let mut rng = SplitMix64::new(SplitMix64::SEED);

        let mut users: Vec<UserRow> = (1..=users_n)
            .map(|u| UserRow {
                id: id(u),
                username: format!("user{u}"),
                email: format!("user{u}@example.com"),
                followers_count: 0,
                following_count: 0,
            })
            .collect();

        let start = epoch();
        let mut tweets: Vec<TweetRow> = Vec::with_capacity(tweets_n as usize);
        for u in 1..=users_n {
            for k in 0..TWEETS_PER_USER {
                let tweet_id = (u - 1) * TWEETS_PER_USER + k + 1;
                tweets.push(TweetRow {
                    id: id(tweet_id),
                    user_id: id(u),
                    content: format!("tweet {k} by user{u}"),
                    created_at: start + Duration::seconds(tweet_id as i64),
                    hearts_count: 0,
                });
            }
        }

        let mut hearts = Vec::with_capacity(users_n as usize * HEARTS_PER_USER);
        let mut kept = HashSet::with_capacity(HEARTS_PER_USER);
        for u in 1..=users_n {
            kept.clear();
            while kept.len() < HEARTS_PER_USER {
                let t = rng.pick(tweets_n) + 1;
                if kept.insert(t) {
                    hearts.push(HeartRow {
                        user_id: id(u),
                        tweet_id: id(t),
                    });
                    tweets[(t - 1) as usize].hearts_count += 1;
                }
            }
        }

        let mut follows = Vec::with_capacity(users_n as usize * FOLLOWS_PER_USER);
        let mut kept = HashSet::with_capacity(FOLLOWS_PER_USER);
        for u in 1..=users_n {
            kept.clear();
            while kept.len() < FOLLOWS_PER_USER {
                let f = rng.pick(users_n) + 1;
                if f != u && kept.insert(f) {
                    follows.push(FollowRow {
                        follower_id: id(u),
                        followed_id: id(f),
                    });
                    users[(u - 1) as usize].following_count += 1;
                    users[(f - 1) as usize].followers_count += 1;
                }
            }
        }

        let mut messages = Vec::with_capacity((users_n * MESSAGES_PER_USER) as usize);
        for u in 1..=users_n {
            for _ in 0..MESSAGES_PER_USER {
                let mut r = rng.pick(users_n) + 1;
                if r == u {
                    r = r % users_n + 1;
                }
                messages.push(MessageRow {
                    sender_id: id(u),
                    receiver_id: id(r),
                    body: format!("hello {r} from {u}"),
                });
            }
        }

        Self {
            scale,
            users,
            tweets,
            hearts,
            follows,
            messages,
        }
    }

    /// Every data row, the `seed` workload's check value.
    pub fn rows(&self) -> u64 {
        [
            self.users.len(),
            self.tweets.len(),
            self.hearts.len(),
            self.follows.len(),
            self.messages.len(),
        ]
        .iter()
        .map(|&n| n as u64)
        .sum()
    }
}

/// The most bind parameters one INSERT carries: below SQLite's 32,766 and the
/// 65,535 of PostgreSQL and MySQL, and small enough that a failed chunk is cheap.
const PARAMS_PER_STATEMENT: usize = 8_000;

/// Inserts the whole data set into an empty, migrated database with multi-row
/// INSERTs through the entities, one transaction per table; `progress(done, total)` is
/// called after each chunk. Users and tweets keep the data set's ids (PostgreSQL's
/// sequences are moved past them), users get no password, each tweet's `hearts_count`
/// matches its hearts and each user's `followers_count` and `following_count` their
/// follows. Returns the rows inserted.
///
/// # Errors
/// [`DbErr`] from the database, e.g. when the tables are not empty.
pub async fn seed<C>(
    db: &C,
    data: &DataSet,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let total = data.rows();
    let mut done = 0;
    let start = epoch();

    let users = data.users.iter().map(|u| user::ActiveModel {
        id: Set(u.id),
        username: Set(u.username.clone()),
        email: Set(u.email.clone()),
        salutation: Set(u.username.clone()),
        password_hash: Set(None),
        created_at: Set(start),
        updated_at: Set(start),
        followers_count: Set(u.followers_count),
        following_count: Set(u.following_count),
    });
    insert_chunked::<user::Entity, _>(db, users, 9, &mut done, total, &mut progress).await?;

    let tweets = data.tweets.iter().map(|t| tweet::ActiveModel {
        id: Set(t.id),
        user_id: Set(t.user_id),
        content: Set(t.content.clone()),
        created_at: Set(t.created_at),
        updated_at: Set(t.created_at),
        hearts_count: Set(t.hearts_count),
    });
    insert_chunked::<tweet::Entity, _>(db, tweets, 6, &mut done, total, &mut progress).await?;

    let hearts = data.hearts.iter().map(|h| heart::ActiveModel {
        user_id: Set(h.user_id),
        tweet_id: Set(h.tweet_id),
        created_at: Set(start),
        updated_at: Set(start),
        ..Default::default()
    });
    insert_chunked::<heart::Entity, _>(db, hearts, 4, &mut done, total, &mut progress).await?;

    let follows = data.follows.iter().map(|f| follow::ActiveModel {
        follower_id: Set(f.follower_id),
        followed_id: Set(f.followed_id),
        created_at: Set(start),
    });
    insert_chunked::<follow::Entity, _>(db, follows, 3, &mut done, total, &mut progress).await?;

    let messages = data.messages.iter().map(|m| message::ActiveModel {
        sender_id: Set(m.sender_id),
        receiver_id: Set(m.receiver_id),
        body: Set(m.body.clone()),
        created_at: Set(start),
        ..Default::default()
    });
    insert_chunked::<message::Entity, _>(db, messages, 4, &mut done, total, &mut progress).await?;

    if db.get_database_backend() == DbBackend::Postgres {
        // Explicit ids do not move a SERIAL's sequence; the next sign-up would collide.
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT MAX(id) FROM users)); \
             SELECT setval(pg_get_serial_sequence('tweets', 'id'), (SELECT MAX(id) FROM tweets))",
        )
        .await?;
    }
    Ok(done)
}

/// One transaction for the table, one INSERT per chunk of rows with `columns` bound
/// values each.
async fn insert_chunked<E, C>(
    db: &C,
    rows: impl Iterator<Item = E::ActiveModel>,
    columns: usize,
    done: &mut u64,
    total: u64,
    progress: &mut impl FnMut(u64, u64),
) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait + TransactionTrait,
{
    let per_chunk = PARAMS_PER_STATEMENT / columns;
    let txn = db.begin().await?;
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows.by_ref().take(per_chunk).collect();
        let n = chunk.len() as u64;
        if let Err(refused) = E::insert_many(chunk).exec_without_returning(&txn).await {
            // Rolled back here, not by the drop: a dropped transaction only queues its
            // ROLLBACK for the connection's next use, and until then the pooled
            // connection keeps the transaction's locks (on MySQL, the tables' metadata
            // locks, which made a DROP DATABASE wait for a day).
            txn.rollback().await?;
            return Err(refused);
        }
        *done += n;
        progress(*done, total);
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_from_42_gives_the_reference_stream() {
        // The reference values of splitmix64 seeded with 42.
        let mut rng = SplitMix64::new(42);
        assert_eq!(rng.next_u64(), 0xBDD7_3226_2FEB_6E95);
        assert_eq!(rng.next_u64(), 0x28EF_E333_B266_F103);
    }

    #[test]
    fn scale_one_has_the_specified_row_counts() {
        let data = DataSet::generate(1);
        assert_eq!(data.users.len(), 1000);
        assert_eq!(data.tweets.len(), 10_000);
        assert_eq!(data.hearts.len(), 50_000);
        assert_eq!(data.follows.len(), 20_000);
        assert_eq!(data.messages.len(), 5_000);
        assert_eq!(data.rows(), 86_000);
    }

    #[test]
    fn rows_follow_the_spec_in_draw_order() {
        let data = DataSet::generate(1);
        let mut rng = SplitMix64::new(42);
        // Users and tweets draw nothing: the first draws are user 1's hearts.
        let first = rng.pick(10_000) + 1;
        assert_eq!(
            data.hearts[0],
            HeartRow {
                user_id: 1,
                tweet_id: first as i32
            }
        );
        assert_eq!(data.users[0].username, "user1");
        assert_eq!(data.users[999].email, "user1000@example.com");
        let t = &data.tweets[12];
        assert_eq!((t.id, t.user_id), (13, 2));
        assert_eq!(t.content, "tweet 2 by user2");
        assert_eq!(t.created_at, epoch() + Duration::seconds(13));
        assert_eq!(data.messages[0].sender_id, 1);
        assert_eq!(
            data.messages[0].body,
            format!("hello {} from 1", data.messages[0].receiver_id)
        );
    }

    #[test]
    fn each_user_hearts_and_follows_distinct_others() {
        let data = DataSet::generate(1);
        for chunk in data.hearts.chunks(HEARTS_PER_USER) {
            let set: HashSet<i32> = chunk.iter().map(|h| h.tweet_id).collect();
            assert_eq!(set.len(), HEARTS_PER_USER);
            assert!(chunk.iter().all(|h| h.user_id == chunk[0].user_id));
        }
        for chunk in data.follows.chunks(FOLLOWS_PER_USER) {
            let set: HashSet<i32> = chunk.iter().map(|f| f.followed_id).collect();
            assert_eq!(set.len(), FOLLOWS_PER_USER);
            assert!(chunk.iter().all(|f| f.followed_id != f.follower_id));
        }
        assert!(data.messages.iter().all(|m| m.sender_id != m.receiver_id));
        let cached: i64 = data.tweets.iter().map(|t| i64::from(t.hearts_count)).sum();
        assert_eq!(cached, 50_000);
    }

    #[test]
    fn the_data_set_is_deterministic() {
        let a = DataSet::generate(1);
        let b = DataSet::generate(1);
        assert_eq!(a.hearts, b.hearts);
        assert_eq!(a.follows, b.follows);
        assert_eq!(a.messages, b.messages);
    }

    #[test]
    fn probe_matches_the_spec() {
        assert_eq!(probe(0, 1000), 1);
        assert_eq!(probe(1, 1000), 920);
        assert_eq!(probe(2, 10_000), 5839);
    }
}
