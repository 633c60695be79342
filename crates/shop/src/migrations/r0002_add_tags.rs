//! Add tags and product_tags
//!
//! Revision ID: 2b3c4d5e6f70
//! Revises: 1a2b3c4d5e6f
//! Create Date: 2024-01-01 11:00:00

use migrate::{Column, ColumnType as T, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("2b3c4d5e6f70", "add tags and product_tags")
        .revises("1a2b3c4d5e6f")
        .created("2024-01-01 11:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("tags", |t| {
        t.id("id")
            .add(Column::new("name", T::String(50)))
            .add(Column::new("color", T::String(7)).null())
            .timestamps()
            .unique("uq_tags_name", &["name"]);
    });
    op.create_table("product_tags", |t| {
        t.add(Column::new("product_id", T::Integer))
            .add(Column::new("tag_id", T::Integer))
            .primary_key(&["product_id", "tag_id"])
            .foreign_key("fk_product_tags_product_id", &["product_id"], "products", &["id"], FkAction::Cascade)
            .foreign_key("fk_product_tags_tag_id", &["tag_id"], "tags", &["id"], FkAction::Cascade);
    });
    op.create_index("ix_product_tags_tag_id", "product_tags", &["tag_id"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_table("product_tags");
    op.drop_table("tags");
}
