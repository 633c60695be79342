//! `analytics/above-category-average`, paged and exported: every page walked by cursor, and
//! the NDJSON and CSV exports, equal the whole report computed here from the rows, in the
//! guide's order (largest premium first, compared exactly; ties by id), on a catalog full of
//! equal prices and premiums. The category totals behind it follow every kind of write.

use axum::body::Body;
use axum::http::{Method, Request};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use shop::entity::products;

use crate::search_model::Rng;
use crate::support::{Reply, TestApp};

const BASE: &str = "/api/v1/analytics/above-category-average";

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// One expected row: id, price, average and premium as the API prints them.
#[derive(Debug, PartialEq, Eq, Clone)]
struct Expected {
    id: i64,
    price: String,
    average: String,
    premium: String,
}

fn cents_text(cents: i128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `num / den` rounded half away from zero, for non-negative `num`.
fn rounded(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

/// The whole report from the products' (id, category, price in cents), in order.
fn expected(rows: &[(i64, i32, i64)]) -> Vec<Expected> {
    let mut ranked: Vec<(i128, i128, i64, Expected)> = Vec::new();
    for &(id, category, price) in rows {
        let mine: Vec<i128> = rows.iter().filter(|r| r.1 == category).map(|r| i128::from(r.2)).collect();
        let (n, s) = (mine.len() as i128, mine.iter().sum::<i128>());
        let excess = i128::from(price) * n - s;
        if excess > 0 {
            let row = Expected {
                id,
                price: cents_text(i128::from(price)),
                average: cents_text(rounded(s, n)),
                premium: cents_text(rounded(excess, n)),
            };
            ranked.push((excess, n, id, row));
        }
    }
    // The exact premium excess / n, largest first; ties by id.
    ranked.sort_by(|a, b| (b.0 * a.1).cmp(&(a.0 * b.1)).then(a.2.cmp(&b.2)));
    ranked.into_iter().map(|r| r.3).collect()
}

fn row_of(v: &Value) -> Expected {
    Expected {
        id: v["product_id"].as_i64().unwrap(),
        price: v["price"].as_str().unwrap().to_owned(),
        average: v["category_avg_price"].as_str().unwrap().to_owned(),
        premium: v["price_premium"].as_str().unwrap().to_owned(),
    }
}

/// Four categories of products whose prices repeat, so equal premiums abound within and
/// across categories. Returns (id, category, cents) of each.
async fn insert_catalog(app: &TestApp, rng: &mut Rng, per_category: u64) -> Vec<(i64, i32, i64)> {
    let mut rows = Vec::new();
    for (name, step) in [("Tools", 25), ("Toys", 50), ("Books", 100), ("Garden", 7)] {
        let category = app.created("/api/v1/categories", json!({"name": name})).await;
        let category_id = i32::try_from(category["id"].as_i64().unwrap()).unwrap();
        let models: Vec<products::ActiveModel> = (0..per_category)
            .map(|i| {
                let cents = 1000 + i64::try_from(rng.below(12)).unwrap() * step;
                super::support::product_row(format!("{name} {i}"), Decimal::new(cents, 2), category_id)
            })
            .collect();
        products::Entity::insert_many(models).exec(&app.conn).await.unwrap();
    }
    rows.extend(current_rows(app).await);
    rows
}

/// (id, category, cents) of every product now.
async fn current_rows(app: &TestApp) -> Vec<(i64, i32, i64)> {
    let all = products::Entity::find().all(&app.conn).await.unwrap();
    all.iter().map(|p| (i64::from(p.id), p.category_id, (p.price * Decimal::ONE_HUNDRED).to_i64().unwrap())).collect()
}

/// Every page by cursor: the rows, and each page's (total, relation).
async fn walk(app: &TestApp, limit: u64) -> (Vec<Expected>, Vec<(Value, Value)>) {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    let mut url = format!("{BASE}?limit={limit}");
    for _ in 0..500 {
        let reply = app.get(&url).await;
        assert_eq!(reply.status, 200, "{url}: {}", reply.body);
        let page = reply.body["data"].as_array().unwrap();
        assert!(page.len() as u64 <= limit);
        rows.extend(page.iter().map(row_of));
        totals.push((reply.body["total"].clone(), reply.body["total_relation"].clone()));
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => url = format!("{BASE}?limit={limit}&cursor={}", encode(cursor)),
            None => return (rows, totals),
        }
    }
    panic!("paging does not end");
}

async fn export(app: &TestApp, accept: &str, query: &str) -> Reply {
    let request = Request::builder().uri(format!("{BASE}{query}")).header("accept", accept).body(Body::empty());
    app.send(request.unwrap()).await
}

fn text(reply: &Reply) -> String {
    match &reply.body {
        Value::String(s) => s.clone(),
        // A single NDJSON line parses as JSON.
        other => format!("{other}\n"),
    }
}

migrate::per_dialect! {
    async fn pages_and_exports_equal_the_whole_report(dialect) {
        let app = TestApp::new(dialect).await;
        let seed = crate::search_model::seed();
        let mut rng = Rng::new(seed);
        let rows = insert_catalog(&app, &mut rng, 40).await;
        let want = expected(&rows);
        assert!(want.len() > 40, "{dialect}: a report of {} rows", want.len());
        let context = format!("{dialect} seed={seed}");

        for limit in [1, 3, 7, 100] {
            let (got, totals) = walk(&app, limit).await;
            assert_eq!(got, want, "{context} limit={limit}");
            let n = want.len() as i64;
            assert!(totals.iter().all(|t| *t == (json!(n), json!("eq"))), "{context} limit={limit}: {totals:?}");
        }

        // NDJSON: every row, whole, in order.
        let ndjson = export(&app, "application/x-ndjson", "").await;
        assert_eq!(ndjson.status, 200, "{context}");
        assert_eq!(ndjson.headers["content-type"], "application/x-ndjson");
        assert!(ndjson.headers["content-disposition"].to_str().unwrap().contains("above-category-average.ndjson"));
        let lines: Vec<Value> = text(&ndjson).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.iter().map(row_of).collect::<Vec<_>>(), want, "{context}: ndjson");
        let page = app.get(&format!("{BASE}?limit=1000")).await;
        assert_eq!(page.body["data"], Value::from(lines.clone()), "{context}: ndjson rows are the page's rows");

        // CSV: a header, then the same rows.
        let csv = export(&app, "text/csv", "").await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
        let csv = text(&csv);
        let mut lines_csv = csv.lines();
        assert_eq!(
            lines_csv.next(),
            Some("product_id,name,price,category_name,category_avg_price,price_premium,premium_percentage")
        );
        let got: Vec<Expected> = lines_csv
            .map(|line| {
                // Names hold no comma here.
                let f: Vec<&str> = line.split(',').collect();
                Expected { id: f[0].parse().unwrap(), price: f[2].into(), average: f[4].into(), premium: f[5].into() }
            })
            .collect();
        assert_eq!(got, want, "{context}: csv");

        // The export after a cursor is the rest of the report.
        let first = app.get(&format!("{BASE}?limit=5")).await;
        let cursor = encode(first.body["next_cursor"].as_str().unwrap());
        let rest = export(&app, "application/x-ndjson", &format!("?cursor={cursor}")).await;
        let rest: Vec<Expected> =
            text(&rest).lines().map(|l| row_of(&serde_json::from_str(l).unwrap())).collect();
        assert_eq!(rest, want[5..], "{context}: export after a cursor");
    }
}

