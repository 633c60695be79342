//! The security contract (API.md "Security and overload"): response headers, CORS, who may
//! see query plans and metrics, tokens that die with their password, the last admin, and
//! the signing key a server refuses to run without.

use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use migrate::Dialect;
use migrate::testing::TestDb;
use serde_json::{Value, json};

use crate::support::{Reply, TestApp};

const API: &str = "/api/v1";

async fn login(app: &TestApp, username: &str, password: &str) -> Reply {
    login_through(&app.app, username, password).await
}

/// A login through one replica of the service.
async fn login_through(app: &shop::app::App, username: &str, password: &str) -> Reply {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{API}/login/access-token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("username={}&password={}", encode(username), encode(password))))
        .unwrap();
    crate::support::send_via(app, request).await
}

/// Signs `username` up and logs in: (user id, token).
async fn member(app: &TestApp, username: &str, password: &str) -> (i64, String) {
    let body = json!({"username": username, "email": format!("{username}@shop.test"), "password": password});
    let created = app.call(Method::POST, &format!("{API}/users/signup"), Some(body), None).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let token = login(app, username, password).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    (created.body["id"].as_i64().unwrap(), token.body["access_token"].as_str().unwrap().to_owned())
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn every_response_says_nosniff_and_private_ones_no_store() {
    let app = TestApp::new(Dialect::Sqlite).await;
    for reply in [app.get("/").await, app.get(&format!("{API}/products")).await, app.get("/nowhere").await] {
        assert_eq!(header(&reply, "x-content-type-options"), Some("nosniff"), "{}", reply.status);
        assert_eq!(header(&reply, "cache-control"), None, "{}", reply.status);
    }
    let (_, token) = member(&app, "carol", "long-enough-password").await;
    let token_reply = login(&app, "carol", "long-enough-password").await;
    let me = app.call(Method::GET, &format!("{API}/users/me"), None, Some(&token)).await;
    let users = app.admin(Method::GET, &format!("{API}/users"), None).await;
    for reply in [token_reply, me, users] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(header(&reply, "cache-control"), Some("no-store"));
        assert_eq!(header(&reply, "x-content-type-options"), Some("nosniff"));
    }
}

