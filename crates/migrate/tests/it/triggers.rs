//! Triggers and views made by hand-written SQL: the model records them from the statements,
//! a SQLite table rebuild makes the table's triggers again, and the drift check reports them
//! missing.

use migrate::testing::TestDb;
use migrate::{
    Alter, Column, ColumnType as T, DefaultValue, Dialect, Migrator, Ops, Options, RawSql, Revision, RevisionGraph,
};
use migrate::{compare, inspect::inspect};
use sea_orm::{ConnectionTrait, Statement};

use crate::fixtures::{R3, chain};

const OBJECTS: &str = "aaaaaaaaaa07";
const REBUILD: &str = "aaaaaaaaaa08";
const BOOKKEEPING: [&str; 2] = ["migrate_version", "migrate_history"];

fn objects_up(op: &mut Ops) {
    op.create_table("audit", |t| {
        t.id("id").add(Column::new("parent_name", T::String(50)));
    });
    op.execute_per_dialect(RawSql {
        postgres: Some(
            "CREATE FUNCTION parent_ai_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             INSERT INTO audit (parent_name) VALUES (NEW.name); RETURN NEW; END $$"
                .to_owned(),
        ),
        ..RawSql::default()
    });
    op.execute_per_dialect(RawSql {
        sqlite: Some(
            "CREATE TRIGGER parent_ai AFTER INSERT ON parent BEGIN \
             INSERT INTO audit (parent_name) VALUES (new.name); END"
                .to_owned(),
        ),
        postgres: Some(
            "CREATE TRIGGER parent_ai AFTER INSERT ON parent FOR EACH ROW EXECUTE FUNCTION parent_ai_fn()".to_owned(),
        ),
        mysql: Some(
            "CREATE TRIGGER parent_ai AFTER INSERT ON parent FOR EACH ROW \
             INSERT INTO audit (parent_name) VALUES (NEW.name)"
                .to_owned(),
        ),
    });
    // A trigger of another table that names `parent`, which SQLite's rename would check.
    op.execute_per_dialect(RawSql {
        sqlite: Some(
            "CREATE TRIGGER child_ai AFTER INSERT ON child BEGIN \
             UPDATE parent SET name = name WHERE id = new.parent_id; END"
                .to_owned(),
        ),
        ..RawSql::default()
    });
    op.execute("CREATE VIEW parent_names AS SELECT name FROM parent");
}

fn objects_down(op: &mut Ops) {
    op.execute("DROP VIEW parent_names");
    op.execute_per_dialect(RawSql { sqlite: Some("DROP TRIGGER child_ai".to_owned()), ..RawSql::default() });
    op.execute_per_dialect(RawSql {
        sqlite: Some("DROP TRIGGER parent_ai".to_owned()),
        postgres: Some("DROP TRIGGER parent_ai ON parent".to_owned()),
        mysql: Some("DROP TRIGGER parent_ai".to_owned()),
    });
    op.execute_per_dialect(RawSql { postgres: Some("DROP FUNCTION parent_ai_fn()".to_owned()), ..RawSql::default() });
    op.drop_table("audit");
}

/// Changes SQLite makes by rebuilding `parent`.
fn rebuild_up(op: &mut Ops) {
    op.create_check("ck_parent_name_short", "parent", "length(name) < 200");
    op.alter_column("parent", "name", Alter::new().default(Some(DefaultValue::Str("unnamed".into()))));
}

fn rebuild_down(op: &mut Ops) {
    op.alter_column("parent", "name", Alter::new().default(None));
    op.drop_check("ck_parent_name_short", "parent");
}

fn graph() -> RevisionGraph {
    let mut revisions = chain();
    revisions.push(Revision::new(OBJECTS, "trigger and view").revises(R3).upgrade(objects_up).downgrade(objects_down));
    revisions.push(
        Revision::new(REBUILD, "check and default on parent")
            .revises(OBJECTS)
            .upgrade(rebuild_up)
            .downgrade(rebuild_down),
    );
    RevisionGraph::new(revisions).expect("valid chain")
}

async fn count(db: &impl ConnectionTrait, dialect: Dialect, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(dialect.backend(), sql.to_owned())).await.unwrap();
    row.expect("a row").try_get_by_index::<i64>(0).unwrap()
}

#[test]
fn the_model_records_the_trigger_and_view_per_dialect() {
    let g = graph();
    let head = g.schema_with(&g.ancestors(&g.heads()));
    let trigger = &head.externals["parent_ai"];
    assert_eq!(trigger.kind, migrate::ExternalKind::Trigger { table: "parent".into() });
    assert!(trigger.on(Dialect::Sqlite) && trigger.on(Dialect::Postgres) && trigger.on(Dialect::Mysql));
    assert_eq!(head.externals["parent_names"].kind, migrate::ExternalKind::View);
    let before = g.schema_with(&g.ancestors(&[R3.into()]));
    assert!(before.externals.is_empty());
    // The rebuild makes the trigger again, after the table's indexes.
    let ops = g.get(REBUILD).expect("revision").upgrade_ops();
    let at_objects = g.schema_with(&g.ancestors(&[OBJECTS.into()]));
    let (steps, _) = migrate::render::render(Dialect::Sqlite, &at_objects, &ops[0]).expect("renders");
    let text = format!("{steps:?}");
    let rename = text.find("RENAME TO").expect("a rebuild");
    assert!(text[rename..].contains("CREATE TRIGGER parent_ai"), "{text}");
}

migrate::per_dialect! {
    async fn a_rebuilt_table_keeps_its_triggers_and_missing_ones_are_drift(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph(), Options::default()).await.expect("connect");
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let head = m.graph().schema_with(&m.graph().ancestors(&m.graph().heads()));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&head, &live, Some(dialect)), Vec::<String>::new(), "{dialect}");

        // After the rebuild the trigger still fires.
        m.connection().execute_unprepared("INSERT INTO parent (name) VALUES ('after the rebuild')").await.unwrap();
        assert_eq!(count(m.connection(), dialect, "SELECT COUNT(*) FROM audit WHERE parent_name = 'after the rebuild'").await, 1, "{dialect}");
        assert_eq!(count(m.connection(), dialect, "SELECT COUNT(*) FROM parent_names").await, 1, "{dialect}");

        // The downgrade rebuilds again; the trigger survives that too.
        m.downgrade(OBJECTS).await.unwrap_or_else(|e| panic!("{dialect} downgrade: {e}"));
        m.connection().execute_unprepared("INSERT INTO parent (name) VALUES ('after the downgrade')").await.unwrap();
        assert_eq!(count(m.connection(), dialect, "SELECT COUNT(*) FROM audit").await, 2, "{dialect}");
        let at_objects = m.graph().schema_with(&m.graph().ancestors(&[OBJECTS.into()]));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&at_objects, &live, Some(dialect)), Vec::<String>::new(), "{dialect}");
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));

        let drop = match dialect {
            Dialect::Postgres => "DROP TRIGGER parent_ai ON parent",
            _ => "DROP TRIGGER parent_ai",
        };
        m.connection().execute_unprepared(drop).await.unwrap();
        m.connection().execute_unprepared("DROP VIEW parent_names").await.unwrap();
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(
            compare::diff(&head, &live, Some(dialect)),
            vec!["trigger parent_ai on parent: missing".to_owned(), "view parent_names: missing".to_owned()],
            "{dialect}"
        );
        m.close().await;
    }
}
