//! `shop serve` as a real process: logs, graceful shutdown, and the docs pages rendered by a
//! real headless browser.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use migrate::Dialect;
use migrate::testing::TestDb;

pub struct Server {
    child: Child,
    pub addr: String,
    /// The log up to and including the "serving on" line.
    pub log: Vec<String>,
    /// The rest of the log, read as it comes: a pipe left unread would fill and block the
    /// server's logging, and with it the server.
    rest: Option<std::thread::JoinHandle<Vec<String>>>,
}

impl Server {
    /// Starts `shop serve` on a free port and waits for its "serving on" line.
    pub fn start(url: &str, cwd: &std::path::Path, extra: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
        command
            .arg("serve")
            .current_dir(cwd)
            .env("DATABASE_URL", url)
            .env("PORT", "0")
            .env("SECRET_KEY", "server-test-secret-0123456789abcdef0123")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in extra {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn shop serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut log = Vec::new();
        let addr = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read log") == 0 {
                panic!("shop serve exited before serving; log: {log:?}");
            }
            let found = line.split("serving on http://").nth(1).map(|rest| {
                rest.split(|c: char| c.is_whitespace() || c == '"' || c == ')').next().unwrap_or_default().to_owned()
            });
            log.push(line);
            if let Some(addr) = found {
                break addr;
            }
        };
        let rest = Some(std::thread::spawn(move || drain(stdout)));
        Self { child, addr, log, rest }
    }

    /// A plain HTTP/1.1 GET: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).expect("write");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read");
        let status = raw.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = raw.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
        (status, body)
    }

    /// Sends SIGTERM and collects the rest of the log; returns whether it exited cleanly.
    pub fn terminate(mut self) -> (bool, Vec<String>) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().expect("wait");
        let mut log = std::mem::take(&mut self.log);
        log.extend(self.rest.take().and_then(|rest| rest.join().ok()).unwrap_or_default());
        (status.success(), log)
    }
}

fn drain(stdout: BufReader<ChildStdout>) -> Vec<String> {
    stdout.lines().map_while(Result::ok).collect()
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn serve_logs_json_and_shuts_down_gracefully() {
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db.url, dir.path(), &[("LOG_FORMAT", "json")]);
    assert_eq!(server.get("/health").0, 200);
    let (status, body) = server.get("/api/v1/categories/");
    assert_eq!(status, 200, "{body}");
    let (clean, log) = server.terminate();
    assert!(clean, "exit status after SIGTERM; log: {log:?}");
    for line in log.iter().filter(|l| !l.trim().is_empty()) {
        let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        assert!(parsed["level"].is_string(), "{line}");
    }
    assert!(log.iter().any(|l| l.contains("/docs")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("\"status\":200") && l.contains("/api/v1/categories")), "{log:?}");
    assert!(log.iter().any(|l| l.contains("shutting down")), "{log:?}");
}

/// The DOM of `url` after its scripts ran, from headless Chromium with networking off.
fn rendered(browser: &str, url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(crate::console::cdp::HEADLESS)
        .args([
            "--virtual-time-budget=20000",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            url,
        ])
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn docs_render_in_a_headless_browser_without_network() {
    let Some(browser) = crate::console::cdp::chromium() else {
        migrate::testing::skip("no Chromium on this machine (.ci/run installs Debian's chromium)");
        return;
    };
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db.url, dir.path(), &[]);
    let swagger = rendered(&browser, &format!("http://{}/docs/", server.addr));
    assert!(swagger.contains("opblock"), "Swagger UI listed no operations:\n{}", &swagger[..swagger.len().min(2000)]);
    assert!(swagger.contains("/api/v1/categories"), "categories operations missing");
    let redoc = rendered(&browser, &format!("http://{}/redoc", server.addr));
    assert!(redoc.contains("Create a category"), "ReDoc rendered no operations:\n{}", &redoc[..redoc.len().min(2000)]);
}

#[tokio::test]
async fn passwords_never_appear_in_responses_or_logs() {
    use crate::http::send_raw;
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let first = "Adm1n-Bootstrap-Secret";
    let server = Server::start(
        &db.url,
        dir.path(),
        &[("RUST_LOG", "debug"), ("FIRST_SUPERUSER", "root@shop.test"), ("FIRST_SUPERUSER_PASSWORD", first)],
    );
    let (old, new, wrong) = ("Very-Secret-Passw0rd", "Even-More-Secret-Passw0rd", "Wr0ng-Guess-Passw0rd");
    let json = [("Content-Type", "application/json")];
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let mut bodies = Vec::new();
    let signup = format!(r#"{{"username":"ada","email":"ada@shop.test","password":"{old}"}}"#);
    bodies.push(send_raw(&server.addr, "POST", "/api/v1/users/signup", &json, signup.as_bytes()).await);
    bodies.push(
        send_raw(
            &server.addr,
            "POST",
            "/api/v1/login/access-token",
            &form,
            format!("username=ada&password={wrong}").as_bytes(),
        )
        .await,
    );
    let login = send_raw(
        &server.addr,
        "POST",
        "/api/v1/login/access-token",
        &form,
        format!("username=ada&password={old}").as_bytes(),
    )
    .await;
    assert_eq!(login.0, 200, "{}", login.1);
    let token = login.1.split("\"access_token\":\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let auth = format!("Bearer {token}");
    let change = format!(r#"{{"password":"{new}","current_password":"{old}"}}"#);
    let headers = [("Content-Type", "application/json"), ("Authorization", auth.as_str())];
    bodies.push(send_raw(&server.addr, "PATCH", "/api/v1/users/me", &headers, change.as_bytes()).await);
    let admin = send_raw(
        &server.addr,
        "POST",
        "/api/v1/login/access-token",
        &form,
        format!("username=root@shop.test&password={first}").as_bytes(),
    )
    .await;
    assert_eq!(admin.0, 200, "the first superuser can log in: {}", admin.1);
    bodies.push(admin);
    bodies.push(login);
    let (_, log) = server.terminate();
    for secret in [first, old, new, wrong] {
        for (status, body) in &bodies {
            assert!(!body.contains(secret), "{secret} in a {status} response: {body}");
        }
        for line in &log {
            assert!(!line.contains(secret), "{secret} in the log: {line}");
        }
    }
    assert!(log.len() > 5, "the log was captured: {log:?}");
}

/// `shop healthcheck` (the Dockerfile's HEALTHCHECK) exits 0 against a serving server and 1,
/// naming the address, when nothing answers.
#[tokio::test]
async fn the_healthcheck_command_asks_the_running_server() {
    let db = migrate::testing::TestDb::new(migrate::Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&db.url, dir.path(), &[]);
    let port = server.addr.rsplit(':').next().unwrap().to_owned();
    let check = |port: &str| {
        Command::new(env!("CARGO_BIN_EXE_shop"))
            .arg("healthcheck")
            .current_dir(dir.path())
            .env("DATABASE_URL", &db.url)
            .env("HOST", "0.0.0.0")
            .env("PORT", port)
            .output()
            .unwrap()
    };
    let up = check(&port);
    assert_eq!(up.status.code(), Some(0), "{}", String::from_utf8_lossy(&up.stderr));
    assert!(String::from_utf8_lossy(&up.stdout).contains("\"connected\""));
    drop(server);
    let down = check(&port);
    assert_eq!(down.status.code(), Some(1));
    let err = String::from_utf8_lossy(&down.stderr).into_owned();
    assert!(err.contains(&format!("127.0.0.1:{port}")) && err.lines().count() == 1, "{err}");
}
