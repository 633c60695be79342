//! `shop seed --scale N`: a large, realistic catalog for benchmarks. N products, about 10N
//! order items over 24 months with skewed popularity (a few products sell most), written as
//! bulk loads inside one transaction. `--seed` makes it reproducible.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use migrate::Dialect;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::error::ApiError;
use crate::seed::bulk::{Cell, Sink};
use crate::seed::catalog::{Catalog, FirstIds, Rollups, Shape, sales_rollups};

/// What was written, and how fast; `phases` as (what, seconds), in the order they ran.
#[derive(Debug)]
pub struct ScaleReport {
    pub rows: u64,
    pub seconds: f64,
    pub phases: Vec<(String, f64)>,
}

/// Times the phases of a load, each from the end of the one before.
struct Clock {
    last: Instant,
    phases: Vec<(String, f64)>,
}

impl Clock {
    fn new() -> Self {
        Self { last: Instant::now(), phases: Vec::new() }
    }

    fn lap(&mut self, what: &str) {
        self.lap_with_indexes(what, Duration::ZERO);
    }

    /// A table's load, with the time its indexes took to build again as a phase of its own.
    fn lap_with_indexes(&mut self, what: &str, indexes: Duration) {
        let now = Instant::now();
        let total = now - self.last;
        self.phases.push((what.to_owned(), total.saturating_sub(indexes).as_secs_f64()));
        if !indexes.is_zero() {
            self.phases.push((format!("{what} indexes"), indexes.as_secs_f64()));
        }
        self.last = now;
    }
}

async fn next_id(db: &DatabaseConnection, table: &str) -> Result<i64, DbErr> {
    let sql = crate::analytics::Sql(Dialect::from_backend(db.get_database_backend()));
    let stmt = sea_orm::Statement::from_string(
        db.get_database_backend(),
        format!("SELECT {} FROM {table}", sql.int("COALESCE(MAX(id), 0)")),
    );
    let row = db.query_one_raw(stmt).await?;
    Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0) + 1)
}

/// PostgreSQL identity columns do not move when ids are given explicitly; bring them level,
/// in the load's transaction. (`setval` itself is not undone by a rollback, which leaves a
/// sequence ahead of the data: harmless, where behind it would make every insert a conflict.)
async fn sync_sequence(sink: &mut Sink, dialect: Dialect, table: &str) -> Result<(), DbErr> {
    if dialect == Dialect::Postgres {
        sink.execute(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        ))
        .await?;
    }
    Ok(())
}

/// The catalog of `tag`, when a load with that seed was committed: (products, orders).
async fn existing_load(db: &DatabaseConnection, tag: &str) -> Result<Option<(i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let sql = crate::analytics::Sql(Dialect::from_backend(backend));
    let count = async |query: String| -> Result<i64, DbErr> {
        let stmt = sea_orm::Statement::from_sql_and_values(backend, query, [format!("GEN-{tag}-%").into()]);
        let row = db.query_one_raw(stmt).await?;
        Ok(row.map(|r| r.try_get_by_index::<i64>(0)).transpose()?.unwrap_or(0))
    };
    let mark = if backend == sea_orm::DbBackend::Postgres { "$1" } else { "?" };
    let products = count(format!("SELECT {} FROM products WHERE sku LIKE {mark}", sql.int("COUNT(*)"))).await?;
    if products == 0 {
        return Ok(None);
    }
    let orders = count(format!("SELECT {} FROM orders WHERE order_number LIKE {mark}", sql.int("COUNT(*)"))).await?;
    Ok(Some((products, orders)))
}

