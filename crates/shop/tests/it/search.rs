//! `GET /products` search: the list filters, the `filter` language, keyset cursors, and
//! malicious input. The property tests compare the API with a plain Rust filter over the same
//! random catalog, on every database.

use axum::http::StatusCode;
use chrono::{DateTime, TimeZone, Utc};
use migrate::testing::dialects;
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::Value;
use shop::entity::products;

use crate::support::{Reply, TestApp};

use crate::search_model as model;

use model::{Catalog, Rng, Row};

const BASE: &str = "/api/v1/products";

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn ids(reply: &Reply) -> Vec<i64> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{} {}", reply.status, reply.body))
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect()
}

/// Inserts the random catalog; rows come back with their ids.
async fn insert_catalog(app: &TestApp, catalog: &mut Catalog) {
    model::insert(&app.conn, catalog).await;
}

/// Every page of `query`, followed by cursor: the ids in order, and the totals reported.
async fn all_pages(app: &TestApp, query: &str, limit: u64) -> (Vec<i64>, Vec<u64>) {
    let mut out = Vec::new();
    let mut totals = Vec::new();
    let mut url = format!("{BASE}?{query}&limit={limit}");
    for _ in 0..200 {
        let reply = app.get(&url).await;
        assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.body);
        out.extend(ids(&reply));
        totals.push(reply.body["total"].as_u64().unwrap());
        match reply.body["next_cursor"].as_str() {
            Some(cursor) => url = format!("{BASE}?{query}&limit={limit}&cursor={}", encode(cursor)),
            None => return (out, totals),
        }
    }
    panic!("{query}: paging does not end");
}

#[tokio::test]
async fn random_filters_and_sorts_match_a_rust_filter_and_page_exactly() {
    let seed = model::seed();
    for dialect in dialects() {
        let app = TestApp::new(dialect).await;
        let mut rng = Rng::new(seed);
        let mut catalog = Catalog::random(&mut rng, 45);
        insert_catalog(&app, &mut catalog).await;
        for case in 0..70 {
            let search = catalog.random_search(&mut rng);
            let expected = catalog.expected(&search);
            let limit = rng.below(8) + 1;
            let query = search.query();
            let context = format!("{dialect} seed={seed} case={case} query={query}");
            let (got, totals) = all_pages(&app, &query, limit).await;
            assert_eq!(got, expected, "{context}");
            assert!(totals.iter().all(|t| *t == expected.len() as u64), "{context}: totals {totals:?}");
            // The same order by offset, and the same total on any page, the last ones and
            // those past the end included (they settle it without a count, or must count).
            let skip = rng.below(expected.len() as u64 + 3);
            let reply = app.get(&format!("{BASE}?{query}&limit={limit}&skip={skip}")).await;
            let by_offset: Vec<i64> = expected.iter().skip(skip as usize).take(limit as usize).copied().collect();
            assert_eq!(ids(&reply), by_offset, "{context} skip={skip}");
            assert_eq!(reply.body["total"], expected.len(), "{context} skip={skip}");
        }
    }
}

#[tokio::test]
async fn keyset_paging_visits_every_row_once_under_every_sort() {
    let seed = model::seed() ^ 0x5eed;
    for dialect in dialects() {
        let app = TestApp::new(dialect).await;
        let mut rng = Rng::new(seed);
        let mut catalog = Catalog::random(&mut rng, 30);
        insert_catalog(&app, &mut catalog).await;
        let mut everything: Vec<i64> = catalog.rows.iter().map(|r| i64::from(r.id)).collect();
        everything.sort_unstable();
        for field in model::SORTABLE {
            for descending in [false, true] {
                for second in [None, Some("-price"), Some("supplier_id")] {
                    let mut sort = format!("{}{field}", if descending { "-" } else { "" });
                    if let Some(second) = second.filter(|s| !s.ends_with(field)) {
                        sort = format!("{sort},{second}");
                    }
                    let search = model::Search { sort: sort.clone(), ..Default::default() };
                    let expected = catalog.expected(&search);
                    let (got, _) = all_pages(&app, &search.query(), 4).await;
                    assert_eq!(got, expected, "{dialect} sort={sort} seed={seed}");
                    let mut seen = got.clone();
                    seen.sort_unstable();
                    assert_eq!(seen, everything, "{dialect} sort={sort}: every row exactly once");
                }
            }
        }
    }
}

