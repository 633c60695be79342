//! Revisions outside a transaction: `CREATE INDEX CONCURRENTLY` on PostgreSQL, and the dirty
//! mark a failure there (or any failure on MySQL) leaves until `repair` or `stamp`.

use migrate::testing::TestDb;
use migrate::{Dialect, MigrateError, Migrator, Ops, Options, Revision, RevisionGraph, compare, inspect::inspect};
use sea_orm::ConnectionTrait;

use crate::fixtures::{R3, chain};

const CONCURRENT: &str = "bbbbbbbbbb09";
const HALF: &str = "bbbbbbbbbb10";
const BOOKKEEPING: [&str; 2] = ["migrate_version", "migrate_history"];

fn concurrent_up(op: &mut Ops) {
    op.create_index_concurrently("ix_child_note", "child", &["note"]);
}

fn concurrent_down(op: &mut Ops) {
    op.drop_index_concurrently("ix_child_note", "child");
}

fn half_up(op: &mut Ops) {
    op.create_table("half_done", |t| {
        t.id("id");
    });
    op.execute("INSERT INTO no_such_table (x) VALUES (1)");
}

fn concurrent(non_transactional: bool) -> RevisionGraph {
    let mut revisions = chain();
    let rev = Revision::new(CONCURRENT, "index child.note concurrently")
        .revises(R3)
        .upgrade(concurrent_up)
        .downgrade(concurrent_down);
    revisions.push(if non_transactional { rev.non_transactional() } else { rev });
    RevisionGraph::new(revisions).expect("valid chain")
}

fn half_done() -> RevisionGraph {
    let mut revisions = chain();
    revisions.push(Revision::new(HALF, "fails half-way").revises(R3).upgrade(half_up).non_transactional());
    RevisionGraph::new(revisions).expect("valid chain")
}

migrate::per_dialect! {
    async fn an_index_built_concurrently_outside_a_transaction(dialect) {
        let db = TestDb::new(dialect).await;
        // Inside a transaction PostgreSQL refuses it: said before anything runs.
        let m = Migrator::connect(&db.url, concurrent(false), Options::default()).await.unwrap();
        if dialect == Dialect::Postgres {
            match m.upgrade("head").await {
                Err(MigrateError::Usage(text)) => assert!(text.contains("non_transactional"), "{text}"),
                other => panic!("{other:?}"),
            }
            assert_eq!(m.current().await.unwrap(), [R3]);
        }
        m.close().await;

        let m = Migrator::connect(&db.url, concurrent(true), Options::default()).await.unwrap();
        let sql = migrate::render::render(dialect, &m.graph().schema_with(&m.graph().ancestors(&[R3.into()])), &m.graph().get(CONCURRENT).unwrap().upgrade_ops()[0]).unwrap().0;
        if dialect == Dialect::Postgres {
            assert!(format!("{sql:?}").contains("CREATE INDEX CONCURRENTLY"), "{sql:?}");
        }
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let model = m.graph().schema_with(&m.graph().ancestors(&[CONCURRENT.into()]));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&model, &live, Some(dialect)), Vec::<String>::new(), "{dialect}");
        assert!(live.tables["child"].indexes.iter().any(|i| i.name == "ix_child_note"), "{dialect}");
        assert_eq!(m.dirty().await.unwrap(), None);
        m.downgrade(R3).await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert!(!live.tables["child"].indexes.iter().any(|i| i.name == "ix_child_note"), "{dialect}");
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn a_failure_outside_a_transaction_marks_the_database_dirty_until_repaired(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, half_done(), Options::default()).await.unwrap();
        let err = m.upgrade("head").await.unwrap_err();
        assert_eq!(m.current().await.unwrap(), [R3], "{dialect}");
        let dirty = m.dirty().await.unwrap();
        if dialect == Dialect::Sqlite {
            // SQLite keeps its transaction: rolled back, nothing to repair.
            assert_eq!(dirty, None);
            assert!(err.to_string().contains("rolled back"), "{err}");
            m.close().await;
            return;
        }
        assert!(err.to_string().contains("marked dirty"), "{dialect}: {err}");
        let dirty = dirty.unwrap_or_else(|| panic!("{dialect}: no dirty mark"));
        assert_eq!((dirty.revision.as_str(), dirty.direction.as_str()), (HALF, "upgrade"));
        assert_eq!(dirty.step, "execute SQL", "{dialect}");
        assert!(dirty.error.contains("no_such_table"), "{dialect}: {dirty:?}");
        // Refused until settled, in both directions.
        assert!(matches!(m.upgrade("head").await, Err(MigrateError::Dirty(_))), "{dialect}");
        assert!(matches!(m.downgrade("base").await, Err(MigrateError::Dirty(_))), "{dialect}");

        // Undo by hand what ran, then repair: the version stays, and the upgrade can go again.
        m.connection().execute_unprepared("DROP TABLE half_done").await.unwrap();
        let cleared = m.repair().await.unwrap();
        assert_eq!(cleared.map(|d| d.revision), Some(HALF.to_owned()));
        assert_eq!(m.dirty().await.unwrap(), None);
        assert_eq!(m.current().await.unwrap(), [R3]);
        assert!(m.repair().await.unwrap().is_none(), "repair twice is a no-op");
        assert!(matches!(m.upgrade("head").await, Err(MigrateError::Revision { .. })), "{dialect}: fails again, named");
        // A stamp settles it too.
        assert!(m.dirty().await.unwrap().is_some());
        m.stamp(R3).await.unwrap();
        assert_eq!(m.dirty().await.unwrap(), None);
        m.close().await;
    }
}
