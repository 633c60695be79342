//! add category price totals
//!
//! `analytics/above-category-average` is paged in the guide's order, largest premium over
//! the category's average first. Each category's products above its average come out of the
//! `(category_id, price)` index in that order, so a page is a merge of short index ranges,
//! once the averages are known; but averaging a million prices per request took 100 ms or
//! more. `category_price_totals` keeps each category's product count and sum of prices (in
//! integer cents, exact on SQLite too), and triggers on `products` keep it in step with
//! every write, by the service or anyone else, in the writing transaction. The upgrade fills
//! it from the existing products.
//!
//! PostgreSQL skips the triggers for a session in `session_replication_role = replica`, as
//! the bulk loader runs; that loader recounts the totals afterwards (`shop rollups rebuild`
//! does as well).
//!
//! Revision ID: 5d41c7a09e3b
//! Revises: 167de2226c4d
//! Create Date: 2026-12-06 16:40:00

use migrate::{Column, ColumnType as T, Ops, RawSql, Revision};

pub fn revision() -> Revision {
    Revision::new("5d41c7a09e3b", "add category price totals")
        .revises("167de2226c4d")
        .created("2026-12-06 16:40:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

/// `template` per dialect, `{int}` being the 64-bit integer type of a cast.
fn per_dialect(template: &str) -> RawSql {
    RawSql {
        sqlite: Some(template.replace("{int}", "INTEGER")),
        postgres: Some(template.replace("{int}", "BIGINT")),
        mysql: Some(template.replace("{int}", "SIGNED")),
    }
}

const FILL: &str = "INSERT INTO category_price_totals (category_id, product_count, price_cents) \
     SELECT category_id, COUNT(*), SUM(CAST(ROUND(price * 100) AS {int})) FROM products GROUP BY category_id";

const SQLITE_ADD: &str = "INSERT INTO category_price_totals (category_id, product_count, price_cents) \
     VALUES (new.category_id, 1, CAST(ROUND(new.price * 100) AS INTEGER)) ON CONFLICT (category_id) DO UPDATE \
     SET product_count = product_count + 1, price_cents = price_cents + excluded.price_cents;";

const SQLITE_REMOVE: &str = "UPDATE category_price_totals SET product_count = product_count - 1, \
     price_cents = price_cents - CAST(ROUND(old.price * 100) AS INTEGER) WHERE category_id = old.category_id;";

const MYSQL_ADD: &str = "INSERT INTO category_price_totals (category_id, product_count, price_cents) \
     VALUES (NEW.category_id, 1, CAST(ROUND(NEW.price * 100) AS SIGNED)) ON DUPLICATE KEY UPDATE \
     product_count = product_count + 1, price_cents = price_cents + VALUES(price_cents)";

const MYSQL_REMOVE: &str = "UPDATE category_price_totals SET product_count = product_count - 1, \
     price_cents = price_cents - CAST(ROUND(OLD.price * 100) AS SIGNED) WHERE category_id = OLD.category_id";

/// True when an update moves a product's price or category.
const MYSQL_MOVED: &str = "NOT (OLD.price <=> NEW.price AND OLD.category_id <=> NEW.category_id)";

/// One function for the three events; an update that moves neither price nor category is a
/// no-op (`UPDATE OF` fires for columns that are set, changed or not).
const POSTGRES_FUNCTION: &str = "CREATE FUNCTION category_price_totals_keep() RETURNS trigger \
     LANGUAGE plpgsql AS $$ \
     BEGIN \
       IF TG_OP = 'UPDATE' AND OLD.price = NEW.price AND OLD.category_id = NEW.category_id THEN \
         RETURN NULL; \
       END IF; \
       IF TG_OP <> 'INSERT' THEN \
         UPDATE category_price_totals SET product_count = product_count - 1, \
           price_cents = price_cents - CAST(ROUND(OLD.price * 100) AS BIGINT) WHERE category_id = OLD.category_id; \
       END IF; \
       IF TG_OP <> 'DELETE' THEN \
         INSERT INTO category_price_totals (category_id, product_count, price_cents) \
           VALUES (NEW.category_id, 1, CAST(ROUND(NEW.price * 100) AS BIGINT)) ON CONFLICT (category_id) DO UPDATE \
           SET product_count = category_price_totals.product_count + 1, \
             price_cents = category_price_totals.price_cents + excluded.price_cents; \
       END IF; \
       RETURN NULL; \
     END $$";

/// The triggers, by name, with their SQL per dialect.
fn triggers() -> Vec<(&'static str, RawSql)> {
    vec![
        (
            "products_price_totals_ai",
            RawSql {
                sqlite: Some(format!(
                    "CREATE TRIGGER products_price_totals_ai AFTER INSERT ON products BEGIN {SQLITE_ADD} END"
                )),
                postgres: None,
                mysql: Some(format!(
                    "CREATE TRIGGER products_price_totals_ai AFTER INSERT ON products FOR EACH ROW {MYSQL_ADD}"
                )),
            },
        ),
        (
            "products_price_totals_ad",
            RawSql {
                sqlite: Some(format!(
                    "CREATE TRIGGER products_price_totals_ad AFTER DELETE ON products BEGIN {SQLITE_REMOVE} END"
                )),
                postgres: None,
                mysql: Some(format!(
                    "CREATE TRIGGER products_price_totals_ad AFTER DELETE ON products FOR EACH ROW {MYSQL_REMOVE}"
                )),
            },
        ),
        (
            "products_price_totals_au",
            RawSql {
                sqlite: Some(format!(
                    "CREATE TRIGGER products_price_totals_au AFTER UPDATE OF price, category_id ON products \
                     WHEN old.price IS NOT new.price OR old.category_id IS NOT new.category_id \
                     BEGIN {SQLITE_REMOVE} {SQLITE_ADD} END"
                )),
                postgres: None,
                mysql: None,
            },
        ),
        // MySQL has no `UPDATE OF` (every update fires, and most, stock, change neither) and a
        // BEGIN ... END body cannot pass through the `mysql` client in offline SQL: two
        // single-statement triggers, which fire in creation order, each guarded by the change.
        (
            "products_price_totals_au_remove",
            RawSql {
                sqlite: None,
                postgres: None,
                mysql: Some(format!(
                    "CREATE TRIGGER products_price_totals_au_remove AFTER UPDATE ON products FOR EACH ROW \
                     {MYSQL_REMOVE} AND {MYSQL_MOVED}"
                )),
            },
        ),
        (
            "products_price_totals_au_add",
            RawSql {
                sqlite: None,
                postgres: None,
                mysql: Some(format!(
                    "CREATE TRIGGER products_price_totals_au_add AFTER UPDATE ON products FOR EACH ROW \
                     INSERT INTO category_price_totals (category_id, product_count, price_cents) \
                     SELECT NEW.category_id, 1, CAST(ROUND(NEW.price * 100) AS SIGNED) FROM DUAL \
                     WHERE {MYSQL_MOVED} ON DUPLICATE KEY UPDATE \
                     product_count = product_count + 1, price_cents = price_cents + VALUES(price_cents)"
                )),
            },
        ),
        (
            "products_price_totals",
            RawSql {
                sqlite: None,
                postgres: Some(
                    "CREATE TRIGGER products_price_totals AFTER INSERT OR DELETE OR UPDATE OF price, category_id \
                     ON products FOR EACH ROW EXECUTE FUNCTION category_price_totals_keep()"
                        .to_owned(),
                ),
                mysql: None,
            },
        ),
    ]
}

fn upgrade(op: &mut Ops) {
    op.create_table("category_price_totals", |t| {
        t.add(Column::new("category_id", T::Integer))
            .add(Column::new("product_count", T::BigInteger))
            .add(Column::new("price_cents", T::BigInteger))
            .primary_key(&["category_id"]);
    });
    op.execute_per_dialect(per_dialect(FILL));
    op.execute_per_dialect(RawSql { postgres: Some(POSTGRES_FUNCTION.to_owned()), ..RawSql::default() });
    for (_, sql) in triggers() {
        op.execute_per_dialect(sql);
    }
}

fn downgrade(op: &mut Ops) {
    for (name, sql) in triggers() {
        let drop = |created: &Option<String>| created.as_ref().map(|_| format!("DROP TRIGGER {name}"));
        let postgres = sql.postgres.as_ref().map(|_| format!("DROP TRIGGER {name} ON products"));
        op.execute_per_dialect(RawSql { sqlite: drop(&sql.sqlite), postgres, mysql: drop(&sql.mysql) });
    }
    op.execute_per_dialect(RawSql {
        postgres: Some("DROP FUNCTION category_price_totals_keep()".to_owned()),
        ..RawSql::default()
    });
    op.drop_table("category_price_totals");
}
