//! Turns operations into statements for one dialect, using the schema model as it stands
//! before each operation (MySQL's `MODIFY` and SQLite's batch mode need the whole column or
//! table).

pub mod ddl;
mod sqlite_batch;

use crate::dialect::Dialect;
use crate::operations::ops::{DataStep, External, Op, Value};
use crate::operations::replay::ModelError;
use crate::operations::schema::Schema;

/// One executable step of a rendered revision.
#[derive(Clone, Debug)]
pub enum Step {
    Sql(String),
    /// Rows inserted with bound parameters.
    Insert {
        table: String,
        columns: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    Data(DataStep),
}

/// The statements for `op`, given the schema before it, plus the schema after it.
///
/// # Errors
/// When `op` does not fit the schema.
pub fn render(dialect: Dialect, before: &Schema, op: &Op) -> Result<(Vec<Step>, Schema), ModelError> {
    let mut after = before.clone();
    after.apply(op)?;
    if dialect == Dialect::Sqlite
        && let Some(table) = sqlite_batch::needs_batch(before, op)
    {
        let steps = sqlite_batch::plan(before, &after, &table).into_iter().map(Step::Sql).collect();
        return Ok((steps, after));
    }
    let mut steps = render_direct(dialect, &after, op);
    if dialect == Dialect::Postgres {
        enum_types(before, &after, &mut steps);
    }
    Ok((steps, after))
}

/// A step with the description of the operations it comes from.
pub type Labelled = (String, Step);

/// The steps of a revision's operations, each labelled with the operation it comes from, and
/// the schema after them. On SQLite, consecutive changes to one table share one rebuild: a
/// run starts at an operation that needs a rebuild and takes the following ones on the same
/// table that a rebuild can absorb. A data step, raw SQL, a rename or another table ends it
/// (a data step must see the changes before it; a rename would lose the column's rows).
///
/// # Errors
/// The description of the operation that does not fit the schema, with the reason.
pub fn render_all(
    dialect: Dialect,
    before: &Schema,
    ops: &[Op],
) -> Result<(Vec<Labelled>, Schema), (String, ModelError)> {
    let mut out = Vec::new();
    let mut model = before.clone();
    let mut i = 0;
    while i < ops.len() {
        let op = &ops[i];
        if dialect == Dialect::Sqlite
            && let Some(table) = sqlite_batch::needs_batch(&model, op)
        {
            let mut after = model.clone();
            let mut labels = Vec::new();
            let mut end = i;
            while end < ops.len() && (end == i || sqlite_batch::absorbs(&after, &ops[end], &table)) {
                after.apply(&ops[end]).map_err(|e| (ops[end].describe(), e))?;
                labels.push(ops[end].describe());
                end += 1;
            }
            let label = labels.join("; ");
            out.extend(
                sqlite_batch::plan(&model, &after, &table).into_iter().map(|sql| (label.clone(), Step::Sql(sql))),
            );
            model = after;
            i = end;
            continue;
        }
        let (steps, next) = render(dialect, &model, op).map_err(|e| (op.describe(), e))?;
        out.extend(steps.into_iter().map(|step| (op.describe(), step)));
        model = next;
        i += 1;
    }
    Ok((out, model))
}

/// PostgreSQL's enum types live beside the tables: one is created before the first column
/// that uses it, and dropped after the last one goes.
fn enum_types(before: &Schema, after: &Schema, steps: &mut Vec<Step>) {
    let (old, new) = (before.enum_types(), after.enum_types());
    let q = |s: &str| Dialect::Postgres.quote(s);
    let created: Vec<Step> = new
        .iter()
        .filter(|(name, _)| !old.contains_key(*name))
        .map(|(name, values)| {
            let list: Vec<String> = values.iter().map(|v| Dialect::Postgres.string_literal(v)).collect();
            Step::Sql(format!("CREATE TYPE {} AS ENUM ({})", q(name), list.join(", ")))
        })
        .collect();
    steps.splice(0..0, created);
    steps.extend(
        old.keys().filter(|name| !new.contains_key(*name)).map(|name| Step::Sql(format!("DROP TYPE {}", q(name)))),
    );
}

/// True when SQLite has to rebuild a table to apply `op` (lint reports it as a rewrite).
pub fn sqlite_rewrites(before: &Schema, op: &Op) -> Option<String> {
    sqlite_batch::needs_batch(before, op)
}

/// True when a SQLite rebuild of `table` in progress takes `op` along (see `render_all`).
pub fn sqlite_absorbs(before: &Schema, op: &Op, table: &str) -> bool {
    sqlite_batch::absorbs(before, op, table)
}

fn render_direct(dialect: Dialect, after: &Schema, op: &Op) -> Vec<Step> {
    let q = |s: &str| dialect.quote(s);
    let sql = |s: String| vec![Step::Sql(s)];
    match op {
        Op::CreateTable(table) => {
            let mut steps = vec![Step::Sql(ddl::create_table(dialect, table, &table.name))];
            steps.extend(table.indexes.iter().map(|i| Step::Sql(ddl::create_index(dialect, &table.name, i))));
            steps
        }
        Op::DropTable { table } => sql(format!("DROP TABLE {}", q(table))),
        Op::RenameTable { from, to } => match dialect {
            Dialect::Mysql => sql(format!("RENAME TABLE {} TO {}", q(from), q(to))),
            _ => sql(format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))),
        },
        Op::AddColumn { table, column } => {
            let def = after.table(table).map(|t| ddl::column_def(dialect, t, column)).unwrap_or_default();
            sql(format!("ALTER TABLE {} ADD COLUMN {def}", q(table)))
        }
        Op::DropColumn { table, column } => sql(format!("ALTER TABLE {} DROP COLUMN {}", q(table), q(column))),
        Op::AlterColumn { table, column, alter } => {
            let Some(t) = after.table(table) else { return Vec::new() };
            let Some(col) = t.column(column) else { return Vec::new() };
            match dialect {
                Dialect::Mysql => {
                    sql(format!("ALTER TABLE {} MODIFY COLUMN {}", q(table), ddl::column_def(dialect, t, col)))
                }
                _ => {
                    let prefix = format!("ALTER TABLE {} ALTER COLUMN {}", q(table), q(column));
                    let mut out = Vec::new();
                    if let Some(ty) = &alter.ty {
                        let ty = ddl::column_type(dialect, ty);
                        out.push(Step::Sql(format!("{prefix} TYPE {ty} USING {}::{ty}", q(column))));
                    }
                    if let Some(nullable) = alter.nullable {
                        let verb = if nullable { "DROP" } else { "SET" };
                        out.push(Step::Sql(format!("{prefix} {verb} NOT NULL")));
                    }
                    match &alter.default {
                        Some(Some(d)) => out.push(Step::Sql(format!(
                            "{prefix} SET DEFAULT {}",
                            ddl::default_literal(dialect, &col.ty, d)
                        ))),
                        Some(None) => out.push(Step::Sql(format!("{prefix} DROP DEFAULT"))),
                        None => {}
                    }
                    out
                }
            }
        }
        Op::RenameColumn { table, from, to } => {
            sql(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", q(table), q(from), q(to)))
        }
        Op::CreateIndex { table, index } => sql(ddl::create_index(dialect, table, index)),
        Op::CreateIndexConcurrently { table, index } => {
            let plain = ddl::create_index(dialect, table, index);
            match dialect {
                Dialect::Postgres => sql(plain.replacen("INDEX ", "INDEX CONCURRENTLY ", 1)),
                _ => sql(plain),
            }
        }
        Op::DropIndexConcurrently { name, .. } if dialect == Dialect::Postgres => {
            sql(format!("DROP INDEX CONCURRENTLY {}", q(name)))
        }
        Op::DropIndex { table, name } | Op::DropIndexConcurrently { table, name } => match dialect {
            Dialect::Mysql => sql(format!("DROP INDEX {} ON {}", q(name), q(table))),
            _ => sql(format!("DROP INDEX {}", q(name))),
        },
        Op::AddUnique { table, unique } => {
            sql(format!("ALTER TABLE {} ADD {}", q(table), ddl::unique_def(dialect, unique)))
        }
        Op::AddForeignKey { table, fk } => {
            sql(format!("ALTER TABLE {} ADD {}", q(table), ddl::foreign_key_def(dialect, fk)))
        }
        Op::AddCheck { table, check } => {
            sql(format!("ALTER TABLE {} ADD {}", q(table), ddl::check_def(dialect, check)))
        }
        Op::DropUnique { table, name } => match dialect {
            Dialect::Mysql => sql(format!("ALTER TABLE {} DROP INDEX {}", q(table), q(name))),
            _ => sql(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(name))),
        },
        Op::DropForeignKey { table, name } => match dialect {
            Dialect::Mysql => sql(format!("ALTER TABLE {} DROP FOREIGN KEY {}", q(table), q(name))),
            _ => sql(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(name))),
        },
        Op::DropCheck { table, name } => sql(format!("ALTER TABLE {} DROP CONSTRAINT {}", q(table), q(name))),
        Op::Sql(raw) | Op::CreateExternal(External { sql: raw, .. }) | Op::DropExternal(External { sql: raw, .. }) => {
            let text = match dialect {
                Dialect::Sqlite => &raw.sqlite,
                Dialect::Postgres => &raw.postgres,
                Dialect::Mysql => &raw.mysql,
            };
            text.iter().map(|s| Step::Sql(s.clone())).collect()
        }
        Op::BulkInsert { table, columns, rows } => {
            vec![Step::Insert { table: table.clone(), columns: columns.clone(), rows: rows.clone() }]
        }
        Op::Data(step) => vec![Step::Data(step.clone())],
    }
}
