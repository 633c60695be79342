//! Create categories, products and users
//!
//! Revision ID: 1a2b3c4d5e6f
//! Revises:
//! Create Date: 2024-01-01 10:00:00

use migrate::{Column, ColumnType as T, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("1a2b3c4d5e6f", "create categories, products and users")
        .created("2024-01-01 10:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("categories", |t| {
        t.id("id")
            .add(Column::new("name", T::String(100)))
            .add(Column::new("description", T::Text).null())
            .add(Column::new("is_active", T::Boolean))
            .timestamps();
    });
    op.create_unique_index("ix_categories_name", "categories", &["name"]);

    op.create_table("products", |t| {
        t.id("id")
            .add(Column::new("name", T::String(200)))
            .add(Column::new("description", T::Text).null())
            .add(Column::new("price", T::Decimal(10, 2)))
            .add(Column::new("stock_quantity", T::Integer))
            .add(Column::new("is_active", T::Boolean))
            .add(Column::new("category_id", T::Integer))
            .timestamps()
            .foreign_key("fk_products_category_id", &["category_id"], "categories", &["id"], FkAction::NoAction)
            .check("ck_products_stock_non_negative", "stock_quantity >= 0");
    });
    op.create_index("ix_products_name", "products", &["name"]);
    op.create_index("ix_products_category_id", "products", &["category_id"]);

    op.create_table("users", |t| {
        t.id("id")
            .add(Column::new("username", T::String(50)))
            .add(Column::new("email", T::String(100)))
            .add(Column::new("full_name", T::String(100)))
            .add(Column::new("hashed_password", T::String(255)))
            .add(Column::new("is_active", T::Boolean))
            .add(Column::new("is_superuser", T::Boolean))
            .add(Column::new("phone", T::String(20)).null())
            .add(Column::new("date_of_birth", T::Date).null())
            .timestamps();
    });
    op.create_unique_index("ix_users_username", "users", &["username"]);
    op.create_unique_index("ix_users_email", "users", &["email"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_table("users");
    op.drop_table("products");
    op.drop_table("categories");
}
