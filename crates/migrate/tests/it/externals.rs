//! Objects the model cannot describe, made by hand-written SQL per dialect: the drift check
//! expects them where their SQL runs, reports them missing when they are gone, and still
//! reports the same objects as unexpected when no revision declares them.

use migrate::testing::TestDb;
use migrate::{
    Dialect, ExternalKind, Migrator, Ops, Options, RawSql, Revision, RevisionGraph, compare, inspect::inspect,
};
use sea_orm::ConnectionTrait;

use crate::fixtures::{R3, chain};

const EXTERNAL: &str = "eeeeeeeeeee5";
const BOOKKEEPING: [&str; 2] = ["migrate_version", "migrate_history"];

fn index_kind() -> ExternalKind {
    ExternalKind::Index { table: "parent".to_owned() }
}

fn up(op: &mut Ops) {
    // An expression index (a prefix index on MySQL): no column list of the model says it.
    op.create_external(
        "ix_parent_lower_name",
        index_kind(),
        RawSql {
            sqlite: Some("CREATE INDEX ix_parent_lower_name ON parent (lower(name))".to_owned()),
            postgres: Some("CREATE INDEX ix_parent_lower_name ON parent (lower(name))".to_owned()),
            mysql: Some("CREATE INDEX ix_parent_lower_name ON parent (name(10))".to_owned()),
        },
    );
    // A full-text table with its shadow tables, on SQLite only.
    op.create_external(
        "parent_name_fts",
        ExternalKind::Table,
        RawSql {
            sqlite: Some(
                "CREATE VIRTUAL TABLE parent_name_fts USING fts5(name, content='parent', content_rowid='id')"
                    .to_owned(),
            ),
            ..RawSql::default()
        },
    );
}

fn down(op: &mut Ops) {
    op.drop_external(
        "parent_name_fts",
        ExternalKind::Table,
        RawSql { sqlite: Some("DROP TABLE parent_name_fts".to_owned()), ..RawSql::default() },
    );
    let drop = "DROP INDEX ix_parent_lower_name";
    op.drop_external(
        "ix_parent_lower_name",
        index_kind(),
        RawSql {
            sqlite: Some(drop.to_owned()),
            postgres: Some(drop.to_owned()),
            mysql: Some("DROP INDEX ix_parent_lower_name ON parent".to_owned()),
        },
    );
}

fn graph() -> RevisionGraph {
    let mut revisions = chain();
    revisions.push(Revision::new(EXTERNAL, "external objects").revises(R3).upgrade(up).downgrade(down));
    RevisionGraph::new(revisions).expect("valid chain")
}

migrate::per_dialect! {
    async fn external_objects_are_expected_where_their_sql_runs_and_reported_when_missing(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph(), Options::default()).await.expect("connect");
        m.upgrade("head").await.unwrap();
        let head = m.graph().schema_with(&m.graph().ancestors(&[EXTERNAL.into()]));
        let before = m.graph().schema_with(&m.graph().ancestors(&[R3.into()]));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&head, &live, Some(dialect)), Vec::<String>::new(), "{dialect}");
        // Not declared by any applied revision, the same objects are drift.
        let undeclared = compare::diff(&before, &live, Some(dialect));
        assert!(undeclared.iter().any(|l| l.contains("ix_parent_lower_name")), "{dialect}: {undeclared:?}");
        if dialect == Dialect::Sqlite {
            assert!(undeclared.iter().any(|l| l.contains("table parent_name_fts: unexpected")), "{undeclared:?}");
            assert!(undeclared.iter().any(|l| l.contains("table parent_name_fts_data: unexpected")), "{undeclared:?}");
        }
        // Models compare without them: entities cannot declare external objects.
        assert_eq!(compare::diff(&before, &head, None), Vec::<String>::new(), "{dialect}");

        let drop = match dialect {
            Dialect::Mysql => "DROP INDEX ix_parent_lower_name ON parent",
            _ => "DROP INDEX ix_parent_lower_name",
        };
        m.connection().execute_unprepared(drop).await.unwrap();
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(
            compare::diff(&head, &live, Some(dialect)),
            vec!["external index ix_parent_lower_name on parent: missing".to_owned()],
            "{dialect}"
        );
        let recreate = match dialect {
            Dialect::Mysql => "CREATE INDEX ix_parent_lower_name ON parent (name(10))",
            _ => "CREATE INDEX ix_parent_lower_name ON parent (lower(name))",
        };
        m.connection().execute_unprepared(recreate).await.unwrap();

        m.downgrade(R3).await.unwrap();
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&before, &live, Some(dialect)), Vec::<String>::new(), "{dialect}");
        m.close().await;
    }
}

#[test]
fn offline_sql_carries_each_dialects_statement() {
    let graph = graph();
    let before = graph.schema_with(&graph.ancestors(&[R3.into()]));
    let ops = graph.get(EXTERNAL).expect("revision").upgrade_ops();
    let sql = |dialect| {
        let mut model = before.clone();
        let mut out = String::new();
        for op in &ops {
            let (steps, next) = migrate::render::render(dialect, &model, op).expect("renders");
            model = next;
            out.push_str(&format!("{steps:?}"));
        }
        out
    };
    assert!(sql(Dialect::Sqlite).contains("USING fts5"), "{}", sql(Dialect::Sqlite));
    assert!(sql(Dialect::Postgres).contains("(lower(name))"), "{}", sql(Dialect::Postgres));
    assert!(
        sql(Dialect::Mysql).contains("name(10)") && !sql(Dialect::Mysql).contains("fts5"),
        "{}",
        sql(Dialect::Mysql)
    );
}
