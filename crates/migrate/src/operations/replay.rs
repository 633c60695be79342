//! Replaying operations onto the schema model.

use crate::operations::ops::{Alter, External, Op, RawSql};
use crate::operations::schema::{
    Check, Column, ExternalKind, ExternalObject, ForeignKey, Index, Schema, Table, Unique,
};
use crate::operations::sql_objects::{ObjectChange, change_of};

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
        self.replay(op).map_err(|problem| ModelError { op: op.describe(), problem })
    }

    /// Applies a list of operations in order.
    ///
    /// # Errors
    /// The first operation that does not fit.
    pub fn apply_all<'a>(&mut self, ops: impl IntoIterator<Item = &'a Op>) -> Result<(), ModelError> {
        ops.into_iter().try_for_each(|op| self.apply(op))
    }

    /// `apply`, with the problem alone as the error; `apply` names the operation.
    fn replay(&mut self, op: &Op) -> Result<(), String> {
        match op {
            Op::CreateTable(table) => self.create_table(table),
            Op::DropTable { table } => self.drop_table(table),
            Op::RenameTable { from, to } => self.rename_table(from, to),
            Op::AddColumn { table, column } => self.table_mut(table)?.add_column(column),
            Op::DropColumn { table, column } => self.table_mut(table)?.drop_column(column),
            Op::AlterColumn { table, column, alter } => self.table_mut(table)?.alter_column(column, alter),
            Op::RenameColumn { table, from, to } => self.rename_column(table, from, to),
            Op::CreateIndex { table, index } | Op::CreateIndexConcurrently { table, index } => {
                self.create_index(table, index)
            }
            Op::DropIndex { table, name } | Op::DropIndexConcurrently { table, name } => {
                remove_named(&mut self.table_mut(table)?.indexes, name, |i| &i.name)
            }
            Op::AddUnique { table, unique } => self.table_mut(table)?.add_unique(unique),
            Op::DropUnique { table, name } => remove_named(&mut self.table_mut(table)?.uniques, name, |u| &u.name),
            Op::AddForeignKey { table, fk } => self.add_foreign_key(table, fk),
            Op::DropForeignKey { table, name } => {
                remove_named(&mut self.table_mut(table)?.foreign_keys, name, |f| &f.name)
            }
            Op::AddCheck { table, check } => self.table_mut(table)?.add_check(check),
            Op::DropCheck { table, name } => remove_named(&mut self.table_mut(table)?.checks, name, |c| &c.name),
            Op::BulkInsert { table, columns, .. } => {
                let t = self.tables.get(table).ok_or_else(|| format!("no table {table}"))?;
                missing_columns(t, columns)
            }
            Op::CreateExternal(external) => self.create_external(external),
            Op::DropExternal(external) => {
                self.externals.remove(&external.name).ok_or_else(|| format!("no {}", external.describe()))?;
                Ok(())
            }
            Op::Sql(raw) => {
                self.record_sql_objects(raw);
                Ok(())
            }
            Op::Data(_) => Ok(()),
        }
    }

    fn table_mut(&mut self, name: &str) -> Result<&mut Table, String> {
        self.tables.get_mut(name).ok_or_else(|| format!("no table {name}"))
    }

    fn create_table(&mut self, table: &Table) -> Result<(), String> {
        if self.tables.contains_key(&table.name) {
            return Err(format!("table {} already exists", table.name));
        }
        for name in table.primary_key.iter().chain(table.foreign_keys.iter().flat_map(|f| &f.columns)) {
            if table.column(name).is_none() {
                return Err(format!("no column {name} in the new table"));
            }
        }
        self.tables.insert(table.name.clone(), table.clone());
        Ok(())
    }

    fn drop_table(&mut self, table: &str) -> Result<(), String> {
        self.tables.remove(table).ok_or_else(|| format!("no table {table}"))?;
        // The database drops a table's indexes and triggers with it, external ones included.
        self.externals.retain(|_, e| e.kind.table() != Some(table));
        Ok(())
    }

    fn rename_table(&mut self, from: &str, to: &str) -> Result<(), String> {
        if self.tables.contains_key(to) {
            return Err(format!("table {to} already exists"));
        }
        let mut t = self.tables.remove(from).ok_or_else(|| format!("no table {from}"))?;
        to.clone_into(&mut t.name);
        self.tables.insert(to.to_owned(), t);
        for external in self.externals.values_mut() {
            if let ExternalKind::Index { table } | ExternalKind::Trigger { table } = &mut external.kind
                && table == from
            {
                to.clone_into(table);
            }
        }
        for other in self.tables.values_mut() {
            for fk in &mut other.foreign_keys {
                if fk.ref_table == from {
                    to.clone_into(&mut fk.ref_table);
                }
            }
        }
        Ok(())
    }

    /// Renames the column everywhere it is named: keys, indexes, constraints, and the foreign
    /// keys of other tables that reference it.
    fn rename_column(&mut self, table: &str, from: &str, to: &str) -> Result<(), String> {
        let t = self.table_mut(table)?;
        if t.column(to).is_some() {
            return Err(format!("column {to} already exists"));
        }
        let c = t.column_mut(from).ok_or_else(|| format!("no column {from}"))?;
        to.clone_into(&mut c.name);
        let rename = |cols: &mut Vec<String>| {
            for col in cols.iter_mut().filter(|c| *c == from) {
                to.clone_into(col);
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
        Ok(())
    }

    /// Index names are unique across the schema, as PostgreSQL and SQLite require.
    fn create_index(&mut self, table: &str, index: &Index) -> Result<(), String> {
        if self.tables.values().any(|t| t.indexes.iter().any(|i| i.name == index.name)) {
            return Err(format!("index {} already exists", index.name));
        }
        let t = self.table_mut(table)?;
        missing_columns(t, &index.columns)?;
        t.indexes.push(index.clone());
        Ok(())
    }

    fn add_foreign_key(&mut self, table: &str, fk: &ForeignKey) -> Result<(), String> {
        if !self.tables.contains_key(&fk.ref_table) {
            return Err(format!("no referenced table {}", fk.ref_table));
        }
        let t = self.table_mut(table)?;
        missing_columns(t, &fk.columns)?;
        t.foreign_keys.push(fk.clone());
        Ok(())
    }

    fn create_external(&mut self, external: &External) -> Result<(), String> {
        if self.externals.contains_key(&external.name) {
            return Err(format!("{} already exists", external.describe()));
        }
        if let Some(table) = external.kind.table() {
            self.tables.get(table).ok_or_else(|| format!("no table {table}"))?;
        }
        let object = ExternalObject { kind: external.kind.clone(), sql: external.sql.per_dialect() };
        self.externals.insert(external.name.clone(), object);
        Ok(())
    }

    /// Records the triggers and views that hand-written SQL creates or drops, per dialect.
    fn record_sql_objects(&mut self, raw: &RawSql) {
        for (dialect, sql) in raw.per_dialect() {
            match change_of(&sql) {
                Some(ObjectChange::Create { name, kind }) => {
                    let object = self.externals.entry(name).or_insert_with(|| ExternalObject { kind, sql: Vec::new() });
                    object.sql.retain(|(d, _)| *d != dialect);
                    object.sql.push((dialect, sql));
                }
                Some(ObjectChange::Drop { name }) => {
                    if let Some(object) = self.externals.get_mut(&name) {
                        object.sql.retain(|(d, _)| *d != dialect);
                        if object.sql.is_empty() {
                            self.externals.remove(&name);
                        }
                    }
                }
                None => {}
            }
        }
    }
}

impl Table {
    fn add_column(&mut self, column: &Column) -> Result<(), String> {
        if self.column(&column.name).is_some() {
            return Err(format!("column {} already exists", column.name));
        }
        self.columns.push(column.clone());
        Ok(())
    }

    fn drop_column(&mut self, column: &str) -> Result<(), String> {
        let before = self.columns.len();
        self.columns.retain(|c| c.name != column);
        if self.columns.len() == before {
            return Err(format!("no column {column}"));
        }
        // Dropping a column drops what is built only on it, as every database does.
        self.indexes.retain(|i| !i.columns.iter().any(|c| c == column));
        self.uniques.retain(|u| !u.columns.iter().any(|c| c == column));
        self.foreign_keys.retain(|f| !f.columns.iter().any(|c| c == column));
        Ok(())
    }

    fn alter_column(&mut self, column: &str, alter: &Alter) -> Result<(), String> {
        let c = self.column_mut(column).ok_or_else(|| format!("no column {column}"))?;
        if let Some(nullable) = alter.nullable {
            c.nullable = nullable;
        }
        if let Some(ty) = &alter.ty {
            c.ty = ty.clone();
        }
        if let Some(default) = &alter.default {
            c.default.clone_from(default);
        }
        Ok(())
    }

    fn add_unique(&mut self, unique: &Unique) -> Result<(), String> {
        missing_columns(self, &unique.columns)?;
        self.uniques.push(unique.clone());
        Ok(())
    }

    fn add_check(&mut self, check: &Check) -> Result<(), String> {
        if self.checks.iter().any(|c| c.name == check.name) {
            return Err(format!("check {} already exists", check.name));
        }
        self.checks.push(check.clone());
        Ok(())
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
