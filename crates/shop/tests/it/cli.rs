//! The `shop` binary as a user runs it.

use std::path::Path;
use std::process::{Command, Output};

use migrate::Dialect;
use migrate::testing::TestDb;

fn head() -> String {
    shop::migrations::graph().unwrap().heads().remove(0)
}

fn revision_count() -> usize {
    shop::migrations::revisions().len()
}

fn shop(url: &str, cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shop"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", url)
        .output()
        .expect("run shop")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "stdout: {}\nstderr: {}", text(&out.stdout), text(&out.stderr));
    text(&out.stderr)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A copy of the shop's migrations folder to write new revisions into.
fn copy_migrations(env: &Env) -> std::path::PathBuf {
    let migrations = env.dir.path().join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), migrations.join(entry.file_name())).unwrap();
    }
    migrations
}

struct Env {
    db: TestDb,
    dir: tempfile::TempDir,
}

impl Env {
    async fn new() -> Self {
        Self { db: TestDb::new(Dialect::Sqlite).await, dir: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> Output {
        shop(&self.db.url, self.dir.path(), args)
    }
}

#[tokio::test]
async fn upgrade_current_heads_history_show_and_stamp_print_the_documented_output() {
    let env = Env::new().await;
    let (head, n) = (head(), revision_count());
    let out = ok(&env.run(&["db", "upgrade", "head"]));
    assert_eq!(out.matches("Running upgrade ").count(), n, "{out}");
    assert!(out.contains("Running upgrade <base> -> 1a2b3c4d5e6f, create categories, products and users ("), "{out}");
    assert!(out.ends_with(&format!("Current revision: {head} (head)\n")), "{out}");

    assert_eq!(ok(&env.run(&["db", "current"])), format!("{head} (head)\n"));
    assert_eq!(ok(&env.run(&["db", "heads"])), format!("{head} (head)\n"));

    let history = ok(&env.run(&["db", "history"]));
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), n, "{history}");
    let message = shop::migrations::revisions().into_iter().find(|r| r.id == head).map(|r| r.message).unwrap();
    assert!(lines[0].ends_with(&format!(" -> {head} (head), {message}")), "{history}");
    assert!(lines.contains(&"708192a3b4c5 -> 62e794670d10, add orders idempotency key"), "{history}");
    assert!(lines.contains(&"6f708192a3b4 -> 708192a3b4c5, add orders and order_items"), "{history}");
    assert_eq!(lines[n - 1], "<base> -> 1a2b3c4d5e6f, create categories, products and users");

    let verbose = ok(&env.run(&["db", "history", "--verbose"]));
    assert_eq!(verbose.matches("Applied: ").count(), n, "{verbose}");
    assert!(verbose.contains(&format!("Rev: {head} (head) (current)")), "{verbose}");
    assert!(verbose.contains("Parent: 6f708192a3b4"), "{verbose}");

    let ranged = ok(&env.run(&["db", "history", "-r", "3c4d:5e6f"]));
    assert_eq!(ranged.lines().count(), 3, "{ranged}");

    let show = ok(&env.run(&["db", "show", "7081"]));
    assert!(show.starts_with("Rev: 708192a3b4c5\nParent: 6f708192a3b4\n"), "{show}");
    assert!(show.contains("    create table orders") && show.contains("    drop table order_items"), "{show}");

    let verbose_current = ok(&env.run(&["db", "current", "--verbose"]));
    assert!(verbose_current.contains("Applied: ") && verbose_current.contains(&message), "{verbose_current}");

    assert_eq!(ok(&env.run(&["db", "stamp", "5e6f"])), "Stamped 5e6f708192a3\n");
    assert_eq!(ok(&env.run(&["db", "current"])), "5e6f708192a3\n");

    let json: serde_json::Value = serde_json::from_str(&ok(&env.run(&["db", "current", "--json"]))).unwrap();
    assert_eq!(json["current"][0]["revision"], "5e6f708192a3");
    assert_eq!(json["current"][0]["is_head"], false);

    let down = ok(&env.run(&["db", "downgrade", "base"]));
    assert_eq!(down.matches("Running downgrade ").count(), 5, "{down}"); // 5e6f708192a3 is the fifth
    assert!(down.ends_with("Current revision: base\n"), "{down}");
}

