//! `analytics/above-category-average`: products priced above their category's average, the
//! largest premium first (the guide's order), paged with a keyset cursor or streamed whole.
//!
//! Within one category the premium grows with the price, so its products above the average
//! come out of the `(category_id, price)` index in the report's order. A page merges those
//! index ranges, reading a few rows of each category at a time and more of those that lead,
//! instead of sorting every product above its average: the averages come from
//! `category_price_totals`, which triggers keep. A cursor holds the last row's exact premium
//! (a fraction) and id; each category resumes at the prices whose premium comes after it.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt::Write as _;
use std::time::Instant;

use migrate::Dialect;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait, Value};
use serde::Serialize;
use serde_json::Value as Json;
use utoipa::ToSchema;

use super::{Sql, money};
use crate::error::{ApiError, FieldError};
use crate::schema::common::{Money, Total, TotalRelation};
use crate::search::cursor::{self, CursorError};

/// Rows per page: at most this, 100 unless asked.
pub const MAX_LIMIT: u64 = 1000;
pub const DEFAULT_LIMIT: u64 = 100;

/// Categories per statement: SQLite allows 500 parts in a compound `SELECT`.
const CATEGORIES_PER_STATEMENT: usize = 100;

/// Rows read from one category at a time while exporting.
const EXPORT_BATCH: u64 = 256;

/// Tells this report's cursors from the product search's.
const FINGERPRINT: &str = "above-category-average";

#[derive(Debug, Serialize, ToSchema)]
pub struct AboveAverage {
    pub product_id: i32,
    pub name: String,
    pub price: Money,
    pub category_name: String,
    pub category_avg_price: Money,
    pub price_premium: Money,
    /// Percent above the category average, two decimals.
    pub premium_percentage: f64,
}

/// A page of the report: `total` follows the tracked-total rule, and `next_cursor` continues
/// after the last row (null on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct AbovePage {
    pub data: Vec<AboveAverage>,
    pub execution_time_ms: f64,
    pub total: u64,
    pub total_relation: TotalRelation,
    pub next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<String>>,
}

/// How far a price is above its category's average, in exact integer arithmetic. With the
/// category's sum `s` and count `n` (cents) and the price `p`, the average is `s / n`, the
/// premium `(p n - s) / n` and the percentage `(p n - s) 100 / s`. Rounding these rationals
/// half-up once is what `Decimal` gave, without two 96-bit divisions per row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Premium {
    /// `p n - s`: the premium times `n`.
    excess: i128,
    sum: i128,
    count: i128,
}

impl Premium {
    fn new(price: i64, sum: i64, count: i64) -> Self {
        let count = i128::from(count.max(1));
        let sum = i128::from(sum);
        Self { excess: i128::from(price) * count - sum, sum, count }
    }

    fn average_cents(self) -> i64 {
        clamp(half_up(self.sum, self.count))
    }

    fn cents(self) -> i64 {
        clamp(half_up(self.excess, self.count))
    }

    /// Percent, two decimals.
    fn percentage(self) -> f64 {
        if self.sum <= 0 {
            return 0.0;
        }
        // Hundredths of a percent as an integer, then one conversion: 1234 gives 12.34.
        #[allow(clippy::cast_precision_loss)]
        let hundredths = half_up(self.excess * 10_000, self.sum) as f64;
        hundredths / 100.0
    }

    /// Orders by the exact premium `excess / count`.
    fn cmp_exact(self, other: Fraction) -> Ordering {
        (self.excess * other.den).cmp(&(other.num * self.count))
    }

    fn fraction(self) -> Fraction {
        Fraction { num: self.excess, den: self.count }
    }
}

/// A premium in cents as an exact fraction, `den` > 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fraction {
    num: i128,
    den: i128,
}

/// `num / den` rounded half away from zero; `den` > 0.
fn half_up(num: i128, den: i128) -> i128 {
    let twice = 2 * num.abs() + den;
    let magnitude = twice / (2 * den);
    if num < 0 { -magnitude } else { magnitude }
}

fn clamp(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX })
}

/// Where the report continues: after the row with this premium and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct After {
    premium: Fraction,
    product_id: i32,
}

/// The report's cursor: the last row's position, and the total the first page reported.
struct Cursor {
    after: After,
    total: Option<Total>,
}

