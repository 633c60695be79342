//! Analytics over the sample dataset, checked against values computed here in Rust (Decimal,
//! exact) from the same rows.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::Method;
use chrono::{Duration, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use shop::entity::{categories, order_items, orders, products, suppliers};

use crate::support::TestApp;

fn money(d: Decimal) -> String {
    format!("{:.2}", d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

fn avg(values: &[Decimal]) -> Value {
    if values.is_empty() {
        return Value::Null;
    }
    let sum: Decimal = values.iter().sum();
    Value::String(money(sum / Decimal::from(values.len())))
}

struct Data {
    products: Vec<products::Model>,
    categories: Vec<categories::Model>,
    suppliers: Vec<suppliers::Model>,
    orders: BTreeMap<i32, orders::Model>,
    items: Vec<order_items::Model>,
}

impl Data {
    async fn load(app: &TestApp) -> Self {
        let c = &app.conn;
        Self {
            products: products::Entity::find().all(c).await.unwrap(),
            categories: categories::Entity::find().all(c).await.unwrap(),
            suppliers: suppliers::Entity::find().all(c).await.unwrap(),
            orders: orders::Entity::find().all(c).await.unwrap().into_iter().map(|o| (o.id, o)).collect(),
            items: order_items::Entity::find().all(c).await.unwrap(),
        }
    }

    /// Lines of orders that count as sales.
    fn sold(&self) -> impl Iterator<Item = (&order_items::Model, &orders::Model)> {
        self.items
            .iter()
            .filter_map(|i| self.orders.get(&i.order_id).filter(|o| o.status != "cancelled").map(|o| (i, o)))
    }

    fn product(&self, id: i32) -> &products::Model {
        self.products.iter().find(|p| p.id == id).unwrap()
    }
}

async fn get(app: &TestApp, path: &str) -> Value {
    let reply = app.get(&format!("/api/v1/analytics/{path}")).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(reply.body["execution_time_ms"].as_f64().unwrap() >= 0.0);
    reply.body["data"].clone()
}

migrate::per_dialect! {
    async fn reports_equal_independently_computed_values(dialect) {
        let app = TestApp::new(dialect).await;
        shop::seed::seed_sample(&app.conn).await.unwrap();
        let d = Data::load(&app).await;

        // summary
        let active: Vec<&products::Model> = d.products.iter().filter(|p| p.is_active).collect();
        let prices: Vec<Decimal> = active.iter().map(|p| p.price).collect();
        let s = get(&app, "summary").await;
        assert_eq!(s["product_count"], active.len(), "{dialect}");
        assert_eq!(s["avg_price"], avg(&prices), "{dialect}");
        assert_eq!(s["min_price"], money(*prices.iter().min().unwrap()));
        assert_eq!(s["max_price"], money(*prices.iter().max().unwrap()));
        assert_eq!(s["total_stock"], active.iter().map(|p| i64::from(p.stock_quantity)).sum::<i64>());
        let value: Decimal = active.iter().map(|p| p.price * Decimal::from(p.stock_quantity)).sum();
        assert_eq!(s["inventory_value"], money(value), "{dialect}");

        // categories, with an empty one included
        app.admin(axum::http::Method::POST, "/api/v1/categories", Some(serde_json::json!({"name": "Empty"}))).await;
        let cats = get(&app, "categories").await;
        let cats = cats.as_array().unwrap();
        assert_eq!(cats.len(), d.categories.len() + 1);
        for c in &d.categories {
            let row = cats.iter().find(|r| r["category_id"] == c.id).unwrap();
            let mine: Vec<Decimal> = d.products.iter().filter(|p| p.category_id == c.id).map(|p| p.price).collect();
            assert_eq!(row["product_count"], mine.len(), "{dialect}");
            assert_eq!(row["avg_price"], avg(&mine), "{dialect} {}", c.name);
        }
        let empty = cats.iter().find(|r| r["category_name"] == "Empty").unwrap();
        assert_eq!((empty["product_count"].clone(), empty["avg_price"].clone()), (Value::from(0), Value::Null));
        let filtered = get(&app, "categories?min_products=3&min_avg_price=60").await;
        let expected: BTreeSet<i32> = d
            .categories
            .iter()
            .filter(|c| {
                let mine: Vec<Decimal> = d.products.iter().filter(|p| p.category_id == c.id).map(|p| p.price).collect();
                mine.len() >= 3 && mine.iter().sum::<Decimal>() / Decimal::from(mine.len()) >= Decimal::from(60)
            })
            .map(|c| c.id)
            .collect();
        let got: BTreeSet<i32> =
            filtered.as_array().unwrap().iter().map(|r| r["category_id"].as_i64().unwrap() as i32).collect();
        assert_eq!(got, expected, "{dialect}: HAVING");

        // suppliers
        let sups = get(&app, "suppliers").await;
        for s in &d.suppliers {
            let row = sups.as_array().unwrap().iter().find(|r| r["supplier_id"] == s.id).unwrap();
            let lines: Vec<_> = d.sold().filter(|(i, _)| d.product(i.product_id).supplier_id == Some(s.id)).collect();
            let orders: BTreeSet<i32> = lines.iter().map(|(i, _)| i.order_id).collect();
            let revenue: Decimal = lines.iter().map(|(i, _)| i.unit_price * Decimal::from(i.quantity)).sum();
            assert_eq!(row["total_orders"], orders.len(), "{dialect} {}", s.name);
            assert_eq!(row["total_revenue"], money(revenue), "{dialect} {}", s.name);
        }

        // best sellers
        let mut sold: BTreeMap<i32, (BTreeSet<i32>, i64)> = BTreeMap::new();
        for (i, _) in d.sold() {
            let entry = sold.entry(i.product_id).or_default();
            entry.0.insert(i.order_id);
            entry.1 += i64::from(i.quantity);
        }
        let mut ranking: Vec<(i32, usize, i64)> = sold.iter().map(|(p, (o, q))| (*p, o.len(), *q)).collect();
        ranking.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let best = get(&app, "best-sellers?limit=5").await;
        let got: Vec<(i64, i64, i64)> = best
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["product_id"].as_i64().unwrap(),
                    r["total_orders"].as_i64().unwrap(),
                    r["total_sold"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(i64, i64, i64)> =
            ranking.iter().take(5).map(|(p, o, q)| (i64::from(*p), *o as i64, *q)).collect();
        assert_eq!(got, want, "{dialect}");

        // above category average and top per category
        let above = get(&app, "above-category-average").await;
        let mut expected = Vec::new();
        for p in &d.products {
            let mine: Vec<Decimal> =
                d.products.iter().filter(|q| q.category_id == p.category_id).map(|q| q.price).collect();
            let mean = mine.iter().sum::<Decimal>() / Decimal::from(mine.len());
            if p.price > mean {
                expected.push((p.price - mean, i64::from(p.id), money(mean)));
            }
        }
        // Largest premium first, ties by id.
        expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let expected: Vec<(i64, String, String)> =
            expected.into_iter().map(|(premium, id, mean)| (id, mean, money(premium))).collect();
        let got: Vec<(i64, String, String)> = above
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["product_id"].as_i64().unwrap(),
                    r["category_avg_price"].as_str().unwrap().to_owned(),
                    r["price_premium"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(got, expected, "{dialect}");
        let top = get(&app, "top-product-per-category").await;
        for c in &d.categories {
            let row = top.as_array().unwrap().iter().find(|r| r["category_id"] == c.id).unwrap();
            let best = d
                .products
                .iter()
                .filter(|p| p.category_id == c.id)
                .max_by(|a, b| a.price.cmp(&b.price).then(b.id.cmp(&a.id)))
                .unwrap();
            assert_eq!(row["product_id"], best.id, "{dialect}");
            assert_eq!(row["highest_price"], money(best.price));
        }
        let empty = top.as_array().unwrap().iter().find(|r| r["category_name"] == "Empty").unwrap();
        assert_eq!(empty["product_id"], Value::Null);

        // recent activity
        let since = Utc::now() - Duration::days(40);
        let mut recent: BTreeMap<i32, BTreeSet<i32>> = BTreeMap::new();
        for (i, o) in d.sold() {
            if o.created_at >= since {
                recent.entry(d.product(i.product_id).category_id).or_default().insert(o.id);
            }
        }
        let got: BTreeMap<i64, i64> = get(&app, "recent-activity?days=40")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["category_id"].as_i64().unwrap(), r["recent_order_count"].as_i64().unwrap()))
            .collect();
        let want: BTreeMap<i64, i64> = recent.iter().map(|(c, o)| (i64::from(*c), o.len() as i64)).collect();
        assert_eq!(got, want, "{dialect}");

        // monthly sales
        let mut months: BTreeMap<String, (BTreeSet<i32>, i64, Decimal)> = BTreeMap::new();
        for (i, o) in d.sold() {
            let m = months.entry(o.created_at.format("%Y-%m").to_string()).or_default();
            m.0.insert(o.id);
            m.1 += i64::from(i.quantity);
            m.2 += i.unit_price * Decimal::from(i.quantity);
        }
        let monthly = get(&app, "sales/monthly?months=12").await;
        let rows = monthly.as_array().unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            let (orders, items, revenue) = &months[row["month"].as_str().unwrap()];
            assert_eq!(row["total_orders"], orders.len(), "{dialect}");
            assert_eq!(row["items_sold"], *items);
            assert_eq!(row["revenue"], money(*revenue), "{dialect}");
            assert_eq!(row["avg_order_value"], money(*revenue / Decimal::from(orders.len())));
        }
        let months_desc: Vec<&str> = rows.iter().map(|r| r["month"].as_str().unwrap()).collect();
        let mut sorted = months_desc.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(months_desc, sorted, "newest first");

        // explain returns the statement and a plan; bad parameters are 422
        let explained = app.admin(Method::GET, "/api/v1/analytics/best-sellers?explain=true", None).await;
        assert!(explained.body["sql"].as_str().unwrap().contains("product_sales"), "{dialect}");
        assert!(!explained.body["plan"].as_array().unwrap().is_empty(), "{dialect}");
        // The same for the paged report (its first statement), with its data unchanged.
        let explained = app.admin(Method::GET, "/api/v1/analytics/above-category-average?explain=true", None).await;
        assert!(explained.body["sql"].as_str().unwrap().contains("ORDER BY price DESC, id"), "{dialect}");
        assert!(!explained.body["plan"].as_array().unwrap().is_empty(), "{dialect}");
        assert_eq!(explained.body["data"], above, "{dialect}");
        assert!(explained.body["execution_time_ms"].as_f64().unwrap() >= 0.0, "{dialect}");
        for bad in [
            "best-sellers?limit=0",
            "sales/monthly?months=x",
            "categories?min_avg_price=abc",
            "recent-activity?days=-1",
        ] {
            assert_eq!(app.get(&format!("/api/v1/analytics/{bad}")).await.status, 422, "{bad}");
        }
    }
}

#[tokio::test]
async fn cached_reports_are_invalidated_by_writes_and_the_cache_can_be_turned_off() {
    use axum::http::Method;
    for (enabled, dialect) in [(true, migrate::Dialect::Sqlite), (false, migrate::Dialect::Sqlite)] {
        let app = if enabled {
            TestApp::new(dialect).await
        } else {
            TestApp::with_settings(dialect, &[("CACHE_ENABLED", "false")]).await
        };
        let category = app.admin(Method::POST, "/api/v1/categories", Some(serde_json::json!({"name": "Tools"}))).await;
        let category_id = category.body["id"].as_i64().unwrap() as i32;
        crate::support::insert_product(&app.conn, "Hammer", category_id).await;
        assert_eq!(get(&app, "summary").await["product_count"], 1);

        // Written behind the API's back: a cached report does not see it...
        crate::support::insert_product(&app.conn, "Saw", category_id).await;
        let expected = if enabled { 1 } else { 2 };
        assert_eq!(get(&app, "summary").await["product_count"], expected, "cache enabled: {enabled}");
        // ...but any write through the API invalidates, and the next read is fresh.
        app.admin(Method::POST, "/api/v1/categories", Some(serde_json::json!({"name": "Garden"}))).await;
        assert_eq!(get(&app, "summary").await["product_count"], 2);
        let categories = get(&app, "categories").await;
        assert_eq!(categories.as_array().unwrap().len(), 2);
    }
}

migrate::per_dialect! {
    /// Prices at, just above and just below averages that have no finite decimal form, up to the
    /// largest price a product can have: the test against the average and the order of equal
    /// premiums in different categories must be exact on every database.
    async fn above_category_average_is_exact_at_the_edges(dialect) {
        let app = TestApp::new(dialect).await;
        let groups: [(&str, &[&str]); 3] = [
            // The average is 10.00333...: 10.01 is above it, premium 0.00666...
            ("thirds", &["10.00", "10.00", "10.01"]),
            // The average is exactly 10.00: the product priced at it is not above it.
            ("exact", &["5.00", "15.00", "10.00"]),
            // The average is 9,999,999.98333...: the same premium as in "thirds", at the
            // largest price the API takes.
            ("largest", &["9999999.99", "9999999.98", "9999999.98"]),
        ];
        let mut ids = BTreeMap::new();
        for (name, prices) in groups {
            let category = app.admin(Method::POST, "/api/v1/categories/", Some(json!({"name": name}))).await;
            assert_eq!(category.status, 201, "{dialect}: {}", category.body);
            for (n, price) in prices.iter().enumerate() {
                let body = json!({"name": format!("{name} {n}"), "price": price, "stock_quantity": 1,
                    "category_id": category.body["id"]});
                let product = app.admin(Method::POST, "/api/v1/products/", Some(body)).await;
                assert_eq!(product.status, 201, "{dialect}: {}", product.body);
                ids.insert(format!("{name} {n}"), product.body["id"].as_i64().unwrap());
            }
        }
        let above = get(&app, "above-category-average").await;
        let got: Vec<(i64, &str, &str, &str, f64)> = above
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["product_id"].as_i64().unwrap(),
                    r["price"].as_str().unwrap(),
                    r["category_avg_price"].as_str().unwrap(),
                    r["price_premium"].as_str().unwrap(),
                    r["premium_percentage"].as_f64().unwrap(),
                )
            })
            .collect();
        let id = |name: &str| ids[name];
        assert_eq!(
            got,
            [
                (id("exact 1"), "15.00", "10.00", "5.00", 50.0),
                // Equal premiums (0.02 / 3) in two categories: by id.
                (id("thirds 2"), "10.01", "10.00", "0.01", 0.07),
                (id("largest 0"), "9999999.99", "9999999.98", "0.01", 0.0),
            ],
            "{dialect}"
        );
    }
}
