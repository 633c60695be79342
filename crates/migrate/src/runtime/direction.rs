//! Which way a run moves through the revision graph. Everything that differs between an
//! upgrade and a downgrade is here, so the online run, the offline SQL and lint each walk
//! the graph with one loop for both directions.

use std::collections::BTreeSet;

use crate::MigrateError;
use crate::operations::ops::Op;
use crate::script::graph::RevisionGraph;
use crate::script::revision::Revision;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

impl Direction {
    pub fn of(upgrading: bool) -> Self {
        if upgrading { Self::Upgrade } else { Self::Downgrade }
    }

    /// The name recorded in the history table and the step reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upgrade => "upgrade",
            Self::Downgrade => "downgrade",
        }
    }

    /// The operations of `rev` in this direction.
    pub fn ops(self, rev: &Revision) -> Vec<Op> {
        match self {
            Self::Upgrade => rev.upgrade_ops(),
            Self::Downgrade => rev.downgrade_ops(),
        }
    }

    /// The revisions that take `applied` to `wanted`: parents before children on the way up,
    /// children before parents on the way down.
    pub fn revisions<'g>(
        self,
        graph: &'g RevisionGraph,
        applied: &BTreeSet<String>,
        wanted: &BTreeSet<String>,
    ) -> Vec<&'g Revision> {
        match self {
            Self::Upgrade => graph.in_order(&wanted.difference(applied).cloned().collect()),
            Self::Downgrade => {
                graph.in_order(&applied.difference(wanted).cloned().collect()).into_iter().rev().collect()
            }
        }
    }

    /// The applied set once `id` has run in this direction.
    pub fn advance(self, applied: &BTreeSet<String>, id: &str) -> BTreeSet<String> {
        let mut next = applied.clone();
        match self {
            Self::Upgrade => next.insert(id.to_owned()),
            Self::Downgrade => next.remove(id),
        };
        next
    }

    /// Whether `wanted` lies the other way from `applied`: behind it for an upgrade, not
    /// behind it for a downgrade. Reaching `applied` itself is an empty run, not a refusal.
    pub fn points_back(self, applied: &BTreeSet<String>, wanted: &BTreeSet<String>) -> bool {
        match self {
            Self::Upgrade => wanted.is_subset(applied) && wanted != applied,
            Self::Downgrade => !wanted.is_subset(applied),
        }
    }

    /// The refusal of a `target` that points back from `current`.
    pub fn wrong_way(self, target: &str, current: String) -> MigrateError {
        let target = target.to_owned();
        match self {
            Self::Upgrade => MigrateError::NotAhead { target, current },
            Self::Downgrade => MigrateError::NotBehind { target, current },
        }
    }
}