impl Cursor {
    fn seal(&self, secret: &[u8]) -> String {
        let mut payload = serde_json::json!({
            "f": FINGERPRINT,
            "n": self.after.premium.num.to_string(),
            "d": self.after.premium.den.to_string(),
            "i": self.after.product_id,
        });
        if let Some(total) = self.total {
            cursor::carry_total(&mut payload, total);
        }
        cursor::seal(secret, &payload)
    }

    fn open(secret: &[u8], text: &str) -> Result<Self, CursorError> {
        let payload = cursor::open(secret, text)?;
        if payload.get("f").and_then(Json::as_str) != Some(FINGERPRINT) {
            return Err(CursorError::Mismatch);
        }
        let int = |key: &str| payload.get(key).and_then(Json::as_str).and_then(|s| s.parse::<i128>().ok());
        let (Some(num), Some(den)) = (int("n"), int("d")) else { return Err(CursorError::Invalid) };
        let product_id = payload.get("i").and_then(Json::as_i64).and_then(|i| i32::try_from(i).ok());
        let Some(product_id) = product_id.filter(|_| den > 0) else { return Err(CursorError::Invalid) };
        Ok(Self {
            after: After { premium: Fraction { num, den }, product_id },
            total: cursor::carried_total(&payload)?,
        })
    }
}

/// One category with products: its name, product count and sum of prices in cents.
#[derive(Clone, Debug)]
struct Category {
    id: i32,
    name: String,
    count: i64,
    sum: i64,
}

impl Category {
    /// The lowest price in cents above the average: `p n > s`.
    fn lowest_above(&self) -> i128 {
        i128::from(self.sum).div_euclid(i128::from(self.count)) + 1
    }

    /// The prices (cents) of this category's rows that come after `after`: those below the
    /// highest, and those at `tie` with a larger id. A row at price `p` has the premium
    /// `(p n - s) / n`; it comes after the premium `a / b` when `(p n - s) b < a n`, that is
    /// `p < (a n + s b) / (n b)`, or, at equality, when its id is larger.
    fn resume(&self, after: After) -> Resume {
        let n = i128::from(self.count);
        let num = after.premium.num * n + i128::from(self.sum) * after.premium.den;
        let den = n * after.premium.den;
        let tie = (num.rem_euclid(den) == 0).then(|| num.div_euclid(den));
        Resume { below: (num - 1).div_euclid(den), tie: tie.map(|price| (price, after.product_id)) }
    }
}

/// A category's rows after a position: prices up to `below`, and at `tie.0` ids above `tie.1`.
#[derive(Clone, Copy, Debug)]
struct Resume {
    below: i128,
    tie: Option<(i128, i32)>,
}

/// A decimal literal for half a cent below (`-5`) or above (`+5`) `cents`: between two
/// prices, so the test holds on SQLite's floating-point prices as on exact decimals.
fn half_cent(cents: i128, offset: i128) -> String {
    let thousandths = cents * 10 + offset;
    let sign = if thousandths < 0 { "-" } else { "" };
    let abs = thousandths.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

/// One row read from a category.
struct Found {
    category: usize,
    product_id: i32,
    name: String,
    cents: i64,
}

/// The rows of one category, in the report's order, read a batch at a time.
struct Source {
    category: Category,
    buffered: VecDeque<Found>,
    /// Where the next batch starts; `None` once the category has no more.
    next: Option<Resume>,
}

/// A source's next row in the merge: the largest premium first, then the smallest id.
struct Head {
    premium: Premium,
    product_id: i32,
    source: usize,
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        // A max-heap: the greater head is the one the report lists first.
        self.premium.cmp_exact(other.premium.fraction()).then(other.product_id.cmp(&self.product_id))
    }
}

/// The k-way merge of every category's rows after a position, read through `db` (the pool,
/// or a page's transaction).
struct Merge<C> {
    db: C,
    dialect: Dialect,
    sources: Vec<Source>,
    heads: BinaryHeap<Head>,
    /// The statements run, for `explain`: the first one, with its values.
    first_sql: Option<(String, Vec<Value>)>,
}

