//! HTTP tests of variants: CRUD under their product, attributes replaced as a whole, SKUs.

use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shop::entity::{product_variants, variant_attributes};

use crate::support::{TestApp, insert_product};

/// A product of a fresh category (the products API is tested on its own).
async fn product(app: &TestApp, name: &str) -> i64 {
    let category = app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": format!("{name} things")}))).await;
    assert_eq!(category.status, StatusCode::CREATED, "{}", category.body);
    i64::from(insert_product(&app.conn, name, category.body["id"].as_i64().unwrap() as i32).await.id)
}

fn base(product_id: i64) -> String {
    format!("/api/v1/products/{product_id}/variants")
}

fn titanium(sku: &str) -> Value {
    json!({"sku": sku, "name": "iPhone 15 Pro 256GB Natural Titanium", "price_modifier": "100.00",
        "stock_quantity": 20, "attributes": [{"name": "storage", "value": "256GB"},
            {"name": "color", "value": "Natural Titanium"}]})
}

async fn attribute_rows(app: &TestApp, variant_id: &Value) -> u64 {
    let id = variant_id.as_i64().unwrap() as i32;
    let rows = variant_attributes::Entity::find().filter(variant_attributes::Column::VariantId.eq(id));
    rows.count(&app.conn).await.unwrap()
}

async fn variant_rows(app: &TestApp) -> u64 {
    product_variants::Entity::find().count(&app.conn).await.unwrap()
}

migrate::per_dialect! {
    async fn crud_round_trip_with_attributes(dialect) {
        let app = TestApp::new(dialect).await;
        let product_id = product(&app, "iPhone 15 Pro").await;
        let created = app.created(&base(product_id), titanium("APL-IP15P-256-NT")).await;
        assert_eq!(created["product_id"], product_id);
        assert_eq!(created["sku"], "APL-IP15P-256-NT");
        assert_eq!(created["name"], "iPhone 15 Pro 256GB Natural Titanium");
        assert_eq!(created["price_modifier"], "100.00", "{dialect}");
        assert_eq!(created["stock_quantity"], 20);
        assert_eq!(created["is_active"], true, "default");
        assert_eq!(
            created["attributes"],
            json!([{"name": "storage", "value": "256GB"}, {"name": "color", "value": "Natural Titanium"}])
        );
        let stamp = created["created_at"].as_str().unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == "2024-01-01T10:00:00.123456Z".len(), "{stamp}");
        let url = format!("{}/{}", base(product_id), created["id"]);
        let got = app.get(&url).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, created, "{dialect}");

        // Defaults, and a negative modifier.
        let cheap =
            app.created(&base(product_id), json!({"sku": "CHEAP", "name": "Refurbished", "price_modifier": -50})).await;
        assert_eq!(cheap["price_modifier"], "-50.00", "{dialect}");
        assert_eq!((cheap["stock_quantity"].clone(), cheap["attributes"].clone()), (json!(0), json!([])));
        let free =
            app.created(&base(product_id), json!({"sku": "SAME", "name": "Same price", "price_modifier": "10.5"})).await;
        assert_eq!(free["price_modifier"], "10.50");

        let list = app.get(&format!("{}/?limit=2&skip=0", base(product_id))).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert_eq!(
            (list.body["total"].clone(), list.body["skip"].clone(), list.body["limit"].clone()),
            (json!(3), json!(0), json!(2))
        );
        assert_eq!(list.body["items"][0], created);
        assert_eq!(list.body["items"][1]["sku"], "CHEAP");
        let second_page = app.get(&format!("{}?skip=2", base(product_id))).await;
        assert_eq!(second_page.body["items"][0]["sku"], "SAME");

        // PATCH changes only what is sent: the attributes stay when not sent.
        let patched = app.admin(Method::PATCH, &url, Some(json!({"stock_quantity": 15, "is_active": false}))).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(
            (patched.body["stock_quantity"].clone(), patched.body["is_active"].clone()),
            (json!(15), json!(false))
        );
        assert_eq!(patched.body["attributes"], created["attributes"]);
        assert_eq!(patched.body["price_modifier"], "100.00");
        // Sending attributes replaces them all.
        let blue = json!([{"name": "color", "value": "Blue Titanium"}]);
        let put = app.admin(Method::PUT, &url, Some(json!({"attributes": blue, "price_modifier": "-0.5"}))).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(put.body["attributes"], blue);
        assert_eq!(put.body["price_modifier"], "-0.50");
        assert_eq!(put.body["sku"], "APL-IP15P-256-NT");
        assert_eq!(app.get(&url).await.body, put.body, "{dialect}");
        assert_eq!(attribute_rows(&app, &created["id"]).await, 1, "{dialect}: old attributes are gone");
        let emptied = app.admin(Method::PATCH, &url, Some(json!({"attributes": []}))).await;
        assert_eq!(emptied.body["attributes"], json!([]));
        assert_eq!(attribute_rows(&app, &created["id"]).await, 0);

        let deleted = app.admin(Method::DELETE, &url, None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
        let gone = app.get(&url).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body, json!({"detail": "Variant not found"}));
        assert_eq!(app.get(&base(product_id)).await.body["total"], 2);
    }
}

