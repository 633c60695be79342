//! The executor against real databases.

use migrate::testing::TestDb;
use migrate::{Dialect, MigrateError, Migrator, Options, RevisionGraph, compare, inspect::inspect};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::fixtures::{BAD, R1, R2, R3, graph, graph_with_failure};

const BOOKKEEPING: [&str; 2] = ["migrate_version", "migrate_history"];

async fn migrator(db: &TestDb, graph: RevisionGraph) -> Migrator {
    Migrator::connect(&db.url, graph, Options::default()).await.expect("connect")
}

async fn count(conn: &DatabaseConnection, sql: &str) -> i64 {
    let row =
        conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned())).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

migrate::per_dialect! {
    async fn upgrade_downgrade_upgrade_gives_the_same_schema_as_the_model(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db, graph()).await;
        let applied = m.upgrade("head").await.unwrap();
        assert_eq!(applied.len(), 3, "{dialect}");
        let first = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        let model = m.graph().schema_with(&m.graph().ancestors(&[R3.into()]));
        assert_eq!(compare::diff(&model, &first, Some(dialect)), Vec::<String>::new(), "{dialect}");

        m.downgrade("base").await.unwrap();
        assert!(inspect(m.connection(), &BOOKKEEPING).await.unwrap().tables.is_empty(), "{dialect}");
        assert!(m.current().await.unwrap().is_empty());

        m.upgrade("head").await.unwrap();
        let again = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(first, again, "{dialect}");
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn stepwise_with_rows_keeps_data_and_foreign_keys(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db, graph()).await;
        m.upgrade("+1").await.unwrap();
        let conn = db.connect().await;
        conn.execute_unprepared("INSERT INTO parent (id, name) VALUES (1, 'one'), (2, NULL)").await.unwrap();
        conn.execute_unprepared(
            "INSERT INTO child (id, parent_id, note) VALUES (10, 1, 'a'), (11, 2, 'b'), (12, 2, 'c')",
        )
        .await
        .unwrap();

        // On SQLite this rebuilds `parent`, which `child` references.
        m.upgrade("+1").await.unwrap();
        assert_eq!(m.current().await.unwrap(), vec![R2.to_owned()]);
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM parent WHERE name = 'unnamed'").await, 1, "{dialect}");
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM child").await, 3, "{dialect}");
        let schema = inspect(&conn, &BOOKKEEPING).await.unwrap();
        assert_eq!(schema.table("child").unwrap().foreign_keys.len(), 1, "{dialect}");
        assert!(!schema.table("parent").unwrap().column("name").unwrap().nullable, "{dialect}");

        m.upgrade("+1").await.unwrap();
        m.downgrade("-1").await.unwrap();
        m.downgrade("-1").await.unwrap();
        assert_eq!(m.current().await.unwrap(), vec![R1.to_owned()]);
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM child").await, 3, "{dialect}");
        // The foreign key still works after the rebuilds: deleting a parent cascades.
        if dialect == Dialect::Sqlite {
            conn.execute_unprepared("PRAGMA foreign_keys = ON").await.unwrap();
        }
        conn.execute_unprepared("DELETE FROM parent WHERE id = 2").await.unwrap();
        assert_eq!(count(&conn, "SELECT COUNT(*) FROM child").await, 1, "{dialect}");
        let _ = conn.close().await;
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn a_failing_revision_is_named_and_leaves_the_previous_revision(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db, graph_with_failure()).await;
        let err = m.upgrade("head").await.unwrap_err();
        match &err {
            MigrateError::Revision { revision, .. } => assert_eq!(revision, BAD),
            other => panic!("{dialect}: unexpected {other}"),
        }
        assert!(err.to_string().contains(BAD), "{err}");
        assert_eq!(m.current().await.unwrap(), vec![R3.to_owned()], "{dialect}");
        let schema = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        if dialect.transactional_ddl() {
            assert!(schema.table("half_done").is_none(), "{dialect}: partial change survived");
        }
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn concurrent_upgrades_apply_each_revision_once(dialect) {
        let db = TestDb::new(dialect).await;
        let a = migrator(&db, graph()).await;
        let b = migrator(&db, graph()).await;
        let (ra, rb) = tokio::join!(a.upgrade("head"), b.upgrade("head"));
        let total = ra.unwrap().len() + rb.unwrap().len();
        assert_eq!(total, 3, "{dialect}");
        let history = a.history().await.unwrap();
        let mut upgraded: Vec<_> =
            history.iter().filter(|h| h.direction == "upgrade").map(|h| h.revision.clone()).collect();
        upgraded.sort();
        assert_eq!(upgraded, vec![R1.to_owned(), R2.to_owned(), R3.to_owned()], "{dialect}");
        a.close().await;
        b.close().await;
    }
}

