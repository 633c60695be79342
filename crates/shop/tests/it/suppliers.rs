//! HTTP tests of suppliers.

use axum::http::{Method, StatusCode};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use shop::entity::products;

use crate::support::{TestApp, insert_product};

const BASE: &str = "/api/v1/suppliers";

/// A product of a fresh category, supplied by `supplier_id`.
async fn supplied_product(app: &TestApp, name: &str, supplier_id: i64) -> i32 {
    let category =
        app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": format!("{name} category")}))).await;
    assert_eq!(category.status, StatusCode::CREATED, "{}", category.body);
    let product = insert_product(&app.conn, name, category.body["id"].as_i64().unwrap() as i32).await;
    let mut model: products::ActiveModel = product.into();
    model.supplier_id = Set(Some(supplier_id as i32));
    model.update(&app.conn).await.unwrap().id
}

/// A well-formed address of 258 characters (labels of 60).
fn long_email() -> String {
    let email = format!("sales.team@{}com", format!("{}.", "x".repeat(60)).repeat(4));
    assert_eq!(email.len(), 258);
    email
}

async fn supplier_of(app: &TestApp, product_id: i32) -> Option<i32> {
    products::Entity::find_by_id(product_id).one(&app.conn).await.unwrap().expect("product still exists").supplier_id
}

migrate::per_dialect! {
    async fn crud_round_trip_with_partial_updates(dialect) {
        let app = TestApp::new(dialect).await;
        let created = app.created(BASE, json!({"name": "TechCorp", "contact_email": "tech@corp.com", "rating": 4.5})).await;
        assert_eq!(created["name"], "TechCorp");
        assert_eq!(created["contact_email"], "tech@corp.com");
        assert_eq!(created["rating"], 4.5, "{dialect}");
        assert_eq!(created["is_active"], true);
        let id = created["id"].as_i64().unwrap();
        let stamp = created["created_at"].as_str().unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == "2024-01-01T10:00:00.123456Z".len(), "{stamp}");
        assert_eq!(created.as_object().unwrap().len(), 7, "{created}");

        let got = app.get(&format!("{BASE}/{id}")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, created, "{dialect}");

        // PATCH changes only what is sent; null clears a nullable field.
        let path = format!("{BASE}/{id}");
        let patched = app.admin(Method::PATCH, &path, Some(json!({"contact_email": null}))).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["contact_email"], Value::Null);
        assert_eq!(patched.body["rating"], 4.5);
        assert_eq!(patched.body["name"], "TechCorp");
        let put = app.admin(Method::PUT, &path, Some(json!({"rating": null, "is_active": false}))).await;
        assert_eq!(put.status, StatusCode::OK, "{}", put.body);
        assert_eq!(put.body["rating"], Value::Null);
        assert_eq!(put.body["is_active"], false);
        assert_eq!(put.body["name"], "TechCorp");
        assert_eq!(put.body["created_at"], created["created_at"]);
        let renamed = app
            .admin(
                Method::PUT,
                &path,
                Some(json!({"name": "TechCorp Ltd", "contact_email": "sales@corp.com", "rating": 0})),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(renamed.body["name"], "TechCorp Ltd");
        assert_eq!(renamed.body["contact_email"], "sales@corp.com");
        assert_eq!(renamed.body["rating"], 0.0);
        assert_eq!(renamed.body["is_active"], false);
        let empty = app.admin(Method::PATCH, &path, Some(json!({}))).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert_eq!(empty.body["name"], "TechCorp Ltd");
        assert_eq!(app.get(&path).await.body, empty.body, "{dialect}");

        // Only a name is required.
        let minimal = app.created(BASE, json!({"name": "BookWorld"})).await;
        assert_eq!(minimal["contact_email"], Value::Null);
        assert_eq!(minimal["rating"], Value::Null);
        assert_eq!(minimal["is_active"], true);
        let top = app.created(BASE, json!({"name": "SportsTech", "rating": 5})).await;
        assert_eq!(top["rating"], 5.0);

        let list = app.get(&format!("{BASE}/?limit=1&skip=1")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body["total"], 3);
        assert_eq!(list.body["skip"], 1);
        assert_eq!(list.body["limit"], 1);
        assert_eq!(list.body["items"][0]["name"], "BookWorld");
        let all = app.get(BASE).await;
        assert_eq!(all.body["limit"], 10, "default limit");
        let names: Vec<&str> =
            all.body["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["TechCorp Ltd", "BookWorld", "SportsTech"], "by id");

        let deleted = app.admin(Method::DELETE, &path, None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
        let gone = app.get(&path).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body, json!({"detail": "Supplier not found"}));
        assert_eq!(app.get(BASE).await.body["total"], 2);
    }
}

migrate::per_dialect! {
    async fn missing_suppliers_are_404(dialect) {
        let app = TestApp::new(dialect).await;
        for id in ["999", "0", "-5", "4294967296"] {
            let path = format!("{BASE}/{id}");
            let get = app.get(&path).await;
            assert_eq!(get.status, StatusCode::NOT_FOUND, "{dialect} {id}");
            assert_eq!(get.body, json!({"detail": "Supplier not found"}));
            for method in [Method::PUT, Method::PATCH] {
                let reply = app.admin(method.clone(), &path, Some(json!({"name": "X"}))).await;
                assert_eq!(reply.status, StatusCode::NOT_FOUND, "{dialect} {method} {id}");
                assert_eq!(reply.body, json!({"detail": "Supplier not found"}));
            }
            let delete = app.admin(Method::DELETE, &path, None).await;
            assert_eq!(delete.status, StatusCode::NOT_FOUND, "{dialect} {id}");
        }
        let bad = app.get(&format!("{BASE}/abc")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.locs(), [json!(["path", "id"])]);
        assert_eq!(app.get(BASE).await.body["total"], 0, "nothing was written");
    }
}