async fn preflight(app: &TestApp, origin: &str) -> Reply {
    let request = Request::builder()
        .method(Method::OPTIONS)
        .uri(format!("{API}/orders"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type,idempotency-key")
        .body(Body::empty())
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn cors_allows_idempotency_keys_and_a_wildcard_without_credentials() {
    let listed = TestApp::new(Dialect::Sqlite).await;
    let reply = preflight(&listed, "http://localhost:3000").await;
    assert_eq!(header(&reply, "access-control-allow-origin"), Some("http://localhost:3000"));
    assert_eq!(header(&reply, "access-control-allow-credentials"), Some("true"));
    assert!(header(&reply, "access-control-allow-headers").unwrap_or_default().contains("idempotency-key"));

    let any = TestApp::with_settings(Dialect::Sqlite, &[("CORS_ORIGINS", "*")]).await;
    let reply = preflight(&any, "https://anywhere.example").await;
    assert_eq!(header(&reply, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&reply, "access-control-allow-credentials"), None);
    assert!(header(&reply, "access-control-allow-headers").unwrap_or_default().contains("idempotency-key"));
    assert_eq!(any.get(&format!("{API}/products")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn only_admins_see_statements_and_plans() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let url = format!("{API}/analytics/summary?explain=true");
    let anonymous = app.get(&url).await;
    assert_eq!(anonymous.status, StatusCode::FORBIDDEN, "{}", anonymous.body);
    assert!(anonymous.body.get("sql").is_none());
    let user = app.call(Method::GET, &url, None, Some(&app.user_token.clone())).await;
    assert_eq!(user.status, StatusCode::FORBIDDEN, "{}", user.body);
    let admin = app.admin(Method::GET, &url, None).await;
    assert_eq!(admin.status, StatusCode::OK, "{}", admin.body);
    assert!(admin.body["sql"].is_string() && !admin.body["plan"].is_null(), "{}", admin.body);
    // Without explain, the report stays public.
    assert_eq!(app.get(&format!("{API}/analytics/summary?explain=false")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let open = TestApp::new(Dialect::Sqlite).await;
    assert_eq!(open.get("/metrics").await.status, StatusCode::OK);
    let app = TestApp::with_settings(Dialect::Sqlite, &[("METRICS_TOKEN", "scrape-token-123")]).await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    let wrong = app.call(Method::GET, "/metrics", None, Some("scrape-token-12")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let right = app.call(Method::GET, "/metrics", None, Some("scrape-token-123")).await;
    assert_eq!(right.status, StatusCode::OK);
    assert!(right.body.as_str().unwrap_or_default().contains("http_requests_total"), "{}", right.body);
}

/// A password change, by the user or by an admin, ends the tokens issued before it.
async fn tokens_die_with_their_password(dialect: Dialect) {
    let app = TestApp::new(dialect).await;
    let (id, first) = member(&app, "dave", "first-password").await;
    let me = format!("{API}/users/me");
    assert_eq!(app.call(Method::GET, &me, None, Some(&first)).await.status, StatusCode::OK);
    let change = json!({"password": "second-password", "current_password": "first-password"});
    let changed = app.call(Method::PATCH, &me, Some(change), Some(&first)).await;
    assert_eq!(changed.status, StatusCode::OK, "{dialect}: {}", changed.body);
    let stale = app.call(Method::GET, &me, None, Some(&first)).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED, "{dialect}: the old token still works");

    let second = login(&app, "dave", "second-password").await.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.call(Method::GET, &me, None, Some(&second)).await.status, StatusCode::OK);
    // A profile change that keeps the password keeps the token.
    let renamed = app.call(Method::PATCH, &me, Some(json!({"full_name": "Dave D"})), Some(&second)).await;
    assert_eq!(renamed.status, StatusCode::OK, "{dialect}: {}", renamed.body);
    assert_eq!(app.call(Method::GET, &me, None, Some(&second)).await.status, StatusCode::OK);

    let reset =
        app.admin(Method::PATCH, &format!("{API}/users/{id}"), Some(json!({"password": "third-password"}))).await;
    assert_eq!(reset.status, StatusCode::OK, "{dialect}: {}", reset.body);
    assert_eq!(app.call(Method::GET, &me, None, Some(&second)).await.status, StatusCode::UNAUTHORIZED, "{dialect}");
    assert_eq!(login(&app, "dave", "third-password").await.status, StatusCode::OK, "{dialect}");
}
migrate::per_dialect!(tokens_die_with_their_password);

/// The last active admin cannot be demoted, deactivated or deleted; with a second admin,
/// either may go, but not both.
async fn the_last_active_admin_stays(dialect: Dialect) {
    let app = TestApp::new(dialect).await;
    let admin_id = app.admin(Method::GET, &format!("{API}/users/me"), None).await.body["id"].as_i64().unwrap();
    let url = |id: i64| format!("{API}/users/{id}");
    for change in [json!({"role": "user"}), json!({"is_active": false})] {
        let refused = app.admin(Method::PATCH, &url(admin_id), Some(change.clone())).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{dialect} {change}: {}", refused.body);
        assert!(refused.body["detail"].as_str().unwrap_or_default().contains("last active admin"));
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_active = TRUE").await, 1);

    let second: Value =
        json!({"username": "root2", "email": "root2@shop.test", "password": "long-enough", "role": "admin"});
    let created = app.admin(Method::POST, &format!("{API}/users"), Some(second)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{dialect}: {}", created.body);
    let second_id = created.body["id"].as_i64().unwrap();
    let demoted = app.admin(Method::PATCH, &url(second_id), Some(json!({"role": "user"}))).await;
    assert_eq!(demoted.status, StatusCode::OK, "{dialect}: {}", demoted.body);
    // Alone again: still refused, and deleting the other one is fine.
    let refused = app.admin(Method::PATCH, &url(admin_id), Some(json!({"is_active": false}))).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{dialect}");
    assert_eq!(app.admin(Method::DELETE, &url(second_id), None).await.status, StatusCode::NO_CONTENT, "{dialect}");
}
migrate::per_dialect!(the_last_active_admin_stays);

/// "ERIN" cannot sign up beside "erin", by sign-up, by an admin or by a rename, and
/// either spelling logs in; emails likewise.
async fn names_are_unique_ignoring_case(dialect: Dialect) {
    let app = TestApp::new(dialect).await;
    let (erin, _) = member(&app, "erin", "long-enough-password").await;
    let signup =
        |username: &str, email: &str| json!({"username": username, "email": email, "password": "long-enough-password"});
    let url = format!("{API}/users/signup");
    let twin = app.call(Method::POST, &url, Some(signup("ERIN", "other@shop.test")), None).await;
    assert_eq!(twin.status, StatusCode::CONFLICT, "{dialect}: {}", twin.body);
    assert_eq!(twin.body["detail"], "A user with this username already exists", "{dialect}");
    let email = app.call(Method::POST, &url, Some(signup("erin2", "Erin@SHOP.test")), None).await;
    assert_eq!(email.status, StatusCode::CONFLICT, "{dialect}: {}", email.body);
    assert_eq!(email.body["detail"], "A user with this email already exists", "{dialect}");
    let by_admin = app.admin(Method::POST, &format!("{API}/users"), Some(signup("eRiN", "x@shop.test"))).await;
    assert_eq!(by_admin.status, StatusCode::CONFLICT, "{dialect}: {}", by_admin.body);

    let (bob, _) = member(&app, "Bob", "long-enough-password").await;
    let rename = app.admin(Method::PATCH, &format!("{API}/users/{bob}"), Some(json!({"username": "Erin"}))).await;
    assert_eq!(rename.status, StatusCode::CONFLICT, "{dialect}: {}", rename.body);
    // Its own case may change; the display case is what the owner chose.
    let recased = app.admin(Method::PATCH, &format!("{API}/users/{bob}"), Some(json!({"username": "BOB"}))).await;
    assert_eq!(recased.status, StatusCode::OK, "{dialect}: {}", recased.body);
    assert_eq!(recased.body["username"], "BOB", "{dialect}");

    for spelling in ["erin", "ERIN", "erin@shop.test", "ERIN@Shop.Test"] {
        let reply = login(&app, spelling, "long-enough-password").await;
        assert_eq!(reply.status, StatusCode::OK, "{dialect} {spelling}: {}", reply.body);
    }
    assert_eq!(login(&app, "bob", "long-enough-password").await.status, StatusCode::OK, "{dialect}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM users WHERE username_key = 'erin'").await, 1, "{dialect}");
    assert!(erin > 0);
}
migrate::per_dialect!(names_are_unique_ignoring_case);

/// Every pooled connection busy: `/health` still says connected and shows the pool with its
/// queue, requests that need the database are answered 503 with `Retry-After` once the
/// acquire timeout passes, and a cached read is served all along.
async fn a_saturated_pool_is_busy_not_down(dialect: Dialect) {
    let app = TestApp::with_settings(
        dialect,
        &[("DB_POOL_SIZE", "1"), ("DB_ACQUIRE_TIMEOUT_MS", "3000"), ("CACHE_ENABLED", "true")],
    )
    .await;
    let cached = format!("{API}/products?limit=5");
    assert_eq!(app.get(&cached).await.status, StatusCode::OK, "{dialect}");
    let idle = app.get("/health").await;
    assert_eq!(idle.body["pool"]["waiting"], 0, "{dialect}: {}", idle.body);

    // The pool's only connection, held the way a long request would hold it.
    let held = sea_orm::TransactionTrait::begin(&app.conn).await.unwrap();
    let categories = format!("{API}/categories");
    let uncached = || app.get(&categories);
    let watch = async {
        let mut seen = Value::Null;
        for _ in 0..100 {
            let health = app.get("/health").await;
            assert_eq!(health.status, StatusCode::OK, "{dialect}: {}", health.body);
            assert_eq!(health.body["database"], "connected", "{dialect}");
            seen = health.body["pool"].clone();
            if seen["waiting"] == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let served = app.get(&cached).await;
        (seen, served.status)
    };
    let (first, second, (pool, cached_status)) = tokio::join!(uncached(), uncached(), watch);
    assert_eq!(pool, json!({"size": 1, "idle": 0, "waiting": 1}), "{dialect}: one request queued at the gate");
    assert_eq!(cached_status, StatusCode::OK, "{dialect}: a cached read waited for the database");
    for reply in [first, second] {
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{dialect}: {}", reply.body);
        assert_eq!(header(&reply, "retry-after"), Some("1"), "{dialect}");
    }
    held.rollback().await.unwrap();
    assert_eq!(app.get(&format!("{API}/categories")).await.status, StatusCode::OK, "{dialect}");
    assert_eq!(app.get("/health").await.body["pool"]["waiting"], 0, "{dialect}");
}
migrate::per_dialect!(a_saturated_pool_is_busy_not_down);

/// With `REDIS_URL`, failures counted by one replica slow the account down on every other:
/// guesses spread over replicas gain nothing.
#[tokio::test]
async fn replicas_share_login_failures_through_redis() {
    let Some(url) = crate::cache::redis_url() else { return };
    let ns = crate::cache::namespace();
    let app = TestApp::with_settings(Dialect::Sqlite, &[("REDIS_URL", &url), ("CACHE_NAMESPACE", &ns)]).await;
    let other = app.replica().await;
    member(&app, "frank", "right-password").await;
    // Three failures are free (LOGIN_MAX_FAILURES=3): two here, one there.
    for replica in [&app.app, &app.app, &other] {
        assert_eq!(login_through(replica, "frank", "wrong").await.status, StatusCode::BAD_REQUEST);
    }
    let third = app.replica().await;
    let refused = login_through(&third, "FRANK", "right-password").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "a replica that saw no failure: {}", refused.body);
    assert_eq!(header(&refused, "retry-after"), Some("1"));
}

/// A Redis that does not answer leaves each replica throttling what it saw itself.
#[tokio::test]
async fn without_redis_a_replica_still_throttles_on_its_own() {
    let app = TestApp::with_settings(Dialect::Sqlite, &[("REDIS_URL", "redis://127.0.0.1:1/0")]).await;
    member(&app, "gina", "right-password").await;
    for _ in 0..3 {
        assert_eq!(login(&app, "gina", "wrong").await.status, StatusCode::BAD_REQUEST);
    }
    let refused = login(&app, "gina", "right-password").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS, "{}", refused.body);
}

/// `shop serve`'s exit status and standard error for these settings.
fn serve(url: &str, settings: &[(&str, &str)]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command
        .arg("serve")
        .current_dir(dir.path())
        .env("DATABASE_URL", url)
        .env("PORT", "0")
        .env_remove("SECRET_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in settings {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    // A refused start exits at once; one that serves is stopped after two seconds.
    for _ in 0..20 {
        if let Ok(Some(_)) = child.try_wait() {
            let out = child.wait_with_output().unwrap();
            return (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    (None, String::new())
}

#[tokio::test]
async fn a_server_refuses_a_missing_or_short_signing_key() {
    let db = TestDb::new(Dialect::Sqlite).await;
    let (code, err) = serve(&db.url, &[("HOST", "0.0.0.0")]);
    assert_eq!(code, Some(1), "no key on a public address: {err}");
    assert!(err.contains("SECRET_KEY") && err.contains("32"), "{err}");
    let (code, err) = serve(&db.url, &[("SECRET_KEY", "x")]);
    assert_eq!(code, Some(1), "a one-byte key: {err}");
    assert!(err.contains("SECRET_KEY") && !err.contains("\"x\""), "{err}");
    // Development: SQLite on a loopback address runs on the public key.
    assert_eq!(serve(&db.url, &[]).0, None, "the development set-up must serve");
    assert_eq!(serve(&db.url, &[("SECRET_KEY", &"k".repeat(32))]).0, None);
    if migrate::testing::covers(Dialect::Postgres) {
        let pg = TestDb::new(Dialect::Postgres).await;
        let (code, err) = serve(&pg.url, &[]);
        assert_eq!(code, Some(1), "PostgreSQL without a key: {err}");
        assert!(err.contains("SECRET_KEY"), "{err}");
    }
}

/// The status of a POST to the server at `addr`, with `extra` header lines.
fn post(addr: &str, path: &str, extra: &str, content_type: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{extra}Content-Type: {content_type}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

fn post_json(addr: &str, path: &str, body: &str) -> u16 {
    post(addr, path, "", "application/json", body)
}

/// A failed login through the server at `addr`, as sent by a proxy for `forwarded_for`.
fn login_via(addr: &str, username: &str, forwarded_for: &str) -> u16 {
    let body = format!("username={username}&password=wrong-password");
    let via = format!("X-Forwarded-For: {forwarded_for}\r\n");
    post(addr, "/api/v1/login/access-token", &via, "application/x-www-form-urlencoded", &body)
}

/// Behind a trusted proxy, failures from one forwarded client do not lock out another; with
/// no trusted proxy the header is ignored, and the client is the peer itself.
#[tokio::test]
async fn behind_a_trusted_proxy_one_client_cannot_lock_out_another() {
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let limits = [("LOGIN_MAX_FAILURES", "3"), ("TRUSTED_PROXIES", "127.0.0.0/8, ::1")];
    let server = crate::server::Server::start(&db.url, dir.path(), &limits);
    // Three usernames, so only the client's counter fills; the spoofed left-most entry is
    // ignored, the proxy's own (right-most) is believed.
    for (n, user) in ["u1", "u2", "u3"].into_iter().enumerate() {
        assert_eq!(login_via(&server.addr, user, &format!("10.9.9.{n}, 203.0.113.7")), 400, "{user}");
    }
    assert_eq!(login_via(&server.addr, "u4", "203.0.113.7"), 429, "the attacking client is slowed down");
    assert_eq!(login_via(&server.addr, "u5", "198.51.100.9"), 400, "another client is not");

    // One account tried by username and by email from three clients: its count is one, and
    // it slows that account down, not the clients' other logins.
    let signup = r#"{"username": "erin", "email": "erin@shop.test", "password": "long-enough-password"}"#;
    assert_eq!(post_json(&server.addr, "/api/v1/users/signup", signup), 201);
    for (login, client) in [("erin", "192.0.2.1"), ("ERIN@shop.test", "192.0.2.2"), ("erin", "192.0.2.3")] {
        assert_eq!(login_via(&server.addr, login, client), 400, "{login} from {client}");
    }
    assert_eq!(login_via(&server.addr, "erin@shop.test", "192.0.2.4"), 429, "the account waits");
    assert_eq!(login_via(&server.addr, "u6", "192.0.2.1"), 400, "its clients do not");
    drop(server);

    let db = TestDb::new(Dialect::Sqlite).await;
    let direct = crate::server::Server::start(&db.url, dir.path(), &[("LOGIN_MAX_FAILURES", "3")]);
    for (n, user) in ["u1", "u2", "u3"].into_iter().enumerate() {
        assert_eq!(login_via(&direct.addr, user, &format!("203.0.113.{n}")), 400, "{user}");
    }
    assert_eq!(login_via(&direct.addr, "u4", "198.51.100.9"), 429, "untrusted: one peer, one client");
}

/// Reads until the server closes the connection (or 10 s pass): what it sent.
fn read_to_close(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).ok();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return String::from_utf8_lossy(&raw).into_owned(),
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(err) => panic!("the server kept the connection open: {err}; got {:?}", String::from_utf8_lossy(&raw)),
        }
    }
}

/// Connections past `MAX_CONNECTIONS` are answered 503 with `Retry-After` at once; idle
/// connections, half-sent headers and idle keep-alive connections are closed after
/// `HEADER_READ_TIMEOUT_SECONDS`, after which the server answers again.
#[tokio::test]
async fn idle_and_surplus_connections_are_closed() {
    use std::io::Write;
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let limits = [("MAX_CONNECTIONS", "4"), ("HEADER_READ_TIMEOUT_SECONDS", "1")];
    let server = crate::server::Server::start(&db.url, dir.path(), &limits);
    let connect = || std::net::TcpStream::connect(&server.addr).unwrap();

    let mut idle: Vec<std::net::TcpStream> = (0..4).map(|_| connect()).collect();
    // Give the server the time to accept all four before the fifth arrives.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mut surplus = connect();
    write!(surplus, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let shed = read_to_close(&mut surplus);
    assert!(shed.starts_with("HTTP/1.1 503"), "{shed}");
    assert!(shed.to_ascii_lowercase().contains("retry-after: 1"), "{shed}");

    // The idle ones are closed without a word; then the server answers again.
    for stream in &mut idle {
        assert_eq!(read_to_close(stream), "");
    }
    let (status, body) = server.get("/health");
    assert_eq!(status, 200, "{body}");

    // Headers that never end.
    let mut slow = connect();
    write!(slow, "GET /health HTTP/1.1\r\nHost: x\r\n").unwrap();
    let cut = read_to_close(&mut slow);
    assert!(!cut.contains("200 OK"), "{cut}");

    // A keep-alive connection, idle after its answer.
    let mut kept = connect();
    write!(kept, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let answered = read_to_close(&mut kept);
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}
