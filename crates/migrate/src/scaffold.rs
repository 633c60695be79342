//! Writing new revision files into an application's migrations folder and registering them
//! in its `mod.rs` between marker comments.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::MigrateError;
use crate::graph::RevisionGraph;

pub const MODULES_END: &str = "// @migrate:modules-end";
pub const REVISIONS_END: &str = "// @migrate:revisions-end";

/// A fresh 12-hex revision id that the graph does not use yet.
pub fn new_revision_id(graph: &RevisionGraph) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    let mut counter: u64 = 0;
    loop {
        let digest = Sha256::digest(format!("{nanos}:{}:{counter}", std::process::id()).as_bytes());
        let id: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        if !graph.contains(&id) {
            return id;
        }
        counter += 1;
    }
}

/// `Add users.role!` -> `add_users_role`.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for word in message.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if out.len() + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    if out.is_empty() { "revision".to_owned() } else { out }
}

fn rust_string(text: &str) -> String {
    format!("{text:?}")
}

/// The source of a new revision file.
pub fn render_revision(
    id: &str,
    parents: &[String],
    message: &str,
    date: &str,
    upgrade: &str,
    downgrade: &str,
) -> String {
    let revises = match parents {
        [] => String::new(),
        [one] => format!("\n        .revises({})", rust_string(one)),
        many => format!("\n        .merges(&[{}])", many.iter().map(|p| rust_string(p)).collect::<Vec<_>>().join(", ")),
    };
    let doc_message = message.replace('\n', " ");
    format!(
        "//! {doc_message}\n//!\n//! Revision ID: {id}\n//! Revises: {}\n//! Create Date: {date}\n\n\
         use migrate::{{Ops, Revision}};\n\n\
         pub fn revision() -> Revision {{\n    Revision::new({}, {}){revises}\n        .created({})\n        .upgrade(upgrade)\n        .downgrade(downgrade)\n}}\n\n\
         fn upgrade(op: &mut Ops) {{\n{upgrade}}}\n\nfn downgrade(op: &mut Ops) {{\n{downgrade}}}\n",
        parents.join(", "),
        rust_string(id),
        rust_string(message),
        rust_string(date),
    )
}

/// Writes a new revision file into `dir` and registers it in `dir/mod.rs`.
///
/// # Errors
/// A missing or marker-less `mod.rs`, or I/O errors.
pub fn write_revision(
    dir: &Path,
    id: &str,
    parents: &[String],
    message: &str,
    body: Option<(&str, &str)>,
) -> Result<PathBuf, MigrateError> {
    let registry = dir.join("mod.rs");
    let source = std::fs::read_to_string(&registry)
        .map_err(|e| MigrateError::Usage(format!("cannot read the revision registry {}: {e}", registry.display())))?;
    if !source.contains(MODULES_END) || !source.contains(REVISIONS_END) {
        return Err(MigrateError::Usage(format!(
            "{} lacks the marker lines `{MODULES_END}` and `{REVISIONS_END}` that say where new revisions go",
            registry.display()
        )));
    }
    let next = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_prefix('r').and_then(|rest| rest.get(..4)).and_then(|n| n.parse::<u32>().ok())
        })
        .max()
        .unwrap_or(0)
        + 1;
    let module = format!("r{next:04}_{}", slug(message));
    let path = dir.join(format!("{module}.rs"));
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let (upgrade, downgrade) = body.unwrap_or(("    let _ = op;\n", "    let _ = op;\n"));
    std::fs::write(&path, render_revision(id, parents, message, &date, upgrade, downgrade))?;
    let source = insert_before_marker(&source, MODULES_END, &format!("mod {module};"));
    let source = insert_before_marker(&source, REVISIONS_END, &format!("{module}::revision(),"));
    std::fs::write(&registry, source)?;
    Ok(path)
}

/// Inserts `line` above the line holding `marker`, with the same indentation.
fn insert_before_marker(source: &str, marker: &str, line: &str) -> String {
    let mut out = String::with_capacity(source.len() + line.len() + 16);
    for existing in source.split_inclusive('\n') {
        if existing.contains(marker) {
            let indent: String = existing.chars().take_while(|c| c.is_whitespace() && *c != '\n').collect();
            out.push_str(&indent);
            out.push_str(line);
            out.push('\n');
        }
        out.push_str(existing);
    }
    out
}
