//! Scheduled jobs: pending orders expire with their stock back, a job runs once across
//! replicas, and finished deliveries are pruned.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use shop::entity::{deliveries, orders, products};
use shop::events::Outbox;
use shop::worker::jobs::{Job, Jobs, expire_pending_orders, prune};

use super::{all_deliveries, events_of, placed, product, webhook};
use crate::support::TestApp;

async fn age_order(app: &TestApp, id: i64, minutes: i64) {
    orders::Entity::update_many()
        .col_expr(orders::Column::CreatedAt, Expr::value(Utc::now() - chrono::Duration::minutes(minutes)))
        .filter(orders::Column::Id.eq(id as i32))
        .exec(&app.conn)
        .await
        .unwrap();
}

async fn status(app: &TestApp, id: i64) -> String {
    orders::Entity::find_by_id(id as i32).one(&app.conn).await.unwrap().unwrap().status
}

async fn stock(app: &TestApp, id: i32) -> i32 {
    products::Entity::find_by_id(id).one(&app.conn).await.unwrap().unwrap().stock_quantity
}

migrate::per_dialect! {
    async fn pending_orders_past_the_ttl_expire_and_their_stock_comes_back(dialect) {
        let app = TestApp::new(dialect).await;
        webhook(&app, "http://127.0.0.1:9/hook", &["order.status_changed"]).await;
        let item = product(&app, 10).await;
        let stale = placed(&app, item, 3).await;
        let fresh = placed(&app, item, 2).await;
        let shipped_along = placed(&app, item, 1).await;
        let (stale_id, fresh_id, busy_id) =
            (stale["id"].as_i64().unwrap(), fresh["id"].as_i64().unwrap(), shipped_along["id"].as_i64().unwrap());
        age_order(&app, stale_id, 120).await;
        age_order(&app, busy_id, 120).await;
        let moved = app
            .admin(axum::http::Method::PATCH, &format!("{}/{busy_id}/status", super::ORDERS), Some(serde_json::json!({"status": "processing"})))
            .await;
        assert_eq!(moved.status, axum::http::StatusCode::OK, "{dialect}");
        assert_eq!(stock(&app, item).await, 4, "{dialect}");

        let expired = expire_pending_orders(&app.conn, &Outbox::default(), Duration::from_secs(3600)).await.unwrap();
        assert_eq!(expired, 1, "{dialect}");
        assert_eq!(status(&app, stale_id).await, "cancelled", "{dialect}");
        assert_eq!(status(&app, fresh_id).await, "pending", "{dialect}");
        assert_eq!(status(&app, busy_id).await, "processing", "{dialect}");
        assert_eq!(stock(&app, item).await, 7, "{dialect}: the expired order's 3 are back");
        let changes = events_of(&app, "order.status_changed").await;
        let expiry = changes.iter().find(|(_, b)| b["data"]["id"] == stale_id).expect("an event for the expired order");
        assert_eq!(expiry.1["data"]["reason"], "expired", "{dialect}");
        assert_eq!(expiry.1["data"]["status"], "cancelled", "{dialect}");

        // Run again: nothing left to expire, nothing restored twice.
        assert_eq!(expire_pending_orders(&app.conn, &Outbox::default(), Duration::from_secs(3600)).await.unwrap(), 0);
        assert_eq!(stock(&app, item).await, 7, "{dialect}");
    }
}

migrate::per_dialect! {
    async fn a_due_job_runs_on_one_replica_only(dialect) {
        let app = TestApp::with_settings(dialect, &[("PENDING_ORDER_TTL_MINUTES", "30")]).await;
        let replicas: Vec<Jobs> = (0..4).map(|_| Jobs::new(&app.settings.events, Outbox::default())).collect();
        let tries = replicas.iter().map(|jobs| jobs.acquire(&app.conn, Job::ExpirePendingOrders));
        let taken = futures_util::future::join_all(tries).await;
        let winners = taken.iter().filter(|t| matches!(t, Ok(true))).count();
        assert_eq!(winners, 1, "{dialect}: {taken:?}");
        // Not due again until its next run, a minute later.
        assert!(!replicas[0].acquire(&app.conn, Job::ExpirePendingOrders).await.unwrap(), "{dialect}");
    }
}

