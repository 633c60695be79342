//! HTTP tests of tags.

use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};
use shop::entity::{product_tags, products};

use crate::support::{Reply, TestApp, insert_product};

const BASE: &str = "/api/v1/tags";

async fn create_named(app: &TestApp, name: &str) -> i32 {
    app.created(BASE, json!({"name": name})).await["id"].as_i64().unwrap() as i32
}

/// `count` products of a fresh category, in id order.
async fn products(app: &TestApp, count: usize) -> Vec<i32> {
    let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": "Tagged things"}))).await;
    assert_eq!(category.status, StatusCode::CREATED, "{}", category.body);
    let category_id = category.body["id"].as_i64().unwrap() as i32;
    let mut ids = Vec::new();
    for i in 0..count {
        ids.push(insert_product(&app.conn, &format!("Product {i}"), category_id).await.id);
    }
    ids
}

async fn tag(app: &TestApp, product_id: i32, tag_id: i32) {
    product_tags::ActiveModel { product_id: Set(product_id), tag_id: Set(tag_id) }.insert(&app.conn).await.unwrap();
}

async fn associations(app: &TestApp, tag_id: i32) -> u64 {
    product_tags::Entity::find().filter(product_tags::Column::TagId.eq(tag_id)).count(&app.conn).await.unwrap()
}

fn ids(reply: &Reply) -> Vec<i64> {
    reply.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

migrate::per_dialect! {
    async fn crud_round_trip_with_partial_updates(dialect) {
        let app = TestApp::new(dialect).await;
        let created = app.created(BASE, json!({"name": "new"})).await;
        assert_eq!(created["name"], "new");
        assert_eq!(created["color"], "#007bff", "default color");
        let id = created["id"].as_i64().unwrap();
        let stamp = created["created_at"].as_str().unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == "2024-01-01T10:00:00.123456Z".len(), "{stamp}");
        assert_eq!(created.as_object().unwrap().len(), 5, "{created}");

        let path = format!("{BASE}/{id}");
        let got = app.get(&path).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, created, "{dialect}");

        // PATCH and PUT change only what is sent.
        let patched = app.admin(Method::PATCH, &path, Some(json!({"color": "#28A745"}))).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["color"], "#28A745");
        assert_eq!(patched.body["name"], "new");
        let put = app.admin(Method::PUT, &path, Some(json!({"name": "fresh"}))).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(put.body["name"], "fresh");
        assert_eq!(put.body["color"], "#28A745");
        assert_eq!(put.body["created_at"], created["created_at"]);
        let both = app.admin(Method::PATCH, &path, Some(json!({"name": "new", "color": "#28a745"}))).await;
        assert_eq!(both.body["name"], "new");
        assert_eq!(both.body["color"], "#28a745");
        let empty = app.admin(Method::PUT, &path, Some(json!({}))).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert_eq!(empty.body["name"], "new");
        assert_eq!(app.get(&path).await.body, empty.body, "{dialect}");

        let sale = app.created(BASE, json!({"name": "sale", "color": "#dc3545"})).await;
        assert_eq!(sale["color"], "#dc3545");
        app.created(BASE, json!({"name": "x".repeat(50)})).await;
        let list = app.get(&format!("{BASE}/?limit=1&skip=1")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body["total"], 3);
        assert_eq!(list.body["skip"], 1);
        assert_eq!(list.body["limit"], 1);
        assert_eq!(list.body["items"][0]["name"], "sale");
        let all = app.get(BASE).await;
        assert_eq!(all.body["limit"], 10, "default limit");
        assert_eq!(all.body["items"][0]["name"], "new", "by id");

        let deleted = app.admin(Method::DELETE, &path, None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
        let gone = app.get(&path).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body, json!({"detail": "Tag not found"}));
        assert_eq!(app.get(BASE).await.body["total"], 2);
    }
}

migrate::per_dialect! {
    async fn missing_tags_are_404(dialect) {
        let app = TestApp::new(dialect).await;
        for id in ["999", "0", "-5", "4294967296"] {
            let path = format!("{BASE}/{id}");
            let get = app.get(&path).await;
            assert_eq!(get.status, StatusCode::NOT_FOUND, "{dialect} {id}");
            assert_eq!(get.body, json!({"detail": "Tag not found"}));
            for method in [Method::PUT, Method::PATCH] {
                let reply = app.admin(method.clone(), &path, Some(json!({"name": "x"}))).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{dialect} {method} {id}");
            }
            assert_eq!(app.admin(Method::DELETE, &path, None).await.status, StatusCode::NOT_FOUND, "{dialect} {id}");
            let products = app.get(&format!("{path}/products")).await;
            assert_eq!(products.status, StatusCode::NOT_FOUND, "{dialect} {id}");
            assert_eq!(products.body, json!({"detail": "Tag not found"}));
        }
        let bad = app.get(&format!("{BASE}/abc/products")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.locs(), [json!(["path", "id"])]);
        assert_eq!(app.get(BASE).await.body["total"], 0, "nothing was written");
    }
}