migrate::per_dialect! {
    async fn a_variant_is_only_found_under_its_own_product(dialect) {
        let app = TestApp::new(dialect).await;
        let phone = product(&app, "Phone").await;
        let laptop = product(&app, "Laptop").await;
        let variant = app.created(&base(phone), titanium("PHONE-1")).await;
        let variant_not_found = json!({"detail": "Variant not found"});
        let product_not_found = json!({"detail": "Product not found"});

        let foreign = format!("{}/{}", base(laptop), variant["id"]);
        assert_eq!(app.get(&foreign).await.body, variant_not_found, "{dialect}");
        for (method, body) in [
            (Method::PUT, Some(json!({"name": "Hijacked", "attributes": []}))),
            (Method::PATCH, Some(json!({"name": "Hijacked"}))),
            (Method::DELETE, None),
        ] {
            let reply = app.admin(method.clone(), &foreign, body).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{dialect}: {method}");
            assert_eq!(reply.body, variant_not_found);
        }
        let own = app.get(&format!("{}/{}", base(phone), variant["id"])).await;
        assert_eq!(own.body, variant, "{dialect}: unchanged");
        assert_eq!(app.get(&base(laptop)).await.body["total"], 0);

        for url in [format!("{}/999", base(phone)), format!("{}/0", base(phone))] {
            assert_eq!(app.get(&url).await.body, variant_not_found, "{url}");
            assert_eq!(app.admin(Method::DELETE, &url, None).await.body, variant_not_found, "{url}");
        }
        for url in [base(999), format!("{}/{}", base(999), variant["id"]), base(-1)] {
            let reply = app.get(&url).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{dialect}: {url}");
            assert_eq!(reply.body, product_not_found, "{url}");
        }
        let orphan = app.admin(Method::POST, &base(999), Some(titanium("ORPHAN"))).await;
        assert_eq!(orphan.body, product_not_found, "{dialect}");
        let patch_orphan = app.admin(Method::PATCH, &format!("{}/{}", base(999), variant["id"]), Some(json!({}))).await;
        assert_eq!(patch_orphan.body, product_not_found);
        assert_eq!(variant_rows(&app).await, 1);

        let bad = app.get(&format!("{}/abc", base(phone))).await;
        assert_eq!(bad.locs(), [json!(["path", "variant_id"])]);
        let bad_product = app.get(&format!("{}/1", base_raw("abc"))).await;
        assert_eq!(bad_product.locs(), [json!(["path", "id"])]);
    }
}

fn base_raw(product: &str) -> String {
    format!("/api/v1/products/{product}/variants")
}

migrate::per_dialect! {
    async fn bad_input_is_422_at_the_field_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let product_id = product(&app, "Phone").await;
        let with = |field: &str, value: Value| {
            let mut body = titanium("SKU-1");
            body[field] = value;
            body
        };
        let long_name = json!([{"name": "n".repeat(51), "value": "v"}]);
        let empty_value = json!([{"name": "color", "value": "red"}, {"name": "size", "value": ""}]);
        let cases = [
            (with("sku", json!("")), json!(["body", "sku"])),
            (with("sku", json!("s".repeat(101))), json!(["body", "sku"])),
            (with("name", json!("x".repeat(201))), json!(["body", "name"])),
            (with("stock_quantity", json!(-1)), json!(["body", "stock_quantity"])),
            (with("price_modifier", json!(1.005)), json!(["body", "price_modifier"])),
            (with("price_modifier", json!("abc")), json!(["body", "price_modifier"])),
            (with("attributes", long_name), json!(["body", "attributes", 0, "name"])),
            (with("attributes", empty_value), json!(["body", "attributes", 1, "value"])),
            (with("attributes", json!([{"name": "color"}])), json!(["body", "attributes", 0, "value"])),
            (with("attributes", json!([{"name": "a", "value": "b", "x": 1}])), json!(["body", "attributes", 0, "x"])),
            (with("colour", json!("red")), json!(["body", "colour"])),
        ];
        for (body, at) in cases {
            let reply = app.admin(Method::POST, &base(product_id), Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}: {body}");
            assert_eq!(reply.locs(), [at], "{dialect}: {body}");
        }
        let missing = app.admin(Method::POST, &base(product_id), Some(json!({"name": "No sku"}))).await;
        assert_eq!(
            missing.body["detail"][0],
            json!({"loc": ["body", "sku"], "msg": "Field required", "type": "missing"})
        );
        assert_eq!(variant_rows(&app).await, 0, "{dialect}: nothing was written");

        let variant = app.created(&base(product_id), titanium("SKU-1")).await;
        let url = format!("{}/{}", base(product_id), variant["id"]);
        for (body, at) in [
            (json!({"stock_quantity": -1}), json!(["body", "stock_quantity"])),
            (json!({"attributes": [{"name": "", "value": "red"}]}), json!(["body", "attributes", 0, "name"])),
            (json!({"price_modifier": "-1.001"}), json!(["body", "price_modifier"])),
            (json!({"product_id": 2}), json!(["body", "product_id"])),
        ] {
            let reply = app.admin(Method::PATCH, &url, Some(body.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}: {body}");
            assert_eq!(reply.locs(), [at], "{dialect}: {body}");
        }
        assert_eq!(app.get(&url).await.body, variant, "{dialect}: unchanged");
    }
}

