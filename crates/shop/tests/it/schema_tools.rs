//! `shop db` schema tools on the shop itself: offline SQL through each database's own client
//! gives the same schema as an online upgrade; check (with --database) is clean on every
//! database; autogenerate finds nothing to write; verify passes.

use std::io::Write as _;
use std::process::{Command, Stdio};

use migrate::Dialect;
use migrate::testing::TestDb;
use migrate::{Migrator, Options, inspect::inspect};
use sea_orm::ConnectionTrait;

const SKIP: [&str; 2] = ["migrate_version", "migrate_history"];

fn shop(url: &str, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_shop"))
        .args(args)
        .current_dir(dir.path())
        .env("DATABASE_URL", url)
        .output()
        .unwrap()
}

/// Pipes `sql` into the native client of `db`; `None` when that client is not installed.
fn native_client(db: &TestDb, sql: &str) -> Option<std::process::Output> {
    let mut command = match db.dialect {
        Dialect::Sqlite => {
            let mut c = Command::new("sqlite3");
            c.args(["-bail"]).arg(migrate::lock::sqlite_path(&db.url)?);
            c
        }
        Dialect::Postgres => {
            let mut c = Command::new("psql");
            c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &db.url]);
            c
        }
        Dialect::Mysql => {
            let url = url::Url::parse(&db.url).ok()?;
            let mut c = Command::new("mysql");
            c.arg(format!("-h{}", url.host_str()?))
                .arg(format!("-P{}", url.port().unwrap_or(3306)))
                .arg(format!("-u{}", url.username()))
                .arg(url.path().trim_start_matches('/'));
            if let Some(password) = url.password() {
                c.arg(format!("-p{password}"));
            }
            c
        }
    };
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().ok()?;
    child.stdin.take()?.write_all(sql.as_bytes()).ok()?;
    child.wait_with_output().ok()
}

migrate::per_dialect! {
    async fn offline_sql_through_the_native_client_matches_online_upgrade(dialect) {
        let online = TestDb::new(dialect).await;
        let m = Migrator::connect(&online.url, shop::migrations::graph().unwrap(), Options::default()).await.unwrap();
        m.upgrade("head").await.unwrap();
        let expected = inspect(m.connection(), &SKIP).await.unwrap();
        let heads = m.current().await.unwrap();
        m.close().await;

        let offline = TestDb::new(dialect).await;
        let sql = shop(&offline.url, &["db", "upgrade", "--sql", "head"]);
        assert!(sql.status.success(), "{}", String::from_utf8_lossy(&sql.stderr));
        let sql = String::from_utf8(sql.stdout).unwrap();
        assert!(
            sql.contains("-- data step \"backfill users.role from is_superuser\" needs a live database connection")
        );
        let Some(out) = native_client(&offline, &sql) else {
            migrate::testing::skip(&format!("{dialect}: its command-line client is not installed"));
            return;
        };
        assert!(out.status.success(), "{dialect}: {}", String::from_utf8_lossy(&out.stderr));
        let conn = offline.connect().await;
        let actual = inspect(&conn, &SKIP).await.unwrap();
        assert_eq!(actual, expected, "{dialect}: offline and online schemas differ");
        let version = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                "SELECT version_num FROM migrate_version",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert_eq!(vec![version], heads, "{dialect}");
        let _ = conn.close().await;

        // And back down to base offline.
        let down = shop(&offline.url, &["db", "downgrade", "--sql", "head:base"]);
        let out = native_client(&offline, &String::from_utf8(down.stdout).unwrap()).unwrap();
        assert!(out.status.success(), "{dialect}: {}", String::from_utf8_lossy(&out.stderr));
        let conn = offline.connect().await;
        assert!(inspect(&conn, &SKIP).await.unwrap().tables.is_empty(), "{dialect}");
        let _ = conn.close().await;
    }
}

migrate::per_dialect! {
    async fn check_is_clean_on_every_database_and_reports_drift(dialect) {
        let db = TestDb::new(dialect).await;
        let up = shop(&db.url, &["db", "upgrade", "head"]);
        assert!(up.status.success());
        let check = shop(&db.url, &["db", "check", "--database"]);
        assert!(check.status.success(), "{dialect}: {}", String::from_utf8_lossy(&check.stderr));
        assert_eq!(String::from_utf8_lossy(&check.stdout), "No differences: the schema matches.\n");

        // Someone changes the database by hand.
        let conn = db.connect().await;
        conn.execute_unprepared("CREATE INDEX ix_hand_made ON tags (color)").await.unwrap();
        conn.execute_unprepared("ALTER TABLE suppliers ADD COLUMN fax VARCHAR(30)").await.unwrap();
        let _ = conn.close().await;
        let drift = shop(&db.url, &["db", "check", "--database"]);
        assert_eq!(drift.status.code(), Some(1), "{dialect}");
        let err = String::from_utf8_lossy(&drift.stderr);
        assert!(err.contains("ix_hand_made") && err.contains("suppliers.fax"), "{dialect}: {err}");
    }
}

#[tokio::test]
async fn autogenerate_finds_nothing_to_write_and_verify_passes() {
    let db = TestDb::new(Dialect::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let before = std::fs::read_dir(dir.path()).unwrap().count();
    let out =
        shop(&db.url, &["db", "revision", "--autogenerate", "-m", "nothing", "--dir", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "No changes in schema detected; nothing written.\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before);

    let mut args = vec!["db", "verify"];
    let urls: Vec<String> =
        ["TEST_POSTGRES_URL", "TEST_MYSQL_URL"].iter().filter_map(|v| std::env::var(v).ok()).collect();
    for url in &urls {
        args.extend(["--url", url.as_str()]);
    }
    let verify = shop(&db.url, &args);
    let table = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{table}\n{}", String::from_utf8_lossy(&verify.stderr));
    assert_eq!(table.lines().filter(|l| l.contains(" ok")).count(), shop::migrations::revisions().len(), "{table}");
    assert!(!table.contains("FAIL"), "{table}");
}
