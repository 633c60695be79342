//! Warnings about operations that lose data, can fail on existing rows, or lock and rewrite
//! tables. Static: it knows the schema, not the row counts, so "populated" means "a table
//! that existed before this revision".

use std::collections::BTreeSet;

use crate::ddl::render::sqlite_rewrites;
use crate::dialect::Dialect;
use crate::operations::ops::Op;
use crate::operations::schema::{ColumnType, Schema};

/// `to` holds fewer values than `from`.
fn narrows(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType as T;
    let rank = |t: &T| match t {
        T::SmallInteger => 1,
        T::Integer => 2,
        T::BigInteger => 3,
        _ => 0,
    };
    match (from, to) {
        (T::String(a), T::String(b)) => b < a,
        (T::Text, T::String(_)) => true,
        (T::Decimal(p1, s1), T::Decimal(p2, s2)) => p2 < p1 || s2 < s1 || (p2 - s2) < (p1 - s1),
        (T::Double, T::Float) => true,
        (a, b) if rank(a) > 0 && rank(b) > 0 => rank(b) < rank(a),
        (T::Double | T::Float | T::Decimal(..), T::SmallInteger | T::Integer | T::BigInteger) => true,
        (a, b) => a != b && !matches!(b, T::Text),
    }
}

/// A table that existed before these operations (so it may hold rows).
fn existed(created: &BTreeSet<String>, schema: &Schema, table: &str) -> bool {
    !created.contains(table) && schema.tables.contains_key(table)
}

/// One lint finding: the table it is about and what may happen. All current findings matter
/// only when the table holds rows, so an online upgrade can drop those for empty tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub table: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The warnings for `ops` applied to `before` on `dialect`, as text.
pub fn lint(ops: &[Op], before: &Schema, dialect: Dialect) -> Vec<String> {
    findings(ops, before, dialect).into_iter().map(|w| w.message).collect()
}

fn table_of(op: &Op) -> String {
    match op {
        Op::CreateTable(t) => t.name.clone(),
        Op::DropTable { table }
        | Op::AddColumn { table, .. }
        | Op::DropColumn { table, .. }
        | Op::AlterColumn { table, .. }
        | Op::RenameColumn { table, .. }
        | Op::CreateIndex { table, .. }
        | Op::DropIndex { table, .. }
        | Op::CreateIndexConcurrently { table, .. }
        | Op::DropIndexConcurrently { table, .. }
        | Op::AddUnique { table, .. }
        | Op::DropUnique { table, .. }
        | Op::AddForeignKey { table, .. }
        | Op::DropForeignKey { table, .. }
        | Op::AddCheck { table, .. }
        | Op::DropCheck { table, .. }
        | Op::BulkInsert { table, .. } => table.clone(),
        Op::RenameTable { from, .. } => from.clone(),
        Op::CreateExternal(e) | Op::DropExternal(e) => e.kind.table().unwrap_or(&e.name).to_owned(),
        Op::Sql(_) | Op::Data(_) => String::new(),
    }
}

/// The structured warnings for `ops` applied to `before` on `dialect`.
pub fn findings(ops: &[Op], before: &Schema, dialect: Dialect) -> Vec<Warning> {
    let mut out: Vec<Warning> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    let mut schema = before.clone();
    let mut created: BTreeSet<String> = BTreeSet::new();
    for op in ops {
        let existing = |table: &str| existed(&created, &schema, table);
        match op {
            Op::CreateTable(_) => {}
            Op::DropTable { table } => texts.push(format!("drop table {table}: deletes the table and all its rows")),
            Op::DropColumn { table, column } if existing(table) => {
                texts.push(format!("drop column {table}.{column}: deletes the column's data"));
            }
            Op::AddColumn { table, column } if existing(table) && !column.nullable && column.default.is_none() => {
                texts.push(format!(
                    "add column {table}.{}: NOT NULL without a default fails on a table that has rows",
                    column.name
                ));
            }
            Op::AlterColumn { table, column, alter } if existing(table) => {
                let current = schema.table(table).and_then(|t| t.column(column)).cloned();
                if let (Some(current), Some(ty)) = (&current, &alter.ty)
                    && narrows(&current.ty, ty)
                {
                    texts.push(format!(
                        "alter column {table}.{column}: narrows {:?} to {ty:?}; values that do not fit fail or are cut",
                        current.ty
                    ));
                }
                if let (Some(current), Some(ty)) = (&current, &alter.ty)
                    && dialect == Dialect::Mysql
                    && current.ty != *ty
                {
                    texts.push(format!(
                        "alter column {table}.{column}: MySQL copies the whole table to change a column's type"
                    ));
                }
                let default = alter.default.clone().unwrap_or_else(|| current.as_ref().and_then(|c| c.default.clone()));
                if alter.nullable == Some(false) && current.as_ref().is_some_and(|c| c.nullable) && default.is_none() {
                    texts.push(format!(
                        "alter column {table}.{column}: NOT NULL without a default fails if any row holds NULL"
                    ));
                }
            }
            Op::CreateIndex { table, index } if index.unique && existing(table) => {
                texts.push(format!(
                    "create unique index {} on {table}: fails if existing rows hold duplicates",
                    index.name
                ));
            }
            Op::AddUnique { table, unique } if existing(table) => {
                texts.push(format!("add unique {} on {table}: fails if existing rows hold duplicates", unique.name));
            }
            _ => {}
        }
        if dialect == Dialect::Sqlite
            && let Some(table) = sqlite_rewrites(&schema, op)
            && existing(&table)
        {
            texts.push(format!("{}: SQLite rebuilds table {table} (batch mode: copy every row)", op.describe()));
        }
        out.extend(texts.drain(..).map(|message| Warning { table: table_of(op), message }));
        if let Op::CreateTable(t) = op {
            created.insert(t.name.clone());
        }
        // Replay so later operations see the schema they will meet; a failure is reported by
        // the graph validation, not here.
        let _ = schema.apply(op);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::narrows;
    use crate::operations::schema::ColumnType as T;

    #[test]
    fn narrowing() {
        assert!(narrows(&T::String(100), &T::String(50)));
        assert!(!narrows(&T::String(50), &T::String(100)));
        assert!(narrows(&T::Text, &T::String(10)));
        assert!(narrows(&T::BigInteger, &T::Integer));
        assert!(!narrows(&T::Integer, &T::BigInteger));
        assert!(narrows(&T::Decimal(10, 2), &T::Decimal(8, 2)));
        assert!(!narrows(&T::String(10), &T::Text));
    }
}