migrate::per_dialect! {
    async fn writes_need_an_admin(dialect) {
        let app = TestApp::new(dialect).await;
        let existing = app.created(BASE, json!({"name": "new"})).await;
        let path = format!("{BASE}/{}", existing["id"]);
        let body = json!({"name": "sale"});
        let writes = [
            (Method::POST, BASE.to_owned(), Some(body.clone())),
            (Method::PUT, path.clone(), Some(body.clone())),
            (Method::PATCH, path.clone(), Some(body.clone())),
            (Method::DELETE, path.clone(), None),
        ];
        for (method, uri, body) in writes {
            let anonymous = app.call(method.clone(), &uri, body.clone(), None).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{dialect} {method}");
            assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
            let user = app.call(method.clone(), &uri, body, Some(&app.user_token.clone())).await;
            assert_eq!(user.status, StatusCode::FORBIDDEN, "{dialect} {method}");
        }
        assert_eq!(app.get(BASE).await.body["total"], 1, "nothing was written");
        assert_eq!(app.get(&path).await.body, existing, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn duplicate_names_are_409_and_change_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        app.created(BASE, json!({"name": "new", "color": "#28a745"})).await;
        let dup = app.admin(Method::POST, BASE, Some(json!({"name": "new", "color": "#000000"}))).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{dialect}: {}", dup.body);
        assert!(dup.body["detail"].as_str().unwrap().contains("name"), "{}", dup.body);
        assert_eq!(app.get(BASE).await.body["total"], 1);

        let other = app.created(BASE, json!({"name": "sale", "color": "#dc3545"})).await;
        let path = format!("{BASE}/{}", other["id"]);
        for method in [Method::PATCH, Method::PUT] {
            let rename = app.admin(method.clone(), &path, Some(json!({"name": "new", "color": "#000000"}))).await;
            assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect} {method}: {}", rename.body);
            assert!(rename.body["detail"].as_str().unwrap().contains("name"), "{}", rename.body);
        }
        assert_eq!(app.get(&path).await.body, other, "{dialect}: unchanged");
    }
}

