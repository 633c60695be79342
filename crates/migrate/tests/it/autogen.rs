//! Autogenerate for every kind of change: diff a changed schema against the head, apply the
//! generated upgrade, check it is clean, downgrade, and compare with the original database.

use migrate::diff::diff;
use migrate::schema::{
    Check, Column, ColumnType as T, DefaultValue, FkAction, ForeignKey, Index, Schema, Table, Unique,
};
use migrate::testing::TestDb;
use migrate::{Migrator, Options, Revision, RevisionGraph, compare, inspect::inspect};

use crate::fixtures::{R3, chain, graph};

const SKIP: [&str; 2] = ["migrate_version", "migrate_history"];
const NEW: &str = "eeeeeeeeeee5";

fn head_model() -> Schema {
    let g = graph();
    g.schema_with(&g.ancestors(&g.heads()))
}

fn table<'a>(s: &'a mut Schema, name: &str) -> &'a mut Table {
    s.tables.get_mut(name).expect("table")
}

type Edit = fn(&mut Schema);

fn cases() -> Vec<(&'static str, Edit)> {
    vec![
        ("add table", |s| {
            let mut t = Table { name: "tag".into(), primary_key: vec!["id".into()], ..Table::default() };
            t.columns.push(Column::id("id"));
            t.columns.push(Column::new("label", T::String(40)));
            t.columns.push(Column::new("parent_id", T::Integer).null());
            t.uniques.push(Unique { name: "uq_tag_label".into(), columns: vec!["label".into()] });
            t.indexes.push(Index { name: "ix_tag_parent_id".into(), columns: vec!["parent_id".into()], unique: false });
            t.foreign_keys.push(ForeignKey {
                name: "fk_tag_parent_id".into(),
                columns: vec!["parent_id".into()],
                ref_table: "parent".into(),
                ref_columns: vec!["id".into()],
                on_delete: FkAction::Cascade,
                on_update: FkAction::NoAction,
            });
            t.checks.push(Check { name: "ck_tag_label".into(), expr: "label <> ''".into() });
            s.tables.insert("tag".into(), t);
        }),
        ("drop table", |s| {
            s.tables.remove("child");
        }),
        ("add column", |s| table(s, "parent").columns.push(Column::new("email", T::String(100)).null())),
        ("drop column", |s| table(s, "child").columns.retain(|c| c.name != "note")),
        ("alter column type and nullability", |s| {
            let child = table(s, "child");
            if let Some(c) = child.columns.iter_mut().find(|c| c.name == "note") {
                c.ty = T::String(200);
            }
            if let Some(c) = child.columns.iter_mut().find(|c| c.name == "weight") {
                c.nullable = false;
            }
        }),
        ("set and change defaults", |s| {
            if let Some(c) = table(s, "child").columns.iter_mut().find(|c| c.name == "weight") {
                c.default = Some(DefaultValue::Decimal("0".into()));
            }
            if let Some(c) = table(s, "parent").columns.iter_mut().find(|c| c.name == "name") {
                c.default = Some(DefaultValue::Str("it's unnamed".into()));
            }
        }),
        ("add index", |s| {
            table(s, "child").indexes.push(Index {
                name: "ix_child_parent_weight".into(),
                columns: vec!["parent_id".into(), "weight".into()],
                unique: false,
            })
        }),
        ("drop index", |s| table(s, "child").indexes.retain(|i| i.name != "ix_child_weight")),
        ("add unique", |s| {
            table(s, "child").uniques.push(Unique {
                name: "uq_child_parent_weight".into(),
                columns: vec!["parent_id".into(), "weight".into()],
            })
        }),
        ("drop unique", |s| table(s, "parent").indexes.retain(|i| i.name != "ix_parent_name")),
        ("change foreign key action", |s| {
            for fk in &mut table(s, "child").foreign_keys {
                fk.on_delete = FkAction::Restrict;
                fk.name = "fk_child_parent_restrict".into();
            }
        }),
        ("drop foreign key", |s| table(s, "child").foreign_keys.clear()),
        ("add check", |s| {
            table(s, "child").checks.push(Check { name: "ck_child_weight".into(), expr: "weight >= 0".into() })
        }),
        ("drop check", |s| table(s, "parent").checks.clear()),
    ]
}