#[tokio::test]
async fn bad_requests_fail_with_a_clear_message_and_change_nothing() {
    let env = Env::new().await;
    ok(&env.run(&["db", "upgrade", "+2"]));
    assert!(failed(&env.run(&["db", "upgrade", "zzzz"])).contains("unknown revision \"zzzz\""));
    assert!(failed(&env.run(&["db", "downgrade", "-3"])).contains("below base"));
    assert!(failed(&env.run(&["db", "downgrade", "head"])).contains("use upgrade"));
    assert_eq!(ok(&env.run(&["db", "current"])), "2b3c4d5e6f70\n");

    // A database stamped by newer code.
    let conn = env.db.connect().await;
    sea_orm::ConnectionTrait::execute_unprepared(&conn, "UPDATE migrate_version SET version_num = 'ffffffffffff'")
        .await
        .unwrap();
    let err = failed(&env.run(&["db", "upgrade", "head"]));
    assert!(err.contains("ffffffffffff") && err.contains("ahead of the code"), "{err}");
    let current = ok(&env.run(&["db", "current"]));
    assert!(current.contains("ffffffffffff (unknown to this code"), "{current}");
    let _ = conn.close().await;
}

#[tokio::test]
async fn serve_refuses_a_database_behind_head_when_auto_migrate_is_off() {
    let env = Env::new().await;
    let out = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("serve")
        .current_dir(env.dir.path())
        .env("DATABASE_URL", &env.db.url)
        .env("AUTO_MIGRATE", "false")
        .output()
        .unwrap();
    let err = failed(&out);
    assert!(err.contains("shop db upgrade head"), "{err}");
}

#[tokio::test]
async fn two_concurrent_upgrade_processes_apply_each_revision_once() {
    for dialect in migrate::testing::dialects() {
        let db = TestDb::new(dialect).await;
        let dir = tempfile::tempdir().unwrap();
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_shop"))
                .args(["db", "upgrade", "head"])
                .current_dir(dir.path())
                .env("DATABASE_URL", &db.url)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let applied = ok(&a).matches("Running upgrade").count() + ok(&b).matches("Running upgrade").count();
        assert_eq!(applied, revision_count(), "{dialect}");
        let history = ok(&shop(&db.url, dir.path(), &["db", "history", "--verbose", "--json"]));
        let json: serde_json::Value = serde_json::from_str(&history).unwrap();
        assert_eq!(json["revisions"].as_array().unwrap().len(), revision_count());
        assert!(json["revisions"].as_array().unwrap().iter().all(|r| r["applied_at"].is_string()), "{dialect}");
    }
}

