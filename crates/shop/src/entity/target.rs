//! The schema the entities describe, completed with what entity attributes cannot say
//! (composite indexes, check constraints). `check` and the schema tests compare the replayed
//! revisions and the live database against it.

use migrate::entity::EntitySchema;

use super::{
    cache_epoch, categories, category_daily_orders, category_price_totals, deliveries, delivery_attempts, events,
    job_leases, monthly_sales, order_items, orders, product_sales, product_tags, product_variants, products,
    supplier_sales, suppliers, tags, users, variant_attributes, webhooks,
};

pub fn target_schema() -> migrate::Schema {
    EntitySchema::new()
        .entity::<categories::Entity>()
        .entity::<suppliers::Entity>()
        .entity::<products::Entity>()
        .entity::<tags::Entity>()
        .entity::<product_tags::Entity>()
        .entity::<product_variants::Entity>()
        .entity::<variant_attributes::Entity>()
        .entity::<users::Entity>()
        .entity::<orders::Entity>()
        .entity::<order_items::Entity>()
        .entity::<product_sales::Entity>()
        .entity::<supplier_sales::Entity>()
        .entity::<monthly_sales::Entity>()
        .entity::<category_daily_orders::Entity>()
        .entity::<cache_epoch::Entity>()
        .entity::<category_price_totals::Entity>()
        .entity::<webhooks::Entity>()
        .entity::<events::Entity>()
        .entity::<deliveries::Entity>()
        .entity::<delivery_attempts::Entity>()
        .entity::<job_leases::Entity>()
        // A worker's claim: the due deliveries, oldest due first.
        .index("deliveries", "ix_deliveries_status_next_attempt_at", &["status", "next_attempt_at"], false)
        .index("variant_attributes", "ix_variant_attributes_name_value", &["attribute_name", "attribute_value"], false)
        .index("orders", "ix_orders_user_id_idempotency_key", &["user_id", "idempotency_key"], true)
        // Product search: keyset pages by price or age, and a category's products by price (the
        // last with the stock too, so analytics/categories reads the index alone).
        .index("products", "ix_products_price_id", &["price", "id"], false)
        .index("products", "ix_products_created_at_id", &["created_at", "id"], false)
        .index(
            "products",
            "ix_products_category_price_id_stock",
            &["category_id", "price", "id", "stock_quantity"],
            false,
        )
        // Analytics: products per supplier with their prices, from the index alone.
        .index("products", "ix_products_supplier_id_price", &["supplier_id", "price"], false)
        .check("products", "ck_products_stock_non_negative", "stock_quantity >= 0")
        .check("suppliers", "ck_suppliers_rating_range", "rating IS NULL OR (rating >= 0 AND rating <= 5)")
        .check("product_variants", "ck_product_variants_stock_non_negative", "stock_quantity >= 0")
        .check("users", "ck_users_role", "role IN ('user', 'admin')")
        .check("orders", "ck_orders_status", "status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')")
        .check("orders", "ck_orders_total_non_negative", "total_amount >= 0")
        .check("deliveries", "ck_deliveries_status", "status IN ('pending', 'delivered', 'failed', 'dead')")
        .check("deliveries", "ck_deliveries_channel", "channel IN ('webhook', 'email')")
        .check("order_items", "ck_order_items_quantity_positive", "quantity > 0")
        .build()
}
