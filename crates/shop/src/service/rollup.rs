//! Sales rollups: totals of the non-cancelled order lines per product, per supplier, per
//! month, and per category and day, so the sales reports read a few thousand rows instead of
//! every order line.
//!
//! The writes that change a total keep it in the same transaction: placing an order adds
//! its lines, cancelling subtracts them, moving a product to another supplier or category
//! recounts both sides (their `order_count` counts distinct orders, which no delta can
//! move), and deleting a supplier drops its rows. Supplier, month and day rows are sharded
//! by order id, so concurrent orders rarely wait on the same row; readers sum the shards.
//! `rebuild` recomputes everything from the orders and `drift` compares the two.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use migrate::Dialect;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};

use crate::analytics::Sql;

/// Rows per supplier and per month that concurrent orders spread over.
pub const SHARDS: i32 = 8;

/// One order line as the rollups count it.
#[derive(Clone, Copy, Debug)]
pub struct Line {
    pub product_id: i32,
    pub quantity: i32,
    pub unit_price: Decimal,
}

impl Line {
    /// The line's amount in cents, rounded half away from zero as SQL's `ROUND` does.
    pub fn cents(&self) -> i64 {
        (self.unit_price * Decimal::from(self.quantity) * Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            .to_i64()
            .unwrap_or(i64::MAX)
    }
}

/// Whether an order's lines enter the totals (placed) or leave them (cancelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Placed,
    Cancelled,
}

impl Change {
    fn sign(self) -> i64 {
        match self {
            Self::Placed => 1,
            Self::Cancelled => -1,
        }
    }
}

/// `INSERT ... VALUES (..), (..)` that adds the counters to an existing row.
fn upsert(dialect: Dialect, table: &str, keys: &[&str], counters: &[&str], rows: usize) -> String {
    let columns: Vec<&str> = keys.iter().chain(counters).copied().collect();
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    let values = vec![row; rows].join(", ");
    let head = format!("INSERT INTO {table} ({}) VALUES {values}", columns.join(", "));
    match dialect {
        Dialect::Mysql => {
            let set: Vec<String> = counters.iter().map(|c| format!("{c} = {c} + VALUES({c})")).collect();
            format!("{head} ON DUPLICATE KEY UPDATE {}", set.join(", "))
        }
        Dialect::Postgres | Dialect::Sqlite => {
            let set: Vec<String> = counters.iter().map(|c| format!("{c} = {table}.{c} + excluded.{c}")).collect();
            format!("{head} ON CONFLICT ({}) DO UPDATE SET {}", keys.join(", "), set.join(", "))
        }
    }
}

/// Adds one `(month, shard, orders, items, cents)` row to a month.
fn month_upsert(dialect: Dialect) -> String {
    upsert(dialect, "monthly_sales", &["month", "shard"], &["order_count", "items_sold", "revenue_cents"], 1)
}

/// Adds generated months' `(month, [orders, items, cents])` to shard 0, as one statement with
/// the values written out, for a bulk loader's own connection. The months are "YYYY-MM" made
/// by the generator, so the text needs no parameters; a quote is doubled all the same.
#[must_use]
pub fn months_upsert_literal(dialect: Dialect, months: &[(String, [i64; 3])]) -> Option<String> {
    if months.is_empty() {
        return None;
    }
    let sql = upsert(
        dialect,
        "monthly_sales",
        &["month", "shard"],
        &["order_count", "items_sold", "revenue_cents"],
        months.len(),
    );
    let mut values = months.iter().flat_map(|(month, [orders, items, cents])| {
        [
            format!("'{}'", month.replace('\'', "''")),
            "0".to_owned(),
            orders.to_string(),
            items.to_string(),
            cents.to_string(),
        ]
    });
    let mut out = String::with_capacity(sql.len() + months.len() * 40);
    for piece in sql.split('?') {
        out.push_str(piece);
        if let Some(value) = values.next() {
            out.push_str(&value);
        }
    }
    Some(out)
}

fn shard(order_id: i32) -> i16 {
    i16::try_from(order_id.rem_euclid(SHARDS)).unwrap_or(0)
}