impl<C: ConnectionTrait> Merge<C> {
    /// Starts every category after `after` (from the top without), reading `batch` rows of
    /// each first.
    async fn start(db: C, after: Option<After>, batch: u64) -> Result<Self, ApiError> {
        let dialect = Dialect::from_backend(db.get_database_backend());
        let categories = categories(&db, dialect).await?;
        let sources = categories
            .into_iter()
            .map(|category| {
                let next = match after {
                    Some(after) => category.resume(after),
                    None => Resume { below: i128::MAX, tie: None },
                };
                Source { category, buffered: VecDeque::new(), next: Some(next) }
            })
            .collect();
        let mut merge = Self { db, dialect, sources, heads: BinaryHeap::new(), first_sql: None };
        let all: Vec<usize> = (0..merge.sources.len()).collect();
        merge.refill(&all, batch).await?;
        Ok(merge)
    }

    /// The range test of `source`'s next rows with its values, or `None` when it has none
    /// left. Always the same text, whatever the range: the statements are prepared once per
    /// connection (on PostgreSQL, planning a 100-category statement took 16 ms of the 28).
    fn range(&self, source: usize, values: &mut Vec<Value>) -> Option<&'static str> {
        let s = &self.sources[source];
        let next = s.next?;
        let lowest = s.category.lowest_above();
        // The tie price is the one just above `below`, and comes first.
        let highest = next.tie.map_or(next.below, |(price, _)| price);
        if highest < lowest {
            return None;
        }
        // No upper bound is one above any price; no tie excludes no id.
        let highest = if highest == i128::MAX { ABOVE_ANY_PRICE } else { highest };
        let (tie_price, tie_id) = next.tie.unwrap_or((lowest, 0));
        values.push(Value::from(s.category.id));
        values.push(bound(self.dialect, lowest, -5));
        values.push(bound(self.dialect, highest, 5));
        // The rows at the tie price up to the last id were listed already.
        values.push(bound(self.dialect, tie_price, -5));
        values.push(Value::from(tie_id));
        Some("category_id = ? AND price > ? AND price < ? AND NOT (price > ? AND id <= ?)")
    }

    /// Reads up to `batch` more rows of each of `sources`, in as few statements as the
    /// database takes, and puts their heads in the merge.
    async fn refill(&mut self, sources: &[usize], batch: u64) -> Result<(), ApiError> {
        let sql = Sql(self.dialect);
        let cents = sql.cents("price");
        let source_column = sql.int("?");
        let mut wanted: Vec<(usize, &'static str, Vec<Value>)> = Vec::new();
        for &source in sources {
            let mut values = vec![Value::from(i64::try_from(source).unwrap_or(i64::MAX))];
            match self.range(source, &mut values) {
                Some(test) => wanted.push((source, test, values)),
                None => self.sources[source].next = None,
            }
        }
        for group in wanted.chunks(CATEGORIES_PER_STATEMENT) {
            let parts: Vec<String> = group
                .iter()
                .enumerate()
                .map(|(n, (_, test, _))| {
                    format!(
                        "SELECT * FROM (SELECT {source_column} AS source, id, name, {cents} AS cents FROM products \
                         WHERE {test} ORDER BY price DESC, id LIMIT {batch}) AS part{n}"
                    )
                })
                .collect();
            let statement = parts.join(" UNION ALL ");
            let values: Vec<Value> = group.iter().flat_map(|(_, _, values)| values.iter().cloned()).collect();
            let rows = fetch(&self.db, self.dialect.statement(&statement, values.clone())).await?;
            self.first_sql.get_or_insert((statement, values));
            let mut counts = vec![0u64; group.len()];
            for row in rows {
                if let Some(at) = group.iter().position(|(source, _, _)| *source == row.category) {
                    counts[at] += 1;
                }
                self.sources[row.category].buffered.push_back(row);
            }
            for ((source, _, _), got) in group.iter().zip(counts) {
                let s = &mut self.sources[*source];
                s.next = match s.buffered.back() {
                    // A short batch was the category's last.
                    Some(last) if got == batch => {
                        let premium = Premium::new(last.cents, s.category.sum, s.category.count);
                        Some(s.category.resume(After { premium: premium.fraction(), product_id: last.product_id }))
                    }
                    _ => None,
                };
                self.push_head(*source);
            }
        }
        Ok(())
    }

    fn push_head(&mut self, source: usize) {
        let s = &self.sources[source];
        if let Some(row) = s.buffered.front() {
            let premium = Premium::new(row.cents, s.category.sum, s.category.count);
            self.heads.push(Head { premium, product_id: row.product_id, source });
        }
    }

    /// The next row of the report, reading ahead `batch` rows of a category that runs dry.
    async fn next(&mut self, batch: u64) -> Result<Option<(AboveAverage, After)>, ApiError> {
        let Some(head) = self.heads.pop() else { return Ok(None) };
        let s = &mut self.sources[head.source];
        let Some(row) = s.buffered.pop_front() else { return Ok(None) };
        let premium = head.premium;
        let item = AboveAverage {
            product_id: row.product_id,
            name: row.name,
            price: money(row.cents),
            category_name: s.category.name.clone(),
            category_avg_price: money(premium.average_cents()),
            price_premium: money(premium.cents()),
            premium_percentage: premium.percentage(),
        };
        if s.buffered.is_empty() && s.next.is_some() {
            self.refill(&[head.source], batch).await?;
        } else {
            self.push_head(head.source);
        }
        Ok(Some((item, After { premium: premium.fraction(), product_id: row.product_id })))
    }
}

