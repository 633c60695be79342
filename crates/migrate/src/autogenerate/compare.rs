//! Compares two schemas after reducing both to what every database can report back:
//! column types, nullability and server defaults, primary keys, unique column sets, named non-unique indexes,
//! foreign keys by columns/target/actions, and check constraint names. Names of unique
//! constraints and foreign keys are left out because SQLite's catalog does not keep them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::defaults;
use crate::dialect::Dialect;
use crate::operations::schema::{ColumnType, ExternalKind, FkAction, Schema};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct CanonColumn {
    ty: ColumnType,
    nullable: bool,
    /// The server default in [`defaults::canonical`] form.
    default: Option<String>,
    auto_increment: bool,
}

type CanonFk = (Vec<String>, String, Vec<String>, FkAction, FkAction);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
struct CanonTable {
    columns: BTreeMap<String, CanonColumn>,
    primary_key: Vec<String>,
    unique_sets: BTreeSet<Vec<String>>,
    indexes: BTreeMap<String, Vec<String>>,
    foreign_keys: BTreeSet<CanonFk>,
    checks: BTreeSet<String>,
}

/// Maps a type to what `dialect` reports back for it.
fn reported(dialect: Option<Dialect>, ty: &ColumnType) -> ColumnType {
    match (dialect, ty) {
        // MariaDB stores JSON as LONGTEXT.
        (Some(Dialect::Mysql), ColumnType::Json) => ColumnType::Text,
        // MySQL's catalog keeps an enum's values but no name; SQLite keeps text and a CHECK.
        (Some(Dialect::Mysql), ColumnType::Enum { values, .. }) => {
            ColumnType::Enum { name: String::new(), values: values.clone() }
        }
        (Some(Dialect::Sqlite), ColumnType::Enum { .. }) => ColumnType::Text,
        _ => ty.clone(),
    }
}

fn canonical(schema: &Schema, dialect: Option<Dialect>) -> BTreeMap<String, CanonTable> {
    schema
        .tables
        .values()
        .map(|t| {
            let fk_names: BTreeSet<&String> = t.foreign_keys.iter().map(|f| &f.name).collect();
            let mut canon = CanonTable {
                columns: t
                    .columns
                    .iter()
                    .map(|c| {
                        // SQLite makes a sole INTEGER primary key the rowid, which numbers
                        // new rows whether or not the model asked for it.
                        let rowid = dialect == Some(Dialect::Sqlite)
                            && t.primary_key.len() == 1
                            && t.primary_key[0] == c.name
                            && c.ty == ColumnType::Integer;
                        let auto_increment = c.auto_increment || rowid;
                        // An identity or serial column's default is its sequence, not a value.
                        let default = c
                            .default
                            .as_ref()
                            .filter(|_| !auto_increment)
                            .map(|d| defaults::canonical(&c.ty, d, dialect));
                        let col =
                            CanonColumn { ty: reported(dialect, &c.ty), nullable: c.nullable, default, auto_increment };
                        (c.name.clone(), col)
                    })
                    .collect(),
                primary_key: t.primary_key.clone(),
                unique_sets: t.uniques.iter().map(|u| u.columns.clone()).collect(),
                foreign_keys: t
                    .foreign_keys
                    .iter()
                    .map(|f| {
                        (
                            f.columns.clone(),
                            f.ref_table.clone(),
                            f.ref_columns.clone(),
                            normal(f.on_delete),
                            normal(f.on_update),
                        )
                    })
                    .collect(),
                checks: t.checks.iter().map(|c| c.name.clone()).collect(),
                ..CanonTable::default()
            };
            for index in &t.indexes {
                if index.unique {
                    canon.unique_sets.insert(index.columns.clone());
                } else if !(dialect == Some(Dialect::Mysql) && fk_names.contains(&index.name)) {
                    // MySQL creates an index named after a foreign key that has none.
                    canon.indexes.insert(index.name.clone(), index.columns.clone());
                }
            }
            (t.name.clone(), canon)
        })
        .collect()
}