/// Adds (placed) or subtracts (cancelled) one order's lines, with `attributes` from
/// [`lock_attributes`] in the same transaction. Rows are written in key order, so two orders
/// never wait on each other's rows in opposite orders.
///
/// # Errors
/// Database errors.
pub async fn apply(
    txn: &impl ConnectionTrait,
    order_id: i32,
    created_at: DateTime<Utc>,
    lines: &[Line],
    attributes: &Attributes,
    change: Change,
) -> Result<(), DbErr> {
    if lines.is_empty() {
        return Ok(());
    }
    let dialect = Dialect::from_backend(txn.get_database_backend());
    let sign = change.sign();
    let mut by_product: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
    for line in lines {
        let entry = by_product.entry(line.product_id).or_default();
        entry.0 += i64::from(line.quantity);
        entry.1 += line.cents();
    }
    let mut writes: Vec<(String, Vec<Value>)> = Vec::with_capacity(4);
    let mut values: Vec<Value> = Vec::with_capacity(by_product.len() * 4);
    for (product_id, (units, cents)) in &by_product {
        values.extend([(*product_id).into(), sign.into(), (sign * units).into(), (sign * cents).into()]);
    }
    let sql = upsert(
        dialect,
        "product_sales",
        &["product_id"],
        &["order_count", "units_sold", "revenue_cents"],
        by_product.len(),
    );
    writes.push((sql, values));

    let mut by_supplier: BTreeMap<i32, i64> = BTreeMap::new();
    let mut categories = BTreeSet::new();
    for (product_id, (_, cents)) in &by_product {
        if let Some(Some(supplier)) = attributes.supplier_of.get(product_id) {
            *by_supplier.entry(*supplier).or_default() += cents;
        }
        if let Some(category) = attributes.category_of.get(product_id) {
            categories.insert(*category);
        }
    }
    if !by_supplier.is_empty() {
        let mut values: Vec<Value> = Vec::with_capacity(by_supplier.len() * 4);
        for (supplier_id, cents) in &by_supplier {
            values.extend([(*supplier_id).into(), shard(order_id).into(), sign.into(), (sign * cents).into()]);
        }
        let sql = upsert(
            dialect,
            "supplier_sales",
            &["supplier_id", "shard"],
            &["order_count", "revenue_cents"],
            by_supplier.len(),
        );
        writes.push((sql, values));
    }

    let units: i64 = by_product.values().map(|(u, _)| u).sum();
    let cents: i64 = by_product.values().map(|(_, c)| c).sum();
    let sql = month_upsert(dialect);
    let values: Vec<Value> = vec![
        created_at.format("%Y-%m").to_string().into(),
        shard(order_id).into(),
        sign.into(),
        (sign * units).into(),
        (sign * cents).into(),
    ];
    writes.push((sql, values));

    if !categories.is_empty() {
        let day = created_at.format("%Y-%m-%d").to_string();
        let mut values: Vec<Value> = Vec::with_capacity(categories.len() * 4);
        for category_id in &categories {
            values.extend([day.clone().into(), (*category_id).into(), shard(order_id).into(), sign.into()]);
        }
        let sql = upsert(
            dialect,
            "category_daily_orders",
            &["day", "category_id", "shard"],
            &["order_count"],
            categories.len(),
        );
        writes.push((sql, values));
    }
    execute_all(txn, dialect, writes).await
}

/// Runs the statements in order; on PostgreSQL as one statement (the others as
/// data-modifying `WITH` parts), which saves a round trip each. Every order and cancel runs
/// the same shape, so all of them take their row locks in the same order.
async fn execute_all(
    txn: &impl ConnectionTrait,
    dialect: Dialect,
    writes: Vec<(String, Vec<Value>)>,
) -> Result<(), DbErr> {
    if dialect != Dialect::Postgres {
        for (sql, values) in writes {
            txn.execute_raw(dialect.statement(&sql, values)).await?;
        }
        return Ok(());
    }
    let mut parts = Vec::with_capacity(writes.len());
    let mut all_values = Vec::new();
    let last = writes.len().saturating_sub(1);
    let mut main = String::new();
    for (index, (sql, values)) in writes.into_iter().enumerate() {
        if index == last {
            main = sql;
        } else {
            parts.push(format!("w{index} AS ({sql} RETURNING 1)"));
        }
        all_values.extend(values);
    }
    // The main statement's placeholders come last in the text, so its values go last too.
    let sql = if parts.is_empty() { main } else { format!("WITH {} {main}", parts.join(", ")) };
    txn.execute_raw(dialect.statement(&sql, all_values)).await?;
    Ok(())
}