migrate::per_dialect! {
    async fn category_totals_follow_every_write(dialect) {
        let app = TestApp::new(dialect).await;
        let mut rng = Rng::new(7);
        insert_catalog(&app, &mut rng, 12).await;
        let current = async |app: &TestApp| expected(&current_rows(app).await);
        let whole = async |app: &TestApp| walk(app, 1000).await.0;
        assert_eq!(whole(&app).await, current(&app).await, "{dialect}: inserted");

        // Through the API: a new price, a move to another category, a delete, a new product.
        let ids: Vec<i64> = current(&app).await.iter().map(|r| r.id).collect();
        let categories = app.get("/api/v1/categories?limit=10").await;
        let other = categories.body["items"][2]["id"].clone();
        let patched = app.admin(Method::PATCH, &format!("/api/v1/products/{}", ids[0]), Some(json!({"price": "999.99"}))).await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        let moved = app.admin(Method::PATCH, &format!("/api/v1/products/{}", ids[1]), Some(json!({"category_id": other}))).await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        let deleted = app.admin(Method::DELETE, &format!("/api/v1/products/{}", ids[2]), None).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        let created = app.admin(Method::POST, "/api/v1/products", Some(json!({"name": "New", "price": "55.55",
            "stock_quantity": 1, "category_id": other}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(whole(&app).await, current(&app).await, "{dialect}: after API writes");

        // Plain SQL, as another tool would write (read at another limit: the response cache
        // does not see such writes until its epoch moves).
        app.conn.execute_unprepared("UPDATE products SET price = price + 3 WHERE id % 3 = 0").await.unwrap();
        app.conn.execute_unprepared("DELETE FROM products WHERE id % 5 = 0").await.unwrap();
        assert_eq!(walk(&app, 999).await.0, current(&app).await, "{dialect}: after SQL writes");
        assert_eq!(shop::service::rollup::drift(&app.conn).await.unwrap(), Vec::<String>::new(), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn bad_paging_input_is_422(dialect) {
        let app = TestApp::new(dialect).await;
        let mut rng = Rng::new(3);
        insert_catalog(&app, &mut rng, 10).await;
        for query in ["limit=0", "limit=1001", "limit=x", "cursor=garbage", "track_total=maybe"] {
            let reply = app.get(&format!("{BASE}?{query}")).await;
            assert_eq!(reply.status, 422, "{dialect} {query}: {}", reply.body);
            let field = query.split('=').next().unwrap();
            assert_eq!(reply.body["detail"][0]["loc"], json!(["query", field]), "{dialect} {query}");
        }
        // A product search's cursor is not this report's.
        let products = app.get("/api/v1/products?limit=1").await;
        let foreign = encode(products.body["next_cursor"].as_str().unwrap());
        let reply = app.get(&format!("{BASE}?cursor={foreign}")).await;
        assert_eq!(reply.status, 422, "{dialect}: {}", reply.body);
        let reply = export(&app, "text/csv", &format!("?cursor={foreign}")).await;
        assert_eq!(reply.status, 422, "{dialect}: {}", reply.body);
        // An altered cursor.
        let page = app.get(&format!("{BASE}?limit=2")).await;
        let cursor = page.body["next_cursor"].as_str().unwrap();
        let (payload, signature) = cursor.split_once('.').unwrap();
        let altered = format!("{payload}A.{signature}");
        assert_eq!(app.get(&format!("{BASE}?cursor={}", encode(&altered))).await.status, 422, "{dialect}");
    }
}
