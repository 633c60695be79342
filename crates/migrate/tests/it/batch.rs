//! SQLite batch mode, planned from the schema model.

use migrate::render::{Step, render};
use migrate::{Alter, Dialect, Op, Schema};

use crate::fixtures::graph;

fn model_at_r1() -> Schema {
    let g = graph();
    g.schema_with(&g.ancestors(&[crate::fixtures::R1.to_owned()]))
}

#[test]
fn alter_column_on_sqlite_rebuilds_the_table_and_its_indexes() {
    let before = model_at_r1();
    let op = Op::AlterColumn { table: "parent".into(), column: "name".into(), alter: Alter::new().nullable(false) };
    let (steps, after) = render(Dialect::Sqlite, &before, &op).unwrap();
    let sql: Vec<String> = steps
        .into_iter()
        .map(|s| match s {
            Step::Sql(s) => s,
            other => panic!("unexpected step {other:?}"),
        })
        .collect();
    assert_eq!(sql[0], "PRAGMA legacy_alter_table = ON");
    assert!(sql[1].starts_with("CREATE TABLE \"_migrate_batch_parent\""), "{sql:?}");
    assert!(sql[1].contains("\"name\" VARCHAR(50) NOT NULL"), "{sql:?}");
    assert_eq!(
        sql[2],
        "INSERT INTO \"_migrate_batch_parent\" (\"id\", \"name\") SELECT \"id\", \"name\" FROM \"parent\""
    );
    assert_eq!(sql[3], "DROP TABLE \"parent\"");
    assert_eq!(sql[4], "ALTER TABLE \"_migrate_batch_parent\" RENAME TO \"parent\"");
    assert_eq!(sql[5], "PRAGMA legacy_alter_table = OFF");
    assert_eq!(sql[6], "CREATE UNIQUE INDEX \"ix_parent_name\" ON \"parent\" (\"name\")");
    assert!(!after.table("parent").unwrap().column("name").unwrap().nullable);
}

#[test]
fn other_dialects_alter_in_place() {
    let before = model_at_r1();
    let op = Op::AlterColumn { table: "parent".into(), column: "name".into(), alter: Alter::new().nullable(false) };
    let (pg, _) = render(Dialect::Postgres, &before, &op).unwrap();
    assert!(
        matches!(&pg[..], [Step::Sql(s)] if s == "ALTER TABLE \"parent\" ALTER COLUMN \"name\" SET NOT NULL"),
        "{pg:?}"
    );
    let (my, _) = render(Dialect::Mysql, &before, &op).unwrap();
    assert!(
        matches!(&my[..], [Step::Sql(s)] if s == "ALTER TABLE `parent` MODIFY COLUMN `name` VARCHAR(50) NOT NULL"),
        "{my:?}"
    );
}

#[test]
fn nullable_add_column_stays_native_on_sqlite() {
    let before = model_at_r1();
    let op =
        Op::AddColumn { table: "child".into(), column: migrate::Column::new("x", migrate::ColumnType::Text).null() };
    let (steps, _) = render(Dialect::Sqlite, &before, &op).unwrap();
    assert!(matches!(&steps[..], [Step::Sql(s)] if s == "ALTER TABLE \"child\" ADD COLUMN \"x\" TEXT"), "{steps:?}");
}

fn rebuilds(steps: &[(String, Step)]) -> Vec<String> {
    steps
        .iter()
        .filter_map(|(label, s)| match s {
            Step::Sql(sql) if sql.starts_with("CREATE TABLE \"_migrate_batch_") => Some(label.clone()),
            _ => None,
        })
        .collect()
}

/// Three changes to one table in a row are one rebuild, whose statements name all three; a
/// data step between changes keeps them apart (it must see the first change).
#[test]
fn consecutive_changes_to_a_table_share_one_rebuild() {
    let before = model_at_r1();
    let mut ops = migrate::Ops::default();
    ops.alter_column("child", "note", Alter::new().nullable(false));
    ops.create_index("ix_child_note", "child", &["note"]);
    ops.create_check("ck_child_note", "child", "note <> ''");
    ops.add_column(
        "child",
        migrate::Column::new("rank", migrate::ColumnType::Integer).default(migrate::DefaultValue::Int(0)),
    );
    let ops = ops.into_vec();
    let (steps, after) = migrate::render::render_all(Dialect::Sqlite, &before, &ops).unwrap();
    let one = rebuilds(&steps);
    assert_eq!(one.len(), 1, "{steps:?}");
    assert!(one[0].contains("alter column child.note") && one[0].contains("add check ck_child_note"), "{one:?}");
    // The same end state as one operation at a time.
    let mut stepwise = before.clone();
    for op in &ops {
        stepwise.apply(op).unwrap();
    }
    assert_eq!(after, stepwise);
    assert_eq!(rebuilds(&migrate::render::render_all(Dialect::Postgres, &before, &ops).unwrap().0).len(), 0);

    fn nothing(_: &sea_orm::DatabaseTransaction) -> migrate::DataFuture<'_> {
        Box::pin(async { Ok(()) })
    }
    let mut split = migrate::Ops::default();
    split.alter_column("child", "note", Alter::new().nullable(false));
    split.run_data("fill", nothing);
    split.create_check("ck_child_note", "child", "note <> ''");
    split.rename_column("child", "note", "remark");
    split.alter_column("child", "remark", Alter::new().nullable(true));
    let (steps, _) = migrate::render::render_all(Dialect::Sqlite, &before, &split.into_vec()).unwrap();
    assert_eq!(rebuilds(&steps).len(), 3, "a data step and a rename end a rebuild: {steps:?}");
}
