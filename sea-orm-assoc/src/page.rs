//! Keyset (cursor) pagination over any `Select<E>`: each page is found through the
//! index on its ordering key, whatever the page number, instead of an `OFFSET` that
//! scans and throws away every earlier row (kaminari's `page(50)` reads 50 pages; this
//! reads one).
//!
//! A [`Keyset`] names the ordering column and a unique tie-breaker (`created_at`,
//! `id`) and a direction. [`Keyset::apply`] adds the cursor's condition, the order and
//! a `LIMIT per + 1` to a select; [`Keyset::page`] turns the rows into a [`Page`] with
//! the cursors of its neighbours. A cursor is text for a URL ([`Cursor::encode`]);
//! [`Cursor::parse`] refuses anything it did not make, so a hand-edited or truncated
//! cursor is a client error, never a database error. A cursor only says where to
//! start: the select it is applied to still decides which rows the reader may see.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use sea_orm_assoc::doc_fixture::{self as fx, post};
//! # use sea_orm::{ActiveModelTrait, ActiveValue::Set};
//! # let db = fx::db().await?;
//! # for id in 8..=12 {
//! #     post::ActiveModel { id: Set(id), author_id: Set(1), likes_count: Set(0) }.insert(&db).await?;
//! # }
//! use sea_orm::EntityTrait;
//! use sea_orm_assoc::page::{Cursor, Keyset};
//!
//! // Posts 7..=12, newest (highest likes_count, then id) first, two a page.
//! let keyset = Keyset::newest_first(post::Column::LikesCount, post::Column::Id);
//! let first = keyset.apply(post::Entity::find(), None, 2).all(&db).await?;
//! let first = keyset.page(first, None, 2, |p| (p.likes_count, p.id));
//! assert_eq!(first.items.iter().map(|p| p.id).collect::<Vec<_>>(), [12, 11]);
//!
//! let older = first.older.clone().expect("more posts");
//! let link = older.encode(); // for ?after=...
//! let at: Cursor<i64, i64> = Cursor::parse(&link)?;
//! let second = keyset.apply(post::Entity::find(), Some(&at), 2).all(&db).await?;
//! let second = keyset.page(second, Some(&at), 2, |p| (p.likes_count, p.id));
//! assert_eq!(second.items.iter().map(|p| p.id).collect::<Vec<_>>(), [10, 9]);
//! assert!(second.newer.is_some());
//!
//! assert!(Cursor::<i64, i64>::parse("not-a-cursor").is_err());
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::marker::PhantomData;

use sea_orm::sea_query::{
    MysqlQueryBuilder, Order, PostgresQueryBuilder, QueryBuilder, QueryStatementBuilder, SqlWriter,
    SqliteQueryBuilder,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement, StatementBuilder, Value,
};

/// One part of a cursor's key: written to and read from text.
pub trait CursorKey: Clone + Into<Value> + Sized {
    /// The text of the value (no `.` needed: it is hex-encoded around it).
    fn to_text(&self) -> String;
    /// The value back from [`CursorKey::to_text`]'s text; `None` if it is not one.
    fn from_text(text: &str) -> Option<Self>;
}

macro_rules! cursor_key_by_parse {
    ($($t:ty),*) => {$(
        impl CursorKey for $t {
            fn to_text(&self) -> String {
                self.to_string()
            }
            fn from_text(text: &str) -> Option<Self> {
                text.parse().ok()
            }
        }
    )*};
}
cursor_key_by_parse!(i16, i32, i64, u16, u32, u64, String);

#[cfg(feature = "with-uuid")]
cursor_key_by_parse!(sea_orm::prelude::Uuid);

#[cfg(feature = "with-chrono")]
impl CursorKey for sea_orm::prelude::DateTimeUtc {
    /// Microseconds since the epoch: the precision every backend stores.
    fn to_text(&self) -> String {
        self.timestamp_micros().to_string()
    }
    fn from_text(text: &str) -> Option<Self> {
        sea_orm::prelude::DateTimeUtc::from_timestamp_micros(text.parse().ok()?)
    }
}