/// The categories that have products, with their totals.
async fn categories(db: &impl ConnectionTrait, dialect: Dialect) -> Result<Vec<Category>, ApiError> {
    let sql = "SELECT t.category_id, c.name, t.product_count, t.price_cents FROM category_price_totals t \
         JOIN categories c ON c.id = t.category_id WHERE t.product_count > 0 ORDER BY t.category_id";
    let rows = db.query_all_raw(dialect.statement(sql, Vec::new())).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(Category {
            id: row.try_get_by_index(0)?,
            name: row.try_get_by_index(1)?,
            count: row.try_get_by_index(2)?,
            sum: row.try_get_by_index(3)?,
        });
    }
    Ok(out)
}

/// The rows of one of the report's statements, prepared (its text does not depend on the
/// position or the averages, only on how many categories it reads and how many rows of each).
async fn fetch(db: &impl ConnectionTrait, statement: sea_orm::Statement) -> Result<Vec<Found>, ApiError> {
    let rows = db.query_all_raw(statement).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let source: i64 = row.try_get_by_index(0)?;
        out.push(Found {
            category: usize::try_from(source).unwrap_or(usize::MAX),
            product_id: row.try_get_by_index(1)?,
            name: row.try_get_by_index(2)?,
            cents: row.try_get_by_index(3)?,
        });
    }
    Ok(out)
}

/// A half-cent bound (see [`half_cent`]) as the value the database compares prices with:
/// exact on PostgreSQL and MySQL, whose prices are decimals; a double on SQLite, whose prices
/// are, and half a cent from any price either way.
fn bound(dialect: Dialect, cents: i128, offset: i128) -> Value {
    let text = half_cent(cents, offset);
    match dialect {
        Dialect::Sqlite => Value::from(text.parse::<f64>().unwrap_or(f64::MAX)),
        _ => Value::from(text.parse::<rust_decimal::Decimal>().unwrap_or(rust_decimal::Decimal::MAX)),
    }
}

/// A price bound above every price a product can have (NUMERIC(10,2)), in cents.
const ABOVE_ANY_PRICE: i128 = 100_000_000_000;

/// The number of products above their category's average, counted up to
/// [`Total::TRACKED`] + 1 unless `exact`: one index range per category.
async fn count(db: &impl ConnectionTrait, exact: bool) -> Result<Total, ApiError> {
    let dialect = Dialect::from_backend(db.get_database_backend());
    let categories = categories(db, dialect).await?;
    let limit = Total::count_limit(exact);
    let mut counted: u64 = 0;
    for group in categories.chunks(CATEGORIES_PER_STATEMENT) {
        let parts = vec!["SELECT 1 AS one FROM products WHERE category_id = ? AND price > ?"; group.len()];
        let values = group.iter().flat_map(|c| [Value::from(c.id), bound(dialect, c.lowest_above(), -5)]).collect();
        let cap = limit.map(|l| format!(" LIMIT {}", l.saturating_sub(counted))).unwrap_or_default();
        let sql =
            format!("SELECT {} FROM ({}{cap}) AS matches", Sql(dialect).int("COUNT(*)"), parts.join(" UNION ALL "));
        let row = db.query_one_raw(dialect.statement(&sql, values)).await?;
        let n: i64 = row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
        counted += u64::try_from(n).unwrap_or(0);
        if limit.is_some_and(|l| counted >= l) {
            break;
        }
    }
    Ok(Total::counted(counted, exact))
}