/// MySQL reports RESTRICT where others report NO ACTION; they behave alike for us.
fn normal(action: FkAction) -> FkAction {
    if action == FkAction::Restrict { FkAction::NoAction } else { action }
}

/// Human-readable differences between `expected` and `actual` (empty when they agree).
/// `dialect` is the database `actual` was read from, if any.
///
/// External objects of `expected` ([`crate::ops::External`]) must be present in a database
/// of a dialect that creates them, and are then left out of the comparison; two models
/// (no dialect) are compared without them, because entities cannot declare them.
pub fn diff(expected: &Schema, actual: &Schema, dialect: Option<Dialect>) -> Vec<String> {
    let mut out = Vec::new();
    let actual = match dialect {
        Some(dialect) => &without_externals(expected, actual, dialect, &mut out),
        None => actual,
    };
    let a = canonical(expected, dialect);
    let b = canonical(actual, dialect);
    for name in a.keys().filter(|n| !b.contains_key(*n)) {
        out.push(format!("table {name}: missing"));
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        out.push(format!("table {name}: unexpected"));
    }
    for (name, ta) in &a {
        let Some(tb) = b.get(name) else { continue };
        for (col, ca) in &ta.columns {
            match tb.columns.get(col) {
                None => out.push(format!("column {name}.{col}: missing")),
                Some(cb) if cb != ca => out.push(format!("column {name}.{col}: expected {ca:?}, found {cb:?}")),
                Some(_) => {}
            }
        }
        for col in tb.columns.keys().filter(|c| !ta.columns.contains_key(*c)) {
            out.push(format!("column {name}.{col}: unexpected"));
        }
        if ta.primary_key != tb.primary_key {
            out.push(format!("table {name}: primary key expected {:?}, found {:?}", ta.primary_key, tb.primary_key));
        }
        set_diff(&mut out, name, "unique", &ta.unique_sets, &tb.unique_sets);
        set_diff(&mut out, name, "index", &ta.indexes.iter().collect(), &tb.indexes.iter().collect());
        set_diff(&mut out, name, "foreign key", &ta.foreign_keys, &tb.foreign_keys);
        set_diff(&mut out, name, "check", &ta.checks, &tb.checks);
    }
    out
}

/// `actual` without the external objects `expected` declares for `dialect`; each one that is
/// not there is reported in `out`.
fn without_externals(expected: &Schema, actual: &Schema, dialect: Dialect, out: &mut Vec<String>) -> Schema {
    let mut rest = actual.clone();
    for (name, external) in expected.externals.iter().filter(|(_, e)| e.on(dialect)) {
        let found = match &external.kind {
            ExternalKind::Index { table } => rest.tables.get_mut(table).is_some_and(|t| {
                let before = t.indexes.len();
                t.indexes.retain(|i| &i.name != name);
                t.indexes.len() < before
            }),
            ExternalKind::Table => {
                let shadow = format!("{name}_");
                let found = rest.tables.remove(name).is_some();
                rest.tables.retain(|t, _| !t.starts_with(&shadow));
                found
            }
            // The catalogs' triggers and views, which inspection lists as externals.
            ExternalKind::Trigger { .. } | ExternalKind::View => rest.externals.remove(name).is_some(),
        };
        if !found {
            let what = match external.kind.table() {
                Some(table) => format!("{} {name} on {table}", external.kind.noun()),
                None => format!("{} {name}", external.kind.noun()),
            };
            out.push(format!("{what}: missing"));
        }
    }
    rest
}

fn set_diff<T: Ord + std::fmt::Debug>(
    out: &mut Vec<String>,
    table: &str,
    what: &str,
    a: &BTreeSet<T>,
    b: &BTreeSet<T>,
) {
    for item in a.difference(b) {
        out.push(format!("table {table}: {what} {item:?} missing"));
    }
    for item in b.difference(a) {
        out.push(format!("table {table}: {what} {item:?} unexpected"));
    }
}
