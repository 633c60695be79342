//! The revision graph, validated when it is built.

use std::collections::{BTreeSet, HashMap};

use crate::operations::replay::ModelError;
use crate::operations::schema::Schema;
use crate::script::revision::Revision;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("revision id {0:?} is not 12 lowercase hex digits")]
    BadId(String),
    #[error("duplicate revision id {0}")]
    Duplicate(String),
    #[error("revision {revision} names an unknown parent {parent}")]
    UnknownParent { revision: String, parent: String },
    #[error("the revisions form a cycle through {0}")]
    Cycle(String),
    #[error("revision {revision} replays badly on the schema model: {error}")]
    Model { revision: String, error: ModelError },
}

/// All revisions, in an order where parents come before children.
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    ordered: Vec<Revision>,
    position: HashMap<String, usize>,
}

impl RevisionGraph {
    /// Validates ids, parents and acyclicity, and orders the revisions topologically.
    ///
    /// # Errors
    /// A malformed id, a duplicate id, an unknown parent, or a cycle.
    pub fn new(revisions: Vec<Revision>) -> Result<Self, GraphError> {
        let mut by_id: HashMap<String, Revision> = HashMap::new();
        let mut input_order = Vec::new();
        for rev in revisions {
            if !Revision::is_valid_id(&rev.id) {
                return Err(GraphError::BadId(rev.id));
            }
            if by_id.contains_key(&rev.id) {
                return Err(GraphError::Duplicate(rev.id));
            }
            input_order.push(rev.id.clone());
            by_id.insert(rev.id.clone(), rev);
        }
        for rev in by_id.values() {
            for parent in rev.down_revisions.iter().chain(&rev.depends_on) {
                if !by_id.contains_key(parent) {
                    return Err(GraphError::UnknownParent { revision: rev.id.clone(), parent: parent.clone() });
                }
            }
        }
        // Kahn's algorithm, taking ready revisions in registration order for a stable result.
        let mut placed: BTreeSet<String> = BTreeSet::new();
        let mut ordered = Vec::with_capacity(input_order.len());
        while ordered.len() < input_order.len() {
            let ready = input_order.iter().find(|id| {
                !placed.contains(*id)
                    && by_id[*id].down_revisions.iter().chain(&by_id[*id].depends_on).all(|p| placed.contains(p))
            });
            let Some(id) = ready.cloned() else {
                let stuck = input_order.iter().find(|id| !placed.contains(*id)).cloned().unwrap_or_default();
                return Err(GraphError::Cycle(stuck));
            };
            placed.insert(id.clone());
            if let Some(rev) = by_id.remove(&id) {
                ordered.push(rev);
            }
        }
        let position = ordered.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
        let graph = Self { ordered, position };
        graph.validate_model()?;
        Ok(graph)
    }

    /// Replays every revision up and down on the schema model, so a revision that names a
    /// missing table or column is reported at load rather than half-way through a run.
    fn validate_model(&self) -> Result<(), GraphError> {
        let mut schema = Schema::default();
        for rev in &self.ordered {
            let fail = |error| GraphError::Model { revision: rev.id.clone(), error };
            // A merge point's model needs all its ancestors; the full replay order gives that.
            schema.apply_all(&rev.upgrade_ops()).map_err(fail)?;
        }
        for rev in &self.ordered {
            let mut before = self.schema_with(&self.ancestors(std::slice::from_ref(&rev.id)));
            before
                .apply_all(&rev.downgrade_ops())
                .map_err(|error| GraphError::Model { revision: rev.id.clone(), error })?;
        }
        Ok(())
    }

    pub fn revisions(&self) -> &[Revision] {
        &self.ordered
    }

    pub fn get(&self, id: &str) -> Option<&Revision> {
        self.position.get(id).map(|&i| &self.ordered[i])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.position.contains_key(id)
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.position.get(id).copied()
    }

    /// Revisions nothing else revises, in topological order.
    pub fn heads(&self) -> Vec<String> {
        let parents: BTreeSet<&String> = self.ordered.iter().flat_map(|r| &r.down_revisions).collect();
        self.ordered.iter().filter(|r| !parents.contains(&r.id)).map(|r| r.id.clone()).collect()
    }

    /// Revisions whose parent list names `id`.
    pub fn children(&self, id: &str) -> Vec<&Revision> {
        self.ordered.iter().filter(|r| r.down_revisions.iter().any(|p| p == id)).collect()
    }

    /// `ids` and everything they revise or depend on, transitively.
    pub fn ancestors(&self, ids: &[String]) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = ids.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            if let Some(rev) = self.get(&id) {
                stack.extend(rev.down_revisions.iter().chain(&rev.depends_on).cloned());
            }
        }
        seen
    }

    /// `ids` and everything that revises or depends on them, transitively (the ancestors
    /// turned around).
    pub fn descendants(&self, ids: &[String]) -> BTreeSet<String> {
        let mut seen: BTreeSet<String> = ids.iter().filter(|id| self.contains(id)).cloned().collect();
        // Parents come before children in `ordered`, so one pass sees every parent first.
        for rev in &self.ordered {
            if rev.down_revisions.iter().chain(&rev.depends_on).any(|p| seen.contains(p)) {
                seen.insert(rev.id.clone());
            }
        }
        seen
    }

    /// The heads of an applied set: its members that no other member revises.
    pub fn heads_of(&self, applied: &BTreeSet<String>) -> Vec<String> {
        self.ordered
            .iter()
            .filter(|r| applied.contains(&r.id))
            .filter(|r| !applied.iter().any(|a| self.get(a).is_some_and(|c| c.down_revisions.contains(&r.id))))
            .map(|r| r.id.clone())
            .collect()
    }

    /// Members of `set` in topological order.
    pub fn in_order(&self, set: &BTreeSet<String>) -> Vec<&Revision> {
        self.ordered.iter().filter(|r| set.contains(&r.id)).collect()
    }

    /// The schema model with exactly the revisions in `applied` upgraded.
    pub fn schema_with(&self, applied: &BTreeSet<String>) -> Schema {
        let mut schema = Schema::default();
        for rev in self.in_order(applied) {
            // Validated at construction, so replay cannot fail here; a failure would only
            // leave the model short, never panic.
            let _ = schema.apply_all(&rev.upgrade_ops());
        }
        schema
    }

    /// Resolves an exact id, a unique id prefix, or a branch label.
    ///
    /// # Errors
    /// Unknown or ambiguous.
    pub fn resolve_id(&self, text: &str) -> Result<String, crate::MigrateError> {
        if self.contains(text) {
            return Ok(text.to_owned());
        }
        if let Some(rev) = self.ordered.iter().find(|r| r.branch_labels.iter().any(|l| l == text)) {
            return Ok(rev.id.clone());
        }
        let candidates: Vec<String> =
            self.ordered.iter().filter(|r| r.id.starts_with(text)).map(|r| r.id.clone()).collect();
        match candidates.len() {
            1 => Ok(candidates[0].clone()),
            0 => Err(crate::MigrateError::UnknownRevision(text.to_owned())),
            _ => Err(crate::MigrateError::AmbiguousRevision { prefix: text.to_owned(), candidates }),
        }
    }
}
