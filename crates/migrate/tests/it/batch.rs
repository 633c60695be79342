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
