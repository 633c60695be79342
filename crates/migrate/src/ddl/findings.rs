//! Lint findings tied to the revisions they are about, as `db lint`, a planned upgrade and a
//! failed one report them.

use serde::Serialize;

/// A lint finding about a revision of a planned upgrade or downgrade.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Planned {
    pub revision: String,
    #[serde(flatten)]
    pub warning: super::lint::Warning,
}

impl std::fmt::Display for Planned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.revision, self.warning)
    }
}

/// What `db lint` found: the dialect, the revisions it read, and the findings in the order
/// the revisions would run.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LintReport {
    pub dialect: String,
    pub revisions: Vec<String>,
    pub findings: Vec<Planned>,
}

/// The findings as `db lint` prints them: one block per finding, with its fix.
pub fn render_findings(found: &[Planned]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for p in found {
        let level = if p.warning.danger { "error" } else { "warning" };
        let _ = writeln!(out, "{}: {level}[{}] {}", p.revision, p.warning.rule, p.warning.message);
        let _ = writeln!(out, "    fix: {}", p.warning.fix);
    }
    let dangerous = found.iter().filter(|p| p.warning.danger).count();
    let _ = write!(out, "{} finding(s), {dangerous} that can fail or lose data", found.len());
    out
}