/// "12,345": counts in messages read better grouped.
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The progress bar: rows written of the total, and the rate as a whole number.
fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} rows, {rate}, {eta} left")
        .map(|style| {
            style.with_key("rate", |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{} rows/s", grouped(state.per_sec() as i64));
            })
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans), so the
/// first queries on the new data get good plans instead of waiting for autovacuum.
async fn analyze(db: &DatabaseConnection) -> Result<(), DbErr> {
    let tables = ["categories", "suppliers", "products", "users", "orders", "order_items"];
    match Dialect::from_backend(db.get_database_backend()) {
        Dialect::Postgres => {
            for table in tables {
                db.execute_unprepared(&format!("VACUUM (ANALYZE) {table}")).await?;
            }
        }
        Dialect::Mysql => {
            db.execute_unprepared(&format!("ANALYZE TABLE {}", tables.join(", "))).await?;
        }
        // SQLite plans the analytics joins worse with statistics than without (measured on
        // --scale 1000000: analytics/suppliers went from 25 s to over 60 s), so it gets none.
        Dialect::Sqlite => {}
    }
    Ok(())
}

/// Generates `products` products with categories, suppliers, customers and orders.
///
/// # Errors
/// Database errors; then nothing of the load stays.
pub async fn seed_scale(db: &DatabaseConnection, products: u64, seed: u64) -> Result<ScaleReport, ApiError> {
    let start = Instant::now();
    let now = Utc::now();
    let shape = Shape::new(products);
    let tag = format!("{seed:x}");
    if let Some((products, orders)) = existing_load(db, &tag).await? {
        return Err(ApiError::Conflict(format!(
            "this database already holds the catalog of --seed {seed} ({} products, {} orders); \
             add another with a different --seed, or start over on an empty database \
             (SQLite: delete the file; otherwise `shop db downgrade base` then `shop db upgrade head`)",
            grouped(products),
            grouped(orders)
        )));
    }
    let ids = FirstIds {
        category: next_id(db, "categories").await?,
        supplier: next_id(db, "suppliers").await?,
        product: next_id(db, "products").await?,
        user: next_id(db, "users").await?,
        order: next_id(db, "orders").await?,
        line: next_id(db, "order_items").await?,
    };
    let mut clock = Clock::new();
    // One hash for all generated customers: argon2 per row would dominate the run. It is
    // worked out beside the catalog.
    let hash = tokio::spawn(crate::security::hash_password_blocking(format!("scale-{seed}")));
    let catalog = Arc::new(Catalog::generate(shape, ids, seed, now));
    // The rollups are counted on another thread while the first tables load.
    let rollups = tokio::task::spawn_blocking({
        let catalog = Arc::clone(&catalog);
        move || sales_rollups(&catalog)
    });
    let hash = hash.await.map_err(|e| ApiError::Internal(format!("hashing task: {e}")))??;
    clock.lap("generate");

    // Into empty tables SQLite loads with a rollback journal (see `Sink::open_empty`).
    let empty = ids.product == 1 && ids.order == 1;
    let mut sink = if empty { Sink::open_empty(db).await? } else { Sink::open(db).await? };
    let load = Load { catalog, tag, now, dialect: Dialect::from_backend(db.get_database_backend()) };
    match load.run(&mut sink, hash, rollups, &mut clock).await {
        Ok(rows) => {
            let journal = if sink.rollback_journal() { " (rollback journal)" } else { "" };
            sink.commit().await?;
            clock.lap(&format!("commit{journal}"));
            analyze(db).await?;
            clock.lap("analyze");
            Ok(ScaleReport { rows, seconds: start.elapsed().as_secs_f64(), phases: clock.phases })
        }
        Err(err) => {
            if let Err(abandon) = sink.abandon().await {
                tracing::warn!(error = %abandon, "rolling back the failed load");
            }
            Err(err)
        }
    }
}

/// SQLite's triggers on `products` that the load does the work of itself, once for all rows:
/// the trigram index of names is filled by one `INSERT ... SELECT` after the rows (the
/// name `products_name_trgm_ai` below), and the category price totals are recounted.
const PRODUCT_TRIGGERS: [&str; 2] = ["products_name_trgm_ai", "products_price_totals_ai"];

