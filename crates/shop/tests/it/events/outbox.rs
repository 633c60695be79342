//! The outbox: an event exists exactly when the change that caused it committed.

use axum::http::{Method, StatusCode};
use sea_orm::TransactionTrait;
use serde_json::json;
use shop::events::{EventType, Outbox, emit};

use super::{ORDERS, all_deliveries, events_of, order, placed, product, webhook};
use crate::support::TestApp;

migrate::per_dialect! {
    async fn a_committed_order_has_one_event_and_a_rolled_back_one_none(dialect) {
        let app = TestApp::new(dialect).await;
        let (hook, _) = webhook(&app, "http://127.0.0.1:9/hook", &["order.created"]).await;
        let item = product(&app, 3).await;

        // Insufficient stock: the order's transaction rolls back, with its event.
        let refused = order(&app, item, 4).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{dialect}: {}", refused.body);
        assert!(events_of(&app, "order.created").await.is_empty(), "{dialect}");
        assert!(all_deliveries(&app).await.is_empty(), "{dialect}");

        let created = placed(&app, item, 1).await;
        let events = events_of(&app, "order.created").await;
        assert_eq!(events.len(), 1, "{dialect}");
        let (id, body) = &events[0];
        assert!(id.starts_with("msg_"), "{dialect}: {id}");
        assert_eq!(body["type"], "order.created", "{dialect}");
        assert_eq!(body["data"]["id"], created["id"], "{dialect}");
        assert_eq!(body["data"]["order_number"], created["order_number"], "{dialect}");
        assert_eq!(body["data"]["items"][0]["product_id"], item, "{dialect}");
        assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')), "{dialect}: {body}");
        let deliveries = all_deliveries(&app).await;
        assert_eq!(deliveries.len(), 1, "{dialect}");
        assert_eq!(
            (deliveries[0].webhook_id, deliveries[0].status.as_str(), deliveries[0].attempts),
            (Some(hook as i32), "pending", 0),
            "{dialect}"
        );
    }
}

