//! Orders: placement that never oversells, idempotency, visibility, lifecycle.

use std::str::FromStr;

use axum::http::{Method, StatusCode};
use migrate::testing::dialects;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};
use shop::entity::{product_variants, products};

use crate::http;
use crate::support::{TestApp, insert_product, insert_user};

const ORDERS: &str = "/api/v1/orders";

async fn catalog(app: &TestApp, stock: i32, price: &str) -> i32 {
    let category =
        app.admin(Method::POST, "/api/v1/categories", Some(json!({"name": format!("C{stock}{price}")}))).await;
    let product = insert_product(&app.conn, "Widget", category.body["id"].as_i64().unwrap() as i32).await;
    let mut model: products::ActiveModel = product.into();
    model.stock_quantity = Set(stock);
    model.price = Set(Decimal::from_str(price).unwrap());
    model.update(&app.conn).await.unwrap().id
}

async fn stock(app: &TestApp, id: i32) -> i32 {
    products::Entity::find_by_id(id).one(&app.conn).await.unwrap().unwrap().stock_quantity
}

fn order(product: i32, quantity: i32) -> Value {
    json!({"items": [{"product_id": product, "quantity": quantity}]})
}

migrate::per_dialect! {
    async fn fifty_concurrent_orders_for_ten_in_stock_never_oversell(dialect) {
        let app = TestApp::new(dialect).await;
        let product = catalog(&app, 10, "19.99").await;
        let addr = http::serve(&app).await;
        let token = app.user_token.clone();
        let body = order(product, 1);
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let (token, body) = (token.clone(), body.clone());
                tokio::spawn(async move { http::send(addr, "POST", ORDERS, &token, Some(&body), &[]).await })
            })
            .collect();
        let mut created = Vec::new();
        let mut conflicts = 0;
        for task in tasks {
            let (status, body) = task.await.unwrap();
            match status {
                201 => created.push(body),
                409 => conflicts += 1,
                other => panic!("{dialect}: unexpected {other}: {body}"),
            }
        }
        assert_eq!(created.len(), 10, "{dialect}");
        assert_eq!(conflicts, 40, "{dialect}");
        assert_eq!(stock(&app, product).await, 0, "{dialect}");
        for order in &created {
            assert_eq!(order["total_amount"], "19.99");
            assert_eq!(order["items"][0]["unit_price"], "19.99");
        }
        let numbers: std::collections::BTreeSet<_> =
            created.iter().map(|o| o["order_number"].as_str().unwrap().to_owned()).collect();
        assert_eq!(numbers.len(), 10, "order numbers are unique");
    }
}

