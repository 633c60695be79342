//! Server defaults from an entity to a live database: read from `default_value` and
//! `default_expr`, generated into a revision, applied to a populated table, and compared
//! back from each database's catalog.

use migrate::diff::diff;
use migrate::entity::table_from_entity;
use migrate::schema::{Column, ColumnType as T, DefaultValue, Schema};
use migrate::testing::TestDb;
use migrate::{Dialect, Migrator, Options, Revision, RevisionGraph, compare, inspect::inspect};
use sea_orm::{ConnectionTrait, Statement};

use crate::fixtures::{R3, chain, graph};

const SKIP: [&str; 2] = ["migrate_version", "migrate_history"];
const NEW: &str = "fffffffffff6";

/// `parent` as an application would now declare it: the fixture's columns plus four with
/// defaults.
mod parent {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "parent")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        #[sea_orm(column_type = "String(StringLen::N(50))")]
        pub name: String,
        #[sea_orm(default_value = 0)]
        pub priority: i32,
        #[sea_orm(column_type = "String(StringLen::N(20))", default_value = "new")]
        pub state: String,
        #[sea_orm(default_value = true)]
        pub active: bool,
        #[sea_orm(column_type = "Decimal(Some((10, 2)))", default_value = 1.5)]
        pub ratio: Decimal,
        #[sea_orm(default_expr = "Expr::current_timestamp()")]
        pub seen_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const ADDED: [&str; 5] = ["priority", "state", "active", "ratio", "seen_at"];

fn head_model() -> Schema {
    let g = graph();
    g.schema_with(&g.ancestors(&g.heads()))
}

/// The head with the entity's new columns.
fn target() -> Schema {
    let mut target = head_model();
    let declared = table_from_entity(parent::Entity);
    if let Some(t) = target.tables.get_mut("parent") {
        t.columns.extend(declared.columns.into_iter().filter(|c| ADDED.contains(&c.name.as_str())));
    }
    target
}

fn column<'a>(schema: &'a Schema, table: &str, name: &str) -> &'a Column {
    schema.tables[table].columns.iter().find(|c| c.name == name).expect("column")
}

#[test]
fn entity_defaults_are_read() {
    let t = target();
    let default = |name: &str| column(&t, "parent", name).default.clone();
    assert_eq!(default("priority"), Some(DefaultValue::Int(0)));
    assert_eq!(default("state"), Some(DefaultValue::Str("new".into())));
    assert_eq!(default("active"), Some(DefaultValue::Bool(true)));
    assert_eq!(default("ratio"), Some(DefaultValue::Decimal("1.5".into())));
    assert_eq!(default("seen_at"), Some(DefaultValue::Expr("CURRENT_TIMESTAMP".into())));
    assert_eq!(column(&t, "parent", "name").default, None);
}

#[test]
fn a_hand_written_default_agrees_with_the_entity() {
    // The same default spelled otherwise in a revision (0.0 for 0, 1.50 for 1.5) is no change.
    let mut written = head_model();
    if let Some(t) = written.tables.get_mut("parent") {
        t.columns.push(Column::new("priority", T::Integer).default(DefaultValue::Decimal("0.0".into())));
        t.columns.push(Column::new("state", T::String(20)).default(DefaultValue::Str("new".into())));
        t.columns.push(Column::new("active", T::Boolean).default(DefaultValue::Int(1)));
        t.columns.push(Column::new("ratio", T::Decimal(10, 2)).default(DefaultValue::Decimal("1.50".into())));
        t.columns.push(Column::new("seen_at", T::TimestampTz).default(DefaultValue::Expr("now()".into())));
    }
    let d = diff(&written, &target());
    assert!(d.is_empty(), "{:?}", d.upgrade);
    // A different value is a change.
    if let Some(c) = written.tables.get_mut("parent").and_then(|t| t.columns.iter_mut().find(|c| c.name == "priority"))
    {
        c.default = Some(DefaultValue::Int(1));
    }
    let d = diff(&written, &target());
    let described: Vec<String> = d.upgrade.iter().map(migrate::Op::describe).collect();
    assert_eq!(described, ["alter column parent.priority"]);
}

async fn scalar(db: &impl ConnectionTrait, dialect: Dialect, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(dialect.backend(), sql.to_owned()))
        .await
        .unwrap_or_else(|e| panic!("{dialect}: {sql}: {e}"))
        .unwrap_or_else(|| panic!("{dialect}: {sql}: no row"));
    row.try_get_by_index::<i64>(0).unwrap_or_else(|e| panic!("{dialect}: {sql}: {e}"))
}

migrate::per_dialect! {
    async fn defaults_reach_a_populated_table_and_read_back_clean(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph(), Options::default()).await.unwrap();
        m.upgrade("head").await.unwrap();
        m.connection().execute_unprepared("INSERT INTO parent (name) VALUES ('a'), ('b')").await.unwrap();
        let original = inspect(m.connection(), &SKIP).await.unwrap();
        m.close().await;

        let base = head_model();
        let target = target();
        let generated = diff(&base, &target);
        let source = migrate::codegen::render_ops(&generated.upgrade);
        assert!(source.contains(".default(DefaultValue::Int(0))"), "{source}");
        let mut revisions = chain();
        revisions.push(
            Revision::new(NEW, "defaults").revises(R3).with_ops(generated.upgrade.clone(), generated.downgrade.clone()),
        );
        let g = RevisionGraph::new(revisions).unwrap();
        assert!(diff(&g.schema_with(&g.ancestors(&g.heads())), &target).is_empty(), "check is not clean");

        // NOT NULL columns with a default go onto a table that has rows.
        let m = Migrator::connect(&db.url, g, Options::default()).await.unwrap();
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let live = inspect(m.connection(), &SKIP).await.unwrap();
        assert_eq!(compare::diff(&target, &live, Some(dialect)), Vec::<String>::new(), "{dialect}: check --database");

        // Old rows took the defaults, and an insert that names none of the new columns works.
        m.connection().execute_unprepared("INSERT INTO parent (name) VALUES ('c')").await.unwrap();
        let got = scalar(
            m.connection(),
            dialect,
            "SELECT COUNT(*) FROM parent WHERE priority = 0 AND state = 'new' AND active = TRUE \
             AND ratio = 1.5 AND seen_at IS NOT NULL",
        )
        .await;
        assert_eq!(got, 3, "{dialect}");

        // A default the database no longer has is drift.
        let mut stricter = target.clone();
        if let Some(c) = stricter.tables.get_mut("parent").and_then(|t| t.columns.iter_mut().find(|c| c.name == "priority")) {
            c.default = Some(DefaultValue::Int(7));
        }
        let drift = compare::diff(&stricter, &live, Some(dialect));
        assert!(drift.len() == 1 && drift[0].starts_with("column parent.priority"), "{dialect}: {drift:?}");

        m.downgrade("-1").await.unwrap_or_else(|e| panic!("{dialect} downgrade: {e}"));
        let back = inspect(m.connection(), &SKIP).await.unwrap();
        assert_eq!(compare::diff(&original, &back, Some(dialect)), Vec::<String>::new(), "{dialect}: downgrade");
        m.close().await;
    }
}
