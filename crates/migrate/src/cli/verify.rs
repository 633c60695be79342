//! `verify`: every revision, on fresh databases of each configured dialect, is upgraded,
//! compared with the model, downgraded, compared again, and upgraded again; then the
//! entities are compared with the head.

use std::fmt::Write as _;

use serde_json::json;

use super::Context;
use crate::MigrateError;
use crate::autogenerate::{compare, inspect};
use crate::dialect::Dialect;
use crate::runtime::migrator::{Migrator, Options};
use crate::testing::TestDb;

async fn verify_on(ctx: &Context, db: &TestDb) -> Result<Vec<(String, String)>, MigrateError> {
    let options = Options { lock_timeout: ctx.options.lock_timeout, ..Options::default() };
    let m = Migrator::connect(&db.url, ctx.graph.clone(), options).await?;
    let skip = [m.store().version_table.clone(), m.store().history_table.clone()];
    let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let graph = ctx.graph.clone();
    for rev in graph.revisions() {
        let id = rev.id.clone();
        let check = |label: &str, problems: Vec<String>| -> Option<String> {
            (!problems.is_empty()).then(|| format!("{label}: {}", problems.join("; ")))
        };
        let mut outcome = None;
        let steps: [(&str, bool); 3] = [("upgrade", true), ("downgrade", false), ("re-upgrade", true)];
        for (label, up) in steps {
            // Down is a revert of exactly this revision: `-1` cannot say which parent of a merge
            // point to go to, and on a branch it would leave the other branches alone anyway.
            let result = if up { m.upgrade(&id).await.map(|_| ()) } else { m.revert(&id).await.map(|_| ()) };
            if let Err(e) = result {
                outcome = Some(format!("{label} failed: {e}"));
                break;
            }
            let applied = graph.ancestors(&m.current().await?);
            let live = inspect::inspect(m.connection(), &skip).await?;
            if let Some(problem) = check(label, compare::diff(&graph.schema_with(&applied), &live, Some(m.dialect()))) {
                outcome = Some(problem);
                break;
            }
        }
        let failed = outcome.is_some();
        rows.push((id, outcome.unwrap_or_else(|| "ok".to_owned())));
        if failed {
            break;
        }
    }
    m.close().await;
    Ok(rows)
}

/// Runs the verification and returns the revision x dialect table.
///
/// # Errors
/// `Drift` when any cell failed or the entities differ from the head.
pub async fn verify(ctx: &Context, urls: &[String], json: bool) -> Result<String, MigrateError> {
    let mut columns: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let sqlite = TestDb::new(Dialect::Sqlite).await;
    columns.push(("sqlite".to_owned(), verify_on(ctx, &sqlite).await?));
    for url in urls {
        let dialect = Dialect::from_url(url).ok_or_else(|| MigrateError::Usage(format!("unsupported URL {url:?}")))?;
        let db = TestDb::on_server(dialect, url).await?;
        columns.push((dialect.to_string(), verify_on(ctx, &db).await?));
    }
    let mut failures = Vec::new();
    let mut table = format!("{:<14}", "revision");
    for (name, _) in &columns {
        let _ = write!(table, " {name:<10}");
    }
    table.push('\n');
    for rev in ctx.graph.revisions() {
        let _ = write!(table, "{:<14}", rev.id);
        for (name, rows) in &columns {
            let cell = rows.iter().find(|(id, _)| *id == rev.id).map_or("not run", |(_, r)| r.as_str());
            let _ = write!(table, " {:<10}", if cell == "ok" { "ok" } else { "FAIL" });
            if cell != "ok" {
                failures.push(format!("{} on {name}: {cell}", rev.id));
            }
        }
        table.push('\n');
    }
    if let Some(target) = &ctx.target {
        let head = ctx.graph.schema_with(&ctx.graph.ancestors(&ctx.graph.heads()));
        let d = crate::autogenerate::diff::diff(&head, target);
        failures.extend(d.upgrade.iter().map(|op| format!("entities need: {}", op.describe())));
    }
    if !failures.is_empty() {
        return Err(MigrateError::Drift(failures));
    }
    Ok(if json {
        let cells: Vec<_> = columns.iter().map(|(name, rows)| json!({ "dialect": name, "revisions": rows })).collect();
        json!({ "verified": cells }).to_string()
    } else {
        table + "check: the entities match the head\n"
    })
}