/// A small fixed catalog for the named examples.
async fn fixed(app: &TestApp) -> Catalog {
    let t = |d: u32| Utc.with_ymd_and_hms(2024, 1, d, 12, 0, 0).single().unwrap();
    let row = |name: &str, desc: Option<&str>, price: i64, stock: i32, cat: i32, sup: Option<i32>, tags: &[i32]| Row {
        id: 0,
        name: name.to_owned(),
        description: desc.map(str::to_owned),
        sku: Some(format!("SKU-{}", name.to_uppercase())),
        price: Decimal::new(price, 2),
        stock_quantity: stock,
        is_active: stock != 3,
        category_id: cat,
        supplier_id: sup,
        created_at: t(u32::try_from(price % 28).unwrap() + 1),
        updated_at: t(1),
        tags: tags.to_vec(),
    };
    let mut catalog = Catalog {
        rows: vec![
            row("laptop pro", Some("Fast Laptop"), 129_999, 5, 1, Some(1), &[1]),
            row("phone", Some("Smart PHONE"), 99_900, 0, 1, Some(2), &[1, 2]),
            row("novel", None, 1_999, 40, 2, None, &[]),
            row("cookbook", Some(""), 2_499, 3, 2, Some(1), &[2]),
            row("desk lamp", Some("50% off_today"), 4_500, 12, 3, Some(3), &[3]),
        ],
    };
    insert_catalog(app, &mut catalog).await;
    catalog
}

