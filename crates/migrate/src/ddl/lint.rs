//! Warnings about operations that lose data, can fail on existing rows, or lock and rewrite
//! tables. Static: it knows the schema, not the row counts, so "populated" means "a table
//! that existed before this revision".

use std::collections::BTreeSet;

use crate::ddl::render::{sqlite_absorbs, sqlite_rewrites};
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

/// One lint finding: the rule it breaks, the table it is about, what may happen, and how to
/// write the change instead. Every finding matters only when the table holds rows, so an
/// online upgrade drops those about empty tables.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// A stable id, named as squawk names its rules where it has one.
    pub rule: &'static str,
    pub table: String,
    pub message: String,
    pub fix: String,
    /// The change can fail or lose data (`--strict` refuses it); otherwise it locks or
    /// rewrites a table for a while.
    pub danger: bool,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.rule)
    }
}

/// The warnings for `ops` applied to `before` on `dialect`, as text.
pub fn lint(ops: &[Op], before: &Schema, dialect: Dialect) -> Vec<String> {
    findings(ops, before, dialect).into_iter().map(|w| w.to_string()).collect()
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

/// Whether PostgreSQL changes `from` to `to` in the catalog alone, without rewriting rows.
fn metadata_only(from: &ColumnType, to: &ColumnType) -> bool {
    matches!((from, to), (ColumnType::String(a), ColumnType::String(b)) if b >= a)
        || matches!((from, to), (ColumnType::String(_), ColumnType::Text))
}

/// Whether `op` takes a lock on an existing table that blocks its readers or writers.
fn locks(op: &Op) -> bool {
    !matches!(
        op,
        Op::CreateTable(_)
            | Op::Sql(_)
            | Op::Data(_)
            | Op::BulkInsert { .. }
            | Op::CreateIndexConcurrently { .. }
            | Op::DropIndexConcurrently { .. }
            | Op::CreateExternal(_)
            | Op::DropExternal(_)
    )
}

/// Whether raw SQL sets the PostgreSQL setting `name` (`lock_timeout`, `statement_timeout`).
fn sets(op: &Op, name: &str) -> bool {
    matches!(op, Op::Sql(raw) if raw.postgres.as_deref().is_some_and(|sql| sql.to_ascii_lowercase().contains(name)))
}

/// Collects the findings of the operation at hand, whose table is `table`.
struct Finder {
    out: Vec<Warning>,
    table: String,
}

impl Finder {
    fn danger(&mut self, rule: &'static str, message: String, fix: &str) {
        self.push(rule, message, fix, true);
    }

    fn caution(&mut self, rule: &'static str, message: String, fix: &str) {
        self.push(rule, message, fix, false);
    }

    /// A unique index or constraint on a table that may hold duplicates (`what` names it;
    /// `then` is the rest of the fix, if any).
    fn duplicates(&mut self, what: &str, then: &str) {
        let fix = if then.is_empty() {
            "look for duplicates first".to_owned()
        } else {
            format!("look for duplicates first; {then}")
        };
        let message = format!("{what} on {}: fails if existing rows hold duplicates", self.table);
        self.danger("adding-unique-constraint", message, &fix);
    }

    fn push(&mut self, rule: &'static str, message: String, fix: &str, danger: bool) {
        self.out.push(Warning { rule, table: self.table.clone(), message, fix: fix.to_owned(), danger });
    }
}

const LATER_RELEASE: &str =
    "stop using it in one release, and drop it in a revision of the next, once no running code reads it";
const CONCURRENT_INDEX: &str =
    "use op.create_index_concurrently (op.drop_index_concurrently) in a revision declared .non_transactional()";
const NOT_VALID: &str = "add it with raw SQL and NOT VALID, then VALIDATE CONSTRAINT in a later revision (that takes \
     a lock that lets writes through)";
const EXPAND_CONTRACT: &str = "add the new name beside the old, write both, backfill, move the reads, and drop \
     the old name in a later release";

/// The structured warnings for `ops` applied to `before` on `dialect`. A data step (or raw
/// SQL) earlier in the same operations counts as the backfill (or the check for duplicates)
/// that makes a later NOT NULL, CHECK or unique change safe: the lint cannot read the step,
/// and a step placed there is there for that.
pub fn findings(ops: &[Op], before: &Schema, dialect: Dialect) -> Vec<Warning> {
    scan(ops, before, dialect, true)
}

/// The warnings for offline SQL, where data steps are only comments: they backfill nothing.
pub fn offline(ops: &[Op], before: &Schema, dialect: Dialect) -> Vec<String> {
    scan(ops, before, dialect, false).into_iter().map(|w| w.to_string()).collect()
}

fn scan(ops: &[Op], before: &Schema, dialect: Dialect, data_steps_run: bool) -> Vec<Warning> {
    let pg = dialect == Dialect::Postgres;
    let mut f = Finder { out: Vec::new(), table: String::new() };
    let mut schema = before.clone();
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut backfilled = false;
    let (mut lock_timeout, mut statement_timeout) = (false, false);
    let mut timeouts_reported = false;
    let mut rebuilding: Option<String> = None;
    for op in ops {
        let existing = |table: &str| existed(&created, &schema, table);
        f.table = table_of(op);
        let on_existing = existing(&f.table);
        match op {
            Op::Data(_) | Op::Sql(_) => {
                backfilled |= data_steps_run || matches!(op, Op::Sql(_));
                lock_timeout |= sets(op, "lock_timeout");
                statement_timeout |= sets(op, "statement_timeout");
            }
            Op::DropTable { table } => f.danger(
                "ban-drop-table",
                format!("drop table {table}: deletes the table and all its rows"),
                LATER_RELEASE,
            ),
            Op::DropColumn { table, column } if on_existing => f.danger(
                "ban-drop-column",
                format!("drop column {table}.{column}: deletes the column's data, and running code that reads it fails"),
                LATER_RELEASE,
            ),
            Op::AddColumn { table, column } if on_existing && !column.nullable && column.default.is_none() => f.danger(
                "adding-required-field",
                format!("add column {table}.{}: NOT NULL without a default fails on a table that has rows", column.name),
                "give it a server default, or add it nullable, backfill it in a data step, then set NOT NULL",
            ),
            Op::AddColumn { table, column }
                if on_existing && pg && matches!(column.default, Some(crate::operations::schema::DefaultValue::Expr(_))) =>
            {
                f.caution(
                    "adding-field-with-volatile-default",
                    format!("add column {table}.{}: an expression default rewrites every row under an exclusive lock", column.name),
                    "add it with a constant default or none, and backfill in batches",
                );
            }
            Op::RenameColumn { table, from, to } if on_existing => f.caution(
                "renaming-column",
                format!("rename column {table}.{from} -> {to}: code of the release still running reads the old name and fails"),
                EXPAND_CONTRACT,
            ),
            Op::RenameTable { from, to } => f.caution(
                "renaming-table",
                format!("rename table {from} -> {to}: code of the release still running reads the old name and fails"),
                EXPAND_CONTRACT,
            ),
            Op::AlterColumn { table, column, alter } if on_existing => {
                let current = schema.table(table).and_then(|t| t.column(column)).cloned();
                if let (Some(current), Some(ty)) = (&current, &alter.ty)
                    && current.ty != *ty
                {
                    if narrows(&current.ty, ty) {
                        f.danger(
                            "narrowing-column-type",
                            format!("alter column {table}.{column}: narrows {:?} to {ty:?}; values that do not fit fail or are cut", current.ty),
                            "check the longest value first, or add a wider column and copy",
                        );
                    }
                    if dialect == Dialect::Mysql {
                        f.caution(
                            "changing-column-type",
                            format!("alter column {table}.{column}: MySQL copies the whole table to change a column's type"),
                            "run it when writes can wait, or use an online schema change tool",
                        );
                    } else if pg && !metadata_only(&current.ty, ty) {
                        f.caution(
                            "changing-column-type",
                            format!("alter column {table}.{column}: {:?} to {ty:?} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock", current.ty),
                            "add a column of the new type, backfill it, and switch over",
                        );
                    }
                }
                if alter.nullable == Some(false) && current.as_ref().is_some_and(|c| c.nullable) {
                    if !backfilled {
                        f.danger(
                            "adding-not-nullable-field",
                            format!("alter column {table}.{column}: NOT NULL fails if any row holds NULL (a default does not fill existing rows)"),
                            "fill the NULLs in a data step before this operation, in the same revision",
                        );
                    }
                    if pg {
                        f.caution(
                            "adding-not-nullable-field",
                            format!("alter column {table}.{column}: SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"),
                            "add CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ then skips the scan)",
                        );
                    }
                }
            }
            Op::CreateIndex { table, index } if on_existing => {
                if index.unique && !backfilled {
                    f.duplicates(&format!("create unique index {}", index.name), "on PostgreSQL build it concurrently");
                }
                if pg {
                    f.caution(
                        "require-concurrent-index-creation",
                        format!("create index {} on {table}: blocks writes to {table} while it builds", index.name),
                        CONCURRENT_INDEX,
                    );
                }
            }
            Op::CreateIndexConcurrently { index, .. } if on_existing && index.unique && !backfilled => {
                f.duplicates(&format!("create unique index {}", index.name), "");
            }
            Op::DropIndex { table, name } if on_existing && pg => f.caution(
                "require-concurrent-index-deletion",
                format!("drop index {name} on {table}: blocks reads and writes of {table} until it is dropped"),
                CONCURRENT_INDEX,
            ),
            Op::AddUnique { unique, .. } if on_existing && !backfilled => f.duplicates(
                &format!("add unique {}", unique.name),
                "on PostgreSQL build a unique index concurrently and add the constraint USING it",
            ),
            Op::AddForeignKey { table, fk } if on_existing && pg => f.caution(
                "constraint-missing-not-valid",
                format!("add foreign key {} on {table}: checks every row under a lock that blocks writes", fk.name),
                NOT_VALID,
            ),
            Op::AddCheck { table, check } if on_existing => {
                if !backfilled {
                    f.danger(
                        "adding-check-constraint",
                        format!("add check {} on {table}: fails if an existing row breaks it", check.name),
                        "find the rows that break it first, and fix them in a data step",
                    );
                }
                if pg {
                    f.caution(
                        "constraint-missing-not-valid",
                        format!("add check {} on {table}: checks every row under a lock that blocks writes", check.name),
                        NOT_VALID,
                    );
                }
            }
            _ => {}
        }
        // Once per revision, at its first lock on a table that has rows.
        if pg && on_existing && locks(op) && !timeouts_reported {
            timeouts_reported = true;
            if !lock_timeout {
                f.caution(
                    "require-lock-timeout",
                    format!("{}: waits for its lock without a limit, and every query of {} queues behind it", op.describe(), f.table),
                    "start the revision with op.execute_per_dialect(RawSql { postgres: Some(\"SET LOCAL lock_timeout = '5s'\".into()), ..Default::default() })",
                );
            }
            if !statement_timeout {
                f.caution(
                    "require-statement-timeout",
                    format!("{}: may hold its lock as long as it runs, with no limit", op.describe()),
                    "start the revision with op.execute_per_dialect(RawSql { postgres: Some(\"SET LOCAL statement_timeout = '5min'\".into()), ..Default::default() }), sized to the longest step",
                );
            }
        }
        // Consecutive changes to a table share one rebuild: said once, at the first.
        let joins_rebuild = rebuilding.as_deref().is_some_and(|t| sqlite_absorbs(&schema, op, t));
        if !joins_rebuild {
            rebuilding = None;
        }
        if dialect == Dialect::Sqlite
            && !joins_rebuild
            && let Some(table) = sqlite_rewrites(&schema, op)
        {
            if existing(&table) {
                f.caution(
                    "sqlite-table-rebuild",
                    format!("{}: SQLite rebuilds table {table} (batch mode: copy every row)", op.describe()),
                    "keep the table's changes next to each other (one rebuild takes them all), with data steps before them",
                );
            }
            rebuilding = Some(table);
        }
        if let Op::CreateTable(t) = op {
            created.insert(t.name.clone());
        }
        // Replay so later operations see the schema they will meet; a failure is reported by
        // the graph validation, not here.
        let _ = schema.apply(op);
    }
    f.out
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
