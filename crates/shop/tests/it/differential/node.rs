//! One long-lived `shop serve` process per database, and a plain HTTP/1.1 client for it.
//! The server keeps its pool, prepared statements and caches across every request of a run,
//! as a production server does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migrate::Dialect;
use migrate::testing::TestDb;
use sea_orm::Database;

use crate::search_model::{self, Catalog};

pub const ADMIN: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "differential-admin-password";
pub const SECRET_KEY: &str = "differential-test-secret-key-0123456789abcdef";

/// A server over its own database holding `catalog`.
pub struct Node {
    pub dialect: Dialect,
    pub addr: String,
    pub token: String,
    /// WARN and ERROR lines of the server's log, newest last.
    problems: Arc<Mutex<Vec<String>>>,
    child: Child,
    _db: TestDb,
    _dir: tempfile::TempDir,
}

/// One answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: serde_json::Value,
}

impl Node {
    /// Creates the database, migrates it, loads `catalog` (filling in its ids) and starts
    /// the server: a small pool, so that statements meet on the same connections, and no
    /// cache, so that every read reaches the database.
    pub async fn start(dialect: Dialect, catalog: &mut Catalog, extra: &[(&str, &str)]) -> Self {
        let db = TestDb::new(dialect).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let status = Command::new(env!("CARGO_BIN_EXE_shop"))
            .args(["db", "upgrade", "head"])
            .current_dir(dir.path())
            .env("DATABASE_URL", &db.url)
            .stdout(Stdio::null())
            .status()
            .expect("run shop db upgrade");
        assert!(status.success(), "{dialect}: shop db upgrade head failed");
        let conn = Database::connect(db.url.as_str()).await.expect("connect");
        search_model::insert(&conn, catalog).await;
        conn.close().await.expect("close");

        let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
        command.envs(extra.iter().copied());
        let mut child = command
            .arg("serve")
            .current_dir(dir.path())
            .env("DATABASE_URL", &db.url)
            .env("PORT", "0")
            .env("SECRET_KEY", SECRET_KEY)
            .env("FIRST_SUPERUSER", ADMIN)
            .env("FIRST_SUPERUSER_PASSWORD", ADMIN_PASSWORD)
            .env("DB_POOL_SIZE", "2")
            .env("CACHE_ENABLED", "false")
            .env("LOGIN_MAX_FAILURES", "1000000")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn shop serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let addr = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read log") == 0 {
                panic!("{dialect}: shop serve exited before serving");
            }
            if let Some(rest) = line.split("serving on http://").nth(1) {
                break rest.split(|c: char| c.is_whitespace() || c == ')').next().unwrap_or_default().to_owned();
            }
        };
        // Drain the log for the whole run (a full pipe would stall the server), keeping the
        // lines that explain a failure.
        let problems = Arc::new(Mutex::new(Vec::new()));
        let kept = problems.clone();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if line.contains("WARN") || line.contains("ERROR") {
                    let mut kept = kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    kept.push(line);
                    let excess = kept.len().saturating_sub(50);
                    kept.drain(..excess);
                }
            }
        });
        let mut node = Self { dialect, addr, token: String::new(), problems, child, _db: db, _dir: dir };
        let login = node.send("POST", "/api/v1/login/access-token", Some(&form(ADMIN, ADMIN_PASSWORD)), None);
        node.token =
            login.body["access_token"].as_str().unwrap_or_else(|| panic!("{dialect}: login {login:?}")).to_owned();
        node
    }

    /// The server's recent warnings and errors.
    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, None)
    }

    /// A connection to the server, for requests written by hand.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok();
        stream
    }

    /// Sends one request. `body` is (content type, raw bytes), sent as is, so that it can
    /// hold what a JSON library would refuse to write (a lone surrogate escape).
    pub fn send(&self, method: &str, path: &str, body: Option<&(String, String)>, token: Option<&str>) -> Answer {
        let mut stream = self.connect();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        let payload = body.map_or("", |(_, raw)| raw.as_str());
        if let Some((content_type, raw)) = body {
            head.push_str(&format!("Content-Type: {content_type}\r\nContent-Length: {}\r\n", raw.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).expect("write head");
        stream.write_all(payload.as_bytes()).expect("write body");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read answer");
        parse_answer(&raw)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A form body.
pub fn form(username: &str, password: &str) -> (String, String) {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    (
        "application/x-www-form-urlencoded".to_owned(),
        format!("username={}&password={}", encode(username), encode(password)),
    )
}

/// Status and JSON body of a whole HTTP/1.1 response (chunked or not).
pub fn parse_answer(raw: &[u8]) -> Answer {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut body = raw.get(split + 4..).unwrap_or_default().to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    Answer { status, body }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = end + 2;
        out.extend_from_slice(&raw[start..(start + size).min(raw.len())]);
        raw = raw.get(start + size + 2..).unwrap_or_default();
    }
    out
}
