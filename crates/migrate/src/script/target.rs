//! Resolving a target (`head`, `heads`, `base`, `+N`, `-N`, an id or prefix, `<id>+N`,
//! `<id>-N`, `label@head`) to the set of revisions that should be applied afterwards.

use std::collections::BTreeSet;

use crate::MigrateError;
use crate::script::graph::RevisionGraph;

/// The applied set that `target` denotes, given what is applied now.
///
/// # Errors
/// Unknown, ambiguous or out-of-range targets.
pub fn resolve(
    graph: &RevisionGraph,
    target: &str,
    applied: &BTreeSet<String>,
) -> Result<BTreeSet<String>, MigrateError> {
    let target = target.trim();
    match target {
        "base" => return Ok(BTreeSet::new()),
        "head" => {
            let heads = graph.heads();
            return match heads.as_slice() {
                [] => Ok(BTreeSet::new()),
                [one] => Ok(graph.ancestors(std::slice::from_ref(one))),
                _ => Err(MigrateError::MultipleHeads(heads)),
            };
        }
        "heads" => return Ok(graph.ancestors(&graph.heads())),
        _ => {}
    }
    if let Some(n) = target.strip_prefix('+') {
        let n = count(target, n)?;
        let pending: Vec<String> = graph
            .in_order(&graph.ancestors(&graph.heads()))
            .into_iter()
            .filter(|r| !applied.contains(&r.id))
            .map(|r| r.id.clone())
            .collect();
        if n > pending.len() {
            return Err(MigrateError::OutOfRange {
                target: target.to_owned(),
                reason: format!("only {} revision(s) are ahead of the current one", pending.len()),
            });
        }
        let mut set = applied.clone();
        set.extend(graph.ancestors(&pending[..n]));
        return Ok(set);
    }
    if let Some(n) = target.strip_prefix('-') {
        let n = count(target, n)?;
        let ordered = graph.in_order(applied);
        if n > ordered.len() {
            return Err(MigrateError::BelowBase { requested: n, applied: ordered.len() });
        }
        let keep: Vec<String> = ordered[..ordered.len() - n].iter().map(|r| r.id.clone()).collect();
        return Ok(graph.ancestors(&graph.heads_of(&keep.into_iter().collect())));
    }
    if let Some(label) = target.strip_suffix("@head") {
        let id = graph.resolve_id(label)?;
        let tip = walk_forward(graph, &id, usize::MAX, target)?;
        return Ok(graph.ancestors(&[tip]));
    }
    if let Some((base, n)) = split_relative(target) {
        let id = graph.resolve_id(base)?;
        let (forward, n) = n;
        let id = if forward { Some(walk_forward(graph, &id, n, target)?) } else { walk_back(graph, &id, n, target)? };
        return Ok(id.map_or_else(BTreeSet::new, |id| graph.ancestors(&[id])));
    }
    let id = graph.resolve_id(target)?;
    Ok(graph.ancestors(&[id]))
}

fn count(target: &str, digits: &str) -> Result<usize, MigrateError> {
    digits.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| MigrateError::BadTarget(target.to_owned()))
}

/// `abc123+2` -> ("abc123", (true, 2)).
fn split_relative(target: &str) -> Option<(&str, (bool, usize))> {
    let pos = target.rfind(['+', '-'])?;
    if pos == 0 {
        return None;
    }
    let n = target[pos + 1..].parse::<usize>().ok().filter(|n| *n > 0)?;
    Some((&target[..pos], (target.as_bytes()[pos] == b'+', n)))
}

fn walk_forward(graph: &RevisionGraph, id: &str, n: usize, target: &str) -> Result<String, MigrateError> {
    let mut current = id.to_owned();
    let mut steps = 0;
    while steps < n {
        let children = graph.children(&current);
        match children.as_slice() {
            [] if n == usize::MAX => break,
            [] => {
                return Err(MigrateError::OutOfRange {
                    target: target.to_owned(),
                    reason: format!("{current} has no later revision"),
                });
            }
            [one] => current.clone_from(&one.id),
            many => {
                return Err(MigrateError::OutOfRange {
                    target: target.to_owned(),
                    reason: format!(
                        "{current} branches into {}; name one of them",
                        many.iter().map(|r| r.id.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
        steps += 1;
    }
    Ok(current)
}

fn walk_back(graph: &RevisionGraph, id: &str, n: usize, target: &str) -> Result<Option<String>, MigrateError> {
    let mut current = Some(id.to_owned());
    for _ in 0..n {
        let Some(id) = current else {
            return Err(MigrateError::OutOfRange { target: target.to_owned(), reason: "goes below base".to_owned() });
        };
        let parents = graph.get(&id).map(|r| r.down_revisions.clone()).unwrap_or_default();
        current = match parents.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            _ => {
                return Err(MigrateError::OutOfRange {
                    target: target.to_owned(),
                    reason: format!("{id} is a merge point; name one of its parents"),
                });
            }
        };
    }
    Ok(current)
}
