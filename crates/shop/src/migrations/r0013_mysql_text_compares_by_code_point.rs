//! mysql text compares by code point
//!
//! MySQL's default collations ignore case, accents and trailing spaces, so there "Widget"
//! clashed with an existing "widget" as a duplicate name while SQLite and PostgreSQL took
//! both, and `sort=name` put them in another order. Binary collation makes MySQL compare
//! text by code point, as SQLite does and PostgreSQL does under a `C` collation: the same
//! unique names, the same order, and the name index serves `sort=name` again. The database's
//! default changes too, so that tables created by later revisions follow.
//!
//! Revision ID: 84fddcd612a4
//! Revises: 6b6df4f73a4a
//! Create Date: 2026-12-05 21:30:37

use migrate::{Ops, RawSql, Revision};

pub fn revision() -> Revision {
    Revision::new("84fddcd612a4", "mysql text compares by code point")
        .revises("6b6df4f73a4a")
        .created("2026-12-05 21:30:37")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

/// Every table of the shop at this revision.
const TABLES: [&str; 14] = [
    "categories",
    "suppliers",
    "products",
    "tags",
    "product_tags",
    "users",
    "product_variants",
    "variant_attributes",
    "orders",
    "order_items",
    "product_sales",
    "supplier_sales",
    "monthly_sales",
    "category_daily_orders",
];

fn mysql(sql: String) -> RawSql {
    RawSql { sqlite: None, postgres: None, mysql: Some(sql) }
}

fn upgrade(op: &mut Ops) {
    op.execute_per_dialect(mysql("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE utf8mb4_bin".to_owned()));
    for table in TABLES {
        op.execute_per_dialect(mysql(format!(
            "ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        )));
    }
}

/// Back to the character set's default collation (the server's choice).
fn downgrade(op: &mut Ops) {
    for table in TABLES.iter().rev() {
        op.execute_per_dialect(mysql(format!("ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")));
    }
    op.execute_per_dialect(mysql("ALTER DATABASE CHARACTER SET utf8mb4".to_owned()));
}
