//! The eight reports of API.md, each a single statement.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use migrate::Dialect;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::{DatabaseConnection, Value};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Report, Sql, average, money, run};
use crate::error::ApiError;
use crate::schema::common::Money;

const NOT_CANCELLED: &str = "o.status <> 'cancelled'";

#[derive(Debug, Serialize, ToSchema)]
pub struct Summary {
    pub product_count: i64,
    pub avg_price: Option<Money>,
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub total_stock: i64,
    pub inventory_value: Money,
}

/// Totals over active products.
///
/// # Errors
/// Database errors.
pub async fn summary(db: &DatabaseConnection, explain: bool) -> Result<Report<Summary>, ApiError> {
    let s = Sql::of(db);
    let sql = format!(
        "SELECT COUNT(*), {sum}, {min}, {max}, {stock}, {value} FROM products p WHERE p.is_active = ?",
        sum = s.int(&format!("COALESCE({}, 0)", s.sum_cents("p.price"))),
        min = s.cents("MIN(p.price)"),
        max = s.cents("MAX(p.price)"),
        stock = s.int("COALESCE(SUM(p.stock_quantity), 0)"),
        value = s.int(&format!("COALESCE({}, 0)", s.sum_cents("p.price * p.stock_quantity"))),
    );
    let ran = run(db, &sql, vec![true.into()], explain).await?;
    let row = ran.rows.first().ok_or_else(|| ApiError::Internal("summary returned no row".into()))?;
    let count: i64 = row.try_get_by_index(0)?;
    let data = Summary {
        product_count: count,
        avg_price: average(row.try_get_by_index(1)?, count),
        min_price: row.try_get_by_index::<Option<i64>>(2)?.map(money),
        max_price: row.try_get_by_index::<Option<i64>>(3)?.map(money),
        total_stock: row.try_get_by_index(4)?,
        inventory_value: money(row.try_get_by_index(5)?),
    };
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryStats {
    pub category_id: i32,
    pub category_name: String,
    pub product_count: i64,
    pub avg_price: Option<Money>,
    pub total_stock: i64,
}

/// Per category, empty ones included; `HAVING` on count and average price.
///
/// # Errors
/// Database errors.
pub async fn categories(
    db: &DatabaseConnection,
    min_products: Option<i64>,
    min_avg_price: Option<Decimal>,
    explain: bool,
) -> Result<Report<Vec<CategoryStats>>, ApiError> {
    let s = Sql::of(db);
    // PostgreSQL and MySQL group the products before joining the categories, so the grouping
    // runs on the products alone (in parallel on PostgreSQL: 600 to 195 ms at a million)
    // rather than on a million joined rows; the guide's HAVING filters then apply to the
    // grouped rows, empty categories counting zero. SQLite keeps the guide's join-then-group
    // shape: grouped first it was faster there too, but its server held 11 MB more under
    // load (`benches/rss.sh`, 57.5 against 68 MB peak).
    let grouped_first = s.0 != Dialect::Sqlite;
    let (count, sum, stock) = if grouped_first {
        (s.int("COALESCE(a.n, 0)"), s.int("COALESCE(a.cents, 0)"), s.int("COALESCE(a.stock, 0)"))
    } else {
        (
            "COUNT(p.id)".to_owned(),
            s.int(&format!("COALESCE({}, 0)", s.sum_cents("p.price"))),
            s.int("COALESCE(SUM(p.stock_quantity), 0)"),
        )
    };
    let mut having = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(n) = min_products {
        having.push(format!("{count} >= ?"));
        values.push(n.into());
    }
    if let Some(avg) = min_avg_price {
        // avg >= x  <=>  sum_cents >= x_cents * count, in exact integers.
        having.push(format!("{count} > 0 AND {sum} >= ? * {count}"));
        let cents = (avg * Decimal::from(100)).round_dp_with_strategy(0, RoundingStrategy::AwayFromZero);
        values.push(cents.to_i64().unwrap_or(i64::MAX).into());
    }
    let filters = having.join(" AND ");
    let sql = if grouped_first {
        let filters = if filters.is_empty() { String::new() } else { format!(" WHERE {filters}") };
        format!(
            "SELECT c.id, c.name, {count}, {sum}, {stock} FROM categories c LEFT JOIN \
             (SELECT category_id, COUNT(*) AS n, {cents} AS cents, SUM(stock_quantity) AS stock \
               FROM products GROUP BY category_id) a ON a.category_id = c.id{filters} ORDER BY c.id",
            cents = s.sum_cents("price"),
        )
    } else {
        let filters = if filters.is_empty() { String::new() } else { format!(" HAVING {filters}") };
        format!(
            "SELECT c.id, c.name, {count}, {sum}, {stock} FROM categories c LEFT JOIN products p \
             ON p.category_id = c.id GROUP BY c.id, c.name{filters} ORDER BY c.id"
        )
    };
    let ran = run(db, &sql, values, explain).await?;
    let mut data = Vec::with_capacity(ran.rows.len());
    for row in &ran.rows {
        let count: i64 = row.try_get_by_index(2)?;
        data.push(CategoryStats {
            category_id: row.try_get_by_index(0)?,
            category_name: row.try_get_by_index(1)?,
            product_count: count,
            avg_price: average(row.try_get_by_index(3)?, count),
            total_stock: row.try_get_by_index(4)?,
        });
    }
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierStats {
    pub supplier_id: i32,
    pub supplier_name: String,
    pub total_products: i64,
    pub total_orders: i64,
    pub total_revenue: Money,
    pub avg_product_price: Option<Money>,
}

/// Per supplier (those without products too): products, distinct orders, revenue.
///
/// # Errors
/// Database errors.
pub async fn suppliers(db: &DatabaseConnection, explain: bool) -> Result<Report<Vec<SupplierStats>>, ApiError> {
    let s = Sql::of(db);
    // The products grouped once, and the order figures from the sales rollup (the sum of
    // each supplier's shards), both joined to the suppliers.
    let sql = format!(
        "SELECT s.id, s.name, {products}, {psum}, {orders}, {revenue} FROM suppliers s \
         LEFT JOIN (SELECT p.supplier_id, COUNT(*) AS n, {price} AS cents FROM products p \
           GROUP BY p.supplier_id) pc ON pc.supplier_id = s.id \
         LEFT JOIN (SELECT supplier_id, SUM(order_count) AS orders, SUM(revenue_cents) AS cents \
           FROM supplier_sales GROUP BY supplier_id) so ON so.supplier_id = s.id \
         ORDER BY s.id",
        products = s.int("COALESCE(pc.n, 0)"),
        psum = s.int("COALESCE(pc.cents, 0)"),
        orders = s.int("COALESCE(so.orders, 0)"),
        revenue = s.int("COALESCE(so.cents, 0)"),
        price = s.sum_cents("p.price"),
    );
    let ran = run(db, &sql, Vec::new(), explain).await?;
    let mut data = Vec::with_capacity(ran.rows.len());
    for row in &ran.rows {
        let products: i64 = row.try_get_by_index(2)?;
        data.push(SupplierStats {
            supplier_id: row.try_get_by_index(0)?,
            supplier_name: row.try_get_by_index(1)?,
            total_products: products,
            avg_product_price: average(row.try_get_by_index(3)?, products),
            total_orders: row.try_get_by_index(4)?,
            total_revenue: money(row.try_get_by_index(5)?),
        });
    }
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BestSeller {
    pub product_id: i32,
    pub name: String,
    pub category_name: String,
    pub supplier_name: Option<String>,
    pub total_orders: i64,
    pub total_sold: i64,
}

/// Products with at least one (non-cancelled) order, most sold first.
///
/// # Errors
/// Database errors.
pub async fn best_sellers(
    db: &DatabaseConnection,
    limit: u64,
    explain: bool,
) -> Result<Report<Vec<BestSeller>>, ApiError> {
    // From the per-product sales rollup; a product whose orders were all cancelled keeps a
    // row of zeros, which the filter leaves out.
    let sql = "SELECT p.id, p.name, c.name, sup.name, ps.order_count, ps.units_sold FROM product_sales ps \
         JOIN products p ON p.id = ps.product_id JOIN categories c ON c.id = p.category_id \
         LEFT JOIN suppliers sup ON sup.id = p.supplier_id WHERE ps.order_count > 0 \
         ORDER BY ps.units_sold DESC, ps.product_id LIMIT ?";
    let ran = run(db, sql, vec![i64::try_from(limit).unwrap_or(10).into()], explain).await?;
    let mut data = Vec::with_capacity(ran.rows.len());
    for row in &ran.rows {
        data.push(BestSeller {
            product_id: row.try_get_by_index(0)?,
            name: row.try_get_by_index(1)?,
            category_name: row.try_get_by_index(2)?,
            supplier_name: row.try_get_by_index(3)?,
            total_orders: row.try_get_by_index(4)?,
            total_sold: row.try_get_by_index(5)?,
        });
    }
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TopProduct {
    pub category_id: i32,
    pub category_name: String,
    pub product_id: Option<i32>,
    pub product_name: Option<String>,
    pub highest_price: Option<Money>,
}

/// The most expensive product of each category (ties to the lowest id); nulls for empty
/// ones. One index probe per category on `(category_id, price, id, ...)`: the guide's
/// `ROW_NUMBER() OVER (PARTITION BY category_id ...)` gives the same rows but numbers every
/// product first (2.9 s on SQLite at a million products).
///
/// # Errors
/// Database errors.
pub async fn top_product_per_category(
    db: &DatabaseConnection,
    explain: bool,
) -> Result<Report<Vec<TopProduct>>, ApiError> {
    let s = Sql::of(db);
    let sql = format!(
        "SELECT c.id, c.name, p.id, p.name, {price} FROM categories c LEFT JOIN products p ON p.id = \
         (SELECT t.id FROM products t WHERE t.category_id = c.id ORDER BY t.price DESC, t.id LIMIT 1) \
         ORDER BY c.id",
        price = s.cents("p.price"),
    );
    let ran = run(db, &sql, Vec::new(), explain).await?;
    let mut data = Vec::with_capacity(ran.rows.len());
    for row in &ran.rows {
        data.push(TopProduct {
            category_id: row.try_get_by_index(0)?,
            category_name: row.try_get_by_index(1)?,
            product_id: row.try_get_by_index(2)?,
            product_name: row.try_get_by_index(3)?,
            highest_price: row.try_get_by_index::<Option<i64>>(4)?.map(money),
        });
    }
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecentActivity {
    pub category_id: i32,
    pub category_name: String,
    pub recent_order_count: i64,
}

/// Categories with (non-cancelled) orders in the last `days` days. Whole days come from the
/// per-day rollup; the part of the first day inside the window is counted from the orders
/// (an order falls on one day, so the two parts never count an order twice).
///
/// # Errors
/// Database errors.
pub async fn recent_activity(
    db: &DatabaseConnection,
    days: i64,
    explain: bool,
) -> Result<Report<Vec<RecentActivity>>, ApiError> {
    let s = Sql::of(db);
    let since = Utc::now() - Duration::days(days);
    let next_day = (since.date_naive() + Duration::days(1)).and_hms_opt(0, 0, 0).map_or(since, |d| d.and_utc());
    let sql = format!(
        "SELECT c.id, c.name, {recent} AS recent FROM \
         (SELECT category_id, order_count AS n FROM category_daily_orders WHERE day >= ? \
          UNION ALL \
          SELECT p.category_id, COUNT(DISTINCT o.id) AS n FROM orders o JOIN order_items oi ON oi.order_id = o.id \
          JOIN products p ON p.id = oi.product_id WHERE {NOT_CANCELLED} AND o.created_at >= ? AND o.created_at < ? \
          GROUP BY p.category_id) x \
         JOIN categories c ON c.id = x.category_id GROUP BY c.id, c.name HAVING SUM(x.n) > 0 \
         ORDER BY recent DESC, c.id",
        recent = s.int("SUM(x.n)"),
    );
    let values = vec![next_day.format("%Y-%m-%d").to_string().into(), since.into(), next_day.into()];
    let ran = run(db, &sql, values, explain).await?;
    let mut data = Vec::with_capacity(ran.rows.len());
    for row in &ran.rows {
        data.push(RecentActivity {
            category_id: row.try_get_by_index(0)?,
            category_name: row.try_get_by_index(1)?,
            recent_order_count: row.try_get_by_index(2)?,
        });
    }
    Ok(ran.report(data))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MonthlySales {
    #[schema(example = "2024-11")]
    pub month: String,
    pub total_orders: i64,
    pub items_sold: i64,
    pub revenue: Money,
    pub avg_order_value: Money,
    pub previous_month_revenue: Option<Money>,
    /// (revenue - previous) / previous; null without a previous month.
    pub growth_rate: Option<f64>,
}

/// The first day of the month `back` months before `today`'s month.
fn month_start(today: NaiveDate, back: u32) -> NaiveDate {
    let total = today.year() * 12 + i32::try_from(today.month0()).unwrap_or(0) - i32::try_from(back).unwrap_or(0);
    NaiveDate::from_ymd_opt(total.div_euclid(12), u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1, 1)
        .unwrap_or(today)
}

/// Sales per calendar month over the last `months` months, newest first, with the previous
/// month's revenue from a window function (LAG).
///
/// # Errors
/// Database errors.
pub async fn monthly_sales(
    db: &DatabaseConnection,
    months: u32,
    explain: bool,
) -> Result<Report<Vec<MonthlySales>>, ApiError> {
    let s = Sql::of(db);
    let today = Utc::now().date_naive();
    // One month more than shown, so the oldest shown month has its previous month.
    let since = month_start(today, months).format("%Y-%m").to_string();
    let sql = format!(
        "SELECT m.month, m.orders, m.items, m.revenue, LAG(m.month) OVER (ORDER BY m.month), \
         LAG(m.revenue) OVER (ORDER BY m.month) FROM \
         (SELECT month, {orders} AS orders, {items} AS items, {revenue} AS revenue FROM monthly_sales \
          WHERE month >= ? GROUP BY month HAVING SUM(order_count) > 0) m ORDER BY m.month DESC",
        orders = s.int("SUM(order_count)"),
        items = s.int("SUM(items_sold)"),
        revenue = s.int("SUM(revenue_cents)"),
    );
    let ran = run(db, &sql, vec![since.into()], explain).await?;
    let first_shown = month_start(today, months.saturating_sub(1)).format("%Y-%m").to_string();
    let mut data = Vec::new();
    for row in &ran.rows {
        let month: String = row.try_get_by_index(0)?;
        if month < first_shown {
            continue;
        }
        let orders: i64 = row.try_get_by_index(1)?;
        let revenue: i64 = row.try_get_by_index(3)?;
        let previous_month: Option<String> = row.try_get_by_index(4)?;
        let expected_previous = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
            .map(|d| month_start(d, 1).format("%Y-%m").to_string())
            .ok();
        // LAG gives the previous row; only a calendar-adjacent month counts as "previous".
        let previous = if previous_month.is_some() && previous_month == expected_previous {
            row.try_get_by_index::<Option<i64>>(5)?
        } else {
            None
        };
        let growth = previous.filter(|p| *p != 0).map(|p| {
            let rate = (Decimal::from(revenue) - Decimal::from(p)) / Decimal::from(p);
            rate.round_dp_with_strategy(4, RoundingStrategy::MidpointAwayFromZero).to_f64().unwrap_or_default()
        });
        data.push(MonthlySales {
            month,
            total_orders: orders,
            items_sold: row.try_get_by_index(2)?,
            revenue: money(revenue),
            avg_order_value: average(revenue, orders).unwrap_or_default(),
            previous_month_revenue: previous.map(money),
            growth_rate: growth,
        });
    }
    Ok(ran.report(data))
}
