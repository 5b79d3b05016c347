//! The benchmark of `bench/WORKLOAD.md`: the same nine workloads on the same data set,
//! once through the service layer exactly as the app uses it (`service`, on the app's
//! pool from `service::db`) and once as hand-written SQL on one plain sqlx connection
//! (`raw`, the floor: no pool, no ORM, prepared statements, the same schema and SQLite
//! settings, and on SQLite the app's writer's checkpoints done beside it on a
//! connection of their own), each from an empty database. The process uses the app's
//! allocator (mimalloc). Prints one JSON line per workload on stdout and, when both ran,
//! the ratio service/raw of each workload on stderr.
//!
//! ```sh
//! cargo run --release --example bench -- --backend sqlite --scale 1 --impl both
//! ```
//!
//! `--backend sqlite|postgres|mysql` (a temporary file, or a fresh `bench_<random>`
//! database on the server of `--server URL`, default `postgres://postgres@127.0.0.1:5432/postgres`
//! or `mysql://root@127.0.0.1:3306/mysql`, dropped at the end), `--scale N` (default
//! 1), `--impl service|raw|both` (default both), `--reads held|orm` and
//! `--writes held|orm` (the service's reads, and its write transactions, on
//! `service::held` as the app runs them (default), or on SeaORM's pool, as before it).

use std::cell::RefCell;
use std::error::Error;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use entity::tweet;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, ModelTrait, QueryOrder, Statement,
};
use service::assoc::QueryLog;
use service::assoc::testing::{ScratchDb, unique_suffix};
use service::hearts::HeartError;
use service::held::Held;
use service::workload::{DataSet, probe};

type BoxError = Box<dyn Error + Send + Sync>;

/// The app's allocator (`src/main.rs`; Cargo.toml says why), so that the service is
/// measured as the app runs it. Both implementations share the process: raw has it too.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// User pages per page workload, and operations of the others (the spec's loops).
const PAGES: u64 = 200;
const LIKE_READS: u64 = 1000;
const HEART_WRITES: u64 = 5000;
const FEEDS: u64 = 500;
const FEED_LENGTH: u64 = 30;
const DESTROYED_USERS: i32 = 100;

/// Rows pointing at a missing parent, in one statement (the same on all backends).
/// Outer joins, not `NOT EXISTS (..) OR NOT EXISTS (..)`: PostgreSQL cannot turn an OR
/// of subqueries into anti-joins and probed an index per row (about 0.5 s at S=1, most
/// of the workload on both implementations); joins are hashed or merged.
const ORPHANS: &str = "SELECT \
    (SELECT COUNT(*) FROM hearts h LEFT JOIN users u ON u.id = h.user_id \
        LEFT JOIN tweets t ON t.id = h.tweet_id WHERE u.id IS NULL OR t.id IS NULL) \
  + (SELECT COUNT(*) FROM tweets t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL) \
  + (SELECT COUNT(*) FROM follows f LEFT JOIN users a ON a.id = f.follower_id \
        LEFT JOIN users b ON b.id = f.followed_id WHERE a.id IS NULL OR b.id IS NULL) \
  + (SELECT COUNT(*) FROM messages m LEFT JOIN users a ON a.id = m.sender_id \
        LEFT JOIN users b ON b.id = m.receiver_id WHERE a.id IS NULL OR b.id IS NULL)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Impl {
    Service,
    Raw,
}

impl Impl {
    fn name(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Raw => "raw",
        }
    }
}