migrate::per_dialect! {
    async fn an_event_written_in_a_transaction_that_rolls_back_is_gone(dialect) {
        let app = TestApp::new(dialect).await;
        webhook(&app, "http://127.0.0.1:9/hook", &["order.created"]).await;
        let txn = app.conn.begin().await.unwrap();
        emit(&txn, &Outbox::default(), EventType::OrderCreated, json!({"id": 1}), Some("a@example.com")).await.unwrap();
        txn.rollback().await.unwrap();
        assert!(events_of(&app, "order.created").await.is_empty(), "{dialect}");
        assert!(all_deliveries(&app).await.is_empty(), "{dialect}");

        let txn = app.conn.begin().await.unwrap();
        let id = emit(&txn, &Outbox::default(), EventType::OrderCreated, json!({"id": 1}), None).await.unwrap();
        txn.commit().await.unwrap();
        let events = events_of(&app, "order.created").await;
        assert_eq!(events.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>(), vec![id], "{dialect}");
        assert_eq!(all_deliveries(&app).await.len(), 1, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn status_changes_cancels_and_low_stock_each_have_their_event(dialect) {
        let app = TestApp::new(dialect).await;
        let (orders_hook, _) = webhook(&app, "http://127.0.0.1:9/a", &["order.status_changed"]).await;
        let (stock_hook, _) = webhook(&app, "http://127.0.0.1:9/b", &["product.low_stock"]).await;
        let item = product(&app, 7).await;

        // 7 -> 5: not below the threshold (5) yet; 5 -> 4 crosses it; 4 -> 3 is already below.
        let first = placed(&app, item, 2).await;
        assert!(events_of(&app, "product.low_stock").await.is_empty(), "{dialect}");
        placed(&app, item, 1).await;
        placed(&app, item, 1).await;
        let low = events_of(&app, "product.low_stock").await;
        assert_eq!(low.len(), 1, "{dialect}: {low:?}");
        assert_eq!(low[0].1["data"]["product_id"], item, "{dialect}");
        assert_eq!(low[0].1["data"]["stock_quantity"], 4, "{dialect}");
        assert_eq!(low[0].1["data"]["threshold"], 5, "{dialect}");

        let id = first["id"].as_i64().unwrap();
        let moved = app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": "processing"}))).await;
        assert_eq!(moved.status, StatusCode::OK, "{dialect}: {}", moved.body);
        let refused = app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": "delivered"}))).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{dialect}");
        let cancelled = app.call(Method::POST, &format!("{ORDERS}/{id}/cancel"), None, Some(&app.user_token.clone())).await;
        assert_eq!(cancelled.status, StatusCode::OK, "{dialect}: {}", cancelled.body);

        let changes = events_of(&app, "order.status_changed").await;
        let steps: Vec<(String, String)> = changes
            .iter()
            .map(|(_, b)| (b["data"]["previous_status"].as_str().unwrap().to_owned(), b["data"]["status"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            steps,
            vec![("pending".to_owned(), "processing".to_owned()), ("processing".to_owned(), "cancelled".to_owned())],
            "{dialect}"
        );
        // Each endpoint gets only what it subscribed to.
        let deliveries = all_deliveries(&app).await;
        let to = |hook: i64| deliveries.iter().filter(|d| d.webhook_id == Some(hook as i32)).count();
        assert_eq!((to(orders_hook), to(stock_hook)), (2, 1), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn an_inactive_endpoint_gets_no_deliveries(dialect) {
        let app = TestApp::new(dialect).await;
        let (hook, _) = webhook(&app, "http://127.0.0.1:9/hook", &["order.created"]).await;
        let off = app.admin(Method::PATCH, &format!("{}/{hook}", super::WEBHOOKS), Some(json!({"is_active": false}))).await;
        assert_eq!(off.status, StatusCode::OK, "{dialect}: {}", off.body);
        let item = product(&app, 10).await;
        placed(&app, item, 1).await;
        assert_eq!(events_of(&app, "order.created").await.len(), 1, "{dialect}");
        assert!(all_deliveries(&app).await.is_empty(), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn a_stock_edit_below_the_threshold_has_a_low_stock_event(dialect) {
        let app = TestApp::new(dialect).await;
        webhook(&app, "http://127.0.0.1:9/hook", &["product.low_stock"]).await;
        let item = product(&app, 10).await;
        let path = format!("/api/v1/products/{item}");
        for stock in [8, 3, 2] {
            let edited = app.admin(Method::PATCH, &path, Some(json!({"stock_quantity": stock}))).await;
            assert_eq!(edited.status, StatusCode::OK, "{dialect}: {}", edited.body);
        }
        let low = events_of(&app, "product.low_stock").await;
        assert_eq!(low.len(), 1, "{dialect}: only 8 -> 3 crosses the threshold: {low:?}");
        assert_eq!((low[0].1["data"]["product_id"].clone(), low[0].1["data"]["stock_quantity"].clone()), (json!(item), json!(3)));

        let variant = json!({"sku": format!("V-{item}"), "name": "Blue", "price_modifier": "0", "stock_quantity": 6, "attributes": []});
        let made = app.admin(Method::POST, &format!("{path}/variants"), Some(variant)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{dialect}: {}", made.body);
        let variant_id = made.body["id"].as_i64().unwrap();
        let edited = app.admin(Method::PATCH, &format!("{path}/variants/{variant_id}"), Some(json!({"stock_quantity": 1}))).await;
        assert_eq!(edited.status, StatusCode::OK, "{dialect}: {}", edited.body);
        let low = events_of(&app, "product.low_stock").await;
        assert_eq!(low.len(), 2, "{dialect}");
        assert_eq!(low[1].1["data"]["variant_id"], variant_id, "{dialect}");
        assert_eq!(low[1].1["data"]["stock_quantity"], 1, "{dialect}");
        assert_eq!(all_deliveries(&app).await.len(), 2, "{dialect}");
    }
}