migrate::per_dialect! {
    async fn refuses_bad_requests_and_leaves_the_database_alone(dialect) {
        let db = TestDb::new(dialect).await;
        let full = migrator(&db, graph_with_failure()).await;
        full.upgrade(R3).await.unwrap();
        full.stamp(BAD).await.unwrap();
        full.close().await;

        // The code knows only R1..R3; the database is at BAD.
        let m = migrator(&db, graph()).await;
        assert!(matches!(m.upgrade("head").await, Err(MigrateError::AheadOfCode(ids)) if ids == [BAD]));
        m.stamp(R2).await.unwrap();
        assert!(matches!(m.downgrade("-3").await, Err(MigrateError::BelowBase { requested: 3, applied: 2 })));
        assert!(matches!(m.upgrade("999999999999").await, Err(MigrateError::UnknownRevision(_))));
        assert!(matches!(m.upgrade(R1).await, Err(MigrateError::NotAhead { .. })));
        assert!(matches!(m.downgrade(R3).await, Err(MigrateError::NotBehind { .. })));
        assert_eq!(m.current().await.unwrap(), vec![R2.to_owned()], "{dialect}");
        let stamps = m.history().await.unwrap().into_iter().filter(|h| h.direction == "stamp").count();
        assert_eq!(stamps, 2, "{dialect}");
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn a_held_lock_times_out_and_names_its_holder(dialect) {
        let db = TestDb::new(dialect).await;
        let held = migrate::lock::acquire(&db.url, dialect, "migrate", std::time::Duration::from_secs(5), &|_| {})
            .await
            .unwrap();
        let options = Options { lock_timeout: std::time::Duration::from_millis(300), ..Options::default() };
        let (sink, heard) = listener();
        let m = Migrator::connect(&db.url, graph(), options).await.unwrap().with_progress(sink);
        let err = m.upgrade("head").await.unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, MigrateError::LockTimeout { .. }), "{dialect}: {text}");
        let holder = match dialect {
            Dialect::Sqlite => format!("process {}", std::process::id()),
            Dialect::Postgres => "PostgreSQL backend pid".to_owned(),
            Dialect::Mysql => "MySQL connection id".to_owned(),
        };
        assert!(text.contains(&holder), "{dialect}: {text}");
        // The wait was said once, at its start, naming the holder.
        let waits = heard.lock().unwrap().clone();
        assert_eq!(waits.len(), 1, "{dialect}: {waits:?}");
        assert!(waits[0].starts_with("waiting on ") && waits[0].contains(&holder), "{dialect}: {waits:?}");
        assert!(m.current().await.unwrap().is_empty(), "{dialect}: ran without the lock");
        held.release().await;
        assert_eq!(m.upgrade("head").await.unwrap().len(), 3, "{dialect}");
        m.close().await;
    }
}