/// What a page request asks for.
pub struct PageQuery {
    pub limit: u64,
    pub cursor: Option<String>,
    pub track_total: bool,
    pub explain: bool,
}

fn bad_cursor(err: CursorError) -> ApiError {
    ApiError::one(FieldError::query("cursor", err.message(), "value_error"))
}

/// One page of the report.
///
/// # Errors
/// 422 for a forged or foreign cursor; database errors.
pub async fn page(db: &DatabaseConnection, query: &PageQuery, secret: &[u8]) -> Result<AbovePage, ApiError> {
    let start = Instant::now();
    let cursor = query.cursor.as_deref().map(|text| Cursor::open(secret, text)).transpose().map_err(bad_cursor)?;
    let after = cursor.as_ref().map(|c| c.after);
    // A few rows of every category to begin with; the leading ones read on as they run dry.
    let batch = (query.limit + 1).div_ceil(16).max(4).min(query.limit + 1);
    // One snapshot for the rows and their count. On PostgreSQL its statements take a generic
    // plan from their first run: planned for their values (the first five runs of a prepared
    // statement), each of the two 100-category statements spent 16 ms planning, which made the
    // first requests on every connection twice as slow as the rest.
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan").await?;
    }
    let mut merge = Merge::start(txn, after, batch).await?;
    let mut data = Vec::with_capacity(usize::try_from(query.limit).unwrap_or(0));
    let mut last = None;
    let mut more = false;
    while let Some((item, position)) = merge.next(batch).await? {
        if data.len() as u64 == query.limit {
            more = true;
            break;
        }
        data.push(item);
        last = Some(position);
    }
    let carried = cursor.and_then(|c| c.total).filter(|t| t.is_exact() || !query.track_total);
    let total = match carried {
        Some(total) => total,
        None if after.is_none() && !more => Total::exact(data.len() as u64),
        None => count(&merge.db, query.track_total).await?,
    };
    let first_sql = merge.first_sql.take();
    merge.db.commit().await?;
    let next_cursor = match last {
        Some(after) if more => Some(Cursor { after, total: Some(total) }.seal(secret)),
        _ => None,
    };
    let execution_time_ms = start.elapsed().as_secs_f64() * 1000.0;
    let (sql, plan) = match (&first_sql, query.explain) {
        (Some((sql, values)), true) => super::explained(db, sql, values.clone()).await?,
        _ => (None, None),
    };
    Ok(AbovePage {
        data,
        execution_time_ms,
        total: total.value,
        total_relation: total.relation,
        next_cursor,
        sql,
        plan,
    })
}

/// The formats the whole report streams in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Ndjson,
    Csv,
}

impl Export {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Ndjson => "application/x-ndjson",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Self::Ndjson => "above-category-average.ndjson",
            Self::Csv => "above-category-average.csv",
        }
    }

    fn header(self) -> &'static str {
        match self {
            Self::Ndjson => "",
            Self::Csv => "product_id,name,price,category_name,category_avg_price,price_premium,premium_percentage\r\n",
        }
    }

    fn write(self, out: &mut String, row: &AboveAverage) -> Result<(), ApiError> {
        match self {
            Self::Ndjson => {
                let line =
                    serde_json::to_string(row).map_err(|e| ApiError::Internal(format!("encoding a row: {e}")))?;
                out.push_str(&line);
                out.push('\n');
            }
            Self::Csv => {
                let percentage = serde_json::to_string(&row.premium_percentage).unwrap_or_default();
                let _ = write!(out, "{},", row.product_id);
                csv_field(out, &row.name);
                let _ = write!(out, ",{},", money_text(row.price));
                csv_field(out, &row.category_name);
                let _ = write!(
                    out,
                    ",{},{},{percentage}\r\n",
                    money_text(row.category_avg_price),
                    money_text(row.price_premium)
                );
            }
        }
        Ok(())
    }
}

