//! Defects first seen on long-lived servers, replayed on one: a statement prepared for the
//! list parameters and reused by `filter` (PostgreSQL answered 503), U+0000 in any string
//! (PostgreSQL answered 500), and dates outside what MySQL stores.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use migrate::Dialect;
use migrate::testing::dialects;
use shop::search::cursor::{CursorCodec, KeyValue};

use std::io::{Read, Write};

use super::node::{Node, SECRET_KEY, form, parse_answer};
use crate::search_model::{Catalog, Rng};

fn json(raw: &str) -> (String, String) {
    ("application/json".to_owned(), raw.to_owned())
}

fn ids(body: &serde_json::Value) -> Vec<i64> {
    body["items"].as_array().map(|a| a.iter().filter_map(|p| p["id"].as_i64()).collect()).unwrap_or_default()
}

/// Asks for the same categories with repeated `category_id` and with `filter`, again and
/// again on a server with two pooled connections: every answer 200 and the same rows.
fn list_parameters_and_filter_share_statements(node: &Node) {
    let plain = "/api/v1/products/?category_id=1&category_id=2&category_id=3&limit=100";
    let filtered = "/api/v1/products/?filter=category_id%20in%20(1,%202,%203)&limit=100";
    let first = node.get(plain);
    assert_eq!(first.status, 200, "{}: {}", node.dialect, first.body);
    for round in 0..6 {
        for url in [filtered, plain] {
            let answer = node.get(url);
            assert_eq!(answer.status, 200, "{} round {round}: {url}: {}", node.dialect, answer.body);
            assert_eq!(ids(&answer.body), ids(&first.body), "{} round {round}: {url}", node.dialect);
        }
    }
}

/// A cursor for `sort=name` whose name is `name`, signed as the server signs.
fn forged_cursor(node: &Node, name: &str) -> String {
    let page = node.get("/api/v1/products/?sort=name&limit=1");
    let cursor = page.body["next_cursor"].as_str().unwrap_or_else(|| panic!("{}: {}", node.dialect, page.body));
    let payload = cursor.split('.').next().unwrap_or_default();
    let decoded: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let fingerprint = decoded["f"].as_str().unwrap().to_owned();
    let codec = CursorCodec { secret: SECRET_KEY.as_bytes(), fingerprint: &fingerprint };
    codec.encode(&[KeyValue::Text(name.to_owned()), KeyValue::Int(Some(1))], shop::schema::common::Total::exact(1))
}