migrate::per_dialect! {
    async fn finished_deliveries_past_retention_are_pruned_with_their_events(dialect) {
        let app = TestApp::new(dialect).await;
        webhook(&app, "http://127.0.0.1:9/hook", &["order.created"]).await;
        let item = product(&app, 10).await;
        placed(&app, item, 1).await;
        placed(&app, item, 1).await;
        let rows = all_deliveries(&app).await;
        assert_eq!(rows.len(), 2, "{dialect}");
        // One delivered long ago, one still pending.
        deliveries::Entity::update_many()
            .col_expr(deliveries::Column::Status, Expr::value("delivered"))
            .col_expr(deliveries::Column::UpdatedAt, Expr::value(Utc::now() - chrono::Duration::days(30)))
            .filter(deliveries::Column::Id.eq(rows[0].id))
            .exec(&app.conn)
            .await
            .unwrap();
        shop::entity::events::Entity::update_many()
            .col_expr(shop::entity::events::Column::CreatedAt, Expr::value(Utc::now() - chrono::Duration::days(30)))
            .exec(&app.conn)
            .await
            .unwrap();
        let removed = prune(&app.conn, Duration::from_secs(14 * 86_400)).await.unwrap();
        assert_eq!(removed, 1, "{dialect}");
        let left = all_deliveries(&app).await;
        assert_eq!(left.iter().map(|d| d.id).collect::<Vec<_>>(), vec![rows[1].id], "{dialect}");
        let events = events_of(&app, "order.created").await;
        assert_eq!(events.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(), vec![rows[1].event_id.clone()], "{dialect}");
    }
}

migrate::per_dialect! {
    async fn a_running_worker_expires_stale_pending_orders_on_its_schedule(dialect) {
        let app = TestApp::with_settings(dialect, &[("PENDING_ORDER_TTL_MINUTES", "1")]).await;
        let item = product(&app, 10).await;
        let stale = placed(&app, item, 4).await;
        let stale_id = stale["id"].as_i64().unwrap();
        age_order(&app, stale_id, 5).await;
        assert_eq!(stock(&app, item).await, 6, "{dialect}");
        let _worker = super::spawn_worker(&app);
        super::eventually(20, "the stale order cancelled", || async {
            (status(&app, stale_id).await == "cancelled").then_some(())
        })
        .await;
        assert_eq!(stock(&app, item).await, 10, "{dialect}");
        let lease = super::eventually(10, "the job's result recorded", || async {
            let row = shop::entity::job_leases::Entity::find_by_id("expire_pending_orders").one(&app.conn).await.unwrap();
            row.filter(|r| r.last_finished_at.is_some())
        })
        .await;
        assert_eq!(lease.last_result.as_deref(), Some("expired 1 pending order(s)"), "{dialect}");
        assert!(lease.next_run_at > Utc::now(), "{dialect}: next run scheduled");
    }
}

async fn due_now(app: &TestApp, job: Job) {
    shop::entity::job_leases::Entity::delete_by_id(job.name()).exec(&app.conn).await.unwrap();
    let row = shop::entity::job_leases::ActiveModel {
        name: sea_orm::Set(job.name().to_owned()),
        holder: sea_orm::Set(None),
        locked_until: sea_orm::Set(None),
        next_run_at: sea_orm::Set(Utc::now() - chrono::Duration::minutes(1)),
        last_finished_at: sea_orm::Set(None),
        last_result: sea_orm::Set(None),
    };
    sea_orm::ActiveModelTrait::insert(row, &app.conn).await.unwrap();
}

async fn last_result(app: &TestApp, job: Job) -> Option<String> {
    shop::entity::job_leases::Entity::find_by_id(job.name()).one(&app.conn).await.unwrap().and_then(|r| r.last_result)
}

migrate::per_dialect! {
    async fn the_nightly_rollup_check_records_whether_the_rollups_match(dialect) {
        let app = TestApp::new(dialect).await;
        let item = product(&app, 10).await;
        placed(&app, item, 2).await;
        let jobs = Jobs::new(&app.settings.events, Outbox::default());
        due_now(&app, Job::RollupCheck).await;
        jobs.tick(&app.conn).await;
        assert_eq!(last_result(&app, Job::RollupCheck).await.as_deref(), Some("the sales rollups match the orders"), "{dialect}");
        let lease = shop::entity::job_leases::Entity::find_by_id("rollup_check").one(&app.conn).await.unwrap().unwrap();
        assert_eq!(lease.next_run_at.format("%H:%M").to_string(), "03:00", "{dialect}: nightly");

        // Rows changed around the service: the check says so.
        shop::entity::product_sales::Entity::update_many()
            .col_expr(shop::entity::product_sales::Column::UnitsSold, Expr::value(99))
            .exec(&app.conn)
            .await
            .unwrap();
        due_now(&app, Job::RollupCheck).await;
        jobs.tick(&app.conn).await;
        let result = last_result(&app, Job::RollupCheck).await.unwrap_or_default();
        assert!(result.starts_with("failed: ") && result.contains("shop rollups rebuild"), "{dialect}: {result}");
    }
}

migrate::per_dialect! {
    async fn the_database_clock_reads_as_utc(dialect) {
        let app = TestApp::new(dialect).await;
        let db_now = shop::worker::jobs::database_now(&app.conn).await.unwrap();
        let skew = (db_now - Utc::now()).num_milliseconds().abs();
        assert!(skew < 5_000, "{dialect}: the database's time is {skew} ms from ours: {db_now}");
    }
}