/// Where a page starts: just after a row (the older side, in a newest-first list) or
/// just before it (the newer side). `A` is the ordering column's value, `B` the
/// tie-breaker's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor<A, B> {
    /// The rows that come after this key in the list's order.
    After(A, B),
    /// The rows that come before this key in the list's order.
    Before(A, B),
}

/// A cursor that [`Cursor::parse`] did not recognise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCursor;

impl fmt::Display for BadCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("this page link is not valid (it may have been cut short or edited)")
    }
}

impl std::error::Error for BadCursor {}

impl<A: CursorKey, B: CursorKey> Cursor<A, B> {
    /// URL-safe text: `a` or `b`, both key parts hex-encoded, and a checksum.
    pub fn encode(&self) -> String {
        let (dir, a, b) = match self {
            Cursor::After(a, b) => ('a', a, b),
            Cursor::Before(a, b) => ('b', a, b),
        };
        let body = format!("{dir}{}.{}", hex(&a.to_text()), hex(&b.to_text()));
        format!("{body}.{:08x}", checksum(&body))
    }

    /// The cursor [`Cursor::encode`] wrote.
    ///
    /// # Errors
    /// [`BadCursor`] for anything else: a wrong checksum, bad hex, a value of the
    /// wrong type.
    pub fn parse(text: &str) -> Result<Self, BadCursor> {
        if text.len() > 512 {
            return Err(BadCursor);
        }
        let (body, check) = text.rsplit_once('.').ok_or(BadCursor)?;
        if u32::from_str_radix(check, 16).ok() != Some(checksum(body)) || check.len() != 8 {
            return Err(BadCursor);
        }
        let mut chars = body.chars();
        let dir = chars.next().ok_or(BadCursor)?;
        let (a, b) = chars.as_str().split_once('.').ok_or(BadCursor)?;
        let a = A::from_text(&unhex(a)?).ok_or(BadCursor)?;
        let b = B::from_text(&unhex(b)?).ok_or(BadCursor)?;
        match dir {
            'a' => Ok(Cursor::After(a, b)),
            'b' => Ok(Cursor::Before(a, b)),
            _ => Err(BadCursor),
        }
    }
}

fn hex(text: &str) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * text.len());
    for b in text.bytes() {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

fn unhex(text: &str) -> Result<String, BadCursor> {
    if !text.len().is_multiple_of(2) {
        return Err(BadCursor);
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(text.get(i..i + 2).ok_or(BadCursor)?, 16).map_err(|_| BadCursor)
        })
        .collect::<Result<Vec<u8>, _>>()?;
    String::from_utf8(bytes).map_err(|_| BadCursor)
}

/// FNV-1a: catches a cut or edited cursor; not a signature (a cursor grants nothing).
fn checksum(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |h: u32, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// A list's order: an ordering column and a unique tie-breaker, in one direction.
///
/// `A` and `B` are the Rust types of the two columns' values, as the cursor holds
/// them (`DateTimeUtc` and `i32` for `created_at`, `id`).
#[derive(Debug, Clone, Copy)]
pub struct Keyset<C, A, B> {
    order: C,
    tie: C,
    descending: bool,
    keys: PhantomData<fn() -> (A, B)>,
}

/// One page of a list and the cursors of the pages on either side.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T, A, B> {
    pub items: Vec<T>,
    /// The next page in the list's order (older, in a newest-first list).
    pub older: Option<Cursor<A, B>>,
    /// The previous page (newer, in a newest-first list).
    pub newer: Option<Cursor<A, B>>,
}

impl<C: ColumnTrait, A: CursorKey, B: CursorKey> Keyset<C, A, B> {
    /// Highest `order` first, ties by highest `tie` (`created_at`, `id`: newest first).
    pub fn newest_first(order: C, tie: C) -> Self {
        Keyset {
            order,
            tie,
            descending: true,
            keys: PhantomData,
        }
    }

    /// Lowest first (a conversation read from the start; names in alphabetical order).
    pub fn oldest_first(order: C, tie: C) -> Self {
        Keyset {
            order,
            tie,
            descending: false,
            keys: PhantomData,
        }
    }