async fn names(app: &TestApp, query: &str) -> Vec<String> {
    let reply = app.get(&format!("{BASE}?{query}&limit=100")).await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    reply.body["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

migrate::per_dialect! {
    async fn list_filters_combine(dialect) {
        let app = TestApp::new(dialect).await;
        fixed(&app).await;
        let cases: [(&str, &[&str]); 16] = [
            ("q=LAP", &["laptop pro", "desk lamp"][..1]),
            ("q=o&category_id=2", &["novel", "cookbook"]),
            ("category_id=1&category_id=3", &["laptop pro", "phone", "desk lamp"]),
            ("supplier_id=1", &["laptop pro", "cookbook"]),
            ("tag=tag2", &["phone", "cookbook"]),
            ("tag=tag2&category_id=2", &["cookbook"]),
            ("min_price=24.99&max_price=999", &["phone", "cookbook", "desk lamp"]),
            ("min_price=45", &["laptop pro", "phone", "desk lamp"]),
            ("in_stock=false", &["phone"]),
            ("in_stock=true&is_active=false", &["cookbook"]),
            ("has_description=false", &["novel", "cookbook"]),
            ("has_description=true&sort=-price", &["laptop pro", "phone", "desk lamp"]),
            ("q=%25", &[]),
            ("q=_", &[]),
            ("tag=none", &[]),
            ("category_id=2&sort=-name&in_stock=true", &["novel", "cookbook"]),
        ];
        for (query, expected) in cases {
            assert_eq!(names(&app, query).await, expected, "{dialect} {query}");
        }
    }
}

migrate::per_dialect! {
    async fn filter_expressions_follow_the_documented_semantics(dialect) {
        let app = TestApp::new(dialect).await;
        fixed(&app).await;
        let cases: [(&str, &[&str]); 15] = [
            (
                "(category_id = 2 and price < 50) or (category_id = 1 and price > 1000)",
                &["laptop pro", "novel", "cookbook"],
            ),
            (
                "category_id = 2 AND price < 50 OR category_id = 1 AnD price > 1000",
                &["laptop pro", "novel", "cookbook"],
            ),
            ("description like '%Laptop%'", &["laptop pro"]),
            ("description like '%laptop%'", &[]),
            ("description ilike '%PHONE'", &["phone"]),
            ("description like '50\\% off%'", &[]),
            ("description like '50% off\\_today'", &[]),
            ("description like '50% off_today'", &["desk lamp"]),
            ("supplier_id is null or description = ''", &["novel", "cookbook"]),
            ("not supplier_id = 1", &["phone", "desk lamp"]),
            ("supplier_id != 1", &["phone", "desk lamp"]),
            ("price not between 20 and 1000 and id in (1, 3, 5)", &["laptop pro", "novel"]),
            ("name >= 'n' and name < 'p'", &["novel"]),
            ("sku = 'SKU-PHONE' or name = 'PHONE'", &["phone"]),
            ("is_active = false or created_at >= '2024-01-28T00:00:00Z'", &["cookbook", "desk lamp"][..1]),
        ];
        for (filter, expected) in cases {
            assert_eq!(names(&app, &format!("filter={}", encode(filter))).await, expected, "{dialect} {filter}");
        }
    }
}

migrate::per_dialect! {
    async fn bad_filters_are_422_pointing_at_the_problem_and_change_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        fixed(&app).await;
        let deep = format!("{}id = 1{}", "(".repeat(10_000), ")".repeat(10_000));
        let nested = format!("{}id = 1{}", "(".repeat(100), ")".repeat(100));
        let cases: Vec<(String, &str)> = vec![
            ("1=1; drop table products".into(), "Unexpected character ';' (at position 4)"),
            ("1 = 1".into(), "Expected a field name or '(', found number 1 (at position 1)"),
            ("name = 'a\u{0}b'".into(), "NUL character (U+0000)"),
            ("id = 1; drop table products".into(), "Unexpected character ';' (at position 7)"),
            ("name = 'x'; delete from products --'".into(), "Unexpected character ';' (at position 11)"),
            ("name = 'unterminated".into(), "Unterminated string (at position 8)"),
            ("name = \"x\"".into(), "Unexpected character '\"' (at position 8)"),
            ("colour = 'red'".into(), "Unknown field 'colour'"),
            ("password_hash = 'x'".into(), "Unknown field 'password_hash'"),
            ("prïce > 1".into(), "Unexpected character 'ï' (at position 3)"),
            ("price > 99999999999999999999999999999999".into(), "is not a valid amount"),
            ("id = 99999999999999999999".into(), "out of range"),
            ("price > 'cheap'".into(), "Expected a number for 'price', found a string (at position 9)"),
            ("price > 1 or".into(), "found the end of the expression (at position 13)"),
            (deep, "at most 2000 characters"),
            (nested, "nested deeper than 32 levels"),
            ("".into(), "Expected a field name or '('"),
        ];
        let before = products::Entity::find().count(&app.conn).await.unwrap();
        for (filter, message) in cases {
            let reply = app.get(&format!("{BASE}?filter={}", encode(&filter))).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect} {filter}");
            let detail = &reply.body["detail"][0];
            assert_eq!(detail["loc"], serde_json::json!(["query", "filter"]), "{dialect}");
            let msg = detail["msg"].as_str().unwrap();
            assert!(msg.contains(message), "{dialect} {}: {msg}", &filter[..filter.len().min(40)]);
        }
        // Quotes and unicode inside strings are just data.
        for filter in ["name = 'x''; drop table products; --'", "description ilike '%ü%'", "sku in ('😀', 'ß')"] {
            let reply = app.get(&format!("{BASE}?filter={}", encode(filter))).await;
            assert_eq!(reply.status, StatusCode::OK, "{dialect} {filter}: {}", reply.body);
            assert_eq!(ids(&reply), Vec::<i64>::new(), "{dialect} {filter}");
        }
        assert_eq!(products::Entity::find().count(&app.conn).await.unwrap(), before, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn cursors_are_checked(dialect) {
        let app = TestApp::new(dialect).await;
        fixed(&app).await;
        let first = app.get(&format!("{BASE}?sort=-price&limit=2&min_price=1")).await;
        let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
        let next = app.get(&format!("{BASE}?sort=-price&limit=2&min_price=1&cursor={}", encode(&cursor))).await;
        assert_eq!(ids(&next), [5, 4], "{dialect}");
        assert_eq!(next.body["skip"], 0);

        let check = |query: String, message: &'static str, field: &'static str| {
            let app = &app;
            async move {
                let reply = app.get(&query).await;
                assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
                assert_eq!(reply.body["detail"][0]["loc"], serde_json::json!(["query", field]), "{query}");
                assert!(reply.body["detail"][0]["msg"].as_str().unwrap().starts_with(message), "{}", reply.body);
            }
        };
        let c = encode(&cursor);
        check(format!("{BASE}?sort=price&limit=2&min_price=1&cursor={c}"), "The cursor belongs to other", "cursor")
            .await;
        check(format!("{BASE}?sort=-price&limit=2&min_price=2&cursor={c}"), "The cursor belongs to other", "cursor")
            .await;
        check(format!("{BASE}?sort=-price&min_price=1&cursor={c}&skip=2"), "skip cannot be combined", "skip").await;
        check(format!("{BASE}?sort=-price&min_price=1&cursor=abc"), "Invalid cursor", "cursor").await;
        // Changing the payload without the key breaks the signature.
        let (payload, signature) = cursor.split_once('.').unwrap();
        let last = if payload.ends_with('A') { 'B' } else { 'A' };
        let forged = format!("{}{last}.{signature}", &payload[..payload.len() - 1]);
        check(format!("{BASE}?sort=-price&min_price=1&cursor={}", encode(&forged)), "Invalid cursor", "cursor").await;
        // The limit may change between pages; the last page says there is no next one.
        let rest = app.get(&format!("{BASE}?sort=-price&limit=50&min_price=1&cursor={c}")).await;
        assert_eq!(ids(&rest), [5, 4, 3], "{dialect}");
        assert_eq!(rest.body["next_cursor"], Value::Null);
    }
}

migrate::per_dialect! {
    async fn a_cursor_page_reports_the_total_its_first_page_counted(dialect) {
        let app = TestApp::new(dialect).await;
        fixed(&app).await;
        let query = "sort=-price&min_price=1";
        let first = app.get(&format!("{BASE}?{query}&limit=2")).await;
        assert_eq!(first.body["total"], 5, "{dialect}");
        let cursor = encode(first.body["next_cursor"].as_str().unwrap());
        // A product that matches, added while the client pages: the pages after the cursor
        // show it, but the total stays the one the client started with.
        crate::support::insert_product(&app.conn, "late arrival", 1).await;
        let next = app.get(&format!("{BASE}?{query}&limit=100&cursor={cursor}")).await;
        assert_eq!(next.status, StatusCode::OK, "{dialect}: {}", next.body);
        assert_eq!(next.body["total"], 5, "{dialect}");
        assert_eq!(ids(&next).len(), 4, "{dialect}: {}", next.body);
        // A new first page counts again (another URL, so the response cache has no copy).
        let fresh = app.get(&format!("{BASE}?{query}&limit=3")).await;
        assert_eq!(fresh.body["total"], 6, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn timestamps_sort_and_page_at_full_precision(dialect) {
        let app = TestApp::new(dialect).await;
        let base = Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).single().unwrap();
        let micros = |m: i64| -> DateTime<Utc> { base + chrono::Duration::microseconds(m) };
        let mut catalog = Catalog {
            rows: (0..9)
                .map(|i| Row {
                    id: 0,
                    name: format!("p{i}"),
                    description: None,
                    sku: None,
                    price: Decimal::new(100, 2),
                    stock_quantity: 1,
                    is_active: true,
                    category_id: 1,
                    supplier_id: None,
                    created_at: micros([5, 1, 5, 2, 999_999, 1, 0, 3, 5][i]),
                    updated_at: base,
                    tags: Vec::new(),
                })
                .collect(),
        };
        insert_catalog(&app, &mut catalog).await;
        for sort in ["created_at", "-created_at", "-created_at,-id", "updated_at,-created_at"] {
            let search = model::Search { sort: sort.to_owned(), ..Default::default() };
            let (got, _) = all_pages(&app, &search.query(), 2).await;
            assert_eq!(got, catalog.expected(&search), "{dialect} {sort}");
        }
        let filter = encode("created_at > '2024-05-01T08:00:00.000002Z'");
        assert_eq!(names(&app, &format!("filter={filter}&sort=created_at")).await, ["p7", "p0", "p2", "p8", "p4"]);
    }
}

/// On SQLite, FTS5's own check that its index matches the `products` rows it indexes.
async fn trigram_index_is_in_step(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.conn
        .execute_unprepared("INSERT INTO products_name_trgm (products_name_trgm) VALUES ('integrity-check')")
        .await
        .unwrap_or_else(|e| panic!("the trigram index is out of step with products: {e}"));
}

migrate::per_dialect! {
    async fn q_follows_creates_renames_and_deletes(dialect) {
        let app = TestApp::new(dialect).await;
        let category =
            app.admin(axum::http::Method::POST, "/api/v1/categories", Some(serde_json::json!({"name": "Parts"}))).await;
        let category_id = category.body["id"].as_i64().unwrap();
        let mut ids = Vec::new();
        for name in ["Ünïcode Gadget", "Blue Widget Pro", "Widget Mini", "gadget%sale"] {
            let body =
                serde_json::json!({"name": name, "price": "9.99", "stock_quantity": 1, "category_id": category_id});
            let created = app.admin(axum::http::Method::POST, BASE, Some(body)).await;
            assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
            ids.push(created.body["id"].as_i64().unwrap());
        }
        assert_eq!(names(&app, "q=widget").await, ["Blue Widget Pro", "Widget Mini"], "{dialect}");
        assert_eq!(names(&app, "q=WIDGET%20PRO").await, ["Blue Widget Pro"], "{dialect}");
        assert_eq!(names(&app, &format!("q={}", encode("nïc"))).await, ["Ünïcode Gadget"], "{dialect}");
        assert_eq!(names(&app, "q=gadget").await, ["Ünïcode Gadget", "gadget%sale"], "{dialect}");
        assert_eq!(names(&app, &format!("q={}", encode("t%s"))).await, ["gadget%sale"], "{dialect}");

        let renamed = app
            .admin(
                axum::http::Method::PUT,
                &format!("{BASE}/{}", ids[2]),
                Some(serde_json::json!({"name": "Sprocket Mini"})),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(names(&app, "q=widget").await, ["Blue Widget Pro"], "{dialect}");
        assert_eq!(names(&app, "q=sprocket").await, ["Sprocket Mini"], "{dialect}");

        let deleted = app.admin(axum::http::Method::DELETE, &format!("{BASE}/{}", ids[1]), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);
        assert_eq!(names(&app, "q=widget").await, Vec::<String>::new(), "{dialect}");
        assert_eq!(app.get(&format!("{BASE}?q=mini")).await.body["total"], 1, "{dialect}");
        if dialect == migrate::Dialect::Sqlite {
            trigram_index_is_in_step(&app).await;
        }
    }
}
