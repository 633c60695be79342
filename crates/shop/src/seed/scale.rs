//! `shop seed --scale N`: a large, realistic catalog for benchmarks. N products, about 10N
//! order items over 24 months with skewed popularity (a few products sell most), written as
//! batched multi-row inserts inside transactions. `--seed` makes it reproducible.

use std::time::Instant;

use chrono::{Duration, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use migrate::Dialect;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::error::ApiError;
use crate::seed::bulk::{Cell, Sink};

/// splitmix64: small, fast and good enough for sample data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What was written, and how fast.
#[derive(Debug)]
pub struct ScaleReport {
    pub rows: u64,
    pub seconds: f64,
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

/// Rows for the rollup tables; months as `(month, [orders, items, cents])`.
struct Rollups {
    products: Vec<Vec<Cell>>,
    suppliers: Vec<Vec<Cell>>,
    months: Vec<(String, [i64; 3])>,
    days: Vec<Vec<Cell>>,
}

/// The sales rollups of the generated orders (see `analytics::rollup`), computed here rather
/// than by a GROUP BY over millions of lines afterwards. Lines arrive grouped by order, so
/// "the last order counted" per key gives distinct order counts.
fn sales_rollups(
    lines: &[(i64, i64, i32, i64, chrono::DateTime<Utc>)],
    cancelled: &[bool],
    (supplier_of, category_of): (&[i64], &[i64]),
    o0: i64,
    p0: i64,
) -> Rollups {
    // [last order, orders, units, cents]
    let mut by_product: Vec<[i64; 4]> = vec![[-1, 0, 0, 0]; supplier_of.len()];
    let mut by_supplier: std::collections::BTreeMap<i64, [i64; 3]> = std::collections::BTreeMap::new();
    let mut by_month: std::collections::BTreeMap<String, [i64; 4]> = std::collections::BTreeMap::new();
    // (day, category) -> [last order, orders]
    let mut by_day: std::collections::BTreeMap<(String, i64), [i64; 2]> = std::collections::BTreeMap::new();
    for &(order, product, quantity, price, when) in lines {
        if cancelled.get(usize::try_from(order - o0).unwrap_or(usize::MAX)).copied().unwrap_or(true) {
            continue;
        }
        let index = usize::try_from(product - p0).unwrap_or(usize::MAX);
        let (Some(p), Some(&supplier), Some(&category)) =
            (by_product.get_mut(index), supplier_of.get(index), category_of.get(index))
        else {
            continue;
        };
        let cents = price * i64::from(quantity);
        if p[0] != order {
            *p = [order, p[1] + 1, p[2], p[3]];
        }
        p[2] += i64::from(quantity);
        p[3] += cents;
        let s = by_supplier.entry(supplier).or_insert([-1, 0, 0]);
        if s[0] != order {
            *s = [order, s[1] + 1, s[2]];
        }
        s[2] += cents;
        let m = by_month.entry(when.format("%Y-%m").to_string()).or_insert([-1, 0, 0, 0]);
        if m[0] != order {
            *m = [order, m[1] + 1, m[2], m[3]];
        }
        m[2] += i64::from(quantity);
        m[3] += cents;
        let d = by_day.entry((when.format("%Y-%m-%d").to_string(), category)).or_insert([-1, 0]);
        if d[0] != order {
            *d = [order, d[1] + 1];
        }
    }
    let products = by_product
        .iter()
        .enumerate()
        .filter(|(_, p)| p[1] > 0)
        .map(|(i, p)| vec![(p0 + i as i64).into(), p[1].into(), p[2].into(), p[3].into()])
        .collect();
    let suppliers =
        by_supplier.into_iter().map(|(id, s)| vec![id.into(), 0i64.into(), s[1].into(), s[2].into()]).collect();
    let months = by_month.into_iter().map(|(month, m)| (month, [m[1], m[2], m[3]])).collect();
    let days = by_day
        .into_iter()
        .map(|((day, category), d)| vec![day.into(), category.into(), 0i64.into(), d[1].into()])
        .collect();
    Rollups { products, suppliers, months, days }
}

/// Generates `products` products with categories, suppliers, customers and orders.
///
/// # Errors
/// Database errors (transactions already committed stay).
pub async fn seed_scale(db: &DatabaseConnection, products: u64, seed: u64) -> Result<ScaleReport, ApiError> {
    let start = Instant::now();
    let mut rng = Rng(seed);
    let now = Utc::now();
    let n_categories = (products / 10_000).clamp(5, 200);
    let n_suppliers = (products / 20_000).clamp(5, 100);
    let n_users = (products / 100).clamp(10, 50_000);
    let n_orders = products * 3;
    let avg_items = 10 * products / n_orders.max(1);
    let dialect = Dialect::from_backend(db.get_database_backend());
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
    // The order lines are random in number: the total is exact once the orders are made.
    let estimate = n_categories + n_suppliers + products + n_users + n_orders + n_orders * avg_items;
    let bar = progress_bar(estimate);

    let c0 = next_id(db, "categories").await?;
    let s0 = next_id(db, "suppliers").await?;
    let p0 = next_id(db, "products").await?;
    let u0 = next_id(db, "users").await?;
    let o0 = next_id(db, "orders").await?;
    let ts = Cell::from(now);
    let mut sink = Sink::open(db).await?;
    let mut rows = 0;

    let mut it = (0..n_categories).map(|i| {
        vec![(c0 + i as i64).into(), format!("Category {tag}-{i}").into(), true.into(), ts.clone(), ts.clone()]
    });
    rows += sink.insert("categories", &["id", "name", "is_active", "created_at", "updated_at"], &mut it, &bar).await?;
    let mut it = (0..n_suppliers).map(|i| {
        vec![
            (s0 + i as i64).into(),
            format!("Supplier {tag}-{i}").into(),
            format!("sales{i}@example.com").into(),
            true.into(),
            ts.clone(),
            ts.clone(),
        ]
    });
    rows += sink
        .insert("suppliers", &["id", "name", "contact_email", "is_active", "created_at", "updated_at"], &mut it, &bar)
        .await?;

    // Log-normal-ish prices between 1.00 and a few thousand; remember them for the order lines.
    let prices: Vec<i64> =
        (0..products).map(|_| (100.0 * (1.0 + 4000.0 * rng.unit().powi(3))).round() as i64).collect();
    let mut prng = Rng(seed ^ 0x5eed);
    let mut supplier_of: Vec<i64> = Vec::with_capacity(usize::try_from(products).unwrap_or(0));
    let mut category_of: Vec<i64> = Vec::with_capacity(usize::try_from(products).unwrap_or(0));
    let mut it = (0..products).map(|i| {
        let cents = prices[i as usize];
        let category = c0 + prng.below(n_categories) as i64;
        let supplier = s0 + prng.below(n_suppliers) as i64;
        supplier_of.push(supplier);
        category_of.push(category);
        vec![
            (p0 + i as i64).into(),
            format!("Product {i} {}", ["Pro", "Lite", "Max", "Mini", "Plus"][prng.below(5) as usize]).into(),
            format!("GEN-{tag}-{i}").into(),
            Cell::Cents(cents),
            i32::try_from(prng.below(500)).unwrap_or(0).into(),
            (prng.below(20) != 0).into(),
            i32::try_from(category).unwrap_or(1).into(),
            i32::try_from(supplier).unwrap_or(1).into(),
            ts.clone(),
            ts.clone(),
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
    rows += sink.insert("products", &product_columns, &mut it, &bar).await?;

    // One hash for all generated customers: argon2 per row would dominate the run.
    let hash = crate::security::hash_password_blocking(format!("scale-{seed}")).await?;
    let mut it = (0..n_users).map(|i| {
        let username = format!("customer_{tag}_{i}");
        vec![
            (u0 + i as i64).into(),
            crate::entity::users::username_key(&username).into(),
            username.into(),
            format!("customer_{tag}_{i}@example.com").into(),
            format!("Customer {i}").into(),
            "Customer".into(),
            i.to_string().into(),
            hash.clone().into(),
            "user".into(),
            true.into(),
            false.into(),
            ts.clone(),
            ts.clone(),
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
    rows += sink.insert("users", &user_columns, &mut it, &bar).await?;

    // Orders over 24 months; popularity skewed with u^3 so low ids sell most.
    let statuses = ["delivered", "delivered", "delivered", "shipped", "processing", "pending", "cancelled"];
    let mut orng = Rng(seed ^ 0x0dde);
    let mut lines: Vec<(i64, i64, i32, i64, chrono::DateTime<Utc>)> = Vec::new();
    let mut cancelled: Vec<bool> = Vec::with_capacity(usize::try_from(n_orders).unwrap_or(0));
    let mut it = (0..n_orders).map(|i| {
        let when = now - Duration::minutes(i64::try_from(orng.below(24 * 30 * 24 * 60)).unwrap_or(0));
        let id = o0 + i as i64;
        let mut total = 0i64;
        for _ in 0..(1 + orng.below(2 * avg_items.max(1))) {
            let product = ((products as f64) * orng.unit().powi(3)) as i64;
            let quantity = i32::try_from(1 + orng.below(4)).unwrap_or(1);
            let price = prices[usize::try_from(product).unwrap_or(0).min(prices.len() - 1)];
            total += price * i64::from(quantity);
            lines.push((id, p0 + product, quantity, price, when));
        }
        let status = statuses[orng.below(statuses.len() as u64) as usize];
        cancelled.push(status == "cancelled");
        vec![
            id.into(),
            format!("GEN-{tag}-{i}").into(),
            Cell::Cents(total),
            status.into(),
            i32::try_from(u0 + orng.below(n_users) as i64).unwrap_or(1).into(),
            Cell::from(when),
            Cell::from(when),
        ]
    });
    let order_columns = ["id", "order_number", "total_amount", "status", "user_id", "created_at", "updated_at"];
    rows += sink.insert("orders", &order_columns, &mut it, &bar).await?;
    let rollups = sales_rollups(&lines, &cancelled, (&supplier_of, &category_of), o0, p0);
    let rest =
        lines.len() + rollups.products.len() + rollups.days.len() + rollups.suppliers.len() + rollups.months.len();
    bar.set_length(bar.position() + rest as u64);
    let mut it = lines.into_iter().map(|(order, product, quantity, price, when)| {
        vec![
            i32::try_from(order).unwrap_or(0).into(),
            i32::try_from(product).unwrap_or(0).into(),
            quantity.into(),
            Cell::Cents(price),
            Cell::from(when),
            Cell::from(when),
        ]
    });
    rows += sink
        .insert(
            "order_items",
            &["order_id", "product_id", "quantity", "unit_price", "created_at", "updated_at"],
            &mut it,
            &bar,
        )
        .await?;
    let mut it = rollups.products.into_iter();
    rows += sink
        .insert("product_sales", &["product_id", "order_count", "units_sold", "revenue_cents"], &mut it, &bar)
        .await?;
    let mut it = rollups.days.into_iter();
    rows +=
        sink.insert("category_daily_orders", &["day", "category_id", "shard", "order_count"], &mut it, &bar).await?;
    let mut it = rollups.suppliers.into_iter();
    rows +=
        sink.insert("supplier_sales", &["supplier_id", "shard", "order_count", "revenue_cents"], &mut it, &bar).await?;
    // Months may already have rows (earlier orders), so they are added to, not inserted.
    if let Some(sql) = crate::service::rollup::months_upsert_literal(dialect, &rollups.months) {
        sink.execute(&sql).await?;
    }
    rows += rollups.months.len() as u64;
    bar.inc(rollups.months.len() as u64);
    // PostgreSQL's loader runs in the replica role, which skips the triggers that keep these.
    for sql in crate::service::rollup::category_prices_recount(dialect) {
        sink.execute(&sql).await?;
    }
    for table in ["categories", "suppliers", "products", "users", "orders", "order_items"] {
        sync_sequence(&mut sink, dialect, table).await?;
    }
    sink.execute(crate::cache::epoch::BUMP_SQL).await?;
    sink.commit().await?;
    bar.finish_and_clear();
    analyze(db).await?;
    Ok(ScaleReport { rows, seconds: start.elapsed().as_secs_f64() })
}
