//! The staff console at `/admin`, end to end: `shop serve` as a real process with the sample
//! data, and a real headless Chromium driven through its DevTools protocol. SQLite only: the
//! console is a client of the JSON API, whose behaviour on every database the API tests cover.

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

use crate::server::Server;
use cdp::Browser;

pub const ADMIN: (&str, &str) = ("admin@shop.test", "Console-Admin-Passw0rd");

/// A blocking HTTP/1.1 request: (status, JSON body or Null).
pub fn http(addr: &str, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(cdp::PATIENCE)).ok();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        payload.len()
    );
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(payload.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

pub fn login(addr: &str, user: &str, password: &str) -> String {
    let form = format!("username={user}&password={password}");
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST /api/v1/login/access-token HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let body: Value = serde_json::from_str(raw.split_once("\r\n\r\n").unwrap().1).unwrap();
    body["access_token"].as_str().unwrap_or_else(|| panic!("login {user}: {raw}")).to_owned()
}

/// `shop serve` on a fresh SQLite file holding the sample data (`shop seed`) and an admin.
pub fn seeded_server(dir: &Path, extra: &[(&str, &str)]) -> Server {
    let url = format!("sqlite://{}?mode=rwc", dir.join("console.db").display());
    let seeded = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("seed")
        .current_dir(dir)
        .env("DATABASE_URL", &url)
        .output()
        .expect("run shop seed");
    assert!(seeded.status.success(), "shop seed: {}", String::from_utf8_lossy(&seeded.stderr));
    let mut env = vec![("FIRST_SUPERUSER", ADMIN.0), ("FIRST_SUPERUSER_PASSWORD", ADMIN.1)];
    env.extend_from_slice(extra);
    Server::start(&url, dir, &env)
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