/// Where an order's products are now: their supplier and category, read under share locks
/// on the product, supplier and category rows (see [`lock_attributes`]).
pub struct Attributes {
    supplier_of: BTreeMap<i32, Option<i32>>,
    category_of: BTreeMap<i32, i32>,
}

fn share_lock(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => " FOR SHARE",
        Dialect::Mysql => " LOCK IN SHARE MODE",
        // One writer at a time: a write transaction already excludes the others.
        Dialect::Sqlite => "",
    }
}

/// Locks `ids` of `table` in id order, shared or exclusive (no-op on SQLite).
async fn lock_rows(txn: &impl ConnectionTrait, table: &str, ids: &BTreeSet<i32>, exclusive: bool) -> Result<(), DbErr> {
    let dialect = Dialect::from_backend(txn.get_database_backend());
    if ids.is_empty() || dialect == Dialect::Sqlite {
        return Ok(());
    }
    let marks = vec!["?"; ids.len()].join(", ");
    let lock = if exclusive { " FOR UPDATE" } else { share_lock(dialect) };
    let sql = format!("SELECT id FROM {table} WHERE id IN ({marks}) ORDER BY id{lock}");
    let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
    txn.query_all_raw(dialect.statement(&sql, values)).await?;
    Ok(())
}

/// Reads the products' supplier and category and share-locks the product, supplier and
/// category rows until the transaction ends. Call it before the order's lines are written:
/// a recount ([`recount_suppliers`], [`recount_categories`]) locks the same supplier or
/// category rows exclusively, so it waits for every order in flight on them to commit and
/// then counts them from the orders, while orders that come later wait for the recount and
/// add themselves to its result. Locks are taken in the order products, suppliers,
/// categories everywhere, so none of these transactions wait on each other in a cycle.
///
/// # Errors
/// Database errors.
pub async fn lock_attributes(
    txn: &impl ConnectionTrait,
    product_ids: impl IntoIterator<Item = i32>,
) -> Result<Attributes, DbErr> {
    let ids: BTreeSet<i32> = product_ids.into_iter().collect();
    let mut attributes = Attributes { supplier_of: BTreeMap::new(), category_of: BTreeMap::new() };
    if ids.is_empty() {
        return Ok(attributes);
    }
    let dialect = Dialect::from_backend(txn.get_database_backend());
    let marks = vec!["?"; ids.len()].join(", ");
    let sql = format!(
        "SELECT id, supplier_id, category_id FROM products WHERE id IN ({marks}) ORDER BY id{}",
        share_lock(dialect)
    );
    let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
    for row in txn.query_all_raw(dialect.statement(&sql, values)).await? {
        let product_id: i32 = row.try_get_by_index(0)?;
        attributes.supplier_of.insert(product_id, row.try_get_by_index(1)?);
        attributes.category_of.insert(product_id, row.try_get_by_index(2)?);
    }
    let suppliers: BTreeSet<i32> = attributes.supplier_of.values().flatten().copied().collect();
    lock_rows(txn, "suppliers", &suppliers, false).await?;
    let categories: BTreeSet<i32> = attributes.category_of.values().copied().collect();
    lock_rows(txn, "categories", &categories, false).await?;
    Ok(attributes)
}

/// The live totals, as `SELECT key, counters...` statements over the orders.
struct Live {
    products: String,
    suppliers: String,
    months: String,
    days: String,
}