struct Args {
    backend: Backend,
    scale: u32,
    impls: Vec<Impl>,
    server: Option<String>,
    /// `--reads orm`: the service's reads on SeaORM's pool instead of held
    /// connections, to measure what `service::held` changes.
    orm_reads: bool,
    /// `--writes orm`: the same for the service's write transactions.
    orm_writes: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        backend: Backend::Sqlite,
        scale: 1,
        impls: vec![Impl::Service, Impl::Raw],
        server: None,
        orm_reads: false,
        orm_writes: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--backend" => {
                args.backend = match value()?.as_str() {
                    "sqlite" => Backend::Sqlite,
                    "postgres" => Backend::Postgres,
                    "mysql" => Backend::Mysql,
                    other => return Err(format!("unknown backend {other}")),
                }
            }
            "--scale" => {
                args.scale = value()?
                    .parse()
                    .ok()
                    .filter(|&s| s > 0)
                    .ok_or("--scale needs a positive integer")?;
            }
            "--impl" => {
                args.impls = match value()?.as_str() {
                    "service" => vec![Impl::Service],
                    "raw" => vec![Impl::Raw],
                    "both" => vec![Impl::Service, Impl::Raw],
                    other => return Err(format!("unknown impl {other}")),
                }
            }
            "--server" => args.server = Some(value()?),
            "--reads" => {
                args.orm_reads = match value()?.as_str() {
                    "held" => false,
                    "orm" => true,
                    other => return Err(format!("unknown reads {other}")),
                }
            }
            "--writes" => {
                args.orm_writes = match value()?.as_str() {
                    "held" => false,
                    "orm" => true,
                    other => return Err(format!("unknown writes {other}")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// One workload's result line.
#[derive(Clone)]
struct Line {
    workload: &'static str,
    elapsed: Duration,
    queries: usize,
    check: i64,
}

/// The run's fixed fields, to print lines; keeps the lines for the summary.
struct Run {
    imp: Impl,
    backend: Backend,
    scale: u32,
    printed: RefCell<Vec<Line>>,
}

impl Run {
    fn print(&self, line: &Line) {
        self.printed.borrow_mut().push(line.clone());
        println!(
            r#"{{"impl":"{}","backend":"{}","scale":{},"workload":"{}","ms":{:.1},"queries":{},"check":{}}}"#,
            self.imp.name(),
            self.backend.name(),
            self.scale,
            line.workload,
            line.elapsed.as_secs_f64() * 1000.0,
            line.queries,
            line.check
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("bench: {e}");
            eprintln!(
                "usage: bench --backend sqlite|postgres|mysql --scale N [--impl service|raw|both] [--server URL] [--reads held|orm] [--writes held|orm]"
            );
            return ExitCode::from(2);
        }
    };
    let data = DataSet::generate(args.scale);
    let mut finished = Vec::new();
    for &imp in &args.impls {
        let run = Run {
            imp,
            backend: args.backend,
            scale: args.scale,
            printed: RefCell::new(Vec::new()),
        };
        let mut fresh = match FreshDb::create(args.backend, args.server.as_deref()).await {
            Ok(fresh) => fresh,
            Err(e) => {
                eprintln!("bench: cannot create a fresh database: {e}");
                return ExitCode::FAILURE;
            }
        };
        if args.orm_reads {
            fresh.reads = Held::from(fresh.db.clone());
        }
        if args.orm_writes {
            fresh.writes = Held::from(fresh.db.clone());
        }
        let result = match imp {
            Impl::Service => {
                let conns = service_impl::Conns {
                    db: &fresh.db,
                    reads: &fresh.reads,
                    writes: &fresh.writes,
                };
                service_impl::run(conns, &fresh.log, &data, &run).await
            }
            Impl::Raw => raw::run(&fresh.db, &fresh.url, &fresh.log, &data, &run).await,
        };
        fresh.drop_database().await;
        if let Err(e) = result {
            eprintln!("bench: {} failed: {e}", imp.name());
            return ExitCode::FAILURE;
        }
        finished.push(run);
    }
    if let [service, raw] = &finished[..] {
        print_ratios(service, raw);
    }
    ExitCode::SUCCESS
}

/// Service time over raw time, per workload, on stderr (stdout stays the spec's JSON
/// lines). Only ratios taken in one run mean anything on a shared machine.
fn print_ratios(service: &Run, raw: &Run) {
    eprintln!(
        "service/raw on {}, scale {}:",
        service.backend.name(),
        service.scale
    );
    eprintln!(
        "  {:<16} {:>10} {:>10} {:>7}   {:>9} {:>9}",
        "workload", "service ms", "raw ms", "ratio", "svc stmts", "raw stmts"
    );
    let raw_lines = raw.printed.borrow();
    for s in service.printed.borrow().iter() {
        let Some(r) = raw_lines.iter().find(|r| r.workload == s.workload) else {
            continue;
        };
        let (s_ms, r_ms) = (
            s.elapsed.as_secs_f64() * 1000.0,
            r.elapsed.as_secs_f64() * 1000.0,
        );
        eprintln!(
            "  {:<16} {:>10.1} {:>10.1} {:>6.2}x   {:>9} {:>9}",
            s.workload,
            s_ms,
            r_ms,
            s_ms / r_ms.max(0.001),
            s.queries,
            r.queries
        );
    }
}

/// An empty database of its own: a temporary SQLite file, or `bench_<random>` on a
/// server; migrated by the `seed` workload, removed by [`FreshDb::drop_database`].
struct FreshDb {
    db: DatabaseConnection,
    /// The app's reads (`service::held`), reporting to `log` too.
    reads: Held,
    /// The app's write transactions (`service::held`), reporting to `log` too.
    writes: Held,
    /// For the raw implementation's own connection.
    url: String,
    log: QueryLog,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Server(ScratchDb),
}

impl FreshDb {
    async fn create(backend: Backend, server: Option<&str>) -> Result<Self, BoxError> {
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let name = format!("bench_{}", unique_suffix());
                let path = std::env::temp_dir().join(format!("fwitter-{name}.db"));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Cleanup::File(path),
                )
            }
            Backend::Postgres | Backend::Mysql => {
                let server = server.unwrap_or(if backend == Backend::Postgres {
                    "postgres://postgres@127.0.0.1:5432/postgres"
                } else {
                    "mysql://root@127.0.0.1:3306/mysql"
                });
                let scratch = ScratchDb::create(server, "bench").await?;
                (scratch.url.clone(), Cleanup::Server(scratch))
            }
        };
        // The app's own pool and settings, its size included: the service is measured
        // as the app runs it (the workloads send one statement at a time, so a larger
        // pool would not help them).
        let mut db = Database::connect(service::db::options(&url)).await?;
        let log = QueryLog::install(&mut db);
        let mut reads = Held::reads(&url, &db)?;
        reads.set_metric_callback(QueryLog::record);
        let mut writes = Held::writes(&url, &db)?;
        writes.set_metric_callback(QueryLog::record);
        Ok(Self {
            db,
            reads,
            writes,
            url,
            log,
            cleanup,
        })
    }

    async fn drop_database(self) {
        let _ = self.db.close().await;
        match self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Server(scratch) => {
                if let Err(e) = scratch.drop_database().await {
                    eprintln!("bench: could not drop database {}: {e}", scratch.name);
                }
            }
        }
    }
}

/// ANALYZE after the bulk load, so PostgreSQL plans with real statistics (untimed,
/// done for both implementations).
async fn analyze(db: &DatabaseConnection) -> Result<(), BoxError> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

fn to_i32(id: u64) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

/// Every workload through `service`, as the app calls it; statement counts from the
/// toolkit's [`QueryLog`].
mod service_impl {
    use super::*;

    /// Times `work` and counts what it sends.
    async fn measure<F>(log: &QueryLog, workload: &'static str, work: F) -> Result<Line, BoxError>
    where
        F: Future<Output = Result<i64, BoxError>>,
    {
        let start = Instant::now();
        // Counted, not captured: the app records no statement, and copying each
        // one's SQL and values is not a cost the raw side pays either.
        let (check, queries) = log.count(work).await;
        let elapsed = start.elapsed();
        Ok(Line {
            workload,
            elapsed,
            queries,
            check: check?,
        })
    }

    /// Where the service's work goes: migrations and the seed on SeaORM's pool, reads
    /// and write transactions as the app sends them.
    pub struct Conns<'a> {
        pub db: &'a DatabaseConnection,
        pub reads: &'a Held,
        pub writes: &'a Held,
    }

