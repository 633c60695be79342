//! Human and JSON output of the read-only verbs: current, history, heads, show, and the
//! report of an upgrade or downgrade.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::json;

use crate::MigrateError;
use crate::operations::ops::Op;
use crate::runtime::migrator::{Migrator, StepReport};
use crate::runtime::store::HistoryRow;
use crate::script::graph::RevisionGraph;
use crate::script::revision::Revision;

pub fn label(graph: &RevisionGraph, id: &str) -> String {
    if graph.heads().iter().any(|h| h == id) { format!("{id} (head)") } else { id.to_owned() }
}

/// Alembic's marks: a revision with several children is a branch point, one with several
/// parents a merge point.
pub fn marks(graph: &RevisionGraph, rev: &Revision) -> String {
    let mut out = String::new();
    if graph.children(&rev.id).len() > 1 {
        out.push_str(" (branchpoint)");
    }
    if rev.down_revisions.len() > 1 {
        out.push_str(" (mergepoint)");
    }
    out
}

/// `branches`: each branch point with the revisions that start its branches.
pub fn branches(graph: &RevisionGraph, json: bool) -> String {
    let points: Vec<(&Revision, Vec<&Revision>)> = graph
        .revisions()
        .iter()
        .map(|r| (r, graph.children(&r.id)))
        .filter(|(_, children)| children.len() > 1)
        .collect();
    if json {
        let items: Vec<_> = points
            .iter()
            .map(|(r, children)| {
                json!({ "revision": r.id, "message": r.message, "children": children.iter().map(|c| &c.id).collect::<Vec<_>>() })
            })
            .collect();
        return json!({ "branchpoints": items }).to_string();
    }
    let mut out = String::new();
    if points.is_empty() {
        out.push_str("No branch points: the history is one line.\n");
    }
    for (r, children) in points {
        let _ = writeln!(out, "{} -> {}{}, {}", parents(r), label(graph, &r.id), marks(graph, r), r.message);
        for c in children {
            let _ = writeln!(out, "    -> {}{}, {}", label(graph, &c.id), marks(graph, c), c.message);
        }
    }
    out
}

pub fn parents(rev: &Revision) -> String {
    if rev.down_revisions.is_empty() { "<base>".to_owned() } else { rev.down_revisions.join(", ") }
}

/// The line of one applied or reverted revision, printed as soon as it went through.
pub fn step_line(graph: &RevisionGraph, r: &StepReport) -> String {
    let rev = graph.get(&r.revision);
    let (from, to) = match (r.direction.as_str(), rev) {
        ("upgrade", Some(rev)) => (parents(rev), r.revision.clone()),
        (_, Some(rev)) => (r.revision.clone(), parents(rev)),
        _ => (String::new(), r.revision.clone()),
    };
    format!("Running {} {from} -> {to}, {} ({} ms)", r.direction, r.message, r.duration_ms)
}

/// What an upgrade or downgrade prints at the end: in text, where the database now is (the
/// warnings and each revision's line were printed as they came); in JSON, everything.
pub async fn steps_output(
    m: &Migrator,
    reports: &[StepReport],
    warnings: &[String],
    json: bool,
) -> Result<String, MigrateError> {
    let current = m.current().await?;
    if json {
        return Ok(json!({ "steps": reports, "current": current, "warnings": warnings }).to_string());
    }
    let mut out = String::new();
    if reports.is_empty() {
        out.push_str("Nothing to do: ");
    }
    let now = if current.is_empty() {
        "base".to_owned()
    } else {
        current.iter().map(|c| label(m.graph(), c)).collect::<Vec<_>>().join(", ")
    };
    let _ = writeln!(out, "Current revision: {now}");
    Ok(out)
}

pub fn heads(graph: &RevisionGraph, json: bool) -> String {
    let heads = graph.heads();
    if json {
        let items: Vec<_> = heads
            .iter()
            .filter_map(|h| graph.get(h))
            .map(|r| json!({ "revision": r.id, "message": r.message, "branch_labels": r.branch_labels }))
            .collect();
        return json!({ "heads": items }).to_string();
    }
    heads.iter().map(|h| format!("{h} (head)\n")).collect()
}