fn money_text(amount: Money) -> String {
    serde_json::to_value(amount).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
fn csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// The whole report (after `cursor`, when given) as a stream of text chunks of about 64 KB,
/// read from the database as they are sent: memory stays that of one batch per category.
///
/// # Errors
/// 422 for a bad cursor, and database errors before the first chunk; later errors end the
/// stream.
pub async fn export(
    db: &DatabaseConnection,
    format: Export,
    cursor: Option<&str>,
    secret: &[u8],
) -> Result<impl futures_util::Stream<Item = Result<String, ApiError>> + Send + use<>, ApiError> {
    let after = cursor.map(|text| Cursor::open(secret, text)).transpose().map_err(bad_cursor)?.map(|c| c.after);
    let merge = Merge::start(db.clone(), after, EXPORT_BATCH).await?;
    let state = (merge, Some(format.header().to_owned()));
    Ok(futures_util::stream::try_unfold(state, move |(mut merge, header)| async move {
        const CHUNK: usize = 64 * 1024;
        let mut out = header.unwrap_or_default();
        while out.len() < CHUNK {
            match merge.next(EXPORT_BATCH).await? {
                Some((row, _)) => format.write(&mut out, &row)?,
                None if out.is_empty() => return Ok(None),
                None => break,
            }
        }
        Ok(Some((out, (merge, None))))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(count: i64, sum: i64) -> Category {
        Category { id: 1, name: String::new(), count, sum }
    }

    #[test]
    fn rounds_each_figure_once_half_up() {
        // Prices 10.00 and 20.00: average 15.00, 20.00 is 5.00 (33.33%) above it.
        let p = Premium::new(2000, 3000, 2);
        assert_eq!((p.average_cents(), p.cents(), p.percentage()), (1500, 500, 33.33));
        // Prices 1.00, 2.00 and 2.00: average 1.6666..., 2.00 is 0.3333... (20%) above it.
        let p = Premium::new(200, 500, 3);
        assert_eq!((p.average_cents(), p.cents(), p.percentage()), (167, 33, 20.0));
        // Prices 1.00 and 1.01: average 1.005 and premium 0.005 are exact halves, rounded up;
        // 0.4975...% rounds to 0.50%.
        let p = Premium::new(101, 201, 2);
        assert_eq!((p.average_cents(), p.cents(), p.percentage()), (101, 1, 0.5));
    }

    #[test]
    fn orders_by_the_exact_premium_across_categories() {
        // 1/3 of a cent against 1/4: no rounding may make them equal.
        let third = Premium::new(1, 2, 3);
        let quarter = Premium::new(1, 3, 4);
        assert_eq!(third.cmp_exact(quarter.fraction()), std::cmp::Ordering::Greater);
        assert_eq!(quarter.cmp_exact(third.fraction()), std::cmp::Ordering::Less);
    }

    #[test]
    fn half_cents_print_between_prices() {
        assert_eq!(half_cent(1234, -5), "12.335");
        assert_eq!(half_cent(1234, 5), "12.345");
        assert_eq!(half_cent(0, -5), "-0.005");
        assert_eq!(half_cent(7, 5), "0.075");
    }

    #[test]
    fn resumes_strictly_after_a_premium() {
        // Average 10.00 (three products, 3000 cents): a premium of 5.00 is the price 15.00.
        let c = category(3, 3000);
        let at = |price: i64, id: i32| After { premium: Premium::new(price, 3000, 3).fraction(), product_id: id };
        let r = c.resume(at(1500, 7));
        assert_eq!((r.below, r.tie), (1499, Some((1500, 7))));
        // In another category (average 10.00333..., from 10.00, 10.00, 10.01) the premium
        // 0.00666... of 10.01 falls between 10.00 and 10.01 here: no price ties.
        let thirds = Premium::new(1001, 3001, 3).fraction();
        let r = c.resume(After { premium: thirds, product_id: 2 });
        assert_eq!((r.below, r.tie), (1000, None));
        assert_eq!(c.lowest_above(), 1001);
        assert_eq!(category(3, 3001).lowest_above(), 1001);
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = String::new();
        csv_field(&mut out, "plain");
        out.push('|');
        csv_field(&mut out, "a, \"b\"");
        assert_eq!(out, "plain|\"a, \"\"b\"\"\"");
    }
}