#[tokio::test]
async fn revision_writes_a_registered_file_after_the_head() {
    let env = Env::new().await;
    let migrations = copy_migrations(&env);
    let dir = migrations.to_string_lossy().into_owned();
    let out = ok(&env.run(&["db", "revision", "-m", "Add widgets table", "--dir", &dir]));
    let module = format!("r{:04}_add_widgets_table", revision_count() + 1);
    assert!(out.contains(&format!("{module}.rs")), "{out}");
    let file = std::fs::read_to_string(migrations.join(format!("{module}.rs"))).unwrap();
    assert!(file.contains(&format!(".revises(\"{}\")", head())), "{file}");
    assert!(file.contains("Revision::new(\"") && file.contains("\"Add widgets table\""), "{file}");
    let id = file.split("Revision ID: ").nth(1).unwrap().lines().next().unwrap().to_owned();
    assert!(migrate::Revision::is_valid_id(&id), "{id}");
    let registry = std::fs::read_to_string(migrations.join("mod.rs")).unwrap();
    assert!(registry.contains(&format!("mod {module};\n// @migrate:modules-end")), "{registry}");
    assert!(registry.contains(&format!("{module}::revision(),\n        // @migrate:revisions-end")), "{registry}");
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_with_one_line_naming_the_variable() {
    let env = Env::new().await;
    for (var, value) in [("PORT", "80x"), ("DATABASE_URL", "oracle://x"), ("AUTO_MIGRATE", "perhaps")] {
        let out = Command::new(env!("CARGO_BIN_EXE_shop"))
            .arg("serve")
            .current_dir(env.dir.path())
            .env("DATABASE_URL", &env.db.url)
            .env(var, value)
            .output()
            .unwrap();
        let err = failed(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {var}")), "{err}");
    }
}

#[tokio::test]
async fn openapi_command_prints_the_document() {
    let env = Env::new().await;
    let out = ok(&env.run(&["openapi"]));
    let spec: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(spec["paths"]["/api/v1/categories"]["get"].is_object());
}

#[tokio::test]
async fn createsuperuser_from_flags_or_prompts() {
    use std::io::Write as _;
    let env = Env::new().await;
    let out = ok(&env.run(&[
        "createsuperuser",
        "--username",
        "root",
        "--email",
        "root@shop.test",
        "--password",
        "long-enough-1",
    ]));
    assert!(out.starts_with("Created admin root (root@shop.test)"), "{out}");
    let dup = failed(&env.run(&[
        "createsuperuser",
        "--username",
        "root",
        "--email",
        "x@shop.test",
        "--password",
        "long-enough-1",
    ]));
    assert!(dup.contains("username already exists"), "{dup}");
    let bad = failed(&env.run(&["createsuperuser", "--username", "r", "--email", "nope", "--password", "short"]));
    assert!(bad.contains("username") && bad.contains("email") && bad.contains("password"), "{bad}");

    let mut child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("createsuperuser")
        .current_dir(env.dir.path())
        .env("DATABASE_URL", &env.db.url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"second\nsecond@shop.test\nanother-password\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(ok(&out).starts_with("Created admin second"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Password:"));
}

#[tokio::test]
async fn revision_options_merge_rules_and_strict_lint() {
    let env = Env::new().await;
    let migrations = copy_migrations(&env);
    let dir = migrations.to_string_lossy().into_owned();
    let out = ok(&env.run(&[
        "db",
        "revision",
        "-m",
        "experiment",
        "--head",
        "7081",
        "--branch-label",
        "exp",
        "--depends-on",
        "5e6f",
        "--dir",
        &dir,
    ]));
    let module = format!("r{:04}_experiment", revision_count() + 1);
    let file = std::fs::read_to_string(migrations.join(format!("{module}.rs"))).unwrap();
    assert!(file.contains(".revises(\"708192a3b4c5\")"), "{out}\n{file}");
    assert!(file.contains(".branch_label(\"exp\")") && file.contains(".depends_on(\"5e6f708192a3\")"), "{file}");

    let err = failed(&env.run(&["db", "merge", "-m", "m", "62e7", "7081", "--dir", &dir]));
    assert!(err.contains("ancestor"), "{err}");
    let usage = env.run(&["db", "merge", "-m", "m", "62e7", "--dir", &dir]);
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
    assert!(text(&usage.stderr).contains("2 values required"));

    // With a user row, the revisions' backfills make their NOT NULL and CHECK changes safe:
    // --strict lets the upgrade through, and refuses the downgrade that drops their columns.
    ok(&env.run(&["db", "upgrade", "2b3c"]));
    let conn = env.db.connect().await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "INSERT INTO users (username, email, full_name, hashed_password, is_active, is_superuser, created_at, updated_at) \
         VALUES ('u', 'u@x.io', 'U X', 'x', 1, 0, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
    )
    .await
    .unwrap();
    let _ = conn.close().await;
    let up = ok(&env.run(&["db", "upgrade", "head", "--strict"]));
    assert!(up.starts_with("warning: 3c4d5e6f7081: alter column users.role"), "cautions still print: {up}");
    let strict = failed(&env.run(&["db", "downgrade", "2b3c", "--strict"]));
    assert!(strict.contains("drop column users.role") && strict.contains("[ban-drop-column]"), "{strict}");
    assert!(ok(&env.run(&["db", "current"])).ends_with("(head)\n"), "the refusal changed nothing");
}