pub fn describe(
    graph: &RevisionGraph,
    rev: &Revision,
    current: &[String],
    applied: Option<&HistoryRow>,
    edited: bool,
    ops: bool,
) -> String {
    let mut tags = String::new();
    if graph.heads().contains(&rev.id) {
        tags.push_str(" (head)");
    }
    if current.contains(&rev.id) {
        tags.push_str(" (current)");
    }
    if edited {
        tags.push_str(" (edited since applied)");
    }
    let mut out = format!("Rev: {}{tags}\nParent: {}\n", rev.id, parents(rev));
    if !rev.branch_labels.is_empty() {
        let _ = writeln!(out, "Branch names: {}", rev.branch_labels.join(", "));
    }
    let _ = writeln!(out, "Create Date: {}", rev.create_date);
    if let Some(row) = applied {
        let _ = writeln!(out, "Applied: {} ({} ms)", row.applied_at, row.duration_ms);
    }
    let _ = writeln!(out, "\n    {}\n", rev.message);
    if ops {
        let _ = writeln!(out, "Checksum: {}", rev.checksum());
        for earlier in &rev.valid_checksums {
            let _ = writeln!(out, "Also valid: {earlier} (an earlier version of this revision)");
        }
        out.push_str("Upgrade:\n");
        for op in rev.upgrade_ops() {
            let _ = writeln!(out, "    {}", op.describe());
        }
        out.push_str("Downgrade:\n");
        for op in rev.downgrade_ops() {
            let _ = writeln!(out, "    {}", op.describe());
        }
    }
    out
}

pub fn rev_json(rev: &Revision, applied: Option<&HistoryRow>) -> serde_json::Value {
    json!({
        "revision": rev.id,
        "down_revisions": rev.down_revisions,
        "message": rev.message,
        "create_date": rev.create_date,
        "branch_labels": rev.branch_labels,
        "depends_on": rev.depends_on,
        "applied_at": applied.map(|a| a.applied_at.clone()),
        "duration_ms": applied.map(|a| a.duration_ms),
    })
}

pub fn show(graph: &RevisionGraph, rev: &str, json: bool) -> Result<String, MigrateError> {
    let id = if rev == "head" {
        match graph.heads().as_slice() {
            [one] => one.clone(),
            many => return Err(MigrateError::MultipleHeads(many.to_vec())),
        }
    } else {
        graph.resolve_id(rev)?
    };
    let Some(rev) = graph.get(&id) else { return Err(MigrateError::UnknownRevision(id)) };
    if json {
        let mut value = rev_json(rev, None);
        value["checksum"] = json!(rev.checksum());
        value["upgrade"] = json!(rev.upgrade_ops().iter().map(Op::describe).collect::<Vec<_>>());
        value["downgrade"] = json!(rev.downgrade_ops().iter().map(Op::describe).collect::<Vec<_>>());
        return Ok(value.to_string());
    }
    Ok(describe(graph, rev, &[], None, false, true))
}

/// The last upgrade of each revision still in effect, by revision id.
pub fn last_applied(rows: &[HistoryRow]) -> std::collections::BTreeMap<&str, &HistoryRow> {
    let mut map = std::collections::BTreeMap::new();
    for row in rows {
        match row.direction.as_str() {
            "downgrade" => {
                map.remove(row.revision.as_str());
            }
            // An accepted edit changes the recorded checksum, not when the revision ran; a
            // repair clears an unfinished revision, which never counted as applied.
            crate::migrator::ACCEPT | "repair" => {}
            _ => {
                map.insert(row.revision.as_str(), row);
            }
        }
    }
    map
}

/// The applied revisions of `rows` whose last recorded checksum (applied, stamped or an
/// accepted edit) is not what `graph`'s revision hashes to now.
fn edited_in(graph: &RevisionGraph, rows: &[HistoryRow]) -> std::collections::BTreeSet<String> {
    let mut recorded = std::collections::BTreeMap::new();
    for row in rows {
        if row.direction == "downgrade" {
            recorded.remove(row.revision.as_str());
        } else if row.direction != "repair" {
            recorded.insert(row.revision.as_str(), row.checksum.as_str());
        }
    }
    recorded
        .into_iter()
        .filter(|(id, sum)| graph.get(id).is_some_and(|r| r.checksum() != *sum))
        .map(|(id, _)| id.to_owned())
        .collect()
}

