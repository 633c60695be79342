//! `/categories` and the cross-cutting HTTP behaviour exercised through it.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;

const BASE: &str = "/api/v1/categories";

migrate::per_dialect! {
    async fn crud_round_trip_with_partial_updates(dialect) {
        let app = TestApp::new(dialect).await;
        let created = app.created(BASE, json!({"name": "Electronics"})).await;
        assert_eq!(created["name"], "Electronics");
        assert_eq!(created["is_active"], true);
        let id = created["id"].as_i64().unwrap();
        let stamp = created["created_at"].as_str().unwrap();
        assert!(stamp.ends_with('Z') && stamp.len() == "2024-01-01T10:00:00.123456Z".len(), "{stamp}");

        let got = app.get(&format!("{BASE}/{id}")).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body, created, "{dialect}");

        // PATCH changes only what is sent; null clears a nullable field.
        let patched = app.admin(Method::PATCH, &format!("{BASE}/{id}"), Some(json!({"description": null}))).await;
        assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
        assert_eq!(patched.body["name"], "Electronics");
        assert_eq!(patched.body["description"], Value::Null);
        let put = app.admin(Method::PUT, &format!("{BASE}/{id}"), Some(json!({"is_active": false}))).await;
        assert_eq!(put.body["is_active"], false);
        assert_eq!(put.body["name"], "Electronics");

        app.created(BASE, json!({"name": "Books"})).await;
        let list = app.get(&format!("{BASE}/?limit=1&skip=1")).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body["total"], 2);
        assert_eq!(list.body["skip"], 1);
        assert_eq!(list.body["limit"], 1);
        assert_eq!(list.body["items"][0]["name"], "Books");
        assert_eq!(app.get(BASE).await.body["limit"], 10, "default limit");

        let deleted = app.admin(Method::DELETE, &format!("{BASE}/{id}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT);
        assert_eq!(deleted.body, Value::Null);
        let gone = app.get(&format!("{BASE}/{id}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND);
        assert_eq!(gone.body, json!({"detail": "Category not found"}));
    }
}

migrate::per_dialect! {
    async fn writes_need_an_admin(dialect) {
        let app = TestApp::new(dialect).await;
        let anonymous = app.call(Method::POST, BASE, Some(json!({"name": "X"})), None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.headers["www-authenticate"], "Bearer");
        let forged = app.call(Method::POST, BASE, Some(json!({"name": "X"})), Some("not.a.token")).await;
        assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
        let user = app.call(Method::POST, BASE, Some(json!({"name": "X"})), Some(&app.user_token.clone())).await;
        assert_eq!(user.status, StatusCode::FORBIDDEN, "{dialect}");
        assert_eq!(app.get(BASE).await.body["total"], 0, "nothing was written");
    }
}

migrate::per_dialect! {
    async fn conflicts_are_409_and_change_nothing(dialect) {
        let app = TestApp::new(dialect).await;
        let first = app.created(BASE, json!({"name": "Electronics"})).await;
        let dup = app.admin(Method::POST, BASE, Some(json!({"name": "Electronics"}))).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "{dialect}: {}", dup.body);
        assert!(dup.body["detail"].as_str().unwrap().contains("name"), "{}", dup.body);
        let other = app.created(BASE, json!({"name": "Books"})).await;
        let rename =
            app.admin(Method::PATCH, &format!("{BASE}/{}", other["id"]), Some(json!({"name": "Electronics"}))).await;
        assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect}");
        assert_eq!(app.get(&format!("{BASE}/{}", other["id"])).await.body["name"], "Books");

        // A category that still has products cannot be deleted.
        crate::support::insert_product(&app.conn, "Phone", first["id"].as_i64().unwrap() as i32).await;
        let blocked = app.admin(Method::DELETE, &format!("{BASE}/{}", first["id"]), None).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT, "{dialect}");
        assert_eq!(app.get(&format!("{BASE}/{}", first["id"])).await.status, StatusCode::OK);

        // ?include=products embeds them, in a fixed number of statements.
        app.take_statement_count();
        let with = app.get(&format!("{BASE}/{}?include=products", first["id"])).await;
        assert_eq!(with.status, StatusCode::OK);
        assert_eq!(with.body["products"][0]["name"], "Phone");
        assert_eq!(with.body["products"][0]["price"], "10.00", "{dialect}");
        assert_eq!(app.take_statement_count(), 2, "{dialect}: category + products");
        let bad = app.get(&format!("{BASE}/{}?include=owners", first["id"])).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    let long = "x".repeat(101);
    let too_long = app.admin(Method::POST, BASE, Some(json!({"name": long}))).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.locs(), [json!(["body", "name"])]);

    let empty_name = app.admin(Method::POST, BASE, Some(json!({"name": ""}))).await;
    assert_eq!(empty_name.status, StatusCode::UNPROCESSABLE_ENTITY);

    let missing = app.admin(Method::POST, BASE, Some(json!({"description": "no name"}))).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["detail"][0], json!({"loc": ["body", "name"], "msg": "Field required", "type": "missing"}));

    let unknown = app.admin(Method::POST, BASE, Some(json!({"name": "A", "colour": "red"}))).await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.locs(), [json!(["body", "colour"])]);

    let wrong_type = app.admin(Method::POST, BASE, Some(json!({"name": 5}))).await;
    assert_eq!(wrong_type.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong_type.locs(), [json!(["body", "name"])]);

    for (query, field) in [("limit=0", "limit"), ("limit=1000", "limit"), ("skip=-1", "skip"), ("limit=ten", "limit")] {
        let reply = app.get(&format!("{BASE}?{query}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(reply.locs(), [json!(["query", field])], "{query}");
    }
    for id in ["abc", "1.5", "99999999999999999999999"] {
        let reply = app.get(&format!("{BASE}/{id}")).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{id}");
        assert_eq!(reply.locs(), [json!(["path", "id"])]);
    }
    for id in ["0", "-5", "4294967296"] {
        assert_eq!(app.get(&format!("{BASE}/{id}")).await.status, StatusCode::NOT_FOUND, "{id}");
    }

    let auth = format!("Bearer {}", app.admin_token);
    let raw = |content_type: Option<&str>, body: Vec<u8>| {
        let mut builder = Request::builder().method(Method::POST).uri(BASE).header("authorization", auth.clone());
        if let Some(ct) = content_type {
            builder = builder.header("content-type", ct);
        }
        builder.body(Body::from(body)).unwrap()
    };
    let not_json = app.send(raw(Some("application/json"), b"{\"name\": ".to_vec())).await;
    assert_eq!(not_json.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_json.body["detail"][0]["type"], "json_invalid");
    let empty = app.send(raw(Some("application/json"), Vec::new())).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let form = app.send(raw(Some("application/x-www-form-urlencoded"), b"name=A".to_vec())).await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(form.body["detail"].is_string());
    let no_type = app.send(raw(None, b"{\"name\":\"A\"}".to_vec())).await;
    assert_eq!(no_type.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut huge = b"{\"name\":\"A\",\"description\":\"".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 200_000));
    huge.extend(b"\"}");
    let too_big = app.send(raw(Some("application/json"), huge)).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(app.get(BASE).await.body["total"], 0, "nothing was written");
}

