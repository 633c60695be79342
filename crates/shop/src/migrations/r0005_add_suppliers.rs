//! Add suppliers, products.supplier_id and products.sku
//!
//! Revision ID: 5e6f708192a3
//! Revises: 4d5e6f708192
//! Create Date: 2024-01-03 09:00:00

use migrate::{Column, ColumnType as T, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("5e6f708192a3", "add suppliers, products.supplier_id and products.sku")
        .revises("4d5e6f708192")
        .created("2024-01-03 09:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("suppliers", |t| {
        t.id("id")
            .add(Column::new("name", T::String(100)))
            .add(Column::new("contact_email", T::String(255)).null())
            .add(Column::new("rating", T::Double).null())
            .add(Column::new("is_active", T::Boolean))
            .timestamps()
            .check("ck_suppliers_rating_range", "rating IS NULL OR (rating >= 0 AND rating <= 5)");
    });
    op.create_unique_index("ix_suppliers_name", "suppliers", &["name"]);
    op.add_column("products", Column::new("supplier_id", T::Integer).null());
    op.add_column("products", Column::new("sku", T::String(100)).null());
    // The index first, so MySQL uses it for the foreign key instead of creating its own.
    op.create_index("ix_products_supplier_id", "products", &["supplier_id"]);
    op.create_foreign_key(
        "fk_products_supplier_id",
        "products",
        &["supplier_id"],
        "suppliers",
        &["id"],
        FkAction::SetNull,
    );
    op.create_unique_index("ix_products_sku", "products", &["sku"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_index("ix_products_sku", "products");
    op.drop_foreign_key("fk_products_supplier_id", "products");
    op.drop_index("ix_products_supplier_id", "products");
    op.drop_column("products", "sku");
    op.drop_column("products", "supplier_id");
    op.drop_table("suppliers");
}
