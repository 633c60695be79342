//! add product name search
//!
//! `q` looks for a substring of the name anywhere in it, which no B-tree index can answer, so
//! each search read every product. Trigram indexes find the candidates instead: a GIN index
//! with `pg_trgm` on PostgreSQL, which serves `ILIKE '%...%'` directly, and an FTS5 trigram
//! table on SQLite, kept in step with `products` by triggers. MySQL keeps the scan.
//!
//! The downgrade leaves the `pg_trgm` extension installed: other objects may use it.
//!
//! Revision ID: ff459adeaa15
//! Revises: 4ab0a53ffc6f
//! Create Date: 2026-11-25 12:18:11

use migrate::{ExternalKind, Ops, RawSql, Revision};

pub fn revision() -> Revision {
    Revision::new("ff459adeaa15", "add product name search")
        .revises("4ab0a53ffc6f")
        .created("2026-11-25 12:18:11")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

const TRIGGERS: [(&str, &str); 3] = [
    (
        "products_name_trgm_ai",
        "CREATE TRIGGER products_name_trgm_ai AFTER INSERT ON products BEGIN \
         INSERT INTO products_name_trgm (rowid, name) VALUES (new.id, new.name); END",
    ),
    (
        "products_name_trgm_ad",
        "CREATE TRIGGER products_name_trgm_ad AFTER DELETE ON products BEGIN \
         INSERT INTO products_name_trgm (products_name_trgm, rowid, name) VALUES ('delete', old.id, old.name); END",
    ),
    (
        "products_name_trgm_au",
        "CREATE TRIGGER products_name_trgm_au AFTER UPDATE OF name ON products BEGIN \
         INSERT INTO products_name_trgm (products_name_trgm, rowid, name) VALUES ('delete', old.id, old.name); \
         INSERT INTO products_name_trgm (rowid, name) VALUES (new.id, new.name); END",
    ),
];

fn sqlite(sql: &str) -> RawSql {
    RawSql { sqlite: Some(sql.to_owned()), ..RawSql::default() }
}

fn postgres(sql: &str) -> RawSql {
    RawSql { postgres: Some(sql.to_owned()), ..RawSql::default() }
}

fn upgrade(op: &mut Ops) {
    op.execute_per_dialect(postgres("CREATE EXTENSION IF NOT EXISTS pg_trgm"));
    op.create_external(
        "ix_products_name_trgm",
        ExternalKind::Index { table: "products".to_owned() },
        postgres("CREATE INDEX ix_products_name_trgm ON products USING gin (name gin_trgm_ops)"),
    );
    // An external-content table: it indexes `products.name` without a second copy of it.
    op.create_external(
        "products_name_trgm",
        ExternalKind::Table,
        sqlite(
            "CREATE VIRTUAL TABLE products_name_trgm USING fts5(name, content='products', content_rowid='id', \
             tokenize='trigram case_sensitive 0')",
        ),
    );
    for (_, sql) in TRIGGERS {
        op.execute_per_dialect(sqlite(sql));
    }
    op.execute_per_dialect(sqlite("INSERT INTO products_name_trgm (products_name_trgm) VALUES ('rebuild')"));
}

fn downgrade(op: &mut Ops) {
    for (name, _) in TRIGGERS {
        op.execute_per_dialect(sqlite(&format!("DROP TRIGGER {name}")));
    }
    op.drop_external("products_name_trgm", ExternalKind::Table, sqlite("DROP TABLE products_name_trgm"));
    op.drop_external(
        "ix_products_name_trgm",
        ExternalKind::Index { table: "products".to_owned() },
        postgres("DROP INDEX ix_products_name_trgm"),
    );
}