migrate::per_dialect! {
    async fn bad_input_is_422_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let existing = app.created(BASE, json!({"name": "new", "color": "#28a745"})).await;
        let path = format!("{BASE}/{}", existing["id"]);
        let cases = [
            (json!({"name": "a", "color": "blue"}), "color"),
            (json!({"name": "a", "color": "#12345"}), "color"),
            (json!({"name": "a", "color": "#GGGGGG"}), "color"),
            (json!({"name": "a", "color": "#1234567"}), "color"),
            (json!({"name": "a", "color": "007bff"}), "color"),
            (json!({"name": "a", "color": 123}), "color"),
            (json!({"name": "x".repeat(51)}), "name"),
            (json!({"name": ""}), "name"),
            (json!({"name": "a", "priority": 1}), "priority"),
        ];
        for (body, field) in &cases {
            let created = app.admin(Method::POST, BASE, Some(body.clone())).await;
            assert_eq!(created.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect} POST {body}: {}", created.body);
            assert_eq!(created.locs(), [json!(["body", field])], "{body}");
            for method in [Method::PUT, Method::PATCH] {
                let updated = app.admin(method.clone(), &path, Some(body.clone())).await;
                assert_eq!(updated.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect} {method} {body}");
                assert_eq!(updated.locs(), [json!(["body", field])], "{method} {body}");
            }
        }
        let blue = app.admin(Method::POST, BASE, Some(json!({"name": "a", "color": "blue"}))).await;
        assert_eq!(blue.body["detail"][0]["type"], "string_pattern_mismatch");
        let missing = app.admin(Method::POST, BASE, Some(json!({"color": "#000000"}))).await;
        assert_eq!(
            missing.body["detail"][0],
            json!({"loc": ["body", "name"], "msg": "Field required", "type": "missing"})
        );
        for query in ["limit=0", "limit=101", "skip=-1"] {
            assert_eq!(app.get(&format!("{BASE}?{query}")).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            let products = app.get(&format!("{path}/products?{query}")).await;
            assert_eq!(products.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(products.locs().len(), 1, "{query}");
        }

        assert_eq!(app.get(BASE).await.body["total"], 1, "{dialect}: nothing was written");
        assert_eq!(app.get(&path).await.body, existing, "{dialect}: nothing was changed");
    }
}

migrate::per_dialect! {
    async fn tag_products_are_paged_in_a_fixed_number_of_statements(dialect) {
        let app = TestApp::new(dialect).await;
        let new = create_named(&app, "new").await;
        let sale = create_named(&app, "sale").await;
        let empty = create_named(&app, "eco").await;
        let all = products(&app, 8).await;
        // Tagged out of order, so the answer's order comes from the query.
        for &product in all.iter().rev().step_by(2) {
            tag(&app, product, new).await;
        }
        tag(&app, all[0], new).await;
        tag(&app, all[1], sale).await;
        let mut expected: Vec<i64> = all.iter().rev().step_by(2).map(|&id| i64::from(id)).collect();
        expected.push(i64::from(all[0]));
        expected.sort_unstable();
        assert_eq!(expected.len(), 5);

        app.take_statement_count();
        let page = app.get(&format!("{BASE}/{new}/products")).await;
        assert_eq!(page.status, StatusCode::OK, "{dialect}: {}", page.body);
        assert_eq!(app.take_statement_count(), 2, "{dialect}: tag + page, its count read along");
        assert_eq!(ids(&page), expected, "{dialect}: by id");
        assert_eq!(page.body["total"], 5);
        assert_eq!(page.body["skip"], 0);
        assert_eq!(page.body["limit"], 10);
        let first = &page.body["items"][0];
        assert_eq!(first["name"], "Product 0");
        assert_eq!(first["price"], "10.00", "{dialect}");
        let stored = products::Entity::find_by_id(all[0]).one(&app.conn).await.unwrap().unwrap();
        assert_eq!(first["category_id"], stored.category_id);
        assert_eq!(first["supplier_id"], Value::Null);

        app.take_statement_count();
        let paged = app.get(&format!("{BASE}/{new}/products/?skip=1&limit=2")).await;
        assert_eq!(paged.status, StatusCode::OK);
        assert_eq!(app.take_statement_count(), 2, "{dialect}: the same for a page");
        assert_eq!(ids(&paged), expected[1..3], "{dialect}");
        assert_eq!(paged.body["total"], 5);
        assert_eq!(paged.body["skip"], 1);
        assert_eq!(paged.body["limit"], 2);

        let one = app.get(&format!("{BASE}/{sale}/products")).await;
        assert_eq!(app.take_statement_count(), 2, "{dialect}: however many products");
        assert_eq!(ids(&one), [i64::from(all[1])]);
        assert_eq!(one.body["total"], 1);

        let none = app.get(&format!("{BASE}/{empty}/products")).await;
        assert_eq!(none.status, StatusCode::OK);
        assert_eq!(none.body, json!({"items": [], "total": 0, "total_relation": "eq", "skip": 0, "limit": 10}));
        let past = app.get(&format!("{BASE}/{new}/products?skip=100")).await;
        assert_eq!(past.body["items"], json!([]));
        assert_eq!(past.body["total"], 5);
    }
}

migrate::per_dialect! {
    async fn deleting_a_tag_removes_its_associations_only(dialect) {
        let app = TestApp::new(dialect).await;
        let new = create_named(&app, "new").await;
        let sale = create_named(&app, "sale").await;
        let all = products(&app, 3).await;
        for &product in &all {
            tag(&app, product, new).await;
        }
        tag(&app, all[0], sale).await;
        assert_eq!(associations(&app, new).await, 3);

        let deleted = app.admin(Method::DELETE, &format!("{BASE}/{new}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{dialect}: {}", deleted.body);
        assert_eq!(associations(&app, new).await, 0, "{dialect}: cascaded");
        assert_eq!(associations(&app, sale).await, 1, "{dialect}: other tags keep theirs");
        assert_eq!(products::Entity::find().count(&app.conn).await.unwrap(), 3, "{dialect}: products stay");
        assert_eq!(app.get(&format!("{BASE}/{new}/products")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(ids(&app.get(&format!("{BASE}/{sale}/products")).await), [i64::from(all[0])]);
    }
}
