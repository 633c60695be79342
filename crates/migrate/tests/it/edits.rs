//! Enforced checksums: an applied revision edited afterwards stops upgrade and downgrade
//! until it is restored or its edit is accepted, which the history records.

use migrate::testing::TestDb;
use migrate::{DataFuture, MigrateError, Migrator, Ops, Options, Revision, RevisionGraph};
use sea_orm::DatabaseTransaction;

use crate::fixtures::{R1, R2, R3, chain, graph};

/// The chain with R1 changed after it was applied: one more index.
fn edited_graph() -> RevisionGraph {
    let mut revisions = chain();
    let original = revisions.remove(0);
    let up = original.upgrade_ops();
    let mut edited_up = up.clone();
    let mut extra = Ops::default();
    extra.create_index("ix_child_note", "child", &["note"]);
    edited_up.extend(extra.into_vec());
    let mut down = original.downgrade_ops();
    down.insert(0, {
        let mut o = Ops::default();
        o.drop_index("ix_child_note", "child");
        o.into_vec().remove(0)
    });
    revisions.insert(0, Revision::new(R1, "create parent and child").with_ops(edited_up, down));
    RevisionGraph::new(revisions).expect("valid chain")
}

fn options_allowing(ids: &[&str]) -> Options {
    Options { allow_edited: ids.iter().map(|s| (*s).to_owned()).collect(), ..Options::default() }
}

migrate::per_dialect! {
    async fn an_edited_applied_revision_stops_upgrade_until_accepted(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph(), Options::default()).await.unwrap();
        m.upgrade(R2).await.unwrap();
        m.close().await;

        let m = Migrator::connect(&db.url, edited_graph(), Options::default()).await.unwrap();
        let edits = m.edited().await.unwrap();
        assert_eq!(edits.iter().map(|e| e.revision.as_str()).collect::<Vec<_>>(), [R1], "{dialect}");
        match m.upgrade("head").await {
            Err(MigrateError::Edited(list)) => {
                let text = MigrateError::Edited(list.clone()).to_string();
                assert!(text.contains(R1) && text.contains("--allow-edited"), "{dialect}: {text}");
            }
            other => panic!("{dialect}: an edited revision must stop the upgrade: {other:?}"),
        }
        assert_eq!(m.current().await.unwrap(), [R2], "{dialect}: nothing ran");
        assert!(matches!(m.downgrade("base").await, Err(MigrateError::Edited(_))), "{dialect}: downgrade too");
        m.close().await;

        // Accepted by name (a prefix will do), once: the history records it.
        let m = Migrator::connect(&db.url, edited_graph(), options_allowing(&[&R1[..6]])).await.unwrap();
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        assert_eq!(m.current().await.unwrap(), [R3]);
        let accepted: Vec<_> = m.history().await.unwrap().into_iter().filter(|r| r.direction == "accept-edit").collect();
        assert_eq!(accepted.len(), 1, "{dialect}");
        assert_eq!(accepted[0].revision, R1);
        m.close().await;
        let m = Migrator::connect(&db.url, edited_graph(), Options::default()).await.unwrap();
        assert!(m.edited().await.unwrap().is_empty(), "{dialect}");
        m.downgrade(R2).await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        m.close().await;
    }
}

fn step_v1(_: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async { Ok(()) })
}

#[test]
fn a_data_step_version_is_part_of_the_checksum() {
    let revision = |version: u32| {
        let mut ops = Ops::default();
        ops.run_data_version("backfill", version, step_v1);
        Revision::new("abcabcabcabc", "data").with_ops(ops.into_vec(), Vec::new())
    };
    let mut plain = Ops::default();
    plain.run_data("backfill", step_v1);
    let unversioned = Revision::new("abcabcabcabc", "data").with_ops(plain.into_vec(), Vec::new());
    // Version 1 is what a step without a version always was, so recorded checksums hold.
    assert_eq!(revision(1).checksum(), unversioned.checksum());
    assert_ne!(revision(2).checksum(), revision(1).checksum());
}

migrate::per_dialect! {
    /// A deliberate edit that names the checksum it replaces is not an edit to the databases
    /// that recorded it; any other recorded checksum still is.
    async fn a_revision_may_declare_the_checksum_it_replaces(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph(), Options::default()).await.unwrap();
        m.upgrade(R2).await.unwrap();
        m.close().await;
        let old = graph().get(R1).unwrap().checksum();

        let declared = {
            let mut revisions: Vec<Revision> = edited_graph().revisions().to_vec();
            revisions[0] = revisions[0].clone().valid_checksum(&old);
            RevisionGraph::new(revisions).unwrap()
        };
        let m = Migrator::connect(&db.url, declared, Options::default()).await.unwrap();
        assert!(m.edited().await.unwrap().is_empty(), "{dialect}");
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        m.close().await;

        let other = {
            let mut revisions: Vec<Revision> = edited_graph().revisions().to_vec();
            revisions[0] = revisions[0].clone().valid_checksum("0000");
            RevisionGraph::new(revisions).unwrap()
        };
        let m = Migrator::connect(&db.url, other, Options::default()).await.unwrap();
        assert_eq!(m.edited().await.unwrap().len(), 1, "{dialect}");
        m.close().await;
    }
}
