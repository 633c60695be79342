//! add sales rollups
//!
//! The sales reports read totals kept by the order writes instead of summing every order
//! line per request: per product (best sellers), per supplier (distinct orders and revenue),
//! per calendar month, and per category and day (distinct orders, for recent activity).
//! Supplier, month and day rows are split into shards (the order id modulo 8), so concurrent orders on PostgreSQL and MySQL update different rows instead of
//! queueing on one hot row; the reports add the shards up. Revenue is kept in integer cents:
//! sums stay exact on SQLite, where decimals have REAL affinity. The upgrade fills the tables
//! from the existing orders.
//!
//! Revision ID: f86d336475e1
//! Revises: ff459adeaa15
//! Create Date: 2026-11-29 19:58:00

use migrate::{Column, ColumnType as T, Ops, RawSql, Revision};

pub fn revision() -> Revision {
    Revision::new("f86d336475e1", "add sales rollups")
        .revises("ff459adeaa15")
        .created("2026-11-29 19:58:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

/// `template` per dialect: `{int}` is the 64-bit integer type, `{month}` and `{day}` the
/// order's `YYYY-MM` and `YYYY-MM-DD` (UTC).
fn per_dialect(template: &str) -> RawSql {
    let render = |int: &str, month: &str, day: &str| {
        template.replace("{int}", int).replace("{month}", month).replace("{day}", day)
    };
    RawSql {
        sqlite: Some(render("INTEGER", "strftime('%Y-%m', o.created_at)", "strftime('%Y-%m-%d', o.created_at)")),
        postgres: Some(render(
            "BIGINT",
            "to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            "to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
        )),
        mysql: Some(render("SIGNED", "DATE_FORMAT(o.created_at, '%Y-%m')", "DATE_FORMAT(o.created_at, '%Y-%m-%d')")),
    }
}

fn upgrade(op: &mut Ops) {
    op.create_table("product_sales", |t| {
        t.add(Column::new("product_id", T::Integer))
            .add(Column::new("order_count", T::BigInteger))
            .add(Column::new("units_sold", T::BigInteger))
            .add(Column::new("revenue_cents", T::BigInteger))
            .primary_key(&["product_id"]);
    });
    // Best sellers: the largest units_sold first, read from the end of this index.
    op.create_index("ix_product_sales_units_sold", "product_sales", &["units_sold"]);
    op.create_table("supplier_sales", |t| {
        t.add(Column::new("supplier_id", T::Integer))
            .add(Column::new("shard", T::SmallInteger))
            .add(Column::new("order_count", T::BigInteger))
            .add(Column::new("revenue_cents", T::BigInteger))
            .primary_key(&["supplier_id", "shard"]);
    });
    op.create_table("monthly_sales", |t| {
        t.add(Column::new("month", T::String(7)))
            .add(Column::new("shard", T::SmallInteger))
            .add(Column::new("order_count", T::BigInteger))
            .add(Column::new("items_sold", T::BigInteger))
            .add(Column::new("revenue_cents", T::BigInteger))
            .primary_key(&["month", "shard"]);
    });
    op.create_table("category_daily_orders", |t| {
        t.add(Column::new("day", T::String(10)))
            .add(Column::new("category_id", T::Integer))
            .add(Column::new("shard", T::SmallInteger))
            .add(Column::new("order_count", T::BigInteger))
            .primary_key(&["day", "category_id", "shard"]);
    });
    op.execute_per_dialect(per_dialect(
        "INSERT INTO product_sales (product_id, order_count, units_sold, revenue_cents) \
         SELECT oi.product_id, COUNT(DISTINCT oi.order_id), SUM(oi.quantity), \
         SUM(CAST(ROUND(oi.unit_price * oi.quantity * 100) AS {int})) \
         FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE o.status <> 'cancelled' \
         GROUP BY oi.product_id",
    ));
    op.execute_per_dialect(per_dialect(
        "INSERT INTO supplier_sales (supplier_id, shard, order_count, revenue_cents) \
         SELECT p.supplier_id, 0, COUNT(DISTINCT oi.order_id), \
         SUM(CAST(ROUND(oi.unit_price * oi.quantity * 100) AS {int})) \
         FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id \
         WHERE o.status <> 'cancelled' AND p.supplier_id IS NOT NULL GROUP BY p.supplier_id",
    ));
    op.execute_per_dialect(per_dialect(
        "INSERT INTO monthly_sales (month, shard, order_count, items_sold, revenue_cents) \
         SELECT {month}, 0, COUNT(DISTINCT o.id), SUM(oi.quantity), \
         SUM(CAST(ROUND(oi.unit_price * oi.quantity * 100) AS {int})) \
         FROM order_items oi JOIN orders o ON o.id = oi.order_id WHERE o.status <> 'cancelled' \
         GROUP BY {month}",
    ));
    op.execute_per_dialect(per_dialect(
        "INSERT INTO category_daily_orders (day, category_id, shard, order_count) \
         SELECT {day}, p.category_id, 0, COUNT(DISTINCT o.id) \
         FROM order_items oi JOIN orders o ON o.id = oi.order_id JOIN products p ON p.id = oi.product_id \
         WHERE o.status <> 'cancelled' GROUP BY {day}, p.category_id",
    ));
}

fn downgrade(op: &mut Ops) {
    op.drop_table("category_daily_orders");
    op.drop_table("monthly_sales");
    op.drop_table("supplier_sales");
    op.drop_index("ix_product_sales_units_sold", "product_sales");
    op.drop_table("product_sales");
}