    /// `select` narrowed to the page `at` names (the first page for `None`), in the
    /// list's order (reversed for a `Before` cursor: [`Keyset::page`] puts it back),
    /// with `LIMIT per + 1` (the extra row says whether there is a next page).
    ///
    /// The condition is `order <= a AND (order < a OR tie < b)` (the mirror image for
    /// the other direction): its first half is a plain range on the ordering column,
    /// which every backend answers from an index on `(…, order, tie)`.
    pub fn apply<E>(&self, select: Select<E>, at: Option<&Cursor<A, B>>, per: u64) -> Select<E>
    where
        E: EntityTrait<Column = C>,
    {
        let down = self.read_order(at) == Order::Desc;
        let select = match at {
            None => select,
            Some(Cursor::After(a, b) | Cursor::Before(a, b)) => {
                let (a, b): (Value, Value) = (a.clone().into(), b.clone().into());
                // Through ColumnTrait, so each column is qualified by its table (the
                // select may join another table with its own `id`).
                let (order, tie) = (self.order, self.tie);
                let cond = if down {
                    Condition::all()
                        .add(order.lte(a.clone()))
                        .add(Condition::any().add(order.lt(a)).add(tie.lt(b)))
                } else {
                    Condition::all()
                        .add(order.gte(a.clone()))
                        .add(Condition::any().add(order.gt(a)).add(tie.gt(b)))
                };
                select.filter(cond)
            }
        };
        let select = if down {
            select.order_by_desc(self.order).order_by_desc(self.tie)
        } else {
            select.order_by_asc(self.order).order_by_asc(self.tie)
        };
        select.limit(per.saturating_add(1))
    }

    /// [`Keyset::apply`]'s select, run on `db` and read into `M`s (an entity's `Model`
    /// or any `FromQueryResult`), with the `LIMIT` written into the statement's text
    /// ([`limit_in_text`] says why): what [`Keyset::page`] takes.
    ///
    /// # Errors
    /// [`DbErr`] from the database, or a row `M` cannot be read from.
    pub async fn rows<E, M, Db>(
        &self,
        db: &Db,
        select: Select<E>,
        at: Option<&Cursor<A, B>>,
        per: u64,
    ) -> Result<Vec<M>, DbErr>
    where
        E: EntityTrait<Column = C>,
        M: FromQueryResult,
        Db: ConnectionTrait,
    {
        all_limit_in_text(db, self.apply(select, at, per)).await
    }

    /// The order [`Keyset::apply`] reads the page `at` in: the list's own for the first
    /// page and an `After` cursor, the reverse for a `Before` one. For a query that
    /// wraps `apply`'s and must keep its rows in that order.
    pub fn read_order(&self, at: Option<&Cursor<A, B>>) -> Order {
        let forward = !matches!(at, Some(Cursor::Before(..)));
        if self.descending == forward {
            Order::Desc
        } else {
            Order::Asc
        }
    }

    /// The page from the rows a select made by [`Keyset::apply`] returned: at most
    /// `per` items in the list's order, and the cursors of the neighbouring pages
    /// (`key` reads a row's ordering and tie-breaker values).
    pub fn page<T>(
        &self,
        mut rows: Vec<T>,
        at: Option<&Cursor<A, B>>,
        per: u64,
        key: impl Fn(&T) -> (A, B),
    ) -> Page<T, A, B> {
        let per = usize::try_from(per).unwrap_or(usize::MAX);
        let more = rows.len() > per;
        rows.truncate(per);
        let backwards = matches!(at, Some(Cursor::Before(..)));
        if backwards {
            rows.reverse();
        }
        let after = |row: Option<&T>| {
            row.map(|r| {
                let (a, b) = key(r);
                Cursor::After(a, b)
            })
        };
        let before = |row: Option<&T>| {
            row.map(|r| {
                let (a, b) = key(r);
                Cursor::Before(a, b)
            })
        };
        // Going forwards there is a next page when the extra row came, and a previous
        // one when we started from a cursor; backwards, the other way round.
        let (has_older, has_newer) = if backwards {
            (true, more)
        } else {
            (more, at.is_some())
        };
        Page {
            older: if has_older { after(rows.last()) } else { None },
            newer: if has_newer {
                before(rows.first())
            } else {
                None
            },
            items: rows,
        }
    }
}