impl Live {
    /// `supplier_filter` and `category_filter` are appended to the WHERE of their statement.
    fn new(s: Sql, supplier_filter: &str, category_filter: &str) -> Self {
        let cents = format!("SUM({})", s.cents("oi.unit_price * oi.quantity"));
        let from = "FROM order_items oi JOIN orders o ON o.id = oi.order_id";
        let live = "o.status <> 'cancelled'";
        Self {
            products: format!(
                "SELECT oi.product_id, {orders}, {units}, {cents} {from} WHERE {live} GROUP BY oi.product_id",
                orders = s.int("COUNT(DISTINCT oi.order_id)"),
                units = s.int("SUM(oi.quantity)"),
                cents = s.int(&cents),
            ),
            suppliers: format!(
                "SELECT p.supplier_id, 0, {orders}, {cents} {from} JOIN products p ON p.id = oi.product_id \
                 WHERE {live} AND p.supplier_id IS NOT NULL{supplier_filter} GROUP BY p.supplier_id",
                orders = s.int("COUNT(DISTINCT oi.order_id)"),
                cents = s.int(&cents),
            ),
            months: format!(
                "SELECT {month}, 0, {orders}, {units}, {cents} {from} WHERE {live} GROUP BY {month}",
                month = s.month("o.created_at"),
                orders = s.int("COUNT(DISTINCT o.id)"),
                units = s.int("SUM(oi.quantity)"),
                cents = s.int(&cents),
            ),
            days: format!(
                "SELECT {day}, p.category_id, 0, {orders} {from} JOIN products p ON p.id = oi.product_id \
                 WHERE {live}{category_filter} GROUP BY {day}, p.category_id",
                day = s.day("o.created_at"),
                orders = s.int("COUNT(DISTINCT o.id)"),
            ),
        }
    }
}

/// Locks the suppliers and categories a product moves between, exclusively, until the
/// transaction ends: call it with the product row locked and before the product changes,
/// then [`recount_suppliers`] and [`recount_categories`] after. Orders in flight on those
/// rows hold share locks ([`lock_attributes`]), so the recount waits for them and counts
/// them, and later orders wait for it.
///
/// # Errors
/// Database errors.
pub async fn lock_for_move(txn: &impl ConnectionTrait, suppliers: &[i32], categories: &[i32]) -> Result<(), DbErr> {
    lock_rows(txn, "suppliers", &suppliers.iter().copied().collect(), true).await?;
    lock_rows(txn, "categories", &categories.iter().copied().collect(), true).await
}

/// Recounts the given suppliers from their products' order lines (after a product moved
/// between them), in the transaction that moved it, after [`lock_for_move`].
///
/// # Errors
/// Database errors.
pub async fn recount_suppliers(txn: &impl ConnectionTrait, supplier_ids: &[i32]) -> Result<(), DbErr> {
    let columns = "supplier_id, shard, order_count, revenue_cents";
    let live = |s, filter: &str| Live::new(s, filter, "").suppliers;
    let row = |row: &QueryResult| -> Result<Vec<Value>, DbErr> {
        Ok(vec![
            row.try_get_by_index::<i32>(0)?.into(),
            0i16.into(),
            row.try_get_by_index::<i64>(2)?.into(),
            row.try_get_by_index::<i64>(3)?.into(),
        ])
    };
    recount(txn, "supplier_sales", "supplier_id", columns, supplier_ids, live, row).await
}

/// Recounts the given categories' daily orders (after a product moved between them), in the
/// transaction that moved it, after [`lock_for_move`].
///
/// # Errors
/// Database errors.
pub async fn recount_categories(txn: &impl ConnectionTrait, category_ids: &[i32]) -> Result<(), DbErr> {
    let columns = "day, category_id, shard, order_count";
    let live = |s, filter: &str| Live::new(s, "", filter).days;
    let row = |row: &QueryResult| -> Result<Vec<Value>, DbErr> {
        Ok(vec![
            row.try_get_by_index::<String>(0)?.into(),
            row.try_get_by_index::<i32>(1)?.into(),
            0i16.into(),
            row.try_get_by_index::<i64>(3)?.into(),
        ])
    };
    recount(txn, "category_daily_orders", "category_id", columns, category_ids, live, row).await
}