/// U+0000 anywhere a string goes in is a 422 naming the field, and changes nothing.
fn nul_is_422_everywhere(node: &Node) {
    let token = Some(node.token.as_str());
    let product = "/api/v1/products/1";
    let before = node.get(product).body;
    let posts: Vec<(&str, &str, String, Option<&str>)> = vec![
        ("POST", "/api/v1/tags/", r#"{"name": "a\u0000b"}"#.to_owned(), token),
        ("POST", "/api/v1/categories/", r#"{"name": "ok", "description": "\u0000"}"#.to_owned(), token),
        ("POST", "/api/v1/suppliers/", r#"{"name": "s\u0000"}"#.to_owned(), token),
        ("POST", "/api/v1/products/", r#"{"name": "n\u0000", "price": "1.00", "category_id": 1}"#.to_owned(), token),
        ("PATCH", product, r#"{"description": "d\u0000"}"#.to_owned(), token),
        (
            "POST",
            "/api/v1/products/1/variants/",
            r#"{"sku": "V-1", "name": "v", "attributes": [{"name": "color", "value": "re\u0000d"}]}"#.to_owned(),
            token,
        ),
        (
            "POST",
            "/api/v1/users/signup",
            r#"{"username": "nuluser", "email": "nul@example.com", "password": "long-enough",
                "full_name": "N\u0000L", "phone": "\u0000"}"#
                .to_owned(),
            None,
        ),
        (
            "POST",
            "/api/v1/users/",
            r#"{"username": "nuluser2", "email": "nul2@example.com", "password": "long-enough",
                "last_name": "\u0000"}"#
                .to_owned(),
            token,
        ),
        ("PATCH", "/api/v1/users/me", r#"{"first_name": "\u0000"}"#.to_owned(), token),
    ];
    for (method, path, body, token) in posts {
        let answer = node.send(method, path, Some(&json(&body)), token);
        assert_eq!(answer.status, 422, "{}: {method} {path} {body}: {}", node.dialect, answer.body);
        let loc = answer.body["detail"][0]["loc"].to_string();
        assert!(answer.body["detail"][0]["msg"].as_str().unwrap_or_default().contains("U+0000"), "{loc}");
    }
    let login = node.send("POST", "/api/v1/login/access-token", Some(&form("ad\0min", "x")), None);
    assert_eq!(login.status, 422, "{}: login: {}", node.dialect, login.body);
    for query in ["q=a%00", "tag=t%00", "filter=name%20%3D%20'a%00'", "sort=name%00"] {
        let answer = node.get(&format!("/api/v1/products/?{query}"));
        assert_eq!(answer.status, 422, "{}: {query}: {}", node.dialect, answer.body);
    }
    let cursor = forged_cursor(node, "a\0b");
    let answer = node.get(&format!("/api/v1/products/?sort=name&limit=1&cursor={cursor}"));
    assert_eq!(answer.status, 422, "{}: forged cursor: {}", node.dialect, answer.body);
    // Nothing was written.
    let tags = node.get("/api/v1/tags/?limit=100");
    assert!(!tags.body.to_string().contains("\\u0000"), "{}: {}", node.dialect, tags.body);
    assert_eq!(node.get(product).body, before, "{}", node.dialect);
}

/// Dates before year 1 or after 9999 are 422 on every database; the ends of that range are
/// stored and read back as sent.
fn dates_outside_every_database_are_422(node: &Node) {
    for (n, date) in ["-0001-01-01", "0000-12-31", "+10000-01-01"].into_iter().enumerate() {
        let body = format!(
            r#"{{"username": "dob{n}", "email": "dob{n}@example.com", "password": "long-enough", "date_of_birth": "{date}"}}"#
        );
        let answer = node.send("POST", "/api/v1/users/signup", Some(&json(&body)), None);
        assert_eq!(answer.status, 422, "{}: {date}: {}", node.dialect, answer.body);
        assert_eq!(answer.body["detail"][0]["loc"], serde_json::json!(["body", "date_of_birth"]));
    }
    for (n, date) in ["0001-01-01", "9999-12-31"].into_iter().enumerate() {
        let body = format!(
            r#"{{"username": "edge{n}", "email": "edge{n}@example.com", "password": "long-enough", "date_of_birth": "{date}"}}"#
        );
        let answer = node.send("POST", "/api/v1/users/signup", Some(&json(&body)), None);
        assert_eq!(answer.status, 201, "{}: {date}: {}", node.dialect, answer.body);
        assert_eq!(answer.body["date_of_birth"], date, "{}", node.dialect);
    }
    let every = node.get("/api/v1/products/?limit=100").body["total"].clone();
    let old = node.get("/api/v1/products/?limit=100&filter=created_at%20%3E%20'0500-01-01'");
    assert_eq!(old.status, 200, "{}: {}", node.dialect, old.body);
    assert_eq!(old.body["total"], every, "{}: every product is newer than the year 500", node.dialect);
}

/// A body that stops arriving (the request's time limit is 2 s, the body's half of it), or
/// that breaks off, is 408: not a database outage.
fn slow_and_broken_bodies_are_408(node: &Node) {
    for close in [false, true] {
        let mut stream = node.connect();
        let head = format!(
            "POST /api/v1/tags/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\": ",
            node.token
        );
        stream.write_all(head.as_bytes()).expect("write");
        if close {
            stream.shutdown(std::net::Shutdown::Write).expect("shutdown");
        }
        let started = std::time::Instant::now();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let answer = parse_answer(&raw);
        assert_eq!(answer.status, 408, "{} close={close}: {answer:?}", node.dialect);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{}: answered after the time limit",
            node.dialect
        );
    }
    let health = node.get("/health");
    assert_eq!(health.body["database"], "connected", "{}", node.dialect);
}

fn on(dialect: Dialect) {
    if !dialects().contains(&dialect) {
        migrate::testing::skip(&format!("{dialect} is not covered by this run"));
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let mut catalog = Catalog::random(&mut Rng::new(7), 12);
    let node = runtime.block_on(Node::start(dialect, &mut catalog, &[("REQUEST_TIMEOUT_SECONDS", "2")]));
    list_parameters_and_filter_share_statements(&node);
    nul_is_422_everywhere(&node);
    dates_outside_every_database_are_422(&node);
    slow_and_broken_bodies_are_408(&node);
    // The sequence above ran on one server: nothing it sent left the database unavailable.
    list_parameters_and_filter_share_statements(&node);
}

#[test]
fn long_lived_sqlite_server_keeps_answering() {
    on(Dialect::Sqlite);
}

#[test]
fn long_lived_postgres_server_keeps_answering() {
    on(Dialect::Postgres);
}

#[test]
fn long_lived_mysql_server_keeps_answering() {
    on(Dialect::Mysql);
}