#[tokio::test]
async fn an_applied_revision_edited_afterwards_is_reported() {
    // Same shape as the applied R2, but a different check expression.
    fn changed(op: &mut migrate::Ops) {
        op.alter_column("parent", "name", migrate::Alter::new().nullable(false));
        op.create_check("ck_parent_name_not_empty", "parent", "length(name) > 0");
    }
    let db = TestDb::new(Dialect::Sqlite).await;
    let m = migrator(&db, graph()).await;
    m.upgrade("head").await.unwrap();
    assert!(m.edited_revisions().await.unwrap().is_empty());
    m.close().await;

    let mut revisions = crate::fixtures::chain();
    revisions[1].upgrade = changed;
    let edited = Migrator::connect(&db.url, RevisionGraph::new(revisions).unwrap(), Options::default()).await.unwrap();
    assert_eq!(edited.edited_revisions().await.unwrap(), vec![R2.to_owned()]);
    edited.close().await;
}

/// Collects what a migrator reports, as text.
fn listener() -> (migrate::progress::Sink, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let heard = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = heard.clone();
    let sink: migrate::progress::Sink = std::sync::Arc::new(move |p| {
        let line = match p {
            migrate::progress::Progress::Waiting { holder } => format!("waiting on {holder}"),
            migrate::progress::Progress::Step(r) => format!("{} {} {}", r.direction, r.revision, r.duration_ms),
        };
        into.lock().unwrap().push(line);
    });
    (sink, heard)
}

migrate::per_dialect! {
    /// The lock belongs to one database: a migrator of another database on the same server
    /// does not wait for it (MySQL's GET_LOCK is server-wide unless the name says otherwise).
    async fn a_lock_on_one_database_leaves_another_free(dialect) {
        let (one, other) = (TestDb::new(dialect).await, TestDb::new(dialect).await);
        let held = migrate::lock::acquire(&one.url, dialect, "migrate", std::time::Duration::from_secs(5), &|_| {})
            .await
            .unwrap();
        let options = Options { lock_timeout: std::time::Duration::from_millis(300), ..Options::default() };
        let (sink, heard) = listener();
        let m = Migrator::connect(&other.url, graph(), options.clone()).await.unwrap().with_progress(sink);
        assert_eq!(m.upgrade("head").await.unwrap().len(), 3, "{dialect}");
        assert!(!heard.lock().unwrap().iter().any(|h| h.starts_with("waiting")), "{dialect}: {heard:?}");
        m.close().await;
        // The same database still waits.
        let same = Migrator::connect(&one.url, graph(), options).await.unwrap();
        assert!(matches!(same.upgrade("head").await, Err(MigrateError::LockTimeout { .. })), "{dialect}");
        same.close().await;
        held.release().await;
    }
}

migrate::per_dialect! {
    /// Each revision is reported as it goes through, so a failure later in the run does not
    /// hide the ones applied; the duration reported is the one the history keeps.
    async fn progress_comes_per_revision_and_durations_match_the_history(dialect) {
        let db = TestDb::new(dialect).await;
        let (sink, heard) = listener();
        let m = Migrator::connect(&db.url, graph_with_failure(), Options::default())
            .await
            .unwrap()
            .with_progress(sink);
        let err = m.upgrade("head").await.unwrap_err();
        assert!(matches!(err, MigrateError::Revision { .. }), "{dialect}: {err}");
        let heard = heard.lock().unwrap().clone();
        let ids: Vec<&str> = heard.iter().map(|h| h.split(' ').nth(1).unwrap_or_default()).collect();
        assert_eq!(ids, [R1, R2, R3], "{dialect}: {heard:?}");
        let history = m.history().await.unwrap();
        for line in &heard {
            let mut words = line.split(' ');
            let (direction, id, ms) = (words.next(), words.next(), words.next());
            let row = history.iter().find(|h| Some(h.revision.as_str()) == id && Some(h.direction.as_str()) == direction);
            assert_eq!(row.map(|r| r.duration_ms.to_string()).as_deref(), ms, "{dialect}: {line} vs {history:?}");
        }
        m.close().await;
    }
}