    pub async fn run(
        Conns { db, reads, writes }: Conns<'_>,
        log: &QueryLog,
        data: &DataSet,
        run: &Run,
    ) -> Result<(), BoxError> {
        let users = data.users.len() as u64;
        let tweets = data.tweets.len() as u64;

        let line = measure(log, "seed", async {
            Migrator::up(db, None).await?;
            let rows = service::workload::seed(db, data, |_, _| {}).await?;
            Ok(rows as i64)
        })
        .await?;
        run.print(&line);
        analyze(db).await?;

        // The N+1 shape of the lesson's `tweet.hearts.count`: a count per tweet.
        let line = measure(log, "user_page_naive", async {
            let mut sum = 0;
            for i in 0..PAGES {
                let id = to_i32(probe(i, users));
                let Some(user) = service::users::find_user(reads, id).await? else {
                    continue;
                };
                let posts = user
                    .find_related(tweet::Entity)
                    .order_by_desc(tweet::Column::CreatedAt)
                    .order_by_desc(tweet::Column::Id)
                    .all(reads)
                    .await?;
                for post in &posts {
                    let counts = service::hearts::heart_counts(reads, &[post.id]).await?;
                    sum += counts.get(&post.id).copied().unwrap_or(0);
                }
            }
            Ok(sum)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "user_page_eager", async {
            let mut sum = 0;
            for i in 0..PAGES {
                let id = to_i32(probe(i, users));
                if let Some(page) = service::hearts::user_page(reads, id, None).await? {
                    sum += page.tweets.iter().map(|t| t.hearts).sum::<i64>();
                }
            }
            Ok(sum)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "liked_tweets", async {
            let mut n = 0;
            for i in 0..LIKE_READS {
                n += service::hearts::liked_tweets(reads, to_i32(probe(i, users)))
                    .await?
                    .len();
            }
            Ok(n as i64)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "likers", async {
            let mut n = 0;
            for i in 0..LIKE_READS {
                n += service::hearts::likers(reads, to_i32(probe(i, tweets)))
                    .await?
                    .len();
            }
            Ok(n as i64)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "heart_create", async {
            let mut created = 0;
            for i in 0..HEART_WRITES {
                let user_id = to_i32(probe(i, users));
                let tweet_id = to_i32(probe(i * 31 + 7, tweets));
                match service::hearts::heart_tweet(writes, user_id, tweet_id).await {
                    Ok(()) => created += 1,
                    Err(HeartError::AlreadyHearted { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(created)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "favorite_toggle", async {
            let mut sum = 0;
            for i in 0..HEART_WRITES {
                let user_id = to_i32(probe(i, users));
                let tweet_id = to_i32(probe(i * 13 + 3, tweets));
                sum += service::hearts::toggle_heart(writes, user_id, tweet_id)
                    .await?
                    .count;
            }
            Ok(sum)
        })
        .await?;
        run.print(&line);

        let line = measure(log, "feed", async {
            let mut n = 0;
            for i in 0..FEEDS {
                n += service::follows::home_feed(reads, to_i32(probe(i, users)), FEED_LENGTH)
                    .await?
                    .len();
            }
            Ok(n as i64)
        })
        .await?;
        run.print(&line);

        // Lists a page at a time (issue 13): everyone's tweets, page 1 and page 50
        // (the 1,471st to 1,500th newest), each found through the (created_at, id)
        // index; the cursor of page 50 is found once, outside the measurement.
        let mut deep = None;
        for _ in 1..50 {
            deep = service::tweets::recent_page(reads, None, deep.as_ref(), FEED_LENGTH)
                .await?
                .older;
        }
        let deep = deep.ok_or("the data set has fewer than 50 pages of tweets")?;
        for (workload, at) in [("recent_page_1", None), ("recent_page_50", Some(&deep))] {
            let line = measure(log, workload, async {
                let mut n = 0;
                for _ in 0..FEEDS {
                    n += service::tweets::recent_page(reads, None, at, FEED_LENGTH)
                        .await?
                        .items
                        .len();
                }
                Ok(n as i64)
            })
            .await?;
            run.print(&line);
        }

        let line = measure(log, "destroy_users", async {
            let ids: Vec<i32> = (1..=DESTROYED_USERS).collect();
            service::users::destroy_users(writes, &ids).await?;
            let row = db
                .query_one_raw(Statement::from_string(db.get_database_backend(), ORPHANS))
                .await?
                .ok_or("the orphan count returned no row")?;
            Ok(row.try_get_by_index::<i64>(0)?)
        })
        .await?;
        run.print(&line);
        Ok(())
    }
}

/// The SQL of the raw implementation, written once with `?` placeholders and numbered
/// for PostgreSQL.
struct Sql {
    user_by_id: &'static str,
    /// The eager page's user, with both follow counts, as the service's page reads it.
    profile: &'static str,
    tweets_by_user: &'static str,
    heart_count: &'static str,
    liked_tweets: &'static str,
    likers: &'static str,
    heart_insert: &'static str,
    /// `heart_insert` and `counter_up` in one round trip, as the service's
    /// `join::attach` sends them: on SQLite one batch with the transaction around them
    /// (one hand-off to sqlx's thread for the connection instead of four), on
    /// PostgreSQL one `WITH` statement (no `BEGIN` and `COMMIT`). MySQL: `None`.
    heart_batch: Option<&'static str>,
    /// The star as one `WITH` statement, as the service's `join::toggle` sends it on
    /// PostgreSQL (a `DELETE`, an `INSERT` unless it deleted, the counter moved by
    /// both; no `BEGIN`, lock or `COMMIT`). Elsewhere `None`.
    toggle: Option<&'static str>,
    counter_up: &'static str,
    counter_down: &'static str,
    counter_up_returning: &'static str,
    counter_down_returning: &'static str,
    counter_value: &'static str,
    heart_delete: &'static str,
    feed: &'static str,
    /// `destroy_users`, in order; each statement binds (first id, last id) once per
    /// `BETWEEN`, the count given beside it.
    destroy: Vec<(&'static str, usize)>,
}

const USER_COLUMNS: &str = "id, username, email, salutation, password_hash, created_at, updated_at, followers_count, following_count";
const TWEET_COLUMNS: &str = "id, user_id, content, created_at, updated_at, hearts_count";

impl Sql {
    fn for_backend(backend: Backend) -> Self {
        // The statements live for the whole run, as sqlx's statement cache wants them.
        let s = |text: String| -> &'static str {
            let text = if backend == Backend::Postgres {
                numbered(&text)
            } else {
                text
            };
            Box::leak(text.into_boxed_str())
        };
        // A plain IN-subquery: PostgreSQL gets `= ANY(ARRAY(..))`, which uses the
        // indexes where its default plan scanned `tweets` (performance-findings).
        let liked_filter = if backend == Backend::Postgres {
            "id = ANY(ARRAY(SELECT tweet_id FROM hearts WHERE user_id = ?))"
        } else {
            "id IN (SELECT tweet_id FROM hearts WHERE user_id = ?)"
        };
        let likers_filter = if backend == Backend::Postgres {
            "id = ANY(ARRAY(SELECT user_id FROM hearts WHERE tweet_id = ?))"
        } else {
            "id IN (SELECT user_id FROM hearts WHERE tweet_id = ?)"
        };
        let now = "created_at, updated_at";
        Self {
            user_by_id: s(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?")),
            // The follow counts are the row's own counter caches.
            profile: s(format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?")),
            tweets_by_user: s(format!(
                "SELECT {TWEET_COLUMNS} FROM tweets WHERE user_id = ? ORDER BY created_at DESC, id DESC"
            )),
            heart_count: s("SELECT COUNT(*) FROM hearts WHERE tweet_id = ?".to_owned()),
            liked_tweets: s(format!(
                "SELECT {TWEET_COLUMNS} FROM tweets WHERE {liked_filter} ORDER BY created_at DESC, id DESC"
            )),
            likers: s(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {likers_filter} ORDER BY username"
            )),
            heart_insert: s(match backend {
                // MySQL has no ON CONFLICT, and INSERT IGNORE would also swallow a
                // foreign key failure: the duplicate is caught as an error instead.
                Backend::Mysql => {
                    format!("INSERT INTO hearts (user_id, tweet_id, {now}) VALUES (?, ?, ?, ?)")
                }
                _ => format!(
                    "INSERT INTO hearts (user_id, tweet_id, {now}) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (user_id, tweet_id) DO NOTHING"
                ),
            }),
            heart_batch: match backend {
                Backend::Sqlite => Some(s(format!(
                    "BEGIN IMMEDIATE; \
                     INSERT INTO hearts (user_id, tweet_id, {now}) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (user_id, tweet_id) DO NOTHING; \
                     UPDATE tweets SET hearts_count = hearts_count + 1 WHERE id = ? AND changes() > 0; \
                     SELECT changes(); COMMIT"
                ))),
                Backend::Postgres => Some(s(format!(
                    "WITH inserted AS (\
                     INSERT INTO hearts (user_id, tweet_id, {now}) VALUES (?, ?, ?, ?) \
                     ON CONFLICT (user_id, tweet_id) DO NOTHING RETURNING tweet_id), \
                     counted AS (UPDATE tweets SET hearts_count = hearts_count + 1 \
                     WHERE id = ? AND EXISTS (SELECT 1 FROM inserted)) \
                     SELECT COUNT(*) FROM inserted"
                ))),
                Backend::Mysql => None,
            },
            toggle: (backend == Backend::Postgres).then(|| {
                s(format!(
                    "WITH deleted AS (\
                     DELETE FROM hearts WHERE user_id = ? AND tweet_id = ? RETURNING user_id), \
                     inserted AS (INSERT INTO hearts (user_id, tweet_id, {now}) \
                     SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM deleted) \
                     ON CONFLICT (user_id, tweet_id) DO NOTHING RETURNING user_id), \
                     counted AS (UPDATE tweets SET hearts_count = hearts_count \
                     + (SELECT COUNT(*) FROM inserted) - (SELECT COUNT(*) FROM deleted) \
                     WHERE id = ? RETURNING hearts_count) \
                     SELECT (SELECT hearts_count FROM counted)"
                ))
            }),
            counter_up: s("UPDATE tweets SET hearts_count = hearts_count + 1 WHERE id = ?".into()),
            counter_down: s("UPDATE tweets SET hearts_count = hearts_count - 1 WHERE id = ?".into()),
            counter_up_returning: s(
                "UPDATE tweets SET hearts_count = hearts_count + 1 WHERE id = ? RETURNING hearts_count"
                    .into(),
            ),
            counter_down_returning: s(
                "UPDATE tweets SET hearts_count = hearts_count - 1 WHERE id = ? RETURNING hearts_count"
                    .into(),
            ),
            counter_value: s("SELECT hearts_count FROM tweets WHERE id = ?".into()),
            heart_delete: s("DELETE FROM hearts WHERE user_id = ? AND tweet_id = ?".into()),
            // As the service's feed: each tweet with its author's name and whether the
            // reader hearted it (the star: an EXISTS, 1 or 0 bound as 64-bit integers, as
            // the toolkit's counter::viewer_has writes it). SQLite picks the 30 ids first
            // (from the covering index) and stars only those; the servers get the plain
            // statement (service::tweets::picked_first says why).
            feed: s(if backend != Backend::Sqlite {
                format!(
                    "SELECT t.id, t.user_id, t.content, t.created_at, t.updated_at, t.hearts_count, u.username, \
                     CASE WHEN EXISTS (SELECT 1 FROM hearts h WHERE h.tweet_id = t.id AND h.user_id = ?) THEN ? ELSE ? END \
                     FROM tweets t JOIN users u ON u.id = t.user_id \
                     WHERE t.user_id IN (SELECT followed_id FROM follows WHERE follower_id = ?) \
                     ORDER BY t.created_at DESC, t.id DESC LIMIT {FEED_LENGTH}"
                )
            } else {
                format!(
                    "SELECT t.id, t.user_id, t.content, t.created_at, t.updated_at, t.hearts_count, u.username, \
                     CASE WHEN EXISTS (SELECT 1 FROM hearts h WHERE h.tweet_id = t.id AND h.user_id = ?) THEN ? ELSE ? END \
                     FROM tweets t \
                     JOIN (SELECT id FROM tweets \
                           WHERE user_id IN (SELECT followed_id FROM follows WHERE follower_id = ?) \
                           ORDER BY created_at DESC, id DESC LIMIT {FEED_LENGTH}) p ON p.id = t.id \
                     JOIN users u ON u.id = t.user_id \
                     ORDER BY t.created_at DESC, t.id DESC"
                )
            }),
            destroy: destroy_statements(backend)
                .into_iter()
                .map(|text| {
                    let ranges = text.matches("BETWEEN").count();
                    (s(text), ranges)
                })
                .collect(),
        }
    }
}

/// Deletes users `first..=last` with every dependent row, set-based, children first:
/// the counter caches of the surviving tweets they hearted (each lowered by the hearts
/// it loses), then hearts, the follow counts of the users they followed or were
/// followed by, follows, messages, tweets and users, one statement each (`rawfloor`'s
/// six, and the counter caches `rawfloor`'s schema does not have). Explicit deletes beat letting `DELETE FROM users` cascade, which
/// SQLite does row by row (one run at S=1: 36 ms against 52 ms); the schema's ON DELETE
/// CASCADE still covers the tables the data set leaves empty (user_items, sessions).
fn destroy_statements(backend: Backend) -> Vec<String> {
    let lost = "SELECT tweet_id, COUNT(*) AS n FROM hearts WHERE user_id BETWEEN ? AND ? \
                GROUP BY tweet_id";
    // The surviving users' follow counts, each lowered by the follows it loses.
    let follow_counts = [
        ("followers_count", "followed_id", "follower_id"),
        ("following_count", "follower_id", "followed_id"),
    ]
    .map(|(cached, counted, by)| {
        let lost = format!(
            "SELECT {counted} AS id, COUNT(*) AS n FROM follows WHERE {by} BETWEEN ? AND ? \
             GROUP BY {counted}"
        );
        if backend == Backend::Mysql {
            format!(
                "UPDATE users JOIN ({lost}) AS d ON d.id = users.id \
                 SET users.{cached} = users.{cached} - d.n WHERE users.id NOT BETWEEN ? AND ?"
            )
        } else {
            format!(
                "UPDATE users SET {cached} = {cached} - d.n FROM ({lost}) AS d \
                 WHERE users.id = d.id AND users.id NOT BETWEEN ? AND ?"
            )
        }
    });
    let mut out = Vec::new();
    if backend == Backend::Mysql {
        out.push(format!(
            "UPDATE tweets JOIN ({lost}) AS d ON d.tweet_id = tweets.id \
             SET tweets.hearts_count = tweets.hearts_count - d.n \
             WHERE tweets.user_id NOT BETWEEN ? AND ?"
        ));
        // MariaDB scans the whole table for `DELETE .. IN (SELECT ..)`; a join delete
        // uses the indexes.
        out.push(
            "DELETE hearts FROM hearts JOIN tweets ON tweets.id = hearts.tweet_id \
             WHERE tweets.user_id BETWEEN ? AND ?"
                .into(),
        );
        out.push("DELETE FROM hearts WHERE user_id BETWEEN ? AND ?".into());
    } else {
        out.push(format!(
            "UPDATE tweets SET hearts_count = hearts_count - d.n FROM ({lost}) AS d \
             WHERE tweets.id = d.tweet_id AND tweets.user_id NOT BETWEEN ? AND ?"
        ));
        out.push(
            "DELETE FROM hearts WHERE user_id BETWEEN ? AND ? \
             OR tweet_id IN (SELECT id FROM tweets WHERE user_id BETWEEN ? AND ?)"
                .into(),
        );
    }
    out.extend(follow_counts);
    out.push(
        "DELETE FROM follows WHERE follower_id BETWEEN ? AND ? OR followed_id BETWEEN ? AND ?"
            .into(),
    );
    out.push(
        "DELETE FROM messages WHERE sender_id BETWEEN ? AND ? OR receiver_id BETWEEN ? AND ?"
            .into(),
    );
    out.push("DELETE FROM tweets WHERE user_id BETWEEN ? AND ?".into());
    // Last, so its row count is the number of users deleted.
    out.push("DELETE FROM users WHERE id BETWEEN ? AND ?".into());
    out
}

/// `?` placeholders as PostgreSQL's `$1, $2, ...` (the statements here hold no `?`
/// inside literals).
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The same workloads as hand-written SQL on one plain sqlx connection (no pool, no
/// ORM; `sqlx::query` prepares each statement once and keeps it): the least work a
/// program can do over the same driver, like `rawfloor` of the shared anchors. The
/// connection has the app's driver settings (`service::db`: on SQLite WAL,
/// synchronous=NORMAL, busy timeout, foreign keys, statement cache, and the app
/// writer's checkpoints in the background, `db::checkpoint_in_background`). The schema is
/// the app's, created by the same `Migrator` on the SeaORM connection (whose
/// statements the [`QueryLog`] counts); every other statement goes over the plain
/// connection and is counted by hand.
mod raw {
    use super::*;
    use sea_orm::sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
    use sea_orm::sqlx::{self, ConnectOptions as _, Connection as _};

    pub async fn run(
        db: &DatabaseConnection,
        url: &str,
        log: &QueryLog,
        data: &DataSet,
        run: &Run,
    ) -> Result<(), BoxError> {
        let sql = Sql::for_backend(run.backend);
        // Connected before any workload starts, as the service's pool is.
        match run.backend {
            Backend::Sqlite => {
                // The app's writer's settings, with its checkpoints done beside it on a
                // connection of their own as the service's are (`service::db`), so
                // that the floor does not pay for checkpoints the service does not.
                let parsed = url.parse::<SqliteConnectOptions>()?;
                let options =
                    service::db::sqlite_writer_settings(parsed.clone()).disable_statement_logging();
                let mut conn = SqliteConnection::connect_with(&options).await?;
                service::db::plan_once(&mut conn).await?;
                check_sqlite_settings(&mut conn).await?;
                let running = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
                let wanted = std::sync::Arc::clone(&running);
                let checkpoints = tokio::spawn(service::db::checkpoint_in_background(
                    service::db::sqlite_settings(parsed),
                    move || wanted.load(std::sync::atomic::Ordering::Relaxed),
                ));
                let result = sqlite::run(&mut conn, db, log, data, run, &sql).await;
                running.store(false, std::sync::atomic::Ordering::Relaxed);
                checkpoints.await?;
                conn.close().await?;
                result
            }
            Backend::Postgres => {
                let options = service::db::postgres_settings(url.parse::<PgConnectOptions>()?)
                    .disable_statement_logging();
                let mut conn = PgConnection::connect_with(&options).await?;
                let result = postgres::run(&mut conn, db, log, data, run, &sql).await;
                conn.close().await?;
                result
            }
            Backend::Mysql => {
                let options = service::db::mysql_settings(url.parse::<MySqlConnectOptions>()?)
                    .disable_statement_logging();
                let mut conn = MySqlConnection::connect_with(&options).await?;
                let result = mysql::run(&mut conn, db, log, data, run, &sql).await;
                conn.close().await?;
                result
            }
        }
    }

    /// Refuses to run unless the connection has the settings the floor claims, the
    /// app's (foreign keys on: the floor pays for the same checks). Not timed.
    async fn check_sqlite_settings(conn: &mut SqliteConnection) -> Result<(), BoxError> {
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await?;
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await?;
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await?;
        let busy_ms: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await?;
        let wanted_busy_ms = service::db::SQLITE_BUSY_TIMEOUT.as_millis();
        if !journal.eq_ignore_ascii_case("wal")
            || synchronous != 1
            || foreign_keys != 1
            || u128::try_from(busy_ms).ok() != Some(wanted_busy_ms)
        {
            return Err(format!(
                "the raw connection is not set up like service::db: journal_mode={journal}, \
                 synchronous={synchronous}, foreign_keys={foreign_keys}, busy_timeout={busy_ms}"
            )
            .into());
        }
        Ok(())
    }

    /// Whether a driver error is a unique violation (MySQL's duplicate heart).
    fn is_duplicate(e: &sea_orm::sqlx::Error) -> bool {
        matches!(e, sea_orm::sqlx::Error::Database(d) if d.is_unique_violation())
    }

    /// Stamps the raw workloads out for one sqlx driver: the code is the same, the
    /// types differ (sqlx's generic bounds across drivers would hide the SQL).
    macro_rules! raw_workloads {
        ($module:ident, $driver:ty, $connection:ty) => {
            pub mod $module {
                use super::super::*;
                use super::is_duplicate;
                use chrono::{DateTime, Utc};
                use sea_orm::sqlx::{self, Connection, QueryBuilder, Row};

                type Db = $driver;
                type Conn = $connection;

                /// The rows the service decodes, decoded the cheapest way.
                #[allow(dead_code)]
                pub struct RawTweet {
                    id: i32,
                    user_id: i32,
                    content: String,
                    created_at: DateTime<Utc>,
                    updated_at: DateTime<Utc>,
                    hearts_count: i32,
                }

                #[allow(dead_code)]
                pub struct RawUser {
                    id: i32,
                    username: String,
                    email: String,
                    salutation: String,
                    password_hash: Option<String>,
                    created_at: DateTime<Utc>,
                    updated_at: DateTime<Utc>,
                    followers_count: i32,
                    following_count: i32,
                }

                fn tweet_at(
                    row: &<Db as sqlx::Database>::Row,
                    at: usize,
                ) -> Result<RawTweet, sqlx::Error> {
                    Ok(RawTweet {
                        id: row.try_get(at)?,
                        user_id: row.try_get(at + 1)?,
                        content: row.try_get(at + 2)?,
                        created_at: row.try_get(at + 3)?,
                        updated_at: row.try_get(at + 4)?,
                        hearts_count: row.try_get(at + 5)?,
                    })
                }

                fn user_at(
                    row: &<Db as sqlx::Database>::Row,
                    at: usize,
                ) -> Result<RawUser, sqlx::Error> {
                    Ok(RawUser {
                        id: row.try_get(at)?,
                        username: row.try_get(at + 1)?,
                        email: row.try_get(at + 2)?,
                        salutation: row.try_get(at + 3)?,
                        password_hash: row.try_get(at + 4)?,
                        created_at: row.try_get(at + 5)?,
                        updated_at: row.try_get(at + 6)?,
                        followers_count: row.try_get(at + 7)?,
                        following_count: row.try_get(at + 8)?,
                    })
                }

                /// Multi-row INSERTs of `columns` values per row, chunked under every
                /// backend's parameter limit, in one transaction.
                async fn insert_rows<T>(
                    conn: &mut Conn,
                    head: &'static str,
                    rows: &[T],
                    columns: usize,
                    mut push: impl FnMut(sqlx::query_builder::Separated<'_, Db, &'static str>, &T),
                ) -> Result<usize, BoxError> {
                    let mut statements = 0;
                    let mut tx = conn.begin().await?;
                    for chunk in rows.chunks(8_000 / columns) {
                        let mut qb = QueryBuilder::<Db>::new(head);
                        qb.push_values(chunk, |b, row| push(b, row));
                        qb.build().execute(&mut *tx).await?;
                        statements += 1;
                    }
                    tx.commit().await?;
                    Ok(statements)
                }

                async fn seed(conn: &mut Conn, data: &DataSet) -> Result<usize, BoxError> {
                    let at = service::workload::epoch();
                    let mut n = 0;
                    n += insert_rows(
                        &mut *conn,
                        "INSERT INTO users (id, username, email, salutation, password_hash, created_at, updated_at, \
                         followers_count, following_count) ",
                        &data.users,
                        9,
                        |mut b, u| {
                            b.push_bind(u.id)
                                .push_bind(u.username.clone())
                                .push_bind(u.email.clone())
                                .push_bind(u.username.clone())
                                .push_bind(Option::<String>::None)
                                .push_bind(at)
                                .push_bind(at)
                                .push_bind(u.followers_count)
                                .push_bind(u.following_count);
                        },
                    )
                    .await?;
                    n += insert_rows(
                        &mut *conn,
                        "INSERT INTO tweets (id, user_id, content, created_at, updated_at, hearts_count) ",
                        &data.tweets,
                        6,
                        |mut b, t| {
                            b.push_bind(t.id)
                                .push_bind(t.user_id)
                                .push_bind(t.content.clone())
                                .push_bind(t.created_at)
                                .push_bind(t.created_at)
                                .push_bind(t.hearts_count);
                        },
                    )
                    .await?;
                    n += insert_rows(
                        &mut *conn,
                        "INSERT INTO hearts (user_id, tweet_id, created_at, updated_at) ",
                        &data.hearts,
                        4,
                        |mut b, h| {
                            b.push_bind(h.user_id)
                                .push_bind(h.tweet_id)
                                .push_bind(at)
                                .push_bind(at);
                        },
                    )
                    .await?;
                    n += insert_rows(
                        &mut *conn,
                        "INSERT INTO follows (follower_id, followed_id, created_at) ",
                        &data.follows,
                        3,
                        |mut b, f| {
                            b.push_bind(f.follower_id)
                                .push_bind(f.followed_id)
                                .push_bind(at);
                        },
                    )
                    .await?;
                    n += insert_rows(
                        &mut *conn,
                        "INSERT INTO messages (sender_id, receiver_id, body, created_at) ",
                        &data.messages,
                        4,
                        |mut b, m| {
                            b.push_bind(m.sender_id)
                                .push_bind(m.receiver_id)
                                .push_bind(m.body.clone())
                                .push_bind(at);
                        },
                    )
                    .await?;
                    Ok(n)
                }

                /// Runs one workload, timed; the closure returns (check, statements).
                async fn measure<F>(
                    run: &Run,
                    workload: &'static str,
                    work: F,
                ) -> Result<(), BoxError>
                where
                    F: Future<Output = Result<(i64, usize), BoxError>>,
                {
                    let start = Instant::now();
                    let (check, queries) = work.await?;
                    run.print(&Line {
                        workload,
                        elapsed: start.elapsed(),
                        queries,
                        check,
                    });
                    Ok(())
                }

                pub async fn run(
                    conn: &mut Conn,
                    db: &DatabaseConnection,
                    log: &QueryLog,
                    data: &DataSet,
                    run: &Run,
                    sql: &Sql,
                ) -> Result<(), BoxError> {
                    let users = data.users.len() as u64;
                    let tweets = data.tweets.len() as u64;
                    let mysql = run.backend == Backend::Mysql;

                    measure(run, "seed", async {
                        let (migrated, capture) = log.capture(Migrator::up(db, None)).await;
                        migrated?;
                        let statements = seed(&mut *conn, data).await?;
                        Ok((data.rows() as i64, capture.count() + statements))
                    })
                    .await?;
                    analyze(db).await?;

                    measure(run, "user_page_naive", async {
                        let (mut sum, mut q) = (0, 0);
                        for i in 0..PAGES {
                            let id = to_i32(probe(i, users));
                            let row = sqlx::query(sql.user_by_id).bind(id).fetch_optional(&mut *conn).await?;
                            q += 1;
                            let Some(row) = row else { continue };
                            let user = user_at(&row, 0)?;
                            let rows = sqlx::query(sql.tweets_by_user).bind(user.id).fetch_all(&mut *conn).await?;
                            q += 1;
                            for row in &rows {
                                let tweet = tweet_at(row, 0)?;
                                let n: i64 = sqlx::query_scalar(sql.heart_count)
                                    .bind(tweet.id)
                                    .fetch_one(&mut *conn)
                                    .await?;
                                q += 1;
                                sum += n;
                            }
                        }
                        Ok((sum, q))
                    })
                    .await?;

                    measure(run, "user_page_eager", async {
                        let (mut sum, mut q) = (0, 0);
                        for i in 0..PAGES {
                            let id = to_i32(probe(i, users));
                            let row = sqlx::query(sql.profile).bind(id).fetch_optional(&mut *conn).await?;
                            q += 1;
                            let Some(row) = row else { continue };
                            let user = user_at(&row, 0)?;
                            let (_followers, _following) = (user.followers_count, user.following_count);
                            let rows = sqlx::query(sql.tweets_by_user).bind(user.id).fetch_all(&mut *conn).await?;
                            q += 1;
                            for row in &rows {
                                sum += i64::from(tweet_at(row, 0)?.hearts_count);
                            }
                        }
                        Ok((sum, q))
                    })
                    .await?;

                    measure(run, "liked_tweets", async {
                        let mut n = 0;
                        for i in 0..LIKE_READS {
                            let rows = sqlx::query(sql.liked_tweets)
                                .bind(to_i32(probe(i, users)))
                                .fetch_all(&mut *conn)
                                .await?;
                            for row in &rows {
                                tweet_at(row, 0)?;
                                n += 1;
                            }
                        }
                        Ok((n, LIKE_READS as usize))
                    })
                    .await?;

                    measure(run, "likers", async {
                        let mut n = 0;
                        for i in 0..LIKE_READS {
                            let rows = sqlx::query(sql.likers)
                                .bind(to_i32(probe(i, tweets)))
                                .fetch_all(&mut *conn)
                                .await?;
                            for row in &rows {
                                user_at(row, 0)?;
                                n += 1;
                            }
                        }
                        Ok((n, LIKE_READS as usize))
                    })
                    .await?;

                    // The foreign keys validate user and tweet; the unique index
                    // refuses the duplicate; the counter moves in the same transaction.
                    measure(run, "heart_create", async {
                        let (mut created, mut q) = (0, 0);
                        for i in 0..HEART_WRITES {
                            let user_id = to_i32(probe(i, users));
                            let tweet_id = to_i32(probe(i * 31 + 7, tweets));
                            let now = Utc::now();
                            if let Some(batch) = sql.heart_batch {
                                let done = sqlx::query(batch)
                                    .bind(user_id)
                                    .bind(tweet_id)
                                    .bind(now)
                                    .bind(now)
                                    .bind(tweet_id)
                                    .fetch_all(&mut *conn)
                                    .await;
                                q += 1;
                                match done {
                                    Ok(rows) => {
                                        if rows.first().map(|r| r.try_get::<i64, _>(0)).transpose()?
                                            == Some(1)
                                        {
                                            created += 1;
                                        }
                                    }
                                    Err(e) => {
                                        // A foreign key refused the row: on SQLite the
                                        // batch stopped inside its transaction.
                                        if run.backend == Backend::Sqlite {
                                            sqlx::query("ROLLBACK").execute(&mut *conn).await.ok();
                                        }
                                        return Err(e.into());
                                    }
                                }
                                continue;
                            }
                            let mut tx = conn.begin().await?;
                            let inserted = sqlx::query(sql.heart_insert)
                                .bind(user_id)
                                .bind(tweet_id)
                                .bind(now)
                                .bind(now)
                                .execute(&mut *tx)
                                .await;
                            q += 1;
                            let inserted = match inserted {
                                Ok(done) => done.rows_affected() == 1,
                                Err(e) if mysql && is_duplicate(&e) => false,
                                Err(e) => return Err(e.into()),
                            };
                            if inserted {
                                sqlx::query(sql.counter_up).bind(tweet_id).execute(&mut *tx).await?;
                                q += 1;
                                tx.commit().await?;
                                created += 1;
                            } else {
                                tx.rollback().await?;
                            }
                        }
                        Ok((created, q))
                    })
                    .await?;

                    measure(run, "favorite_toggle", async {
                        let (mut sum, mut q) = (0, 0);
                        for i in 0..HEART_WRITES {
                            let user_id = to_i32(probe(i, users));
                            let tweet_id = to_i32(probe(i * 13 + 3, tweets));
                            if let Some(toggle) = sql.toggle {
                                // One writer here: no other toggle can race it.
                                let now = Utc::now();
                                let count: i32 = sqlx::query_scalar(toggle)
                                    .bind(user_id)
                                    .bind(tweet_id)
                                    .bind(user_id)
                                    .bind(tweet_id)
                                    .bind(now)
                                    .bind(now)
                                    .bind(tweet_id)
                                    .fetch_one(&mut *conn)
                                    .await?;
                                q += 1;
                                sum += i64::from(count);
                                continue;
                            }
                            let mut tx = conn.begin().await?;
                            let deleted = sqlx::query(sql.heart_delete)
                                .bind(user_id)
                                .bind(tweet_id)
                                .execute(&mut *tx)
                                .await?
                                .rows_affected()
                                > 0;
                            q += 1;
                            if !deleted {
                                let now = Utc::now();
                                sqlx::query(sql.heart_insert)
                                    .bind(user_id)
                                    .bind(tweet_id)
                                    .bind(now)
                                    .bind(now)
                                    .execute(&mut *tx)
                                    .await?;
                                q += 1;
                            }
                            let count: i32 = if mysql {
                                let change = if deleted { sql.counter_down } else { sql.counter_up };
                                sqlx::query(change).bind(tweet_id).execute(&mut *tx).await?;
                                q += 2;
                                sqlx::query_scalar(sql.counter_value)
                                    .bind(tweet_id)
                                    .fetch_one(&mut *tx)
                                    .await?
                            } else {
                                let change = if deleted {
                                    sql.counter_down_returning
                                } else {
                                    sql.counter_up_returning
                                };
                                q += 1;
                                sqlx::query_scalar(change).bind(tweet_id).fetch_one(&mut *tx).await?
                            };
                            tx.commit().await?;
                            sum += i64::from(count);
                        }
                        Ok((sum, q))
                    })
                    .await?;

                    measure(run, "feed", async {
                        let mut n = 0;
                        for i in 0..FEEDS {
                            let reader = to_i32(probe(i, users));
                            let rows = sqlx::query(sql.feed)
                                .bind(reader)
                                .bind(1_i64)
                                .bind(0_i64)
                                .bind(reader)
                                .fetch_all(&mut *conn)
                                .await?;
                            for row in &rows {
                                tweet_at(row, 0)?;
                                let (_author, _starred): (String, i64) = (row.try_get(6)?, row.try_get(7)?);
                                n += 1;
                            }
                        }
                        Ok((n, FEEDS as usize))
                    })
                    .await?;

                    // A handful of set-based statements for all the users (see
                    // `destroy_statements`), in one transaction.
                    measure(run, "destroy_users", async {
                        let (first, last) = (1, DESTROYED_USERS);
                        let mut tx = conn.begin().await?;
                        let mut deleted = 0;
                        for (text, ranges) in &sql.destroy {
                            let mut query = sqlx::query(*text);
                            for _ in 0..*ranges {
                                query = query.bind(first).bind(last);
                            }
                            deleted = query.execute(&mut *tx).await?.rows_affected();
                        }
                        tx.commit().await?;
                        if deleted != u64::from(last.unsigned_abs()) {
                            return Err(format!("destroy_users deleted {deleted} users").into());
                        }
                        let orphans: i64 = sqlx::query_scalar(ORPHANS).fetch_one(&mut *conn).await?;
                        Ok((orphans, sql.destroy.len() + 1))
                    })
                    .await?;
                    Ok(())
                }
            }
        };
    }

    raw_workloads!(
        sqlite,
        sea_orm::sqlx::Sqlite,
        sea_orm::sqlx::SqliteConnection
    );
    raw_workloads!(
        postgres,
        sea_orm::sqlx::Postgres,
        sea_orm::sqlx::PgConnection
    );
    raw_workloads!(mysql, sea_orm::sqlx::MySql, sea_orm::sqlx::MySqlConnection);
}
