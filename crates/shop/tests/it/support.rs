//! `TestApp`: the real router over a fresh database of one dialect, with an admin and a
//! regular user, and a counter of the SQL statements the app runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use migrate::Dialect;
use migrate::testing::TestDb;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, Set, Statement};
use serde_json::Value;
use shop::app::{self, App, AppState};
use shop::config::Settings;
use shop::entity::users;
use tower::ServiceExt;

pub const SECRET: &str = "test-secret-key-with-enough-entropy-0123456789";

pub struct TestApp {
    pub app: App,
    #[allow(dead_code)] // keeps the database alive for the test
    pub db: TestDb,
    pub conn: DatabaseConnection,
    #[allow(dead_code)]
    pub settings: Arc<Settings>,
    pub admin_token: String,
    pub user_token: String,
    statements: Arc<AtomicUsize>,
    direct_seen: AtomicU64,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestApp {
    pub async fn new(dialect: Dialect) -> Self {
        Self::with_settings(dialect, &[]).await
    }

    /// With some settings overridden (name, value).
    pub async fn with_settings(dialect: Dialect, overrides: &[(&str, &str)]) -> Self {
        let db = TestDb::new(dialect).await;
        let url = db.url.clone();
        let overrides: Vec<(String, String)> =
            overrides.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let settings = Settings::from_map(|name| match name {
            _ if overrides.iter().any(|(k, _)| k == name) => {
                overrides.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            }
            "DATABASE_URL" => Some(url.clone()),
            "SECRET_KEY" => Some(SECRET.to_owned()),
            "AUTO_MIGRATE" => Some("true".to_owned()),
            "DB_POOL_SIZE" => Some("5".to_owned()),
            "LOGIN_MAX_FAILURES" => Some("3".to_owned()),
            _ => None,
        })
        .expect("settings");
        shop::db::prepare_schema(&settings).await.expect("migrate");
        let mut conn = shop::db::connect(&settings).await.expect("connect");
        let statements = Arc::new(AtomicUsize::new(0));
        let counter = statements.clone();
        conn.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let admin = insert_user(&conn, "admin", "admin").await;
        let user = insert_user(&conn, "alice", "user").await;
        let admin_token = shop::security::create_access_token(&settings, &admin).unwrap();
        let user_token = shop::security::create_access_token(&settings, &user).unwrap();
        let settings = Arc::new(settings);
        let state = AppState::new(conn.clone(), settings.clone());
        state.cache.wait_ready(std::time::Duration::from_secs(5)).await;
        let direct_seen = AtomicU64::new(shop::db::direct::statements());
        Self { app: app::build(state), db, conn, settings, admin_token, user_token, statements, direct_seen }
    }

    /// The integer in the first column of the first row of `sql`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let stmt = Statement::from_string(self.conn.get_database_backend(), sql.to_owned());
        self.conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
    }

    /// Statements run since the last call.
    pub fn take_statement_count(&self) -> usize {
        // The hot reads bypass sea-orm (`shop::db::direct`, counted per thread).
        let direct = shop::db::direct::statements();
        let unseen = direct - self.direct_seen.swap(direct, Ordering::SeqCst);
        self.statements.swap(0, Ordering::SeqCst) + usize::try_from(unseen).unwrap()
    }

    /// Another replica of the service on the same database: its own state and in-process
    /// cache, the same settings (so the same Redis, when there is one).
    #[allow(dead_code)]
    /// Another replica of the service on the same database, its cache ready.
    pub async fn replica(&self) -> App {
        let state = AppState::new(self.conn.clone(), self.settings.clone());
        state.cache.wait_ready(std::time::Duration::from_secs(5)).await;
        app::build(state)
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        send_via(&self.app, request).await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, token: Option<&str>) -> Reply {
        self.call_via(&self.app, method, path, body, token).await
    }

    /// A request to `app` (see [`TestApp::replica`]).
    pub async fn call_via(
        &self,
        app: &App,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder.header("content-type", "application/json").body(Body::from(body.to_string())),
            None => builder.body(Body::empty()),
        };
        send_via(app, request.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None, None).await
    }

    /// An admin write.
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call(method, path, body, Some(&self.admin_token.clone())).await
    }

    /// POSTs `body` to `path` as the admin and returns the created resource (201 or panic).
    pub async fn created(&self, path: &str, body: Value) -> Value {
        let reply = self.admin(Method::POST, path, Some(body)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "POST {path}: {}", reply.body);
        reply.body
    }
}

impl Reply {
    /// The `loc` of each entry of a 422's `detail`.
    pub fn locs(&self) -> Vec<Value> {
        self.body["detail"]
            .as_array()
            .unwrap_or_else(|| panic!("no list of errors: {}", self.body))
            .iter()
            .map(|e| e["loc"].clone())
            .collect()
    }
}

pub async fn send_via(app: &App, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, headers, body }
}

pub async fn insert_user(conn: &DatabaseConnection, username: &str, role: &str) -> users::Model {
    let now = Utc::now();
    users::ActiveModel {
        username: Set(username.to_owned()),
        username_key: Set(users::username_key(username)),
        email: Set(format!("{username}@example.com")),
        full_name: Set(format!("{username} Example")),
        first_name: Set(username.to_owned()),
        last_name: Set("Example".to_owned()),
        hashed_password: Set("not-a-real-hash".to_owned()),
        role: Set(role.to_owned()),
        is_active: Set(true),
        is_superuser: Set(role == "admin"),
        phone: Set(None),
        date_of_birth: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await
    .expect("insert user")
}

/// An active product of `category_id`, stock 1, not yet inserted: for bulk inserts.
pub fn product_row(
    name: String,
    price: rust_decimal::Decimal,
    category_id: i32,
) -> shop::entity::products::ActiveModel {
    let now = Utc::now();
    shop::entity::products::ActiveModel {
        name: Set(name),
        description: Set(None),
        sku: Set(None),
        price: Set(price),
        stock_quantity: Set(1),
        is_active: Set(true),
        category_id: Set(category_id),
        supplier_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub async fn insert_product(conn: &DatabaseConnection, name: &str, category_id: i32) -> shop::entity::products::Model {
    product_row(name.to_owned(), rust_decimal::Decimal::new(1000, 2), category_id)
        .insert(conn)
        .await
        .expect("insert product")
}
