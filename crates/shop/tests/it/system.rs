//! `/`, `/health`, the OpenAPI document and the docs pages.

use axum::http::StatusCode;
use migrate::Dialect;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn root_and_health() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let root = app.get("/").await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(root.body["message"], "E-commerce API is running!");
    assert_eq!(root.body["docs"], "/docs");
    assert_eq!(root.body["redoc"], "/redoc");
    let health = app.get("/health").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body["status"], "healthy");
    assert_eq!(health.body["database"], "connected");

    // With the pool closed the database is unreachable: 503, quickly.
    app.conn.clone().close().await.unwrap();
    let down = app.get("/health").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(down.body["status"], "unhealthy");
}

#[tokio::test]
async fn openapi_describes_the_api() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let spec = app.get("/api/v1/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = spec.body["paths"].as_object().unwrap();
    for path in ["/", "/health", "/api/v1/categories", "/api/v1/categories/{id}"] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert_eq!(spec.body["paths"]["/api/v1/categories"]["post"]["operationId"], "categories-create");
    assert_eq!(
        spec.body["components"]["securitySchemes"]["bearer"],
        json!({"type": "oauth2", "flows": {"password": {"tokenUrl": "/api/v1/login/access-token", "scopes": {}}}})
    );
}

#[tokio::test]
async fn docs_pages_are_served_from_the_binary() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let swagger = app.get("/docs/").await;
    assert_eq!(swagger.status, StatusCode::OK);
    assert!(swagger.body.as_str().unwrap().contains("swagger-ui"));
    let redoc = app.get("/redoc").await;
    assert_eq!(redoc.status, StatusCode::OK);
    assert!(redoc.body.as_str().unwrap().contains("/redoc/redoc.standalone.js"));
    let bundle = app.get("/redoc/redoc.standalone.js").await;
    assert_eq!(bundle.status, StatusCode::OK);
}

/// PostgreSQL stops accepting connections to the test database, then accepts them again:
/// `/health` goes 503 at once and recovers by itself.
#[tokio::test]
async fn health_follows_the_database_down_and_back_up() {
    let Some(server_url) = migrate::testing::service_url("TEST_POSTGRES_URL") else { return };
    let app = TestApp::new(Dialect::Postgres).await;
    let name = app.db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let admin = sea_orm::Database::connect(&server_url).await.unwrap();
    let run = |sql: String| {
        let admin = admin.clone();
        async move { sea_orm::ConnectionTrait::execute_unprepared(&admin, &sql).await.unwrap() }
    };
    assert_eq!(app.get("/health").await.status, StatusCode::OK);

    run(format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false")).await;
    run(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")).await;
    let start = std::time::Instant::now();
    let down = app.get("/health").await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE, "{}", down.body);
    assert!(start.elapsed() < std::time::Duration::from_secs(6), "took {:?}", start.elapsed());
    let api = app.get("/api/v1/categories").await;
    assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
    assert_eq!(api.body, json!({"detail": "Service temporarily unavailable"}));

    run(format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true")).await;
    let mut recovered = false;
    for _ in 0..50 {
        if app.get("/health").await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "health did not recover");
    assert_eq!(app.get("/api/v1/categories").await.status, StatusCode::OK);
    let _ = admin.close().await;
}

#[tokio::test]
async fn unknown_paths_and_methods_and_cors() {
    use axum::body::Body;
    use axum::http::{Method, Request};
    let app = TestApp::new(Dialect::Sqlite).await;
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.body, json!({"detail": "Not Found"}));
    let wrong = app.call(Method::DELETE, "/api/v1/categories", None, None).await;
    assert_eq!(wrong.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong.body, json!({"detail": "Method Not Allowed"}));

    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/v1/categories")
        .header("origin", "http://localhost:3000")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(preflight).await;
    assert_eq!(reply.headers["access-control-allow-origin"], "http://localhost:3000");
    assert!(reply.headers["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let foreign = Request::builder().uri("/").header("origin", "http://evil.example").body(Body::empty()).unwrap();
    assert!(!app.send(foreign).await.headers.contains_key("access-control-allow-origin"));
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_report_the_pool() {
    let app = TestApp::new(Dialect::Sqlite).await;
    for id in [1, 2, 3] {
        assert_eq!(app.get(&format!("/api/v1/categories/{id}")).await.status, StatusCode::NOT_FOUND);
    }
    let reply = app.get("/metrics").await;
    assert_eq!(reply.status, StatusCode::OK);
    let text = reply.body.as_str().unwrap().to_owned();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("http_requests_total")
                && l.contains("route=\"/api/v1/categories/{id}\"")
                && l.contains("status=\"404\"")
        })
        .unwrap_or_else(|| panic!("no counter for the route template:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 3.0, "{line}");
    assert!(text.contains("http_request_duration_seconds_bucket"), "{text}");
    assert!(text.contains("db_pool_connections{state=\"idle\"}"), "{text}");
}

#[tokio::test]
async fn a_request_past_the_time_limit_is_a_503() {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;
    let slow = axum::Router::new()
        .route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "done"
            }),
        )
        .layer(shop::middleware::FrontlineLayer::new(shop::middleware::Frontline {
            time_limit: std::time::Duration::from_millis(100),
            cache: std::sync::Arc::new(shop::cache::ResponseCache::new(false, 60)),
        }));
    let start = std::time::Instant::now();
    let response = slow.oneshot(Request::builder().uri("/slow").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[tokio::test]
async fn the_api_prefix_comes_from_api_v1_str() {
    let app = TestApp::with_settings(Dialect::Sqlite, &[("API_V1_STR", "/shop/v2")]).await;
    assert_eq!(app.get("/shop/v2/categories").await.status, StatusCode::OK);
    assert_eq!(app.get("/shop/v2/categories/").await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/categories").await.status, StatusCode::NOT_FOUND);
    let spec = app.get("/shop/v2/openapi.json").await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.body["paths"]["/shop/v2/products/{id}"]["get"].is_object(), "{}", spec.body["paths"]);
    assert!(spec.body["paths"]["/health"]["get"].is_object(), "{}", spec.body["paths"]);

    // `/` serves the API at the root, beside `/` and `/health`.
    let root = TestApp::with_settings(Dialect::Sqlite, &[("API_V1_STR", "/")]).await;
    assert_eq!(root.get("/categories").await.status, StatusCode::OK);
    assert_eq!(root.get("/").await.status, StatusCode::OK);
    assert_eq!(root.get("/health").await.status, StatusCode::OK);
    let spec = root.get("/openapi.json").await;
    assert!(spec.body["paths"]["/products/{id}"]["get"].is_object(), "{}", spec.body["paths"]);
}
