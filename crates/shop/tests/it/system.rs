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
        json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
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
