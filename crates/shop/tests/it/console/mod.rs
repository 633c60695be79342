//! The staff console at `/admin`, end to end: `shop serve` as a real process with the sample
//! data on each database, and a real headless Chromium driven through its DevTools protocol.

pub mod cdp;
mod checks;
mod journey;
mod pages;
mod serving;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use migrate::Dialect;
use migrate::testing::TestDb;

use crate::server::Server;
use cdp::Browser;

pub const ADMIN: (&str, &str) = ("admin@shop.test", "Console-Admin-Passw0rd");

/// A blocking HTTP/1.1 request with `headers` and `body`: (status, JSON body or Null).
fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(cdp::PATIENCE)).ok();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// An API call with an optional bearer token and JSON body.
pub fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = Vec::new();
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth.as_str()));
    }
    request(addr, method, path, &headers, &body.map(Value::to_string).unwrap_or_default())
}

/// A token from the API's login form.
pub fn login(addr: &str, user: &str, password: &str) -> String {
    let form = format!("username={user}&password={password}");
    let headers = [("Content-Type", "application/x-www-form-urlencoded")];
    let (status, body) = request(addr, "POST", "/api/v1/login/access-token", &headers, &form);
    body["access_token"].as_str().unwrap_or_else(|| panic!("login {user}: {status} {body}")).to_owned()
}

/// Waits until `check` holds, up to the tests' patience.
pub fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + cdp::PATIENCE;
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Every file under `crates/shop/console/`, as `/admin/assets/` names it (the page itself
/// is `index.html`, served at `/admin`).
pub fn console_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
    let mut found = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found
}

/// Runs `visit(chromium, database_url)` on a fresh `dialect` database; said as skipped where
/// Chromium is missing. The browser work blocks, so it runs on a blocking thread rather than
/// on the test's runtime.
pub async fn in_chromium(dialect: Dialect, visit: fn(String, String)) {
    let Some(chromium) = cdp::chromium() else {
        migrate::testing::skip("no Chromium on this machine (.ci/run installs Debian's chromium)");
        return;
    };
    let db = TestDb::new(dialect).await;
    let url = db.url.clone();
    let outcome = tokio::task::spawn_blocking(move || visit(chromium, url)).await;
    drop(db);
    if let Err(failure) = outcome
        && failure.is_panic()
    {
        std::panic::resume_unwind(failure.into_panic());
    }
}

/// `shop serve` on the database at `url`, given the sample data (`shop seed`) and an admin.
pub fn seeded_server(url: &str, dir: &Path, extra: &[(&str, &str)]) -> Server {
    let seeded = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("seed")
        .current_dir(dir)
        .env("DATABASE_URL", url)
        // A server database is migrated only when asked (SQLite always is).
        .env("AUTO_MIGRATE", "true")
        .output()
        .expect("run shop seed");
    assert!(seeded.status.success(), "shop seed: {}", String::from_utf8_lossy(&seeded.stderr));
    let mut env = vec![("FIRST_SUPERUSER", ADMIN.0), ("FIRST_SUPERUSER_PASSWORD", ADMIN.1)];
    env.extend_from_slice(extra);
    Server::start(url, dir, &env)
}

/// Width of a PNG, from its IHDR chunk.
pub fn png_width(png: &[u8]) -> u32 {
    assert_eq!(&png[1..4], b"PNG", "not a PNG");
    u32::from_be_bytes([png[16], png[17], png[18], png[19]])
}

/// Saves a screenshot in the test's folder, and under `CONSOLE_SCREENSHOTS` when it is set
/// (relative to the workspace; that is how `docs/console/` is made).
pub fn keep(png: &[u8], dir: &Path, name: &str) {
    std::fs::write(dir.join(name), png).unwrap();
    if let Some(out) = std::env::var_os("CONSOLE_SCREENSHOTS") {
        // Relative to the workspace, where the README's command runs, not to this crate.
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(out);
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join(name), png).unwrap();
    }
}

pub fn sign_in(b: &mut Browser, user: &str, password: &str) {
    b.type_into("input[name=username]", user);
    b.press("Tab");
    b.wait_for(
        "document.activeElement && document.activeElement.name === 'password'",
        "Tab to move to the password field",
    );
    b.call("Input.insertText", json!({"text": password}));
    b.press("Enter");
}
