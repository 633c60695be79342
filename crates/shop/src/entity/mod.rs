//! SeaORM entities, one module per table.

pub mod cache_epoch;
pub mod categories;
pub mod category_daily_orders;
pub mod category_price_totals;
pub mod choice;
pub mod deliveries;
pub mod delivery_attempts;
pub mod events;
pub mod job_leases;
pub mod monthly_sales;
pub mod order_items;
pub mod orders;
pub mod product_sales;
pub mod product_tags;
pub mod product_variants;
pub mod products;
pub mod supplier_sales;
pub mod suppliers;
pub mod tags;
pub mod users;
pub mod variant_attributes;
pub mod webhooks;

mod target;
pub use target::target_schema;

pub mod prelude {
    pub use super::categories::Entity as Categories;
    pub use super::order_items::Entity as OrderItems;
    pub use super::orders::Entity as Orders;
    pub use super::product_tags::Entity as ProductTags;
    pub use super::product_variants::Entity as ProductVariants;
    pub use super::products::Entity as Products;
    pub use super::suppliers::Entity as Suppliers;
    pub use super::tags::Entity as Tags;
    pub use super::users::Entity as Users;
    pub use super::variant_attributes::Entity as VariantAttributes;
}

#[cfg(test)]
mod tests {
    use super::prelude::*;
    use super::*;
    use sea_orm::{DbBackend, EntityTrait, QueryTrait, Related, Schema};

    fn create_sql<E: EntityTrait>(entity: E) -> String {
        let schema = Schema::new(DbBackend::Sqlite);
        DbBackend::Sqlite.build(&schema.create_table_from_entity(entity)).to_string()
    }

    fn index_sql<E: EntityTrait>(entity: E) -> Vec<String> {
        let schema = Schema::new(DbBackend::Sqlite);
        schema.create_index_from_entity(entity).iter().map(|stmt| DbBackend::Sqlite.build(stmt).to_string()).collect()
    }

    /// SQL of `SELECT <R> ... JOIN <Self>` as built by `find_related`.
    fn related_sql<E, R>() -> String
    where
        E: Related<R>,
        R: EntityTrait,
    {
        <E as Related<R>>::find_related().build(DbBackend::Sqlite).to_string()
    }

    #[test]
    fn every_entity_renders_a_create_table() {
        let tables = [
            ("categories", create_sql(Categories)),
            ("suppliers", create_sql(Suppliers)),
            ("products", create_sql(Products)),
            ("tags", create_sql(Tags)),
            ("product_tags", create_sql(ProductTags)),
            ("product_variants", create_sql(ProductVariants)),
            ("variant_attributes", create_sql(VariantAttributes)),
            ("users", create_sql(Users)),
            ("orders", create_sql(Orders)),
            ("order_items", create_sql(OrderItems)),
        ];
        for (name, sql) in &tables {
            assert!(sql.starts_with(&format!("CREATE TABLE \"{name}\" (")), "{name}: {sql}");
            assert!(sql.contains("\"created_at\"") || *name == "product_tags");
        }
    }

    #[test]
    fn column_types_nullability_and_uniqueness() {
        let sql = create_sql(Products);
        assert!(sql.contains("\"id\" integer NOT NULL PRIMARY KEY AUTOINCREMENT"), "{sql}");
        assert!(sql.contains("\"name\" varchar(200) NOT NULL"), "{sql}");
        assert!(sql.contains("\"description\" text,"), "{sql}");
        assert!(sql.contains("\"sku\" varchar(100) UNIQUE,"), "{sql}");
        assert!(sql.contains("\"price\" real(10, 2) NOT NULL"), "{sql}");
        assert!(sql.contains("\"supplier_id\" integer,"), "{sql}");
        assert!(sql.contains("\"category_id\" integer NOT NULL"), "{sql}");

        let sql = create_sql(Suppliers);
        assert!(sql.contains("\"rating\" double,"), "{sql}");
        assert!(sql.contains("\"name\" varchar(100) NOT NULL UNIQUE"), "{sql}");

        let sql = create_sql(Users);
        assert!(sql.contains("\"date_of_birth\" date_text,"), "{sql}");
        assert!(sql.contains("\"phone\" varchar(20),"), "{sql}");
        assert!(sql.contains("\"email\" varchar(100) NOT NULL UNIQUE"), "{sql}");

        let sql = create_sql(Tags);
        assert!(sql.contains("\"color\" varchar(7),"), "{sql}");
    }

