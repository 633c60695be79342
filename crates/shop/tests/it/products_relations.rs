//! Products with their relations: `?include=` in a fixed number of statements, `PUT
//! products/{id}/tags`, and what deleting a product takes with it.

use axum::http::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shop::entity::{product_tags, product_variants, tags, variant_attributes};

use super::{BASE, category, iphone, supplier, tag};
use crate::support::{Reply, TestApp};

/// `count` products, each with the supplier, both tags and one variant with two attributes.
async fn catalog(app: &TestApp, count: usize) -> (i64, i64, [i64; 2]) {
    let category_id = category(app, "Electronics").await;
    let supplier_id = supplier(app, "TechCorp").await;
    let tag_ids = [tag(app, "new", "#28a745").await, tag(app, "sale", "#dc3545").await];
    for i in 0..count {
        let body = json!({"name": format!("Phone {i}"), "price": "1199.99", "stock_quantity": 50,
            "category_id": category_id, "supplier_id": supplier_id, "sku": format!("SKU-{i}")});
        let id = app.created(super::BASE, body).await["id"].as_i64().unwrap();
        let tagged = app.admin(Method::PUT, &format!("{BASE}/{id}/tags"), Some(json!({"tag_ids": tag_ids}))).await;
        assert_eq!(tagged.status, StatusCode::OK, "{}", tagged.body);
        let variant = json!({"sku": format!("V-{i}"), "name": "256GB Blue", "price_modifier": "100",
            "attributes": [{"name": "storage", "value": "256GB"}, {"name": "color", "value": "blue"}]});
        let made = app.admin(Method::POST, &format!("{BASE}/{id}/variants"), Some(variant)).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    (category_id, supplier_id, tag_ids)
}

migrate::per_dialect! {
    async fn include_embeds_relations_in_a_fixed_number_of_statements(dialect) {
        let mut counts = Vec::new();
        for count in [1, 5] {
            let app = TestApp::new(dialect).await;
            let (category_id, supplier_id, tag_ids) = catalog(&app, count).await;
            app.take_statement_count();
            let list = app.get(&format!("{BASE}?include=category,supplier,tags,variants")).await;
            let list_statements = app.take_statement_count();
            assert_eq!(list.status, StatusCode::OK, "{}", list.body);
            let items = list.body["items"].as_array().unwrap();
            assert_eq!(items.len(), count);
            let one =
                app.get(&format!("{BASE}/{}?include=category,supplier,tags,variants", items[count - 1]["id"])).await;
            let one_statements = app.take_statement_count();
            assert_eq!(one.status, StatusCode::OK);
            counts.push((list_statements, one_statements));

            for product in items.iter().chain([&one.body]) {
                assert_eq!(product["category"]["id"], category_id);
                assert_eq!(product["category"]["name"], "Electronics");
                let supplier = &product["supplier"];
                assert_eq!((supplier["id"].clone(), supplier["name"].clone()), (json!(supplier_id), json!("TechCorp")));
                assert_eq!(
                    (supplier["contact_email"].clone(), supplier["rating"].clone()),
                    (json!("techcorp@example.com"), json!(4.5))
                );
                assert_eq!(supplier["is_active"], true);
                assert!(supplier["created_at"].as_str().unwrap().ends_with('Z'));
                assert_eq!(
                    product["tags"],
                    json!([{"id": tag_ids[0], "name": "new", "color": "#28a745"},
                        {"id": tag_ids[1], "name": "sale", "color": "#dc3545"}])
                );
                let variants = product["variants"].as_array().unwrap();
                assert_eq!(variants.len(), 1);
                assert_eq!(variants[0]["product_id"], product["id"]);
                assert_eq!(variants[0]["price_modifier"], "100.00");
                assert_eq!(
                    variants[0]["attributes"],
                    json!([{"name": "storage", "value": "256GB"}, {"name": "color", "value": "blue"}])
                );
            }
            // Only what is asked for; a product without a supplier shows null.
            let plain = app
                .admin(Method::PATCH, &format!("{BASE}/{}", items[0]["id"]), Some(json!({"supplier_id": null})))
                .await;
            assert_eq!(plain.status, StatusCode::OK);
            let some = app.get(&format!("{BASE}/{}?include=supplier,tags", items[0]["id"])).await;
            assert_eq!(some.body["supplier"], Value::Null);
            assert!(some.body.as_object().unwrap().contains_key("supplier"));
            assert_eq!(some.body["tags"].as_array().unwrap().len(), 2);
            assert!(some.body.get("category").is_none() && some.body.get("variants").is_none(), "{}", some.body);
        }
        eprintln!("{dialect}: statements for list/get with include, 1 then 5 products: {counts:?}");
        assert_eq!(counts[0], counts[1], "{dialect}: statements must not grow with the products");
        // The page (its count read along) or the product, then category + supplier + tags +
        // variants + attributes.
        assert_eq!(counts[0], (6, 6), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn put_tags_replaces_the_set_in_one_go(dialect) {
        let app = TestApp::new(dialect).await;
        let category_id = category(&app, "Electronics").await;
        let product = app.created(super::BASE, iphone(category_id)).await;
        let id = product["id"].as_i64().unwrap();
        let url = format!("{BASE}/{id}/tags");
        let [new, sale, hot] =
            [tag(&app, "new", "#28a745").await, tag(&app, "sale", "#dc3545").await, tag(&app, "hot", "#ff0000").await];
        let tag_names = |reply: &Reply| -> Vec<String> {
            reply.body["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()).collect()
        };

        let first = app.admin(Method::PUT, &url, Some(json!({"tag_ids": [sale, new]}))).await;
        assert_eq!(first.status, StatusCode::OK, "{dialect}: {}", first.body);
        assert_eq!(first.body["id"], id);
        assert_eq!(first.body["name"], "iPhone 15 Pro");
        assert_eq!(first.body["tags"][0], json!({"id": new, "name": "new", "color": "#28a745"}));
        assert_eq!(tag_names(&first), ["new", "sale"]);

        let replaced = app.admin(Method::PUT, &url, Some(json!({"tag_ids": [hot, sale, hot]}))).await;
        assert_eq!(replaced.status, StatusCode::OK, "{dialect}: duplicates are fine");
        assert_eq!(tag_names(&replaced), ["sale", "hot"]);

        let unknown = app.admin(Method::PUT, &url, Some(json!({"tag_ids": [new, 999, sale, 0]}))).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{dialect}");
        assert_eq!(unknown.locs(), [json!(["body", "tag_ids", 1]), json!(["body", "tag_ids", 3])]);
        assert!(unknown.body["detail"][0]["msg"].as_str().unwrap().contains("999"));
        let kept = app.get(&format!("{BASE}/{id}?include=tags")).await;
        assert_eq!(tag_names(&kept), ["sale", "hot"], "{dialect}: the old tags stay");

        for bad in [json!({}), json!({"tag_ids": "1"}), json!({"tag_ids": [1], "extra": 1})] {
            let reply = app.admin(Method::PUT, &url, Some(bad.clone())).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        }

        let emptied = app.admin(Method::PUT, &url, Some(json!({"tag_ids": []}))).await;
        assert_eq!(emptied.body["tags"], json!([]), "{dialect}");
        let links = product_tags::Entity::find().count(&app.conn).await.unwrap();
        assert_eq!(links, 0);
    }
}

migrate::per_dialect! {
    async fn delete_cascades_variants_and_tags_but_not_once_ordered(dialect) {
        let app = TestApp::new(dialect).await;
        catalog(&app, 2).await;
        let (doomed, ordered) = (1, 2);
        let deleted = app.admin(Method::DELETE, &format!("{BASE}/{doomed}"), None).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{dialect}: {}", deleted.body);
        let variants = product_variants::Entity::find().filter(product_variants::Column::ProductId.eq(doomed));
        assert_eq!(variants.count(&app.conn).await.unwrap(), 0, "{dialect}: variants cascade");
        assert_eq!(variant_attributes::Entity::find().count(&app.conn).await.unwrap(), 2, "{dialect}: with attributes");
        let links = product_tags::Entity::find().filter(product_tags::Column::ProductId.eq(doomed));
        assert_eq!(links.count(&app.conn).await.unwrap(), 0, "{dialect}: tag links cascade");
        assert_eq!(tags::Entity::find().count(&app.conn).await.unwrap(), 2, "the tags stay");
        let gone = app.get(&format!("{BASE}/{doomed}/variants")).await;
        assert_eq!(gone.body, json!({"detail": "Product not found"}));

        let order = json!({"items": [{"product_id": ordered, "quantity": 1}]});
        let placed = app.call(Method::POST, "/api/v1/orders", Some(order), Some(&app.user_token.clone())).await;
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.body);
        let blocked = app.admin(Method::DELETE, &format!("{BASE}/{ordered}"), None).await;
        assert_eq!(blocked.status, StatusCode::CONFLICT, "{dialect}: {}", blocked.body);
        assert!(blocked.body["detail"].is_string());
        assert_eq!(app.get(&format!("{BASE}/{ordered}")).await.status, StatusCode::OK);
        assert_eq!(app.get(&format!("{BASE}/{ordered}/variants")).await.body["total"], 1);
    }
}