migrate::per_dialect! {
    async fn writes_need_an_admin(dialect) {
        let app = TestApp::new(dialect).await;
        let existing = app.created(BASE, json!({"name": "TechCorp"})).await;
        let path = format!("{BASE}/{}", existing["id"]);
        let body = json!({"name": "X"});
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
            let forged = app.call(method.clone(), &uri, body.clone(), Some("not.a.token")).await;
            assert_eq!(forged.status, StatusCode::UNAUTHORIZED, "{dialect} {method}");
            let user = app.call(method.clone(), &uri, body, Some(&app.user_token.clone())).await;
            assert_eq!(user.status, StatusCode::FORBIDDEN, "{dialect} {method}");
            assert_eq!(user.body, json!({"detail": "The user doesn't have enough privileges"}));
        }
        let list = app.get(BASE).await;
        assert_eq!(list.body["total"], 1, "nothing was written");
        assert_eq!(app.get(&path).await.body, existing, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn duplicate_names_are_409_and_change_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        app.created(BASE, json!({"name": "TechCorp", "rating": 4.5})).await;
        let dup = app.admin(Method::POST, BASE, Some(json!({"name": "TechCorp", "rating": 1}))).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{dialect}: {}", dup.body);
        assert!(dup.body["detail"].as_str().unwrap().contains("name"), "{}", dup.body);
        assert_eq!(app.get(BASE).await.body["total"], 1);

        let other = app.created(BASE, json!({"name": "BookWorld", "rating": 4.8})).await;
        let path = format!("{BASE}/{}", other["id"]);
        for method in [Method::PATCH, Method::PUT] {
            let rename = app.admin(method.clone(), &path, Some(json!({"name": "TechCorp", "rating": 1}))).await;
            assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect} {method}: {}", rename.body);
            assert!(rename.body["detail"].as_str().unwrap().contains("name"), "{}", rename.body);
        }
        assert_eq!(app.get(&path).await.body, other, "{dialect}: unchanged");
        // Keeping its own name is no clash.
        let same = app.admin(Method::PATCH, &path, Some(json!({"name": "BookWorld"}))).await;
        assert_eq!(same.status, StatusCode::OK, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn bad_input_is_422_and_changes_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let existing = app.created(BASE, json!({"name": "TechCorp", "contact_email": "tech@corp.com", "rating": 4.5})).await;
        let path = format!("{BASE}/{}", existing["id"]);
        let cases = [
            (json!({"name": "A", "contact_email": "not-an-email"}), "contact_email"),
            (json!({"name": "A", "contact_email": long_email()}), "contact_email"),
            (json!({"name": "A", "rating": 5.5}), "rating"),
            (json!({"name": "A", "rating": -1}), "rating"),
            (json!({"name": "A", "rating": "high"}), "rating"),
            (json!({"name": ""}), "name"),
            (json!({"name": "x".repeat(101)}), "name"),
            (json!({"name": "A", "website": "https://corp.com"}), "website"),
            (json!({"name": "A", "is_active": "maybe"}), "is_active"),
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
        let high = app.admin(Method::POST, BASE, Some(json!({"name": "A", "rating": 5.5}))).await;
        assert_eq!(high.body["detail"][0]["type"], "less_than_equal");
        assert_eq!(high.body["detail"][0]["msg"], "Input should be less than or equal to 5");
        let low = app.admin(Method::POST, BASE, Some(json!({"name": "A", "rating": -1}))).await;
        assert_eq!(low.body["detail"][0]["type"], "greater_than_equal");
        let missing = app.admin(Method::POST, BASE, Some(json!({"rating": 3}))).await;
        assert_eq!(
            missing.body["detail"][0],
            json!({"loc": ["body", "name"], "msg": "Field required", "type": "missing"})
        );
        // Several problems at once: one entry each.
        let several = app.admin(Method::POST, BASE, Some(json!({"name": "", "contact_email": "x", "rating": 9}))).await;
        assert_eq!(several.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            several.locs(),
            [json!(["body", "contact_email"]), json!(["body", "name"]), json!(["body", "rating"])]
        );
        for query in ["limit=0", "limit=101", "skip=-1"] {
            let reply = app.get(&format!("{BASE}?{query}")).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        }

        assert_eq!(app.get(BASE).await.body["total"], 1, "{dialect}: nothing was written");
        assert_eq!(app.get(&path).await.body, existing, "{dialect}: nothing was changed");
    }
}

migrate::per_dialect! {
    async fn deleting_a_supplier_keeps_its_products_without_a_supplier(dialect) {
        let app = TestApp::new(dialect).await;
        let gone = app.created(BASE, json!({"name": "TechCorp"})).await["id"].as_i64().unwrap();
        let kept = app.created(BASE, json!({"name": "BookWorld"})).await["id"].as_i64().unwrap();
        let phone = supplied_product(&app, "Phone", gone).await;
        let laptop = supplied_product(&app, "Laptop", gone).await;
        let book = supplied_product(&app, "Book", kept).await;

        let deleted = app.admin(Method::DELETE, &format!("{BASE}/{gone}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{dialect}: {}", deleted.body);
        assert_eq!(supplier_of(&app, phone).await, None, "{dialect}");
        assert_eq!(supplier_of(&app, laptop).await, None, "{dialect}");
        assert_eq!(supplier_of(&app, book).await, Some(kept as i32), "{dialect}: other suppliers' products untouched");
        assert_eq!(products::Entity::find().all(&app.conn).await.unwrap().len(), 3, "{dialect}: no product lost");
        assert_eq!(app.get(&format!("{BASE}/{gone}")).await.status, StatusCode::NOT_FOUND);
    }
}
