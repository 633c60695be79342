//! mysql text compares by code point
//!
//! MySQL's default collations ignore case, accents and trailing spaces, so there "Widget"
//! clashed with an existing "widget" as a duplicate name while SQLite and PostgreSQL took
//! both, and `sort=name` put them in another order. A binary NO PAD collation makes MySQL
//! compare text by code point, as SQLite does and PostgreSQL does under a `C` collation: the
//! same unique names, the same order, and the name index serves `sort=name` again. The
//! database's default changes too, so that tables created by later revisions follow. A data
//! step, since the collation's name depends on the server.
//!
//! Revision ID: 84fddcd612a4
//! Revises: 6b6df4f73a4a
//! Create Date: 2026-12-05 21:30:37

use migrate::{DataFuture, Ops, Revision};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

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

fn upgrade(op: &mut Ops) {
    op.run_data("binary NO PAD collation on MySQL", to_binary);
}

/// Back to the character set's default collation (the server's choice).
fn downgrade(op: &mut Ops) {
    op.run_data("default collation on MySQL", to_default);
}

/// Binary and NO PAD: MySQL's `utf8mb4_bin` still ignores trailing spaces ("a" = "a "), so
/// the NO PAD binary collation of the server is used where it has one (MariaDB's
/// `utf8mb4_nopad_bin`, MySQL 8's `utf8mb4_0900_bin`).
fn to_binary(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        if txn.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        let mut collation = "utf8mb4_bin";
        for candidate in ["utf8mb4_nopad_bin", "utf8mb4_0900_bin"] {
            let found = Statement::from_string(DbBackend::MySql, format!("SHOW COLLATION LIKE '{candidate}'"));
            if txn.query_one_raw(found).await?.is_some() {
                collation = candidate;
                break;
            }
        }
        txn.execute_unprepared(&format!("ALTER DATABASE CHARACTER SET utf8mb4 COLLATE {collation}")).await?;
        for table in TABLES {
            txn.execute_unprepared(&format!(
                "ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4 COLLATE {collation}"
            ))
            .await?;
        }
        Ok(())
    })
}

fn to_default(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        if txn.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        for table in TABLES.iter().rev() {
            txn.execute_unprepared(&format!("ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4")).await?;
        }
        txn.execute_unprepared("ALTER DATABASE CHARACTER SET utf8mb4").await?;
        Ok(())
    })
}