    #[test]
    fn junction_table_has_composite_key_without_autoincrement() {
        let sql = create_sql(ProductTags);
        assert!(!sql.contains("AUTOINCREMENT"), "{sql}");
        assert!(sql.contains("PRIMARY KEY (\"product_id\", \"tag_id\")"), "{sql}");
    }

    #[test]
    fn foreign_keys_carry_their_delete_actions() {
        let fk = |sql: &str, col: &str, target: &str| -> String {
            let needle = format!("FOREIGN KEY (\"{col}\") REFERENCES \"{target}\" (\"id\")");
            let start = sql.find(&needle).unwrap_or_else(|| panic!("no FK on {col}: {sql}"));
            let rest = &sql[start + needle.len()..];
            rest.split(", FOREIGN KEY").next().unwrap_or_default().trim_end_matches(" )").to_owned()
        };

        let products = create_sql(Products);
        assert!(!fk(&products, "category_id", "categories").contains("ON DELETE"));
        assert!(fk(&products, "supplier_id", "suppliers").contains("ON DELETE SET NULL"));

        let product_tags = create_sql(ProductTags);
        assert!(fk(&product_tags, "product_id", "products").contains("ON DELETE CASCADE"));
        assert!(fk(&product_tags, "tag_id", "tags").contains("ON DELETE CASCADE"));

        let variants = create_sql(ProductVariants);
        assert!(fk(&variants, "product_id", "products").contains("ON DELETE CASCADE"));

        let attributes = create_sql(VariantAttributes);
        assert!(fk(&attributes, "variant_id", "product_variants").contains("ON DELETE CASCADE"));

        let orders = create_sql(Orders);
        assert!(!fk(&orders, "user_id", "users").contains("ON DELETE"));

        let items = create_sql(OrderItems);
        assert!(fk(&items, "order_id", "orders").contains("ON DELETE CASCADE"));
        assert!(!fk(&items, "product_id", "products").contains("ON DELETE"));
        assert!(fk(&items, "variant_id", "product_variants").contains("ON DELETE SET NULL"));

        // Tables at the top of the graph own no foreign keys.
        for sql in [create_sql(Categories), create_sql(Suppliers), create_sql(Tags), create_sql(Users)] {
            assert!(!sql.contains("FOREIGN KEY"), "{sql}");
        }
    }

    #[test]
    fn indexed_columns_get_indexes() {
        let expect = [
            (index_sql(Products), vec!["name", "category_id", "supplier_id"]),
            (index_sql(ProductTags), vec!["tag_id"]),
            (index_sql(ProductVariants), vec!["product_id", "is_active"]),
            (index_sql(VariantAttributes), vec!["variant_id"]),
            (index_sql(Users), vec!["first_name", "last_name"]),
            (index_sql(Orders), vec!["status", "user_id", "created_at"]),
            (index_sql(OrderItems), vec!["order_id", "product_id", "variant_id"]),
            (index_sql(Categories), vec![]),
            (index_sql(Suppliers), vec![]),
            (index_sql(Tags), vec![]),
        ];
        for (sql, cols) in expect {
            assert_eq!(sql.len(), cols.len(), "{sql:?}");
            for col in cols {
                assert!(sql.iter().any(|s| s.ends_with(&format!("(\"{col}\")"))), "{col}: {sql:?}");
            }
        }
    }

    #[test]
    fn category_has_many_products() {
        let sql = related_sql::<Categories, Products>();
        assert!(
            sql.contains("INNER JOIN \"categories\" ON \"categories\".\"id\" = \"products\".\"category_id\""),
            "{sql}"
        );
        let sql = related_sql::<Products, Categories>();
        assert!(
            sql.contains("INNER JOIN \"products\" ON \"products\".\"category_id\" = \"categories\".\"id\""),
            "{sql}"
        );
    }

