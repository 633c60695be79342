//! `/webhooks`: admin only, the secret shown once, validation, changes and deletion.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::WEBHOOKS;
use crate::support::TestApp;

migrate::per_dialect! {
    async fn webhooks_are_admin_only_and_show_their_secret_once(dialect) {
        let app = TestApp::new(dialect).await;
        let body = json!({"url": "https://erp.example.com/hooks", "events": ["order.created", "order.created", "product.low_stock"], "description": "ERP"});
        let user = app.call(Method::POST, WEBHOOKS, Some(body.clone()), Some(&app.user_token.clone())).await;
        assert_eq!(user.status, StatusCode::FORBIDDEN, "{dialect}");
        let anonymous = app.call(Method::GET, WEBHOOKS, None, None).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{dialect}");

        let created = app.created(WEBHOOKS, body).await;
        let secret = created["secret"].as_str().unwrap();
        assert!(secret.starts_with("whsec_") && secret.len() > 30, "{dialect}: {created}");
        assert_eq!(created["events"], json!(["order.created", "product.low_stock"]), "{dialect}");
        assert_eq!(created["is_active"], true, "{dialect}");
        let id = created["id"].as_i64().unwrap();

        let read = app.admin(Method::GET, &format!("{WEBHOOKS}/{id}"), None).await;
        assert_eq!(read.status, StatusCode::OK, "{dialect}");
        assert!(read.body.get("secret").is_none(), "{dialect}: {}", read.body);
        let listed = app.admin(Method::GET, WEBHOOKS, None).await;
        assert_eq!(listed.body["total"], 1, "{dialect}");
        assert!(listed.body["items"][0].get("secret").is_none(), "{dialect}");

        let changed = app
            .admin(Method::PATCH, &format!("{WEBHOOKS}/{id}"), Some(json!({"events": ["order.status_changed"], "description": null})))
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{dialect}: {}", changed.body);
        assert_eq!(changed.body["events"], json!(["order.status_changed"]), "{dialect}");
        assert_eq!(changed.body["description"], serde_json::Value::Null, "{dialect}");
        assert_eq!(changed.body["url"], "https://erp.example.com/hooks", "{dialect}");

        let deleted = app.admin(Method::DELETE, &format!("{WEBHOOKS}/{id}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{dialect}");
        let gone = app.admin(Method::GET, &format!("{WEBHOOKS}/{id}"), None).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{dialect}");
        let no_log = app.admin(Method::GET, &format!("{WEBHOOKS}/{id}/deliveries"), None).await;
        assert_eq!(no_log.status, StatusCode::NOT_FOUND, "{dialect}");
    }
}

#[tokio::test]
async fn bad_webhooks_are_refused_with_the_field_named() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    for (body, field) in [
        (json!({"url": "ftp://example.com/x", "events": ["order.created"]}), "url"),
        (json!({"url": "not a url", "events": ["order.created"]}), "url"),
        (json!({"url": "https://user:pw@example.com/x", "events": ["order.created"]}), "url"),
        (json!({"url": "https://example.com/x", "events": []}), "events"),
        (json!({"url": "https://example.com/x", "events": ["order.shipped"]}), "events"),
        (json!({"url": "https://example.com/x"}), "events"),
        (json!({"url": "https://example.com/x", "events": ["order.created"], "secret": "mine"}), "secret"),
    ] {
        let reply = app.admin(Method::POST, WEBHOOKS, Some(body.clone())).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", reply.body);
        assert!(
            reply.locs().iter().any(|loc| loc.as_array().unwrap().iter().any(|p| p == field)),
            "{body}: {}",
            reply.body
        );
    }
    let known = app
        .admin(Method::POST, WEBHOOKS, Some(json!({"url": "https://example.com/x", "events": ["order.shipped"]})))
        .await;
    let msg = known.body["detail"][0]["msg"].as_str().unwrap();
    assert!(msg.contains("order.created") && msg.contains("product.low_stock"), "{msg}");
}