migrate::per_dialect! {
    async fn duplicate_sku_is_409_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let phone = product(&app, "Phone").await;
        let laptop = product(&app, "Laptop").await;
        let first = app.created(&base(phone), titanium("SKU-1")).await;
        // SKUs are unique across all products.
        let dup = app.admin(Method::POST, &base(laptop), Some(titanium("SKU-1"))).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{dialect}: {}", dup.body);
        assert!(dup.body["detail"].as_str().unwrap().contains("sku"), "{}", dup.body);
        assert_eq!(variant_rows(&app).await, 1, "{dialect}");
        assert_eq!(variant_attributes::Entity::find().count(&app.conn).await.unwrap(), 2, "{dialect}: no orphans");

        // A clash on update rolls back the attribute replacement sent with it.
        let second = app.created(&base(phone), titanium("SKU-2")).await;
        let url = format!("{}/{}", base(phone), second["id"]);
        let clash = json!({"sku": "SKU-1", "attributes": [{"name": "color", "value": "red"}]});
        let rename = app.admin(Method::PUT, &url, Some(clash)).await;
        assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect}: {}", rename.body);
        assert_eq!(app.get(&url).await.body, second, "{dialect}: unchanged");
        assert_eq!(attribute_rows(&app, &second["id"]).await, 2);
        assert_eq!(app.get(&format!("{}/{}", base(phone), first["id"])).await.body, first);
    }
}

migrate::per_dialect! {
    async fn writes_need_an_admin(dialect) {
        let app = TestApp::new(dialect).await;
        let product_id = product(&app, "Phone").await;
        let variant = app.created(&base(product_id), titanium("SKU-1")).await;
        let url = format!("{}/{}", base(product_id), variant["id"]);
        let user = app.user_token.clone();
        let writes = [
            (Method::POST, base(product_id), Some(titanium("SKU-2"))),
            (Method::PUT, url.clone(), Some(json!({"name": "X"}))),
            (Method::PATCH, url.clone(), Some(json!({"name": "X"}))),
            (Method::DELETE, url.clone(), None),
        ];
        for (method, path, body) in writes {
            let anonymous = app.call(method.clone(), &path, body.clone(), None).await;
            assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
            let forbidden = app.call(method.clone(), &path, body, Some(&user)).await;
            assert_eq!(forbidden.status, StatusCode::FORBIDDEN, "{dialect}: {method} {path}");
        }
        assert_eq!(app.get(&url).await.body, variant, "nothing changed");
        assert_eq!(variant_rows(&app).await, 1);
    }
}

migrate::per_dialect! {
    async fn attributes_of_a_page_are_loaded_in_one_statement(dialect) {
        let mut counts = Vec::new();
        for count in [1, 5] {
            let app = TestApp::new(dialect).await;
            let product_id = product(&app, "Phone").await;
            for i in 0..count {
                app.created(&base(product_id), titanium(&format!("SKU-{i}"))).await;
            }
            app.take_statement_count();
            let list = app.get(&base(product_id)).await;
            let list_statements = app.take_statement_count();
            assert_eq!(list.body["items"].as_array().unwrap().len(), count);
            assert!(
                list.body["items"].as_array().unwrap().iter().all(|v| v["attributes"].as_array().unwrap().len() == 2)
            );
            let one = app.get(&format!("{}/{}", base(product_id), list.body["items"][count - 1]["id"])).await;
            assert_eq!(one.status, StatusCode::OK);
            counts.push((list_statements, app.take_statement_count()));
        }
        eprintln!("{dialect}: statements for variants list/get, 1 then 5 variants: {counts:?}");
        assert_eq!(counts[0], counts[1], "{dialect}: statements must not grow with the variants");
        // product + page (its count read along) + attributes; get: variant + attributes.
        assert_eq!(counts[0], (3, 2), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn deleting_the_product_deletes_its_variants(dialect) {
        let app = TestApp::new(dialect).await;
        let phone = product(&app, "Phone").await;
        let laptop = product(&app, "Laptop").await;
        let doomed = app.created(&base(phone), titanium("SKU-1")).await;
        app.created(&base(laptop), titanium("SKU-2")).await;
        let deleted = app.admin(Method::DELETE, &format!("/api/v1/products/{phone}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{dialect}: {}", deleted.body);
        assert_eq!(variant_rows(&app).await, 1, "{dialect}");
        assert_eq!(attribute_rows(&app, &doomed["id"]).await, 0, "{dialect}");
        let gone = app.get(&format!("{}/{}", base(phone), doomed["id"])).await;
        assert_eq!(gone.body, json!({"detail": "Product not found"}));
        assert_eq!(app.get(&base(laptop)).await.body["total"], 1);
    }
}
