//! Writing new revision files into an application's migrations folder and registering them
//! in its `mod.rs` between marker comments.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use crate::MigrateError;
use crate::script::graph::RevisionGraph;

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

/// What a new revision file says.
#[derive(Debug, Default)]
pub struct NewRevision<'a> {
    pub id: &'a str,
    pub parents: &'a [String],
    pub message: &'a str,
    pub branch_labels: &'a [String],
    pub depends_on: &'a [String],
    /// Generated upgrade and downgrade bodies (Rust statements); `None` writes empty ones.
    pub bodies: Option<(String, String)>,
}

/// The source of a new revision file.
pub fn render_revision(spec: &NewRevision<'_>, date: &str) -> String {
    let mut builder = String::new();
    match spec.parents {
        [] => {}
        [one] => builder.push_str(&format!("\n        .revises({})", rust_string(one))),
        many => builder.push_str(&format!(
            "\n        .merges(&[{}])",
            many.iter().map(|p| rust_string(p)).collect::<Vec<_>>().join(", ")
        )),
    }
    for label in spec.branch_labels {
        builder.push_str(&format!("\n        .branch_label({})", rust_string(label)));
    }
    for dep in spec.depends_on {
        builder.push_str(&format!("\n        .depends_on({})", rust_string(dep)));
    }
    let (imports, upgrade, downgrade) = match &spec.bodies {
        Some((up, down)) => (crate::autogenerate::codegen::IMPORTS.to_owned(), up.clone(), down.clone()),
        None => {
            ("use migrate::{Ops, Revision};".to_owned(), "    let _ = op;\n".to_owned(), "    let _ = op;\n".to_owned())
        }
    };
    let doc_message = spec.message.replace('\n', " ");
    format!(
        "//! {doc_message}\n//!\n//! Revision ID: {id}\n//! Revises: {}\n//! Create Date: {date}\n\n\
         {imports}\n\n\
         pub fn revision() -> Revision {{\n    Revision::new({}, {}){builder}\n        .created({})\n        .upgrade(upgrade)\n        .downgrade(downgrade)\n}}\n\n\
         fn upgrade(op: &mut Ops) {{\n{upgrade}}}\n\nfn downgrade(op: &mut Ops) {{\n{downgrade}}}\n",
        spec.parents.join(", "),
        rust_string(spec.id),
        rust_string(spec.message),
        rust_string(date),
        id = spec.id,
    )
}

/// Writes a new revision file into `dir`, registers it in `dir/mod.rs`, and formats it with
/// rustfmt when rustfmt is installed.
///
/// # Errors
/// A missing or marker-less `mod.rs`, or I/O errors.
pub fn write_revision(dir: &Path, spec: &NewRevision<'_>) -> Result<PathBuf, MigrateError> {
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
    let module = format!("r{next:04}_{}", slug(spec.message));
    let path = dir.join(format!("{module}.rs"));
    let date = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S").to_string();
    std::fs::write(&path, render_revision(spec, &date))?;
    let source = insert_before_marker(&source, MODULES_END, &format!("mod {module};"));
    let source = insert_before_marker(&source, REVISIONS_END, &format!("{module}::revision(),"));
    std::fs::write(&registry, source)?;
    // Best effort: generated code reads like hand-written code once formatted.
    let _ = std::process::Command::new("rustfmt").args(["--edition", "2024"]).arg(&path).output();
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