migrate::per_dialect! {
    async fn every_kind_of_change_round_trips_through_autogenerate(dialect) {
        for (name, edit) in cases() {
            let db = TestDb::new(dialect).await;
            let m = Migrator::connect(&db.url, graph(), Options::default()).await.unwrap();
            m.upgrade("head").await.unwrap();
            let original = inspect(m.connection(), &SKIP).await.unwrap();
            m.close().await;

            let base = head_model();
            let mut target = base.clone();
            edit(&mut target);
            let generated = diff(&base, &target);
            assert!(!generated.is_empty(), "{name}: no change detected");

            let mut revisions = chain();
            revisions.push(
                Revision::new(NEW, name).revises(R3).with_ops(generated.upgrade.clone(), generated.downgrade.clone()),
            );
            let g = RevisionGraph::new(revisions).unwrap_or_else(|e| panic!("{name}: {e}"));
            let after = g.schema_with(&g.ancestors(&g.heads()));
            assert!(diff(&after, &target).is_empty(), "{name}: check is not clean after the generated revision");

            let m = Migrator::connect(&db.url, g, Options::default()).await.unwrap();
            m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect} {name}: {e}"));
            let live = inspect(m.connection(), &SKIP).await.unwrap();
            assert_eq!(compare::diff(&target, &live, Some(dialect)), Vec::<String>::new(), "{dialect} {name}");
            m.downgrade("-1").await.unwrap_or_else(|e| panic!("{dialect} {name} downgrade: {e}"));
            let back = inspect(m.connection(), &SKIP).await.unwrap();
            assert_eq!(
                compare::diff(&original, &back, Some(dialect)),
                Vec::<String>::new(),
                "{dialect} {name}: downgrade"
            );
            m.close().await;
        }
    }
}

#[test]
fn nothing_to_change_is_empty_and_renames_are_flagged() {
    assert!(diff(&head_model(), &head_model()).is_empty());
    let mut target = head_model();
    if let Some(c) = table(&mut target, "child").columns.iter_mut().find(|c| c.name == "note") {
        c.name = "remark".into();
    }
    let d = diff(&head_model(), &target);
    assert!(
        d.warnings.iter().any(|w| w.contains("child.note -> child.remark") && w.contains("rename")),
        "{:?}",
        d.warnings
    );
    let described: Vec<String> = d.upgrade.iter().map(migrate::Op::describe).collect();
    assert_eq!(described, ["add column child.remark", "drop column child.note"]);
}

#[test]
fn generated_code_matches_the_compiled_sample() {
    let base = head_model();
    let mut target = base.clone();
    for (name, edit) in cases() {
        if ["add table", "add column", "alter column type and nullability", "add check"].contains(&name) {
            edit(&mut target);
        }
    }
    let d = diff(&base, &target);
    let upgrade = migrate::codegen::render_ops(&d.upgrade);
    let downgrade = migrate::codegen::render_ops(&d.downgrade);
    let sample = include_str!("generated_sample.rs");
    let body = |name: &str| {
        let start = sample.find(&format!("fn {name}(op: &mut Ops) {{\n")).unwrap()
            + format!("fn {name}(op: &mut Ops) {{\n").len();
        let end = start + sample[start..].find("\n}\n").unwrap() + 1;
        sample[start..end].to_owned()
    };
    assert_eq!(upgrade, body("upgrade"));
    assert_eq!(downgrade, body("downgrade"));
    // The sample compiles (it is a module of this test crate) and replays like the diff.
    let compiled = crate::generated_sample::revision();
    assert_eq!(format!("{:?}", compiled.upgrade_ops()), format!("{:?}", d.upgrade));
}