/// `shop db lint`: exit 1 with rule ids and fixes, JSON with the same shape clean or not, and
/// exit 0 when the findings are excluded.
#[tokio::test]
async fn lint_lists_findings_with_rules_and_fixes() {
    let env = Env::new().await;
    let out = env.run(&["db", "lint", "3c4d", "--dialect", "postgres"]);
    assert_eq!(out.status.code(), Some(1));
    let text = text(&out.stderr);
    assert!(text.contains("3c4d5e6f7081: warning[adding-not-nullable-field] alter column users.role"), "{text}");
    assert!(text.contains("    fix: "), "{text}");
    let out = env.run(&["db", "lint", "--all", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["error"]["kind"], "findings", "{doc}");
    assert_eq!(doc["revisions"].as_array().map(Vec::len), Some(revision_count()), "{doc}");
    let rules: std::collections::BTreeSet<String> =
        doc["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_owned()).collect();
    let mut args = vec!["db".to_owned(), "lint".into(), "--all".into(), "--json".into()];
    for rule in rules {
        args.extend(["--exclude".into(), rule]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let clean: serde_json::Value = serde_json::from_str(&ok(&env.run(&args))).expect("JSON");
    assert_eq!(clean["findings"], serde_json::json!([]), "{clean}");
}

/// The README's first step, `cp .env.example .env`, leaves every command working; a
/// malformed `.env` is refused with its line number and without its text.
#[tokio::test]
async fn the_example_env_file_works_as_dot_env() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example");
    std::fs::copy(&example, dir.path().join(".env")).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_shop"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .output()
            .expect("run shop")
    };
    ok(&run(&["db", "upgrade", "head"]));
    assert!(ok(&run(&["db", "current"])).contains("(head)"));
    assert!(dir.path().join("shop.db").exists(), "the example's DATABASE_URL is used");

    std::fs::write(dir.path().join(".env"), "PORT=8000\nSECRET_KEY='abc\n").unwrap();
    let out = run(&["db", "current"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(".env: line 2: malformed"), "{err}");
    assert!(!err.contains("abc") && err.lines().count() == 1, "{err}");
}

/// A database that cannot be reached fails fast, in one line naming where, why and the fix,
/// whether the server is down, the database is missing, or a SQLite file cannot be created.
mod unreachable_databases {
    use std::time::{Duration, Instant};

    use super::{failed, shop};

    fn one_line(args: &[&str], url: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let err = failed(&shop(url, dir.path(), args));
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?} took {:?}", started.elapsed());
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains(" at line "), "the server's source line leaks: {err}");
        err
    }

    /// The server URL with its database name replaced.
    fn missing_database(server: &str) -> String {
        let base = server.split('?').next().unwrap_or(server);
        format!("{}/shop_no_such_database", base.rsplit_once('/').map_or(base, |(b, _)| b))
    }

    fn server(var: &str) -> Option<String> {
        migrate::testing::service_url(var)
    }

    #[test]
    fn sqlite() {
        let err = one_line(&["db", "current"], "sqlite://absent.db");
        assert!(err.contains("absent.db") && err.contains("?mode=rwc"), "{err}");
        let err = one_line(&["db", "current"], "sqlite://no/such/dir/shop.db?mode=rwc");
        assert!(err.contains("the directory no/such/dir does not exist"), "{err}");
    }

    #[test]
    fn postgres_server_down() {
        for args in [&["db", "current"][..], &["seed"], &["rollups", "check"]] {
            let err = one_line(args, "postgres://postgres@127.0.0.1:5999/x");
            assert_eq!(
                err.trim_end(),
                "error: cannot connect to PostgreSQL at 127.0.0.1:5999, database \"x\": connection refused; \
                 start the database server, or correct the host and port in DATABASE_URL",
                "{args:?}"
            );
        }
    }

    #[test]
    fn postgres() {
        let Some(url) = server("TEST_POSTGRES_URL") else { return };
        let err = one_line(&["db", "current"], &missing_database(&url));
        assert!(err.contains("database \"shop_no_such_database\" does not exist; create it"), "{err}");
    }

    #[test]
    fn mysql() {
        let Some(url) = server("TEST_MYSQL_URL") else { return };
        let err = one_line(&["db", "current"], &missing_database(&url));
        assert!(err.contains("Unknown database 'shop_no_such_database'; create it"), "{err}");
        // A port just freed: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap().port();
        let err = one_line(&["db", "current"], &format!("mysql://root@127.0.0.1:{port}/x"));
        assert!(err.contains(&format!("MySQL at 127.0.0.1:{port}")) && err.contains("connection refused"), "{err}");
    }
}

/// `history -r current:` reads the database's revision, with or without `--verbose`, and lists
/// what comes after it; without `current` it needs no database.
#[tokio::test]
async fn history_from_current_reads_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("shop.db").display());
    ok(&shop(&url, dir.path(), &["db", "upgrade", "84fddcd612a4"]));
    let after = ok(&shop(&url, dir.path(), &["db", "history", "-r", "current:"]));
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(lines.len(), revision_count() - 12, "{after}");
    assert!(lines.last().is_some_and(|l| l.starts_with("6b6df4f73a4a -> 84fddcd612a4,")), "{after}");
    let verbose = ok(&shop(&url, dir.path(), &["db", "history", "--verbose", "-r", "current:"]));
    assert!(verbose.contains("(not applied)") && verbose.contains("Rev: 84fddcd612a4"), "{verbose}");
    let all = ok(&shop("sqlite://unused.db", dir.path(), &["db", "history"]));
    assert_eq!(all.lines().count(), revision_count(), "{all}");
    assert!(!dir.path().join("unused.db").exists(), "plain history opened a database");
}
