//! HTTP tests of products: CRUD, money, references, SKUs, sorting, `include` and tags.

use axum::http::{Method, StatusCode};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};
use shop::entity::{suppliers, tags};

use crate::support::{Reply, TestApp};

// `include`, tags and cascades, in their own file to keep this one short.
#[path = "products_relations.rs"]
mod relations;

const BASE: &str = "/api/v1/products";

/// A category made through the API.
async fn category(app: &TestApp, name: &str) -> i64 {
    let reply = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": name}))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_i64().unwrap()
}

/// A supplier row (the suppliers API is someone else's).
async fn supplier(app: &TestApp, name: &str) -> i64 {
    let now = Utc::now();
    let model = suppliers::ActiveModel {
        name: Set(name.to_owned()),
        contact_email: Set(Some(format!("{}@example.com", name.to_lowercase()))),
        rating: Set(Some(4.5)),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    i64::from(model.insert(&app.conn).await.unwrap().id)
}

/// A tag row (the tags API is someone else's).
async fn tag(app: &TestApp, name: &str, color: &str) -> i64 {
    let now = Utc::now();
    let model = tags::ActiveModel {
        name: Set(name.to_owned()),
        color: Set(Some(color.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    i64::from(model.insert(&app.conn).await.unwrap().id)
}

fn iphone(category_id: i64) -> Value {
    json!({"name": "iPhone 15 Pro", "description": "Latest Apple smartphone", "sku": "APL-IP15P-128",
        "price": "1199.99", "stock_quantity": 50, "category_id": category_id})
}

fn names(reply: &Reply) -> Vec<String> {
    reply.body["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect()
}

async fn total(app: &TestApp) -> i64 {
    app.get(BASE).await.body["total"].as_i64().unwrap()
}

migrate::per_dialect! {
    async fn crud_round_trip_with_partial_updates(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        let supplier_id = supplier(&app, "TechCorp").await;
        let mut body = iphone(category_id);
        body["supplier_id"] = json!(supplier_id);
        let created = app.created(BASE, body).await;
        assert_eq!(created["name"], "iPhone 15 Pro");
        assert_eq!(created["price"], "1199.99", "{dialect}");
        assert_eq!(created["stock_quantity"], 50);
        assert_eq!(created["sku"], "APL-IP15P-128");
        assert_eq!(created["is_active"], true, "default");
        assert_eq!(created["category_id"], category_id);
        assert_eq!(created["supplier_id"], supplier_id);
        for relation in ["category", "supplier", "tags", "variants"] {
            assert!(created.get(relation).is_none(), "{relation} only with include");
        }
        let stamp = created["updated_at"].as_str().unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == "2024-01-01T10:00:00.123456Z".len(), "{stamp}");
        let id = created["id"].as_i64().unwrap();
        let url = format!("{BASE}/{id}");

        let got = app.get(&url).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, created, "{dialect}");

        // PATCH changes only what is sent; null clears the nullable fields.
        let cleared = json!({"description": null, "sku": null, "supplier_id": null});
        let patched = app.admin(Method::PATCH, &url, Some(cleared)).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        for field in ["description", "sku", "supplier_id"] {
            assert_eq!(patched.body[field], Value::Null, "{dialect}: {field}");
        }
        assert_eq!(patched.body["name"], "iPhone 15 Pro");
        assert_eq!(patched.body["price"], "1199.99");
        // PUT too.
        let put = app.admin(Method::PUT, &url, Some(json!({"stock_quantity": 0, "is_active": false}))).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!((put.body["stock_quantity"].clone(), put.body["is_active"].clone()), (json!(0), json!(false)));
        assert_eq!(put.body["name"], "iPhone 15 Pro");
        assert_eq!(put.body["created_at"], created["created_at"]);
        let books = category(&app, "Books").await;
        let moved = app.admin(Method::PUT, &url, Some(json!({"category_id": books, "supplier_id": supplier_id}))).await;
        assert_eq!(
            (moved.body["category_id"].clone(), moved.body["supplier_id"].clone()),
            (json!(books), json!(supplier_id))
        );
        assert_eq!(app.get(&url).await.body, moved.body);

        app.created(BASE, json!({"name": "Galaxy S24", "price": 899, "category_id": category_id})).await;
        let list = app.get(&format!("{BASE}/?limit=1&skip=1")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(
            (list.body["total"].clone(), list.body["skip"].clone(), list.body["limit"].clone()),
            (json!(2), json!(1), json!(1))
        );
        assert_eq!(names(&list), ["Galaxy S24"]);
        assert_eq!(list.body["items"][0]["stock_quantity"], 0, "default stock");
        assert_eq!(app.get(BASE).await.body["limit"], 10, "default limit");

        let deleted = app.admin(Method::DELETE, &url, None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
        let gone = app.get(&url).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body, json!({"detail": "Product not found"}));
        assert_eq!(total(&app).await, 1);
    }
}

migrate::per_dialect! {
    async fn money_is_two_decimals_out_and_number_or_string_in(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        for (sent, shown) in
            [(json!(10), "10.00"), (json!("10.5"), "10.50"), (json!(1199.99), "1199.99"), (json!("0"), "0.00")]
        {
            let made = app.created(BASE, json!({"name": "Item", "price": sent, "category_id": category_id})).await;
            assert_eq!(made["price"], shown, "{dialect}: {sent}");
            let url = format!("{BASE}/{}", made["id"]);
            assert_eq!(app.get(&url).await.body["price"], shown, "{dialect}: read back {sent}");
            let updated = app.admin(Method::PATCH, &url, Some(json!({"price": sent}))).await;
            assert_eq!(updated.body["price"], shown, "{dialect}: update {sent}");
        }
        assert_eq!(total(&app).await, 4);
    }
}

migrate::per_dialect! {
    async fn bad_input_is_422_at_the_field_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        let with = |field: &str, value: Value| {
            let mut body = iphone(category_id);
            body[field] = value;
            body
        };
        let cases = [
            (with("price", json!(-1)), "price"),
            (with("price", json!(1.005)), "price"),
            (with("price", json!("1.005")), "price"),
            (with("price", json!("abc")), "price"),
            (with("price", json!(null)), "price"),
            (with("stock_quantity", json!(-1)), "stock_quantity"),
            (with("name", json!("x".repeat(201))), "name"),
            (with("name", json!("")), "name"),
            (with("sku", json!("")), "sku"),
            (with("colour", json!("red")), "colour"),
            (with("category_id", json!("one")), "category_id"),
        ];
        for (body, field) in cases {
            let reply = app.admin(Method::POST, BASE, Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}: {body}");
            assert_eq!(reply.locs(), [json!(["body", field])], "{dialect}: {body}");
        }
        let missing =
            app.admin(Method::POST, BASE, Some(json!({"name": "No price", "category_id": category_id}))).await;
        assert_eq!(
            missing.body["detail"][0],
            json!({"loc": ["body", "price"], "msg": "Field required", "type": "missing"})
        );
        assert_eq!(total(&app).await, 0, "{dialect}: nothing was written");

        let id = app.created(BASE, iphone(category_id)).await["id"].as_i64().unwrap();
        let url = format!("{BASE}/{id}");
        for (body, field) in [
            (json!({"price": -1}), "price"),
            (json!({"price": "9.999"}), "price"),
            (json!({"stock_quantity": -1}), "stock_quantity"),
            (json!({"name": "x".repeat(201)}), "name"),
            (json!({"colour": "red"}), "colour"),
        ] {
            let reply = app.admin(Method::PATCH, &url, Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}: {body}");
            assert_eq!(reply.locs(), [json!(["body", field])], "{dialect}: {body}");
        }
        let after = app.get(&url).await.body;
        assert_eq!((after["price"].clone(), after["stock_quantity"].clone()), (json!("1199.99"), json!(50)));

        for (query, field) in [("limit=0", "limit"), ("skip=-1", "skip"), ("include=owner", "include")] {
            let reply = app.get(&format!("{BASE}?{query}")).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(reply.locs(), [json!(["query", field])], "{query}");
        }
        let bad_include = app.get(&format!("{url}?include=category,owner")).await;
        assert_eq!(bad_include.locs(), [json!(["query", "include"])]);
        let bad_id = app.get(&format!("{BASE}/abc")).await;
        assert_eq!(bad_id.locs(), [json!(["path", "id"])]);
    }
}

migrate::per_dialect! {
    async fn unknown_category_or_supplier_is_422(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        let supplier_id = supplier(&app, "TechCorp").await;
        let unknown_category = app.admin(Method::POST, BASE, Some(iphone(999))).await;
        assert_eq!(unknown_category.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");
        assert_eq!(unknown_category.locs(), [json!(["body", "category_id"])]);
        let mut body = iphone(category_id);
        body["supplier_id"] = json!(999);
        let unknown_supplier = app.admin(Method::POST, BASE, Some(body)).await;
        assert_eq!(unknown_supplier.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");
        assert_eq!(unknown_supplier.locs(), [json!(["body", "supplier_id"])]);
        let mut body = iphone(99_999_999_999);
        body["supplier_id"] = json!(-3);
        let both = app.admin(Method::POST, BASE, Some(body)).await;
        assert_eq!(both.locs(), [json!(["body", "category_id"]), json!(["body", "supplier_id"])], "{dialect}");
        assert_eq!(total(&app).await, 0, "{dialect}: nothing was written");

        let mut body = iphone(category_id);
        body["supplier_id"] = json!(supplier_id);
        let url = format!("{BASE}/{}", app.created(BASE, body).await["id"]);
        for (patch, field) in
            [(json!({"category_id": 999}), "category_id"), (json!({"supplier_id": 999}), "supplier_id")]
        {
            let reply = app.admin(Method::PUT, &url, Some(patch)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");
            assert_eq!(reply.locs(), [json!(["body", field])]);
        }
        let after = app.get(&url).await.body;
        assert_eq!(
            (after["category_id"].clone(), after["supplier_id"].clone()),
            (json!(category_id), json!(supplier_id))
        );
    }
}

migrate::per_dialect! {
    async fn duplicate_sku_is_409_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        app.created(BASE, iphone(category_id)).await;
        let mut twin = iphone(category_id);
        twin["name"] = json!("Twin");
        let dup = app.admin(Method::POST, BASE, Some(twin.clone())).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{dialect}: {}", dup.body);
        assert!(dup.body["detail"].as_str().unwrap().contains("sku"), "{}", dup.body);
        assert_eq!(total(&app).await, 1, "{dialect}");

        twin["sku"] = json!("OTHER-1");
        let other = app.created(BASE, twin).await;
        let url = format!("{BASE}/{}", other["id"]);
        let rename = app.admin(Method::PATCH, &url, Some(json!({"sku": "APL-IP15P-128", "price": 1}))).await;
        assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect}");
        assert!(rename.body["detail"].as_str().unwrap().contains("sku"));
        assert_eq!(app.get(&url).await.body, other, "{dialect}: unchanged");
        // Any number of products may have no SKU.
        for name in ["No sku 1", "No sku 2"] {
            app.created(BASE, json!({"name": name, "price": 1, "category_id": category_id})).await;
        }
        let cleared = app.admin(Method::PATCH, &url, Some(json!({"sku": null}))).await;
        assert_eq!(cleared.status, StatusCode::OK, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn writes_need_an_admin(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        let existing = app.created(BASE, iphone(category_id)).await;
        let url = format!("{BASE}/{}", existing["id"]);
        let tags_url = format!("{url}/tags");
        let user = app.user_token.clone();
        let writes = [
            (Method::POST, BASE.to_owned(), Some(json!({"name": "X", "price": 1, "category_id": category_id}))),
            (Method::PUT, url.clone(), Some(json!({"name": "X"}))),
            (Method::PATCH, url.clone(), Some(json!({"name": "X"}))),
            (Method::DELETE, url.clone(), None),
            (Method::PUT, tags_url, Some(json!({"tag_ids": []}))),
        ];
        for (method, path, body) in writes {
            let anonymous = app.call(method.clone(), &path, body.clone(), None).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
            let forbidden = app.call(method.clone(), &path, body, Some(&user)).await;
            assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{dialect}: {method} {path}");
        }
        assert_eq!(app.get(&url).await.body, existing, "nothing changed");
        assert_eq!(total(&app).await, 1);
    }
}

migrate::per_dialect! {
    async fn missing_products_are_404(dialect) {
        let app = TestApp::new(dialect).await;
        let not_found = json!({"detail": "Product not found"});
        for id in ["999", "0", "-1", "4294967296"] {
            let url = format!("{BASE}/{id}");
            assert_eq!(app.get(&url).await.body, not_found, "{dialect}: {id}");
            for (method, body) in [
                (Method::PUT, Some(json!({"name": "X"}))),
                (Method::PATCH, Some(json!({"name": "X"}))),
                (Method::DELETE, None),
            ] {
                let reply = app.admin(method.clone(), &url, body).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{dialect}: {method} {id}");
                assert_eq!(reply.body, not_found);
            }
            let tags = app.admin(Method::PUT, &format!("{url}/tags"), Some(json!({"tag_ids": []}))).await;
            assert_eq!(tags.body, not_found, "{dialect}: tags of {id}");
        }
    }
}

migrate::per_dialect! {
    async fn sort_by_several_fields_breaks_ties_by_id(dialect) {
        let app = TestApp::new(dialect).await;
        let first = category(&app, "Electronics").await;
        let second = category(&app, "Books").await;
        let supplier_id = supplier(&app, "TechCorp").await;
        let rows =
            [("b", "50", first), ("c", "10.5", second), ("a", "50", second), ("d", "30", first), ("b", "50", second)];
        for (name, price, category_id) in rows {
            app.created(BASE, json!({"name": name, "price": price, "category_id": category_id})).await;
        }
        let ids_of = |reply: &Reply| -> Vec<i64> {
            reply.body["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
        };
        let by_price = app.get(&format!("{BASE}?sort=-price,name")).await;
        assert_eq!(by_price.status, StatusCode::OK, "{}", by_price.body);
        assert_eq!(names(&by_price), ["a", "b", "b", "d", "c"], "{dialect}");
        assert_eq!(ids_of(&by_price), [3, 1, 5, 4, 2], "{dialect}: ties by id");
        let spaced = app.get(&format!("{BASE}?sort=%20-price%20,%20name")).await;
        assert_eq!(ids_of(&spaced), [3, 1, 5, 4, 2], "{dialect}: spaces are ignored");
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=-price")).await), [1, 3, 5, 4, 2], "{dialect}");
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=category_id,-price")).await), [1, 4, 3, 5, 2]);
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=-id")).await), [5, 4, 3, 2, 1]);
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=name&limit=2&skip=1")).await), [1, 5]);
        assert_eq!(ids_of(&app.get(BASE).await), [1, 2, 3, 4, 5], "by id by default");

        // Products without a supplier sort last ascending and first descending, on every database.
        app.admin(Method::PATCH, &format!("{BASE}/4"), Some(json!({"supplier_id": supplier_id}))).await;
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=supplier_id")).await), [4, 1, 2, 3, 5], "{dialect}");
        assert_eq!(ids_of(&app.get(&format!("{BASE}?sort=-supplier_id")).await), [1, 2, 3, 5, 4], "{dialect}");

        let unknown = app.get(&format!("{BASE}?sort=-price,colour")).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unknown.locs(), [json!(["query", "sort"])]);
        let msg = unknown.body["detail"][0]["msg"].as_str().unwrap();
        assert!(msg.contains("colour"), "{msg}");
        assert!(
            msg.contains("id, name, price, stock_quantity, category_id, supplier_id, created_at, updated_at"),
            "{msg}"
        );
    }
}