/// One load's generated data and how to write it.
struct Load {
    catalog: Arc<Catalog>,
    tag: String,
    now: DateTime<Utc>,
    dialect: Dialect,
}

impl Load {
    /// Writes everything into `sink`'s transaction, without committing; the rows written.
    async fn run(
        &self,
        sink: &mut Sink,
        hash: String,
        rollups: tokio::task::JoinHandle<Rollups>,
        clock: &mut Clock,
    ) -> Result<u64, ApiError> {
        let Self { catalog, tag, now, dialect } = self;
        let (shape, ids, ts) = (catalog.shape, catalog.ids, Cell::from(*now));
        // The order lines are random in number: the total is exact once the orders are made.
        let estimate = shape.categories
            + shape.suppliers
            + shape.products
            + shape.users
            + shape.orders
            + catalog.lines.len() as u64;
        let bar = progress_bar(estimate);
        let mut rows = 0;

        let (t, tag2) = (ts.clone(), tag.clone());
        let categories = (0..shape.categories).map(move |i| {
            vec![
                (ids.category + i as i64).into(),
                format!("Category {tag2}-{i}").into(),
                true.into(),
                t.clone(),
                t.clone(),
            ]
        });
        rows += sink
            .insert("categories", &["id", "name", "is_active", "created_at", "updated_at"], categories, &bar)
            .await?;
        let (t, tag2) = (ts.clone(), tag.clone());
        let suppliers = (0..shape.suppliers).map(move |i| {
            vec![
                (ids.supplier + i as i64).into(),
                format!("Supplier {tag2}-{i}").into(),
                format!("sales{i}@example.com").into(),
                true.into(),
                t.clone(),
                t.clone(),
            ]
        });
        let supplier_columns = ["id", "name", "contact_email", "is_active", "created_at", "updated_at"];
        rows += sink.insert("suppliers", &supplier_columns, suppliers, &bar).await?;
        clock.lap("categories and suppliers");

        let triggers = sink.drop_triggers("products", &PRODUCT_TRIGGERS).await?;
        let (t, tag2, c) = (ts.clone(), tag.clone(), Arc::clone(catalog));
        let products = (0..c.products.len()).map(move |i| {
            let p = &c.products[i];
            vec![
                (ids.product + i as i64).into(),
                format!("Product {i} {}", p.kind).into(),
                format!("GEN-{tag2}-{i}").into(),
                Cell::Cents(p.cents),
                p.stock.into(),
                p.active.into(),
                i32::try_from(p.category).unwrap_or(1).into(),
                i32::try_from(p.supplier).unwrap_or(1).into(),
                t.clone(),
                t.clone(),
            ]
        });
        let product_columns = [
            "id",
            "name",
            "sku",
            "price",
            "stock_quantity",
            "is_active",
            "category_id",
            "supplier_id",
            "created_at",
            "updated_at",
        ];
        rows += sink.insert("products", &product_columns, products, &bar).await?;
        clock.lap_with_indexes("products", sink.take_index_time());
        for (name, sql) in &triggers {
            sink.execute(sql).await?;
            if name == "products_name_trgm_ai" {
                let id0 = ids.product;
                sink.execute(&format!(
                    "INSERT INTO products_name_trgm (rowid, name) SELECT id, name FROM products WHERE id >= {id0}"
                ))
                .await?;
            }
        }
        if !triggers.is_empty() {
            clock.lap("products name search");
        }

        let (t, tag2) = (ts.clone(), tag.clone());
        let users = (0..shape.users).map(move |i| {
            let username = format!("customer_{tag2}_{i}");
            vec![
                (ids.user + i as i64).into(),
                crate::entity::users::username_key(&username).into(),
                username.into(),
                format!("customer_{tag2}_{i}@example.com").into(),
                format!("Customer {i}").into(),
                "Customer".into(),
                i.to_string().into(),
                hash.clone().into(),
                "user".into(),
                true.into(),
                false.into(),
                t.clone(),
                t.clone(),
            ]
        });
        let user_columns = [
            "id",
            "username_key",
            "username",
            "email",
            "full_name",
            "first_name",
            "last_name",
            "hashed_password",
            "role",
            "is_active",
            "is_superuser",
            "created_at",
            "updated_at",
        ];
        rows += sink.insert("users", &user_columns, users, &bar).await?;
        clock.lap_with_indexes("users", sink.take_index_time());

        let (tag2, c) = (tag.clone(), Arc::clone(catalog));
        let orders = (0..c.orders.len()).map(move |i| {
            let o = &c.orders[i];
            vec![
                (ids.order + i as i64).into(),
                format!("GEN-{tag2}-{i}").into(),
                Cell::Cents(o.total),
                o.status.into(),
                i32::try_from(o.user).unwrap_or(1).into(),
                Cell::from(o.when),
                Cell::from(o.when),
            ]
        });
        let order_columns = ["id", "order_number", "total_amount", "status", "user_id", "created_at", "updated_at"];
        rows += sink.insert("orders", &order_columns, orders, &bar).await?;
        clock.lap_with_indexes("orders", sink.take_index_time());

        let (c, now) = (Arc::clone(catalog), *now);
        let lines = (0..c.lines.len()).map(move |i| {
            let l = &c.lines[i];
            let when = c.order(l.order).map_or(now, |o| o.when);
            vec![
                (ids.line + i as i64).into(),
                i32::try_from(l.order).unwrap_or(0).into(),
                i32::try_from(l.product).unwrap_or(0).into(),
                l.quantity.into(),
                Cell::Cents(l.cents),
                Cell::from(when),
                Cell::from(when),
            ]
        });
        // Ids given, as the database would number them (in order, after the last), rather
        // than drawn from PostgreSQL's sequence row by row; the sequence is set after.
        let line_columns = ["id", "order_id", "product_id", "quantity", "unit_price", "created_at", "updated_at"];
        rows += sink.insert("order_items", &line_columns, lines, &bar).await?;
        clock.lap_with_indexes("order_items", sink.take_index_time());

        let rollups = rollups.await.map_err(|e| ApiError::Internal(format!("counting the rollups: {e}")))?;
        bar.set_length(bar.position() + rollups.rows() as u64);
        let Rollups { products, suppliers, months, days } = rollups;
        let by_product = products.into_iter().map(|p| p.map(Cell::from).to_vec());
        rows += sink
            .insert("product_sales", &["product_id", "order_count", "units_sold", "revenue_cents"], by_product, &bar)
            .await?;
        let by_day = days
            .into_iter()
            .map(|(day, category, orders)| vec![day.into(), category.into(), 0i64.into(), orders.into()]);
        rows +=
            sink.insert("category_daily_orders", &["day", "category_id", "shard", "order_count"], by_day, &bar).await?;
        let by_supplier =
            suppliers.into_iter().map(|[id, orders, cents]| vec![id.into(), 0i64.into(), orders.into(), cents.into()]);
        rows += sink
            .insert("supplier_sales", &["supplier_id", "shard", "order_count", "revenue_cents"], by_supplier, &bar)
            .await?;
        // Months may already have rows (earlier orders), so they are added to, not inserted.
        if let Some(sql) = crate::service::rollup::months_upsert_literal(*dialect, &months) {
            sink.execute(&sql).await?;
        }
        rows += months.len() as u64;
        bar.inc(months.len() as u64);
        // Neither PostgreSQL's loader (in the replica role) nor SQLite's (without the
        // trigger) kept these row by row.
        for sql in crate::service::rollup::category_prices_recount(*dialect) {
            sink.execute(&sql).await?;
        }
        for table in ["categories", "suppliers", "products", "users", "orders", "order_items"] {
            sync_sequence(sink, *dialect, table).await?;
        }
        sink.execute(crate::cache::epoch::BUMP_SQL).await?;
        bar.finish_and_clear();
        clock.lap("rollups");
        Ok(rows)
    }
}
