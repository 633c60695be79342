//! Replaying operations onto the schema model.

use crate::ops::Op;
use crate::schema::{ExternalKind, ExternalObject, Schema, Table};

/// An operation that does not fit the schema it is replayed on (a bug in a revision).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{op}: {problem}")]
pub struct ModelError {
    pub op: String,
    pub problem: String,
}

impl Schema {
    /// Applies one operation to the model.
    ///
    /// # Errors
    /// When the operation names a table, column, index or constraint that does not exist, or
    /// creates one that already exists.
    pub fn apply(&mut self, op: &Op) -> Result<(), ModelError> {
        let fail = |problem: String| ModelError { op: op.describe(), problem };
        match op {
            Op::CreateTable(table) => {
                if self.tables.contains_key(&table.name) {
                    return Err(fail(format!("table {} already exists", table.name)));
                }
                for name in table.primary_key.iter().chain(table.foreign_keys.iter().flat_map(|f| &f.columns)) {
                    if table.column(name).is_none() {
                        return Err(fail(format!("no column {name} in the new table")));
                    }
                }
                self.tables.insert(table.name.clone(), table.clone());
            }
            Op::DropTable { table } => {
                self.tables.remove(table).ok_or_else(|| fail(format!("no table {table}")))?;
                // The database drops a table's indexes with it, external ones included.
                self.externals.retain(|_, e| e.kind != ExternalKind::Index { table: table.clone() });
            }
            Op::RenameTable { from, to } => {
                if self.tables.contains_key(to) {
                    return Err(fail(format!("table {to} already exists")));
                }
                let mut t = self.tables.remove(from).ok_or_else(|| fail(format!("no table {from}")))?;
                t.name.clone_from(to);
                self.tables.insert(to.clone(), t);
                for external in self.externals.values_mut() {
                    if let ExternalKind::Index { table } = &mut external.kind
                        && table == from
                    {
                        table.clone_from(to);
                    }
                }
                for other in self.tables.values_mut() {
                    for fk in &mut other.foreign_keys {
                        if &fk.ref_table == from {
                            fk.ref_table.clone_from(to);
                        }
                    }
                }
            }
            Op::AddColumn { table, column } => {
                let t = self.table_mut(table).map_err(fail)?;
                if t.column(&column.name).is_some() {
                    return Err(fail(format!("column {} already exists", column.name)));
                }
                t.columns.push(column.clone());
            }
            Op::DropColumn { table, column } => {
                let t = self.table_mut(table).map_err(fail)?;
                let before = t.columns.len();
                t.columns.retain(|c| &c.name != column);
                if t.columns.len() == before {
                    return Err(fail(format!("no column {column}")));
                }
                // Dropping a column drops what is built only on it, as every database does.
                t.indexes.retain(|i| !i.columns.contains(column));
                t.uniques.retain(|u| !u.columns.contains(column));
                t.foreign_keys.retain(|f| !f.columns.contains(column));
            }
            Op::AlterColumn { table, column, alter } => {
                let t = self.table_mut(table).map_err(fail)?;
                let c = t.column_mut(column).ok_or_else(|| fail(format!("no column {column}")))?;
                if let Some(nullable) = alter.nullable {
                    c.nullable = nullable;
                }
                if let Some(ty) = &alter.ty {
                    c.ty = ty.clone();
                }
                if let Some(default) = &alter.default {
                    c.default.clone_from(default);
                }
            }
            Op::RenameColumn { table, from, to } => {
                let t = self.table_mut(table).map_err(fail)?;
                if t.column(to).is_some() {
                    return Err(fail(format!("column {to} already exists")));
                }
                let c = t.column_mut(from).ok_or_else(|| fail(format!("no column {from}")))?;
                c.name.clone_from(to);
                let rename = |cols: &mut Vec<String>| {
                    for col in cols.iter_mut().filter(|c| *c == from) {
                        col.clone_from(to);
                    }
                };
                rename(&mut t.primary_key);
                t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
                t.uniques.iter_mut().for_each(|u| rename(&mut u.columns));
                t.foreign_keys.iter_mut().for_each(|f| rename(&mut f.columns));
                let table_name = t.name.clone();
                for other in self.tables.values_mut() {
                    for fk in other.foreign_keys.iter_mut().filter(|f| f.ref_table == table_name) {
                        rename(&mut fk.ref_columns);
                    }
                }
            }
            Op::CreateIndex { table, index } => {
                if self.tables.values().any(|t| t.indexes.iter().any(|i| i.name == index.name)) {
                    return Err(fail(format!("index {} already exists", index.name)));
                }
                let t = self.table_mut(table).map_err(fail)?;
                missing_columns(t, &index.columns).map_err(fail)?;
                t.indexes.push(index.clone());
            }
            Op::DropIndex { table, name } => {
                let t = self.table_mut(table).map_err(fail)?;
                remove_named(&mut t.indexes, name, |i| &i.name).map_err(fail)?;
            }
            Op::AddUnique { table, unique } => {
                let t = self.table_mut(table).map_err(fail)?;
                missing_columns(t, &unique.columns).map_err(fail)?;
                t.uniques.push(unique.clone());
            }
            Op::DropUnique { table, name } => {
                let t = self.table_mut(table).map_err(fail)?;
                remove_named(&mut t.uniques, name, |u| &u.name).map_err(fail)?;
            }
            Op::AddForeignKey { table, fk } => {
                if !self.tables.contains_key(&fk.ref_table) {
                    return Err(fail(format!("no referenced table {}", fk.ref_table)));
                }
                let t = self.table_mut(table).map_err(fail)?;
                missing_columns(t, &fk.columns).map_err(fail)?;
                t.foreign_keys.push(fk.clone());
            }
            Op::DropForeignKey { table, name } => {
                let t = self.table_mut(table).map_err(fail)?;
                remove_named(&mut t.foreign_keys, name, |f| &f.name).map_err(fail)?;
            }
            Op::AddCheck { table, check } => {
                let t = self.table_mut(table).map_err(fail)?;
                if t.checks.iter().any(|c| c.name == check.name) {
                    return Err(fail(format!("check {} already exists", check.name)));
                }
                t.checks.push(check.clone());
            }
            Op::DropCheck { table, name } => {
                let t = self.table_mut(table).map_err(fail)?;
                remove_named(&mut t.checks, name, |c| &c.name).map_err(fail)?;
            }
            Op::BulkInsert { table, columns, .. } => {
                let t = self.tables.get(table).ok_or_else(|| fail(format!("no table {table}")))?;
                missing_columns(t, columns).map_err(fail)?;
            }
            Op::CreateExternal(external) => {
                if self.externals.contains_key(&external.name) {
                    return Err(fail(format!("{} already exists", external.describe())));
                }
                if let ExternalKind::Index { table } = &external.kind {
                    self.tables.get(table).ok_or_else(|| fail(format!("no table {table}")))?;
                }
                let object = ExternalObject { kind: external.kind.clone(), dialects: external.sql.dialects() };
                self.externals.insert(external.name.clone(), object);
            }
            Op::DropExternal(external) => {
                self.externals.remove(&external.name).ok_or_else(|| fail(format!("no {}", external.describe())))?;
            }
            Op::Sql(_) | Op::Data(_) => {}
        }
        Ok(())
    }

    /// Applies a list of operations in order.
    ///
    /// # Errors
    /// The first operation that does not fit.
    pub fn apply_all<'a>(&mut self, ops: impl IntoIterator<Item = &'a Op>) -> Result<(), ModelError> {
        ops.into_iter().try_for_each(|op| self.apply(op))
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, String> {
        self.tables.get_mut(name).ok_or_else(|| format!("no table {name}"))
    }
}

fn missing_columns(table: &Table, columns: &[String]) -> Result<(), String> {
    match columns.iter().find(|c| table.column(c).is_none()) {
        Some(c) => Err(format!("no column {c} in {}", table.name)),
        None => Ok(()),
    }
}

fn remove_named<T>(items: &mut Vec<T>, name: &str, key: impl Fn(&T) -> &String) -> Result<(), String> {
    let before = items.len();
    items.retain(|item| key(item) != name);
    if items.len() == before { Err(format!("no constraint or index named {name}")) } else { Ok(()) }
}
