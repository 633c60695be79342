//! A revision: an id, its parents, a message, and the functions that record its operations.

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::operations::ops::{Op, Ops};

/// One migration step between schema versions.
#[derive(Clone, Debug)]
pub struct Revision {
    pub id: String,
    pub down_revisions: Vec<String>,
    pub message: String,
    pub create_date: String,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub upgrade: fn(&mut Ops),
    pub downgrade: fn(&mut Ops),
    /// Operations given as data (generated revisions, tests); they come after `upgrade`'s.
    pub upgrade_data: Arc<Vec<Op>>,
    pub downgrade_data: Arc<Vec<Op>>,
    /// Runs statement by statement outside a transaction (as every MySQL revision does), for
    /// what PostgreSQL refuses inside one, such as `CREATE INDEX CONCURRENTLY`. A failure
    /// leaves the database marked dirty until `db repair` or `db stamp`.
    pub non_transactional: bool,
    /// Checksums of earlier versions of this revision that its authors changed on purpose
    /// (Liquibase's `validCheckSum`): a database that recorded one of them is not "edited".
    pub valid_checksums: Vec<String>,
}

fn nothing(_: &mut Ops) {}

impl Revision {
    /// A base revision with no operations; chain the builder methods to fill it.
    pub fn new(id: &str, message: &str) -> Self {
        Self {
            id: id.to_owned(),
            down_revisions: Vec::new(),
            message: message.to_owned(),
            create_date: String::new(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            upgrade: nothing,
            downgrade: nothing,
            upgrade_data: Arc::default(),
            downgrade_data: Arc::default(),
            non_transactional: false,
            valid_checksums: Vec::new(),
        }
    }

    /// Runs this revision outside a transaction on PostgreSQL (SQLite keeps its transaction,
    /// which it needs for table rebuilds and has no statement that refuses one).
    #[must_use]
    pub fn non_transactional(mut self) -> Self {
        self.non_transactional = true;
        self
    }

    /// Accepts `checksum`, recorded by databases that applied an earlier version of this
    /// revision, as this one: for a deliberate fix shipped to every database (a downgrade
    /// that lost data, say), where `--allow-edited` would make each of them acknowledge it.
    #[must_use]
    pub fn valid_checksum(mut self, checksum: &str) -> Self {
        self.valid_checksums.push(checksum.to_owned());
        self
    }

    /// Sets the operations as data instead of functions.
    #[must_use]
    pub fn with_ops(mut self, upgrade: Vec<Op>, downgrade: Vec<Op>) -> Self {
        self.upgrade_data = Arc::new(upgrade);
        self.downgrade_data = Arc::new(downgrade);
        self
    }

    /// Sets the parent revision.
    #[must_use]
    pub fn revises(mut self, parent: &str) -> Self {
        self.down_revisions = vec![parent.to_owned()];
        self
    }

    /// Sets several parents (a merge revision).
    #[must_use]
    pub fn merges(mut self, parents: &[&str]) -> Self {
        self.down_revisions = parents.iter().map(|p| (*p).to_owned()).collect();
        self
    }

    #[must_use]
    pub fn created(mut self, date: &str) -> Self {
        date.clone_into(&mut self.create_date);
        self
    }

    #[must_use]
    pub fn branch_label(mut self, label: &str) -> Self {
        self.branch_labels.push(label.to_owned());
        self
    }

    #[must_use]
    pub fn depends_on(mut self, id: &str) -> Self {
        self.depends_on.push(id.to_owned());
        self
    }

    #[must_use]
    pub fn upgrade(mut self, f: fn(&mut Ops)) -> Self {
        self.upgrade = f;
        self
    }

    #[must_use]
    pub fn downgrade(mut self, f: fn(&mut Ops)) -> Self {
        self.downgrade = f;
        self
    }

    pub fn upgrade_ops(&self) -> Vec<Op> {
        let mut ops = Ops::new();
        (self.upgrade)(&mut ops);
        let mut ops = ops.into_vec();
        ops.extend(self.upgrade_data.iter().cloned());
        ops
    }

    pub fn downgrade_ops(&self) -> Vec<Op> {
        let mut ops = Ops::new();
        (self.downgrade)(&mut ops);
        let mut ops = ops.into_vec();
        ops.extend(self.downgrade_data.iter().cloned());
        ops
    }

    /// SHA-256 over the canonical (JSON) form of the upgrade and downgrade operations: a
    /// cosmetic edit of the source keeps it, a change to what the revision does changes it.
    pub fn checksum(&self) -> String {
        let canonical = serde_json::json!({
            "upgrade": self.upgrade_ops(),
            "downgrade": self.downgrade_ops(),
        });
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// True for a revision id of the canonical form: 12 lowercase hex digits.
    pub fn is_valid_id(id: &str) -> bool {
        id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}
