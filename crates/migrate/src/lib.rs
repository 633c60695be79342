//! Alembic-grade schema migrations for SeaORM.
//!
//! Revisions record typed operations ([`Ops`]); the schema at any revision is obtained by
//! replaying them ([`Schema`]), each dialect renders them to SQL ([`render`]), and the
//! [`Migrator`] applies them with per-revision transactions, a version table, a history table
//! and a migrator lock. The crate knows nothing about any particular application.
//!
//! The source is packaged by role, as Alembic's is, and each package uses only those below
//! it, so any of them can be read, and changed, without the ones above:
//!
//! - `cli`: the `db` command set;
//! - `runtime`: connecting, bookkeeping, locking, running revisions;
//! - `script`: revisions and their graph (a new revision's body comes from `autogenerate`);
//! - `autogenerate`: entities, introspection, schema differences, revision source;
//! - `ddl`: SQL per dialect, and lint of what it does;
//! - `operations`: the operations and the schema model;
//! - [`dialect`]: the supported dialects, named by the schema model itself.
//!
//! [`MigrateError`] sits beside them: the packages from `script` up report through it, and it
//! wraps the graph and connection errors. The flat module paths (`migrate::graph`,
//! `migrate::schema`, ...) stay, so callers need not know the packages.

mod autogenerate;
pub mod cli;
mod ddl;
pub mod dialect;
mod error;
mod operations;
mod runtime;
mod script;
pub mod testing;

pub use autogenerate::{codegen, compare, defaults, diff, entity, inspect};
pub use cli::verify;
pub use ddl::{findings, lint, render};
pub use operations::{ops, replay, schema};
pub use runtime::{connect, lock, migrator, offline, progress, store};
pub use script::{graph, revision, scaffold, target};

pub use dialect::Dialect;
pub use error::{EditedRevision, MigrateError};
pub use graph::RevisionGraph;
pub use migrator::{Migrator, Options, StepReport};
pub use ops::{Alter, DataFuture, External, ExternalKind, Op, Ops, RawSql, Value};
pub use revision::Revision;
pub use runtime::connect::Unreachable;
pub use schema::{Column, ColumnType, DefaultValue, FkAction, Schema, Table};

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The role packages from the bottom up; a package may use its own modules and those of
    /// lower rank. `ddl` and `autogenerate` share a rank, so neither may use the other.
    const RANKS: [(&str, u8); 6] =
        [("operations", 0), ("ddl", 1), ("autogenerate", 1), ("script", 2), ("runtime", 3), ("cli", 4)];

    /// The flat re-exports, which would otherwise hide the package a module belongs to.
    const FLAT: [(&str, &str); 21] = [
        ("codegen", "autogenerate"),
        ("compare", "autogenerate"),
        ("defaults", "autogenerate"),
        ("diff", "autogenerate"),
        ("entity", "autogenerate"),
        ("inspect", "autogenerate"),
        ("verify", "cli"),
        ("lint", "ddl"),
        ("render", "ddl"),
        ("ops", "operations"),
        ("replay", "operations"),
        ("schema", "operations"),
        ("connect", "runtime"),
        ("lock", "runtime"),
        ("migrator", "runtime"),
        ("offline", "runtime"),
        ("store", "runtime"),
        ("graph", "script"),
        ("revision", "script"),
        ("scaffold", "script"),
        ("target", "script"),
    ];

    fn rank(package: &str) -> Option<u8> {
        RANKS.iter().find(|(name, _)| *name == package).map(|(_, rank)| *rank)
    }

    fn package_of(module: String) -> String {
        FLAT.iter().find(|(flat, _)| *flat == module).map_or(module, |(_, package)| (*package).to_owned())
    }

    /// The packages a source file names through `crate::`, outside comments.
    fn uses(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .flat_map(|line| line.split("crate::").skip(1))
            .map(|rest| package_of(rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()))
            .collect()
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("source folder") {
            let path = entry.expect("source entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn packages_use_only_those_below_them() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&root, &mut files);
        let mut wrong = Vec::new();
        for file in files {
            let relative = file.strip_prefix(&root).expect("under src").to_string_lossy().replace('\\', "/");
            let package = relative.split('/').next().unwrap_or_default().to_owned();
            let source = std::fs::read_to_string(&file).expect("readable source");
            for used in uses(&source) {
                let allowed = match (rank(&package), rank(&used)) {
                    (Some(own), Some(other)) => used == package || other < own,
                    // Top-level modules use no package but the ones `MigrateError` wraps, and
                    // none of them uses the command set.
                    (None, Some(_)) => relative == "lib.rs" || (relative == "error.rs" && used != "cli"),
                    (_, None) => true,
                };
                if !allowed {
                    wrong.push(format!("{relative} uses {used}"));
                }
            }
        }
        assert!(wrong.is_empty(), "dependencies that point up or sideways: {wrong:?}");
    }
}
