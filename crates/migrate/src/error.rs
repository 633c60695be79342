//! The engine's error type. Every variant renders as one clear line.

use std::time::Duration;

use sea_orm::DbErr;

use crate::script::graph::GraphError;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error(transparent)]
    Connect(#[from] crate::runtime::connect::Unreachable),
    #[error("invalid revision graph: {0}")]
    Graph(#[from] GraphError),
    #[error("unknown revision {0:?}")]
    UnknownRevision(String),
    #[error("revision prefix {prefix:?} is ambiguous; candidates: {}", candidates.join(", "))]
    AmbiguousRevision { prefix: String, candidates: Vec<String> },
    #[error("invalid target {0:?}: use head, heads, base, +N, -N, a revision id or prefix, <id>+N, <id>-N")]
    BadTarget(String),
    #[error("target {target:?} is out of range: {reason}")]
    OutOfRange { target: String, reason: String },
    #[error("cannot go {requested} step(s) down: only {applied} revision(s) are applied (that would be below base)")]
    BelowBase { requested: usize, applied: usize },
    #[error("there are several heads ({}); name one, or use `heads`", .0.join(", "))]
    MultipleHeads(Vec<String>),
    #[error(
        "the database is at revision(s) {} which this code does not know: the database is ahead of the code (deploy the newer code, or downgrade with it)",
        .0.join(", ")
    )]
    AheadOfCode(Vec<String>),
    #[error("{target} is behind the current revision ({current}); use downgrade")]
    NotAhead { target: String, current: String },
    #[error("{target} is not behind the current revision ({current}); use upgrade")]
    NotBehind { target: String, current: String },
    #[error("revision {revision} ({message}) failed at \"{step}\": {source}; {outcome}")]
    Revision { revision: String, message: String, step: String, source: Box<DbErr>, outcome: String },
    #[error("revision {revision} broke foreign keys ({details}); rolled back")]
    ForeignKeys { revision: String, details: String },
    #[error(
        "the migration lock is held by {holder}; gave up after {waited:?} (raise --lock-timeout, or stop the other migrator)"
    )]
    LockTimeout { waited: Duration, holder: String },
    #[error("{0}")]
    Usage(String),
    #[error("the schema differs:\n  - {}", .0.join("\n  - "))]
    Drift(Vec<String>),
    #[error("lint warnings (--strict):\n  - {}", .0.join("\n  - "))]
    Lint(Vec<String>),
    #[error(
        "applied revision(s) were edited since:\n  - {}\nrestore what was applied, or accept the edit with --allow-edited <id> (recorded in the history)",
        .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  - ")
    )]
    Edited(Vec<EditedRevision>),
    #[error(
        "the database is dirty: {0}. Statements of it before the failure may have run. Finish or undo them by hand, then run `db repair` to keep the recorded version, or `db stamp <revision>` to record where the database is"
    )]
    Dirty(crate::runtime::store::Dirty),
    #[error("{source}\nlint had warned about this revision:\n  - {}", findings.join("\n  - "))]
    Predicted { source: Box<MigrateError>, findings: Vec<String> },
    #[error("lint findings:\n{}", crate::ddl::findings::render_findings(&.0.findings))]
    Findings(crate::ddl::findings::LintReport),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// An applied revision whose operations no longer hash to what was recorded when it was
/// applied (or stamped, or its last edit accepted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EditedRevision {
    pub revision: String,
    pub message: String,
    /// When the recorded checksum was written.
    pub recorded_at: String,
    pub recorded: String,
    pub now: String,
}

impl std::fmt::Display for EditedRevision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |sum: &str| sum.chars().take(12).collect::<String>();
        write!(
            f,
            "{} ({}): its operations hash to {}, not the {} recorded at {}",
            self.revision,
            self.message,
            short(&self.now),
            short(&self.recorded),
            self.recorded_at
        )
    }
}