migrate::per_dialect! {
    async fn the_same_idempotency_key_twenty_times_concurrently_makes_one_order(dialect) {
        let app = TestApp::new(dialect).await;
        let product = catalog(&app, 100, "5.00").await;
        let addr = http::serve(&app).await;
        let body = order(product, 2);
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (token, body) = (app.user_token.clone(), body.clone());
                tokio::spawn(async move {
                    http::send(addr, "POST", ORDERS, &token, Some(&body), &[("Idempotency-Key", "abc-123")]).await
                })
            })
            .collect();
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.unwrap());
        }
        assert!(replies.iter().all(|(status, _)| *status == 201), "{dialect}: {replies:?}");
        let ids: std::collections::BTreeSet<i64> = replies.iter().map(|(_, b)| b["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 1, "{dialect}: {ids:?}");
        assert_eq!(stock(&app, product).await, 98, "{dialect}: stock taken once");
        let list = app.call(Method::GET, ORDERS, None, Some(&app.user_token.clone())).await;
        assert_eq!(list.body["total"], 1);
        // The same key with another body is refused.
        let other = http::send(
            addr,
            "POST",
            ORDERS,
            &app.user_token,
            Some(&order(product, 3)),
            &[("Idempotency-Key", "abc-123")],
        )
        .await;
        assert_eq!(other.0, 409, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn totals_prices_validation_and_insufficient_stock(dialect) {
        let app = TestApp::new(dialect).await;
        let a = catalog(&app, 5, "1199.99").await;
        let b = catalog(&app, 3, "0.10").await;
        let now = chrono::Utc::now();
        let variant = product_variants::ActiveModel {
            product_id: Set(a),
            sku: Set("A-RED".into()),
            name: Set("Red".into()),
            price_modifier: Set(Decimal::from_str("-100.00").unwrap()),
            stock_quantity: Set(1),
            is_active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.conn)
        .await
        .unwrap();
        let token = app.user_token.clone();
        let body = json!({"items": [
            {"product_id": a, "quantity": 2},
            {"product_id": b, "quantity": 3},
            {"product_id": a, "quantity": 1, "variant_id": variant.id}
        ]});
        let placed = app.call(Method::POST, ORDERS, Some(body), Some(&token)).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{dialect}: {}", placed.body);
        // 2 x 1199.99 + 3 x 0.10 + 1 x 1099.99, exact.
        assert_eq!(placed.body["total_amount"], "3500.27", "{dialect}");
        assert_eq!(placed.body["status"], "pending");
        assert_eq!(placed.body["items"][2]["unit_price"], "1099.99");
        assert_eq!(placed.body["items"][0]["line_total"], "2399.98");
        assert_eq!(stock(&app, a).await, 3, "variant stock is the variant's");
        assert_eq!(stock(&app, b).await, 0);

        // Not enough: 409 and nothing changes (the first line alone would have fit).
        let too_many = app
            .call(
                Method::POST,
                ORDERS,
                Some(json!({"items": [{"product_id": a, "quantity": 1}, {"product_id": b, "quantity": 1}]})),
                Some(&token),
            )
            .await;
        assert_eq!(too_many.status, StatusCode::CONFLICT, "{dialect}");
        assert_eq!(stock(&app, a).await, 3, "{dialect}: rolled back");

        for (body, loc) in [
            (json!({"items": [{"product_id": 999, "quantity": 1}]}), json!(["body", "items", 0, "product_id"])),
            (
                json!({"items": [{"product_id": b, "quantity": 1, "variant_id": variant.id}]}),
                json!(["body", "items", 0, "variant_id"]),
            ),
            (json!({"items": [{"product_id": a, "quantity": 0}]}), json!(["body", "items", 0, "quantity"])),
            (json!({"items": []}), json!(["body", "items"])),
        ] {
            let reply = app.call(Method::POST, ORDERS, Some(body.clone()), Some(&token)).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}: {body} -> {}", reply.body);
            assert_eq!(reply.body["detail"][0]["loc"], loc, "{body}");
        }
        assert_eq!(app.call(Method::POST, ORDERS, Some(order(a, 1)), None).await.status, StatusCode::UNAUTHORIZED);
        // An inactive product is not for sale.
        let mut inactive: products::ActiveModel =
            products::Entity::find_by_id(a).one(&app.conn).await.unwrap().unwrap().into();
        inactive.is_active = Set(false);
        inactive.update(&app.conn).await.unwrap();
        let reply = app.call(Method::POST, ORDERS, Some(order(a, 1)), Some(&token)).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");
        assert_eq!(reply.body["detail"][0]["loc"], json!(["body", "items", 0, "product_id"]));
        let list = app.call(Method::GET, ORDERS, None, Some(&token)).await;
        assert_eq!(list.body["total"], 1, "{dialect}: failed orders left nothing");
    }
}

migrate::per_dialect! {
    async fn users_see_only_their_own_orders(dialect) {
        let app = TestApp::new(dialect).await;
        let product = catalog(&app, 10, "1.00").await;
        let mine = app.call(Method::POST, ORDERS, Some(order(product, 1)), Some(&app.user_token.clone())).await;
        let id = mine.body["id"].as_i64().unwrap();
        let bob = insert_user(&app.conn, "bob", "user").await;
        let bob_token = shop::security::create_access_token(&app.settings, &bob).unwrap();
        assert_eq!(
            app.call(Method::GET, &format!("{ORDERS}/{id}"), None, Some(&bob_token)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.call(Method::POST, &format!("{ORDERS}/{id}/cancel"), None, Some(&bob_token)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(app.call(Method::GET, ORDERS, None, Some(&bob_token)).await.body["total"], 0);
        assert_eq!(
            app.call(Method::GET, &format!("{ORDERS}/{id}"), None, Some(&app.user_token.clone())).await.status,
            StatusCode::OK
        );
        let all = app.admin(Method::GET, &format!("{ORDERS}?user_id=2"), None).await;
        assert_eq!(all.body["total"], 1, "{dialect}: admin sees everyone's");
        assert_eq!(stock(&app, product).await, 9, "bob's cancel changed nothing");
    }
}

migrate::per_dialect! {
    async fn status_lifecycle_allows_exactly_the_documented_transitions(dialect) {
        let app = TestApp::new(dialect).await;
        let product = catalog(&app, 1000, "2.50").await;
        let statuses = ["pending", "processing", "shipped", "delivered", "cancelled"];
        let path_to = |target: &str| -> Vec<&'static str> {
            match target {
                "pending" => vec![],
                "processing" => vec!["processing"],
                "shipped" => vec!["processing", "shipped"],
                "delivered" => vec!["processing", "shipped", "delivered"],
                _ => vec!["cancelled"],
            }
        };
        let allowed = [
            ("pending", "processing"),
            ("processing", "shipped"),
            ("shipped", "delivered"),
            ("pending", "cancelled"),
            ("processing", "cancelled"),
        ];
        for from in statuses {
            for to in statuses {
                let placed =
                    app.call(Method::POST, ORDERS, Some(order(product, 2)), Some(&app.user_token.clone())).await;
                let id = placed.body["id"].as_i64().unwrap();
                for step in path_to(from) {
                    let r =
                        app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": step}))).await;
                    assert_eq!(r.status, StatusCode::OK, "{dialect}: setting up {from}");
                }
                let before = stock(&app, product).await;
                let reply =
                    app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": to}))).await;
                if allowed.contains(&(from, to)) {
                    assert_eq!(reply.status, StatusCode::OK, "{dialect}: {from} -> {to}");
                    assert_eq!(reply.body["status"], to);
                    let restored = if to == "cancelled" { 2 } else { 0 };
                    assert_eq!(stock(&app, product).await, before + restored, "{dialect}: {from} -> {to}");
                } else {
                    assert_eq!(reply.status, StatusCode::CONFLICT, "{dialect}: {from} -> {to}");
                    assert_eq!(stock(&app, product).await, before);
                }
            }
        }
        // Owners cancel through /cancel; twice is one restore and then a 409.
        let placed = app.call(Method::POST, ORDERS, Some(order(product, 3)), Some(&app.user_token.clone())).await;
        let id = placed.body["id"].as_i64().unwrap();
        let before = stock(&app, product).await;
        let user = app.user_token.clone();
        assert_eq!(
            app.call(Method::POST, &format!("{ORDERS}/{id}/cancel"), None, Some(&user)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.call(Method::POST, &format!("{ORDERS}/{id}/cancel"), None, Some(&user)).await.status,
            StatusCode::CONFLICT
        );
        assert_eq!(stock(&app, product).await, before + 3);
        assert_eq!(
            app.call(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": "shipped"})), Some(&user))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let lost = app.admin(Method::PATCH, &format!("{ORDERS}/{id}/status"), Some(json!({"status": "lost"}))).await;
        assert_eq!(lost.status, StatusCode::UNPROCESSABLE_ENTITY);
        let expected = "Input should be 'pending', 'processing', 'shipped', 'delivered' or 'cancelled'";
        assert_eq!(lost.body["detail"][0]["loc"], json!(["body", "status"]), "{}", lost.body);
        assert_eq!(lost.body["detail"][0]["msg"], expected);
        assert_eq!(lost.body["detail"][0]["type"], "enum");
        let filtered = app.admin(Method::GET, &format!("{ORDERS}?status=Shipped"), None).await;
        assert_eq!(filtered.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(filtered.body["detail"][0]["loc"], json!(["query", "status"]), "{}", filtered.body);
        assert_eq!(filtered.body["detail"][0]["msg"], expected);
        assert_eq!(filtered.body["detail"][0]["type"], "enum");
    }
}

#[tokio::test]
async fn a_repeated_order_number_draws_a_new_one_and_changes_nothing_else() {
    use shop::schema::order::OrderCreate;
    use shop::service::orders;
    for dialect in dialects() {
        let app = TestApp::new(dialect).await;
        let product = catalog(&app, 10, "5.00").await;
        let user = insert_user(&app.conn, "numbers", "user").await;
        let input: OrderCreate = serde_json::from_value(order(product, 1)).unwrap();
        let (first, _) = orders::place_numbered(&app.conn, &Default::default(), &user, &input, None, || {
            "ORD-20261129-0000AAAA".to_owned()
        })
        .await
        .unwrap_or_else(|e| panic!("{dialect}: {e:?}"));
        // The next draw repeats the first number, then gives a fresh one.
        let mut draws = ["ORD-20261129-0000AAAA", "ORD-20261129-0000BBBB"].into_iter();
        let (second, created) = orders::place_numbered(&app.conn, &Default::default(), &user, &input, None, || {
            draws.next().unwrap_or("exhausted").to_owned()
        })
        .await
        .unwrap_or_else(|e| panic!("{dialect}: a repeated order number must be retried: {e:?}"));
        assert!(created, "{dialect}");
        assert_eq!(first.order.order_number, "ORD-20261129-0000AAAA", "{dialect}");
        assert_eq!(second.order.order_number, "ORD-20261129-0000BBBB", "{dialect}");
        // The failed attempt rolled back: one unit of stock per order, two order rows.
        assert_eq!(stock(&app, product).await, 8, "{dialect}");
        assert_eq!(shop::entity::orders::Entity::find().all(&app.conn).await.unwrap().len(), 2, "{dialect}");
    }
}
