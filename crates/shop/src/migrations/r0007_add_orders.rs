//! Add orders and order_items
//!
//! Revision ID: 708192a3b4c5
//! Revises: 6f708192a3b4
//! Create Date: 2024-01-04 09:00:00

use migrate::{Column, ColumnType as T, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("708192a3b4c5", "add orders and order_items")
        .revises("6f708192a3b4")
        .created("2024-01-04 09:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("orders", |t| {
        t.id("id")
            .add(Column::new("order_number", T::String(50)))
            .add(Column::new("total_amount", T::Decimal(10, 2)))
            .add(Column::new("status", T::String(20)))
            .add(Column::new("user_id", T::Integer))
            .timestamps()
            .foreign_key("fk_orders_user_id", &["user_id"], "users", &["id"], FkAction::NoAction)
            .check("ck_orders_status", "status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')")
            .check("ck_orders_total_non_negative", "total_amount >= 0");
    });
    op.create_unique_index("ix_orders_order_number", "orders", &["order_number"]);
    op.create_index("ix_orders_user_id", "orders", &["user_id"]);
    op.create_index("ix_orders_status", "orders", &["status"]);
    op.create_index("ix_orders_created_at", "orders", &["created_at"]);

    op.create_table("order_items", |t| {
        t.id("id")
            .add(Column::new("order_id", T::Integer))
            .add(Column::new("product_id", T::Integer))
            .add(Column::new("variant_id", T::Integer).null())
            .add(Column::new("quantity", T::Integer))
            .add(Column::new("unit_price", T::Decimal(10, 2)))
            .timestamps()
            .foreign_key("fk_order_items_order_id", &["order_id"], "orders", &["id"], FkAction::Cascade)
            .foreign_key("fk_order_items_product_id", &["product_id"], "products", &["id"], FkAction::NoAction)
            .foreign_key("fk_order_items_variant_id", &["variant_id"], "product_variants", &["id"], FkAction::SetNull)
            .check("ck_order_items_quantity_positive", "quantity > 0");
    });
    op.create_index("ix_order_items_order_id", "order_items", &["order_id"]);
    op.create_index("ix_order_items_product_id", "order_items", &["product_id"]);
    op.create_index("ix_order_items_variant_id", "order_items", &["variant_id"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_table("order_items");
    op.drop_table("orders");
}