#[tokio::test]
async fn every_response_has_request_id_and_process_time() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    let plain = app.get(BASE).await;
    assert!(!plain.headers["x-request-id"].is_empty());
    assert!(plain.headers["x-process-time"].to_str().unwrap().parse::<f64>().unwrap() >= 0.0);
    let echoed = app
        .send(
            Request::builder()
                .uri(format!("{BASE}/999"))
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(echoed.status, StatusCode::NOT_FOUND);
    assert_eq!(echoed.headers["x-request-id"], "abc-123");
    assert!(echoed.headers.contains_key("x-process-time"));
    // Both spellings of a collection path answer, without a redirect.
    assert_eq!(app.get(&format!("{BASE}/")).await.status, StatusCode::OK);
    assert_eq!(app.get(BASE).await.status, StatusCode::OK);
}

#[tokio::test]
async fn include_may_be_repeated() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    let category = app.created(BASE, json!({"name": "Tools"})).await;
    let id = category["id"].as_i64().unwrap();
    let repeated = app.get(&format!("{BASE}/{id}?include=products&include=products")).await;
    assert_eq!(repeated.status, StatusCode::OK);
    assert_eq!(repeated.body["products"], json!([]));
    let bad = app.get(&format!("{BASE}/{id}?include=products&include=nope")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}