/// `query` as a statement for `backend`, each of its `LIMIT`s written into the SQL
/// text (`LIMIT 11`) instead of bound as a parameter (`LIMIT $3`), as sea-query binds
/// it. Run it with `db.query_all_raw`, or read models from it with
/// `M::find_by_statement`.
///
/// Why: PostgreSQL plans a prepared statement for its parameters' values the first five
/// times it runs, then keeps one generic plan if that costs no more. A generic plan
/// cannot know a bound `LIMIT`'s value, so it prices the statement as if it read far
/// more rows than a page, and PostgreSQL either keeps planning the statement again at
/// every run or keeps a plan made for a bigger read (`docs/performance.md`, "Night,
/// 2026-11-23"). A page size is a number the code chose, never the reader's text, and
/// an app pages by a few of them, so each stays one prepared statement per connection.
/// Every other value stays a parameter. The same text runs on SQLite and MySQL, where
/// a literal `LIMIT` plans as the bound one does.
///
/// ```
/// use sea_orm::{DbBackend, EntityTrait, QuerySelect, QueryTrait};
/// use sea_orm_assoc::doc_fixture::post;
/// use sea_orm_assoc::page::limit_in_text;
///
/// let select = post::Entity::find_by_id(7).limit(11);
/// let stmt = limit_in_text(DbBackend::Postgres, select.as_query());
/// assert!(stmt.sql.ends_with(r#"WHERE "posts"."id" = $1 LIMIT 11"#), "{}", stmt.sql);
/// assert_eq!(stmt.values.expect("one value").0.len(), 1);
/// ```
pub fn limit_in_text<Q>(backend: DbBackend, query: &Q) -> Statement
where
    Q: QueryStatementBuilder + StatementBuilder,
{
    match backend {
        DbBackend::Postgres => written(backend, query, &PostgresQueryBuilder),
        DbBackend::MySql => written(backend, query, &MysqlQueryBuilder),
        DbBackend::Sqlite => written(backend, query, &SqliteQueryBuilder),
        // A backend SeaORM adds later: its own way, the limit bound.
        _ => backend.build(query),
    }
}

/// Every row `select` finds, read into `M`s, sent with its `LIMIT`s in the text
/// ([`limit_in_text`]): `select.into_model::<M>().all(db)` for a list read a page at a
/// time.
///
/// # Errors
/// [`DbErr`] from the database, or a row `M` cannot be read from.
pub async fn all_limit_in_text<E, M, Db>(db: &Db, select: Select<E>) -> Result<Vec<M>, DbErr>
where
    E: EntityTrait,
    M: FromQueryResult,
    Db: ConnectionTrait,
{
    let stmt = limit_in_text(db.get_database_backend(), select.as_query());
    M::find_by_statement(stmt).all(db).await
}

fn written(
    backend: DbBackend,
    query: &impl QueryStatementBuilder,
    builder: &impl QueryBuilder,
) -> Statement {
    let (placeholder, numbered) = builder.placeholder();
    let mut sql = LimitInText {
        sql: String::with_capacity(256),
        values: Vec::new(),
        placeholder,
        numbered,
    };
    query.build_collect_any_into(builder, &mut sql);
    Statement::from_sql_and_values(backend, sql.sql, sql.values)
}

/// sea-query's `SqlWriterValues`, but a `LIMIT`'s value goes into the text. sea-query
/// writes `" LIMIT "` and then asks for the limit's parameter, so the text just
/// written says which parameter is a limit.
struct LimitInText {
    sql: String,
    values: Vec<Value>,
    placeholder: &'static str,
    numbered: bool,
}

impl fmt::Write for LimitInText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.sql.write_str(s)
    }
}

impl fmt::Display for LimitInText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql)
    }
}

impl SqlWriter for LimitInText {
    fn push_param<T: QueryBuilder>(&mut self, value: Value, _: &T) {
        if let Value::BigUnsigned(Some(n)) = value
            && self.sql.ends_with(" LIMIT ")
        {
            self.sql.push_str(&n.to_string());
            return;
        }
        self.sql.push_str(self.placeholder);
        self.values.push(value);
        if self.numbered {
            self.sql.push_str(&self.values.len().to_string());
        }
    }

    fn as_writer(&mut self) -> &mut dyn fmt::Write {
        self
    }
}
