//! Operations written back as Rust source for a revision file, in the style of hand-written
//! revisions (`op.create_table(...)`, `op.add_column(...)`).

use std::fmt::Write as _;

use crate::operations::ops::{Alter, Op};
use crate::operations::schema::{Column, ColumnType, DefaultValue, FkAction, Table};

fn s(text: &str) -> String {
    format!("{text:?}")
}

fn list(items: &[String]) -> String {
    format!("&[{}]", items.iter().map(|i| s(i)).collect::<Vec<_>>().join(", "))
}

fn ty(t: &ColumnType) -> String {
    match t {
        ColumnType::Enum { name, values } => format!(
            "T::Enum {{ name: {}.into(), values: vec![{}] }}",
            s(name),
            values.iter().map(|v| format!("{}.into()", s(v))).collect::<Vec<_>>().join(", ")
        ),
        other => format!("T::{other:?}"),
    }
}

fn default(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Int(n) => format!("DefaultValue::Int({n})"),
        DefaultValue::Bool(b) => format!("DefaultValue::Bool({b})"),
        DefaultValue::Str(text) => format!("DefaultValue::Str({}.into())", s(text)),
        DefaultValue::Decimal(text) => format!("DefaultValue::Decimal({}.into())", s(text)),
        DefaultValue::Expr(text) => format!("DefaultValue::Expr({}.into())", s(text)),
    }
}

fn action(a: FkAction) -> String {
    format!("FkAction::{a:?}")
}

fn column(c: &Column) -> String {
    let mut out = format!("Column::new({}, {})", s(&c.name), ty(&c.ty));
    if c.nullable {
        out.push_str(".null()");
    }
    if let Some(d) = &c.default {
        let _ = write!(out, ".default({})", default(d));
    }
    if c.auto_increment {
        out.push_str(".auto_increment()");
    }
    out
}

fn alter(a: &Alter) -> String {
    let mut out = "Alter::new()".to_owned();
    if let Some(n) = a.nullable {
        let _ = write!(out, ".nullable({n})");
    }
    if let Some(t) = &a.ty {
        let _ = write!(out, ".ty({})", ty(t));
    }
    match &a.default {
        Some(Some(d)) => {
            let _ = write!(out, ".default(Some({}))", default(d));
        }
        Some(None) => out.push_str(".default(None)"),
        None => {}
    }
    out
}

fn create_table(t: &Table) -> String {
    let mut calls: Vec<String> = Vec::new();
    let single_id = t.primary_key.len() == 1
        && t.column(&t.primary_key[0])
            .is_some_and(|c| c.auto_increment && c.ty == ColumnType::Integer && !c.nullable && c.default.is_none());
    for c in &t.columns {
        if single_id && c.name == t.primary_key[0] {
            calls.push(format!("id({})", s(&c.name)));
        } else {
            calls.push(format!("add({})", column(c)));
        }
    }
    if !single_id && !t.primary_key.is_empty() {
        calls.push(format!("primary_key({})", list(&t.primary_key)));
    }
    for u in &t.uniques {
        calls.push(format!("unique({}, {})", s(&u.name), list(&u.columns)));
    }
    for f in &t.foreign_keys {
        calls.push(format!(
            "foreign_key({}, {}, {}, {}, {})",
            s(&f.name),
            list(&f.columns),
            s(&f.ref_table),
            list(&f.ref_columns),
            action(f.on_delete)
        ));
    }
    for c in &t.checks {
        calls.push(format!("check({}, {})", s(&c.name), s(&c.expr)));
    }
    if calls.is_empty() {
        return format!("    op.create_table({}, |_| {{}});\n", s(&t.name));
    }
    format!("    op.create_table({}, |t| {{\n        t.{};\n    }});\n", s(&t.name), calls.join("\n            ."))
}

/// One statement of Rust per operation, indented for a function body.
pub fn render_ops(ops: &[Op]) -> String {
    let mut out = String::new();
    for op in ops {
        let line = match op {
            Op::CreateTable(t) => create_table(t),
            Op::DropTable { table } => format!("    op.drop_table({});\n", s(table)),
            Op::RenameTable { from, to } => format!("    op.rename_table({}, {});\n", s(from), s(to)),
            Op::AddColumn { table, column: c } => format!("    op.add_column({}, {});\n", s(table), column(c)),
            Op::DropColumn { table, column } => format!("    op.drop_column({}, {});\n", s(table), s(column)),
            Op::AlterColumn { table, column, alter: a } => {
                format!("    op.alter_column({}, {}, {});\n", s(table), s(column), alter(a))
            }
            Op::RenameColumn { table, from, to } => {
                format!("    op.rename_column({}, {}, {});\n", s(table), s(from), s(to))
            }
            Op::CreateIndex { table, index } => format!(
                "    op.{}({}, {}, {});\n",
                if index.unique { "create_unique_index" } else { "create_index" },
                s(&index.name),
                s(table),
                list(&index.columns)
            ),
            Op::DropIndex { table, name } => format!("    op.drop_index({}, {});\n", s(name), s(table)),
            Op::CreateIndexConcurrently { table, index } => format!(
                "    op.{}({}, {}, {});\n",
                if index.unique { "create_unique_index_concurrently" } else { "create_index_concurrently" },
                s(&index.name),
                s(table),
                list(&index.columns)
            ),
            Op::DropIndexConcurrently { table, name } => {
                format!("    op.drop_index_concurrently({}, {});\n", s(name), s(table))
            }
            Op::AddUnique { table, unique } => {
                format!("    op.create_unique({}, {}, {});\n", s(&unique.name), s(table), list(&unique.columns))
            }
            Op::DropUnique { table, name } => format!("    op.drop_unique({}, {});\n", s(name), s(table)),
            Op::AddForeignKey { table, fk } => format!(
                "    op.create_foreign_key({}, {}, {}, {}, {}, {});\n",
                s(&fk.name),
                s(table),
                list(&fk.columns),
                s(&fk.ref_table),
                list(&fk.ref_columns),
                action(fk.on_delete)
            ),
            Op::DropForeignKey { table, name } => format!("    op.drop_foreign_key({}, {});\n", s(name), s(table)),
            Op::AddCheck { table, check } => {
                format!("    op.create_check({}, {}, {});\n", s(&check.name), s(table), s(&check.expr))
            }
            Op::DropCheck { table, name } => format!("    op.drop_check({}, {});\n", s(name), s(table)),
            Op::Sql(_) | Op::CreateExternal(_) | Op::DropExternal(_) | Op::BulkInsert { .. } | Op::Data(_) => {
                format!("    // {}: not generated\n", op.describe())
            }
        };
        out.push_str(&line);
    }
    out
}

/// The `use` line a generated body needs.
pub const IMPORTS: &str =
    "#[allow(unused_imports)]\nuse migrate::{Alter, Column, ColumnType as T, DefaultValue, FkAction, Ops, Revision};";
