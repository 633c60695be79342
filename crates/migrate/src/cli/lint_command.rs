//! `db lint`: the findings of revisions' upgrades on one dialect, with a rule id and a fix
//! each, from the schema model alone (no database). Exit code 1 when anything is found.

use serde_json::json;

use super::Context;
use crate::MigrateError;
use crate::ddl::findings::{LintReport, Planned};
use crate::ddl::lint;
use crate::dialect::Dialect;

/// What `db lint` looks at and leaves out.
pub struct LintRequest<'a> {
    /// Revision ids or prefixes; none means the heads.
    pub revisions: &'a [String],
    pub all: bool,
    pub dialect: Option<Dialect>,
    /// Rule ids not to report.
    pub exclude: &'a [String],
}

/// Lints the chosen revisions.
///
/// # Errors
/// `Findings` when there are any, `Usage` for an unknown dialect or revision.
pub fn run(ctx: &Context, req: &LintRequest<'_>, json: bool) -> Result<String, MigrateError> {
    let dialect = req.dialect.or_else(|| Dialect::from_url(&ctx.url)).ok_or_else(|| {
        MigrateError::Usage(
            "cannot tell the dialect from the database URL; pass --dialect sqlite|postgres|mysql".into(),
        )
    })?;
    let graph = &ctx.graph;
    let mut chosen: Vec<String> = if req.all {
        graph.revisions().iter().map(|r| r.id.clone()).collect()
    } else if req.revisions.is_empty() {
        graph.heads()
    } else {
        req.revisions.iter().map(|r| graph.resolve_id(r)).collect::<Result<_, _>>()?
    };
    // In the order they would run.
    chosen.sort_by_key(|id| graph.position(id));
    let mut found: Vec<Planned> = Vec::new();
    for id in &chosen {
        let Some(rev) = graph.get(id) else { continue };
        let mut before = graph.ancestors(std::slice::from_ref(id));
        before.remove(id);
        let model = graph.schema_with(&before);
        found.extend(
            lint::findings(&rev.upgrade_ops(), &model, dialect)
                .into_iter()
                .filter(|w| !req.exclude.iter().any(|rule| rule == w.rule))
                .map(|warning| Planned { revision: id.clone(), warning }),
        );
    }
    let report = LintReport { dialect: dialect.to_string(), revisions: chosen, findings: found };
    if !report.findings.is_empty() {
        return Err(MigrateError::Findings(report));
    }
    Ok(if json {
        json!(report).to_string()
    } else {
        format!("No findings in {} revision(s) on {dialect}.\n", report.revisions.len())
    })
}
