use std::collections::BTreeSet;

use migrate::graph::GraphError;
use migrate::{MigrateError, Revision, RevisionGraph, target};

use crate::fixtures::{R1, R2, R3, chain, graph};

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn rejects_unknown_parent_duplicates_cycles_and_bad_ids() {
    let unknown = RevisionGraph::new(vec![Revision::new(R1, "a").revises("eeeeeeeeeeee")]);
    assert!(matches!(unknown, Err(GraphError::UnknownParent { .. })), "{unknown:?}");

    let duplicate = RevisionGraph::new(vec![Revision::new(R1, "a"), Revision::new(R1, "b")]);
    assert_eq!(duplicate.unwrap_err(), GraphError::Duplicate(R1.into()));

    let cycle = RevisionGraph::new(vec![Revision::new(R1, "a").revises(R2), Revision::new(R2, "b").revises(R1)]);
    assert!(matches!(cycle, Err(GraphError::Cycle(_))), "{cycle:?}");

    let bad = RevisionGraph::new(vec![Revision::new("xyz", "a")]);
    assert_eq!(bad.unwrap_err(), GraphError::BadId("xyz".into()));
}

#[test]
fn rejects_a_revision_that_does_not_replay() {
    fn broken(op: &mut migrate::Ops) {
        op.drop_table("nope");
    }
    let err = RevisionGraph::new(vec![Revision::new(R1, "a").upgrade(broken)]).unwrap_err();
    assert!(err.to_string().contains("no table nope"), "{err}");
}

#[test]
fn heads_and_order() {
    let g = graph();
    assert_eq!(g.heads(), vec![R3.to_owned()]);
    let ids: Vec<_> = g.revisions().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [R1, R2, R3]);
    // Registration order does not matter.
    let mut reversed = chain();
    reversed.reverse();
    let g2 = RevisionGraph::new(reversed).unwrap();
    let ids: Vec<_> = g2.revisions().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [R1, R2, R3]);
}

#[test]
fn resolves_every_target_form() {
    let g = graph();
    let none = BTreeSet::new();
    let at_r1 = set(&[R1]);
    assert_eq!(target::resolve(&g, "head", &none).unwrap(), set(&[R1, R2, R3]));
    assert_eq!(target::resolve(&g, "heads", &none).unwrap(), set(&[R1, R2, R3]));
    assert_eq!(target::resolve(&g, "base", &at_r1).unwrap(), none);
    assert_eq!(target::resolve(&g, "+1", &at_r1).unwrap(), set(&[R1, R2]));
    assert_eq!(target::resolve(&g, "+2", &at_r1).unwrap(), set(&[R1, R2, R3]));
    assert!(matches!(target::resolve(&g, "+3", &at_r1), Err(MigrateError::OutOfRange { .. })));
    assert_eq!(target::resolve(&g, "-1", &set(&[R1, R2])).unwrap(), at_r1);
    assert!(matches!(target::resolve(&g, "-2", &at_r1), Err(MigrateError::BelowBase { requested: 2, applied: 1 })));
    assert_eq!(target::resolve(&g, R2, &none).unwrap(), set(&[R1, R2]));
    assert_eq!(target::resolve(&g, "bbb", &none).unwrap(), set(&[R1, R2]));
    assert_eq!(target::resolve(&g, &format!("{R1}+2"), &none).unwrap(), set(&[R1, R2, R3]));
    assert_eq!(target::resolve(&g, &format!("{R3}-2"), &none).unwrap(), at_r1);
    assert!(matches!(target::resolve(&g, "ffff", &none), Err(MigrateError::UnknownRevision(_))));
    assert!(matches!(target::resolve(&g, "+x", &none), Err(MigrateError::BadTarget(_))));
}

#[test]
fn ambiguous_prefix_lists_candidates() {
    let g = RevisionGraph::new(vec![
        Revision::new("abc000000001", "a"),
        Revision::new("abc000000002", "b").revises("abc000000001"),
    ])
    .unwrap();
    let err = target::resolve(&g, "abc", &BTreeSet::new()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("ambiguous") && text.contains("abc000000001") && text.contains("abc000000002"), "{text}");
}

#[test]
fn checksum_ignores_nothing_that_matters() {
    let a = chain();
    let same = chain();
    assert_eq!(a[1].checksum(), same[1].checksum());
    assert_ne!(a[0].checksum(), a[1].checksum());
}
