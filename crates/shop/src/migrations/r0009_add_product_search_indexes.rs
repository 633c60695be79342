//! add product search indexes
//!
//! `GET /products` pages by keyset: `ORDER BY price, id` and `ORDER BY created_at, id` read
//! these indexes in order and stop after one page, and a category's products by price (the
//! common storefront query) come from one range of `(category_id, price)`.
//!
//! Revision ID: 4ab0a53ffc6f
//! Revises: 62e794670d10
//! Create Date: 2026-11-25 09:19:35

use migrate::{Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("4ab0a53ffc6f", "add product search indexes")
        .revises("62e794670d10")
        .created("2026-11-25 09:19:35")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_index("ix_products_category_id_price", "products", &["category_id", "price"]);
    op.create_index("ix_products_created_at_id", "products", &["created_at", "id"]);
    op.create_index("ix_products_price_id", "products", &["price", "id"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_index("ix_products_price_id", "products");
    op.drop_index("ix_products_created_at_id", "products");
    op.drop_index("ix_products_category_id_price", "products");
}
