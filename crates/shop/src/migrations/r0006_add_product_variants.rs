//! Add product variants and their attributes
//!
//! Revision ID: 6f708192a3b4
//! Revises: 5e6f708192a3
//! Create Date: 2024-01-03 10:00:00

use migrate::{Column, ColumnType as T, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("6f708192a3b4", "add product_variants and variant_attributes")
        .revises("5e6f708192a3")
        .created("2024-01-03 10:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("product_variants", |t| {
        t.id("id")
            .add(Column::new("product_id", T::Integer))
            .add(Column::new("sku", T::String(100)))
            .add(Column::new("name", T::String(200)))
            .add(Column::new("price_modifier", T::Decimal(10, 2)))
            .add(Column::new("stock_quantity", T::Integer))
            .add(Column::new("is_active", T::Boolean))
            .timestamps();
    });
    op.create_table("variant_attributes", |t| {
        t.id("id")
            .add(Column::new("variant_id", T::Integer))
            .add(Column::new("attribute_name", T::String(50)))
            .add(Column::new("attribute_value", T::String(200)))
            .timestamps();
    });
    // Indexes before foreign keys, so MySQL does not add indexes of its own.
    op.create_index("ix_product_variants_product_id", "product_variants", &["product_id"]);
    op.create_unique_index("ix_product_variants_sku", "product_variants", &["sku"]);
    op.create_index("ix_product_variants_is_active", "product_variants", &["is_active"]);
    op.create_index("ix_variant_attributes_variant_id", "variant_attributes", &["variant_id"]);
    op.create_index("ix_variant_attributes_name_value", "variant_attributes", &["attribute_name", "attribute_value"]);
    op.create_foreign_key(
        "fk_product_variants_product_id",
        "product_variants",
        &["product_id"],
        "products",
        &["id"],
        FkAction::Cascade,
    );
    op.create_foreign_key(
        "fk_variant_attributes_variant_id",
        "variant_attributes",
        &["variant_id"],
        "product_variants",
        &["id"],
        FkAction::Cascade,
    );
    op.create_check("ck_product_variants_stock_non_negative", "product_variants", "stock_quantity >= 0");
}

fn downgrade(op: &mut Ops) {
    op.drop_table("variant_attributes");
    op.drop_table("product_variants");
}