/// Replaces the rows of `ids` (by `key`) in `table` with the totals of the statement `live`
/// makes for a WHERE filter, each result row turned into `columns` by `row`.
async fn recount(
    txn: &impl ConnectionTrait,
    table: &str,
    key: &str,
    columns: &str,
    ids: &[i32],
    live: impl Fn(Sql, &str) -> String,
    row: impl Fn(&QueryResult) -> Result<Vec<Value>, DbErr>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    let dialect = Dialect::from_backend(txn.get_database_backend());
    let marks = vec!["?"; ids.len()].join(", ");
    let values: Vec<Value> = ids.iter().map(|id| (*id).into()).collect();
    let sql = format!("DELETE FROM {table} WHERE {key} IN ({marks})");
    txn.execute_raw(dialect.statement(&sql, values.clone())).await?;
    // A plain read, then an insert: MySQL's INSERT ... SELECT would share-lock every product
    // row it looks at, and two moves of different products then wait on each other.
    let select = live(Sql(dialect), &format!(" AND p.{key} IN ({marks})"));
    let mut rows: Vec<Vec<Value>> = Vec::new();
    for found in txn.query_all_raw(dialect.statement(&select, values)).await? {
        rows.push(row(&found)?);
    }
    let width = columns.split(',').count();
    for chunk in rows.chunks(500) {
        let one = format!("({})", vec!["?"; width].join(", "));
        let sql = format!("INSERT INTO {table} ({columns}) VALUES {}", vec![one; chunk.len()].join(", "));
        txn.execute_raw(dialect.statement(&sql, chunk.concat())).await?;
    }
    Ok(())
}

/// Drops a supplier's rows (before the supplier is deleted, so a later supplier that gets
/// the same id starts from zero).
///
/// # Errors
/// Database errors.
pub async fn forget_supplier(txn: &impl ConnectionTrait, supplier_id: i32) -> Result<(), DbErr> {
    let dialect = Dialect::from_backend(txn.get_database_backend());
    let sql = "DELETE FROM supplier_sales WHERE supplier_id = ?";
    txn.execute_raw(dialect.statement(sql, vec![supplier_id.into()])).await?;
    Ok(())
}

/// Each category's product count and sum of prices in cents, from the products.
fn live_category_prices(s: Sql) -> String {
    format!(
        "SELECT category_id, {}, {} FROM products GROUP BY category_id",
        s.int("COUNT(*)"),
        s.int(&format!("SUM({})", s.cents("price")))
    )
}

/// The statements that recount `category_price_totals` from the products. Triggers keep it
/// on every write; a bulk load that bypasses them (PostgreSQL's replica role) runs these in
/// its transaction.
pub fn category_prices_recount(dialect: Dialect) -> [String; 2] {
    [
        "DELETE FROM category_price_totals".to_owned(),
        format!(
            "INSERT INTO category_price_totals (category_id, product_count, price_cents) {}",
            live_category_prices(Sql(dialect))
        ),
    ]
}

/// Runs [`category_prices_recount`].
///
/// # Errors
/// Database errors.
pub async fn recount_category_prices(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let dialect = Dialect::from_backend(txn.get_database_backend());
    for sql in category_prices_recount(dialect) {
        txn.execute_raw(dialect.statement(&sql, Vec::new())).await?;
    }
    Ok(())
}

/// Recomputes every rollup from the orders, and the category price totals from the products.
/// Run it inside a transaction.
///
/// # Errors
/// Database errors.
pub async fn rebuild(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    recount_category_prices(txn).await?;
    let dialect = Dialect::from_backend(txn.get_database_backend());
    let live = Live::new(Sql(dialect), "", "");
    for table in ["product_sales", "supplier_sales", "monthly_sales", "category_daily_orders"] {
        txn.execute_raw(dialect.statement(&format!("DELETE FROM {table}"), Vec::new())).await?;
    }
    let inserts = [
        format!("INSERT INTO product_sales (product_id, order_count, units_sold, revenue_cents) {}", live.products),
        format!("INSERT INTO supplier_sales (supplier_id, shard, order_count, revenue_cents) {}", live.suppliers),
        format!("INSERT INTO monthly_sales (month, shard, order_count, items_sold, revenue_cents) {}", live.months),
        format!("INSERT INTO category_daily_orders (day, category_id, shard, order_count) {}", live.days),
    ];
    for sql in inserts {
        txn.execute_raw(dialect.statement(&sql, Vec::new())).await?;
    }
    Ok(())
}