    #[test]
    fn supplier_has_many_products() {
        let sql = related_sql::<Suppliers, Products>();
        assert!(
            sql.contains("INNER JOIN \"suppliers\" ON \"suppliers\".\"id\" = \"products\".\"supplier_id\""),
            "{sql}"
        );
        let sql = related_sql::<Products, Suppliers>();
        assert!(sql.contains("INNER JOIN \"products\""), "{sql}");
    }

    #[test]
    fn product_has_many_variants() {
        let sql = related_sql::<Products, ProductVariants>();
        assert!(sql.starts_with("SELECT \"product_variants\".\"id\""), "{sql}");
        assert!(
            sql.contains("INNER JOIN \"products\" ON \"products\".\"id\" = \"product_variants\".\"product_id\""),
            "{sql}"
        );
    }

    #[test]
    fn product_has_many_order_items() {
        let sql = related_sql::<Products, OrderItems>();
        assert!(
            sql.contains("INNER JOIN \"products\" ON \"products\".\"id\" = \"order_items\".\"product_id\""),
            "{sql}"
        );
    }

    #[test]
    fn variant_has_many_attributes() {
        let sql = related_sql::<ProductVariants, VariantAttributes>();
        assert!(
            sql.contains(
                "INNER JOIN \"product_variants\" ON \"product_variants\".\"id\" = \"variant_attributes\".\"variant_id\""
            ),
            "{sql}"
        );
    }

    #[test]
    fn user_has_many_orders() {
        let sql = related_sql::<Users, Orders>();
        assert!(sql.contains("INNER JOIN \"users\" ON \"users\".\"id\" = \"orders\".\"user_id\""), "{sql}");
    }

    #[test]
    fn order_has_many_order_items() {
        let sql = related_sql::<Orders, OrderItems>();
        assert!(sql.contains("INNER JOIN \"orders\" ON \"orders\".\"id\" = \"order_items\".\"order_id\""), "{sql}");
    }

    #[test]
    fn order_item_belongs_to_variant() {
        let sql = related_sql::<OrderItems, ProductVariants>();
        assert!(
            sql.contains("INNER JOIN \"order_items\" ON \"order_items\".\"variant_id\" = \"product_variants\".\"id\""),
            "{sql}"
        );
    }

    #[test]
    fn products_to_tags_goes_through_product_tags() {
        let sql = related_sql::<Products, Tags>();
        assert!(sql.starts_with("SELECT \"tags\".\"id\""), "{sql}");
        assert!(sql.contains("INNER JOIN \"product_tags\" ON \"product_tags\".\"tag_id\" = \"tags\".\"id\""), "{sql}");
        assert!(
            sql.contains("INNER JOIN \"products\" ON \"products\".\"id\" = \"product_tags\".\"product_id\""),
            "{sql}"
        );
    }

    #[test]
    fn tags_to_products_goes_through_product_tags() {
        let sql = related_sql::<Tags, Products>();
        assert!(sql.starts_with("SELECT \"products\".\"id\""), "{sql}");
        assert!(
            sql.contains("INNER JOIN \"product_tags\" ON \"product_tags\".\"product_id\" = \"products\".\"id\""),
            "{sql}"
        );
        assert!(sql.contains("INNER JOIN \"tags\" ON \"tags\".\"id\" = \"product_tags\".\"tag_id\""), "{sql}");
    }

    #[test]
    fn model_find_related_filters_on_the_parent_key() {
        use sea_orm::ModelTrait;
        let now = chrono::Utc::now();
        let tag = tags::Model { id: 7, name: "sale".to_owned(), color: None, created_at: now, updated_at: now };
        let sql = tag.find_related(Products).build(DbBackend::Sqlite).to_string();
        assert!(sql.contains("INNER JOIN \"product_tags\""), "{sql}");
        assert!(sql.contains("WHERE \"tags\".\"id\" = 7"), "{sql}");
    }
}