pub async fn current(m: &Migrator, verbose: bool, json: bool) -> Result<String, MigrateError> {
    let heads = m.current().await?;
    let rows = if verbose || json { m.history().await? } else { Vec::new() };
    let applied = last_applied(&rows);
    let edits = m.edited().await.unwrap_or_default();
    let edited: Vec<String> = edits.iter().map(|e| e.revision.clone()).collect();
    let dirty = m.dirty().await?;
    if json {
        let items: Vec<_> = heads
            .iter()
            .map(|h| match m.graph().get(h) {
                Some(rev) => {
                    let mut v = rev_json(rev, applied.get(h.as_str()).copied());
                    v["is_head"] = json!(m.graph().heads().contains(h));
                    v
                }
                None => json!({ "revision": h, "known": false }),
            })
            .collect();
        return Ok(json!({ "current": items, "edited_after_apply": edited, "dirty": dirty }).to_string());
    }
    let mut out = String::new();
    if heads.is_empty() {
        out.push_str("base (no revision applied)\n");
    }
    for h in &heads {
        match m.graph().get(h) {
            Some(rev) if verbose => {
                let edited = edited.contains(h);
                out.push_str(&describe(m.graph(), rev, &heads, applied.get(h.as_str()).copied(), edited, false))
            }
            Some(_) => {
                let _ = writeln!(out, "{}", label(m.graph(), h));
            }
            None => {
                let _ = writeln!(out, "{h} (unknown to this code: the database is ahead of the code)");
            }
        }
    }
    if let Some(dirty) = dirty {
        let _ = writeln!(
            out,
            "DIRTY: {dirty}; upgrade and downgrade refuse to run until `db repair` or `db stamp` settles it"
        );
    }
    for edit in edits {
        let _ = writeln!(
            out,
            "warning: revision {edit}: it was edited after it was applied; upgrade and downgrade refuse to run until it is restored or accepted with --allow-edited {}",
            edit.revision
        );
    }
    Ok(out)
}

pub fn history(
    graph: &RevisionGraph,
    range: Option<&str>,
    state: Option<(Vec<String>, Vec<HistoryRow>)>,
    verbose: bool,
    json: bool,
) -> Result<String, MigrateError> {
    let connected = state.is_some();
    let (current, rows) = state.unwrap_or_default();
    // A range follows the graph: `A:B` is every revision that descends from A (or is A) and
    // that B descends from (or is B), so a sibling branch of either end stays out.
    let side = |text: &str, start: bool| -> Result<Option<BTreeSet<String>>, MigrateError> {
        let ids: Vec<String> = match text {
            "" => return Ok(None),
            "base" if start => return Ok(None),
            "base" => Vec::new(),
            "head" | "heads" if !start => return Ok(None),
            "head" | "heads" => graph.heads(),
            "current" if start && current.is_empty() => return Ok(None),
            "current" => current.clone(),
            other => vec![graph.resolve_id(other)?],
        };
        Ok(Some(if start { graph.descendants(&ids) } else { graph.ancestors(&ids) }))
    };
    let (after, before) = match range {
        Some(r) => {
            let (a, b) =
                r.split_once(':').ok_or_else(|| MigrateError::Usage(format!("range {r:?} must look like A:B")))?;
            (side(a, true)?, side(b, false)?)
        }
        None => (None, None),
    };
    let within =
        |id: &String| after.as_ref().is_none_or(|s| s.contains(id)) && before.as_ref().is_none_or(|s| s.contains(id));
    let applied = last_applied(&rows);
    let edited = edited_in(graph, &rows);
    let selected: Vec<&Revision> = graph.revisions().iter().filter(|r| within(&r.id)).rev().collect();
    if json {
        let items: Vec<_> = selected
            .iter()
            .map(|r| {
                let mut v = rev_json(r, applied.get(r.id.as_str()).copied());
                v["edited"] = json!(edited.contains(&r.id));
                v
            })
            .collect();
        // Without a database the current revision is unknown, not base.
        let current = if connected { json!(current) } else { serde_json::Value::Null };
        return Ok(json!({ "revisions": items, "current": current }).to_string());
    }
    let mut out = String::new();
    for rev in selected {
        if verbose {
            let was_edited = edited.contains(&rev.id);
            out.push_str(&describe(graph, rev, &current, applied.get(rev.id.as_str()).copied(), was_edited, false));
            if !applied.contains_key(rev.id.as_str()) {
                out.push_str("    (not applied)\n\n");
            }
        } else {
            let _ =
                writeln!(out, "{} -> {}{}, {}", parents(rev), label(graph, &rev.id), marks(graph, rev), rev.message);
        }
    }
    Ok(out)
}