/// Totals per key; keys whose counters are all zero (every order cancelled) count as absent.
type Totals = BTreeMap<String, Vec<i64>>;

/// How one rollup is read back and recomputed for [`drift`].
struct Compared {
    what: &'static str,
    stored: String,
    live: String,
    /// The key columns, `true` for text; then (`sharded`) a shard column, then the totals.
    keys: &'static [bool],
    sharded: bool,
    /// What the live totals are computed from.
    source: &'static str,
}

async fn totals(db: &impl ConnectionTrait, dialect: Dialect, sql: &str, c: &Compared) -> Result<Totals, DbErr> {
    let mut out = Totals::new();
    for row in db.query_all_raw(dialect.statement(sql, Vec::new())).await? {
        let mut key = Vec::with_capacity(c.keys.len());
        for (index, text) in c.keys.iter().enumerate() {
            key.push(if *text {
                row.try_get_by_index::<String>(index)?
            } else {
                row.try_get_by_index::<i32>(index)?.to_string()
            });
        }
        let first = c.keys.len() + usize::from(c.sharded);
        let mut counters = Vec::new();
        for index in first..row.column_names().len() {
            counters.push(row.try_get_by_index::<i64>(index)?);
        }
        if counters.iter().any(|v| *v != 0) {
            out.insert(key.join(" "), counters);
        }
    }
    Ok(out)
}

/// Differences between the stored rollups and the totals recomputed from the orders, one
/// line each; empty when they agree.
///
/// # Errors
/// Database errors.
pub async fn drift(db: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    let dialect = Dialect::from_backend(db.get_database_backend());
    let s = Sql(dialect);
    let live = Live::new(s, "", "");
    let sum = |c: &str| s.int(&format!("SUM({c})"));
    let compared = [
        Compared {
            what: "product",
            stored: "SELECT product_id, order_count, units_sold, revenue_cents FROM product_sales".to_owned(),
            live: live.products,
            keys: &[false],
            sharded: false,
            source: "the orders",
        },
        Compared {
            what: "category prices",
            stored: "SELECT category_id, product_count, price_cents FROM category_price_totals".to_owned(),
            live: live_category_prices(s),
            keys: &[false],
            sharded: false,
            source: "the products",
        },
        Compared {
            what: "supplier",
            stored: format!(
                "SELECT supplier_id, 0, {}, {} FROM supplier_sales GROUP BY supplier_id",
                sum("order_count"),
                sum("revenue_cents")
            ),
            live: live.suppliers,
            keys: &[false],
            sharded: true,
            source: "the orders",
        },
        Compared {
            what: "month",
            stored: format!(
                "SELECT month, 0, {}, {}, {} FROM monthly_sales GROUP BY month",
                sum("order_count"),
                sum("items_sold"),
                sum("revenue_cents")
            ),
            live: live.months,
            keys: &[true],
            sharded: true,
            source: "the orders",
        },
        Compared {
            what: "day and category",
            stored: format!(
                "SELECT day, category_id, 0, {} FROM category_daily_orders GROUP BY day, category_id",
                sum("order_count")
            ),
            live: live.days,
            keys: &[true, false],
            sharded: true,
            source: "the orders",
        },
    ];
    let mut out = Vec::new();
    for c in &compared {
        let kept = totals(db, dialect, &c.stored, c).await?;
        let actual = totals(db, dialect, &c.live, c).await?;
        let keys: BTreeSet<&String> = kept.keys().chain(actual.keys()).collect();
        for key in keys {
            let (a, b) = (kept.get(key), actual.get(key));
            if a != b {
                out.push(format!("{} {key}: stored {a:?}, from {} {b:?}", c.what, c.source));
            }
        }
    }
    Ok(out)
}
