//! Autogenerate: the operations that turn one schema into another, and their exact inverse.
//! A unique index and a unique constraint on the same columns count as the same thing, and
//! foreign keys are matched by what they do, not by name, as `compare` does.

use std::collections::{BTreeMap, BTreeSet};

use crate::operations::ops::{Alter, Op};
use crate::operations::schema::{Column, FkAction, ForeignKey, Index, Schema, Table};

/// The result of a diff: upgrade and downgrade operations, and warnings for a human.
#[derive(Debug, Default, Clone)]
pub struct Diff {
    pub upgrade: Vec<Op>,
    pub downgrade: Vec<Op>,
    pub warnings: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_empty()
    }
}

/// Tables ordered so that referenced tables come before the tables that reference them.
fn dependency_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < tables.len() {
        let before = out.len();
        for t in tables {
            if placed.contains(t.name.as_str()) {
                continue;
            }
            let ready = t.foreign_keys.iter().all(|f| {
                f.ref_table == t.name || !names.contains(f.ref_table.as_str()) || placed.contains(f.ref_table.as_str())
            });
            if ready {
                placed.insert(&t.name);
                out.push(*t);
            }
        }
        if out.len() == before {
            // A reference cycle: emit the rest as they come.
            out.extend(tables.iter().filter(|t| !placed.contains(t.name.as_str())));
            break;
        }
    }
    out
}

fn create_ops(table: &Table) -> Vec<Op> {
    let mut bare = table.clone();
    bare.indexes.clear();
    let mut ops = vec![Op::CreateTable(bare)];
    ops.extend(table.indexes.iter().map(|i| Op::CreateIndex { table: table.name.clone(), index: i.clone() }));
    ops
}

/// Unique column sets of a table, with the form each takes there.
enum UniqueForm {
    Index(Index),
    Constraint(crate::operations::schema::Unique),
}

fn uniques(table: &Table) -> BTreeMap<Vec<String>, UniqueForm> {
    let mut out = BTreeMap::new();
    for u in &table.uniques {
        out.insert(u.columns.clone(), UniqueForm::Constraint(u.clone()));
    }
    for i in table.indexes.iter().filter(|i| i.unique) {
        out.insert(i.columns.clone(), UniqueForm::Index(i.clone()));
    }
    out
}

fn add_unique(table: &str, form: &UniqueForm) -> Op {
    match form {
        UniqueForm::Index(i) => Op::CreateIndex { table: table.to_owned(), index: i.clone() },
        UniqueForm::Constraint(u) => Op::AddUnique { table: table.to_owned(), unique: u.clone() },
    }
}

fn drop_unique(table: &str, form: &UniqueForm) -> Op {
    match form {
        UniqueForm::Index(i) => Op::DropIndex { table: table.to_owned(), name: i.name.clone() },
        UniqueForm::Constraint(u) => Op::DropUnique { table: table.to_owned(), name: u.name.clone() },
    }
}

fn alter_between(from: &Column, to: &Column) -> Option<Alter> {
    let mut alter = Alter::new();
    let mut changed = false;
    if from.ty != to.ty {
        alter = alter.ty(to.ty.clone());
        changed = true;
    }
    if from.nullable != to.nullable {
        alter = alter.nullable(to.nullable);
        changed = true;
    }
    if !super::defaults::same(&to.ty, from.default.as_ref(), to.default.as_ref()) {
        alter = alter.default(to.default.clone());
        changed = true;
    }
    changed.then_some(alter)
}

/// Upgrade operations and their inverses, both in upgrade order; the downgrade runs the
/// inverses backwards.
#[derive(Default)]
struct Changes {
    up: Vec<Op>,
    down: Vec<Op>,
}

impl Changes {
    fn push(&mut self, up: Op, down: Op) {
        self.up.push(up);
        self.down.push(down);
    }

    fn append(&mut self, other: Changes) {
        self.up.extend(other.up);
        self.down.extend(other.down);
    }
}

/// For one kind of constraint or index of a table: what disappears or changes, and what
/// appears or changes.
#[derive(Default)]
struct Delta {
    removed: Changes,
    added: Changes,
}

/// The changes inside the tables both schemas have, by phase, so that constraints and
/// indexes drop before the columns they are built on and are added after them.
#[derive(Default)]
struct Phases {
    removals: Changes,
    columns: Changes,
    additions: Changes,
}

impl Phases {
    fn compare_table(&mut self, t: &str, old: &Table, new: &Table, warnings: &mut Vec<String>) {
        let checks = check_delta(t, old, new);
        let foreign_keys = foreign_key_delta(t, old, new);
        let uniques = unique_delta(t, old, new);
        let indexes = index_delta(t, old, new);
        self.removals.append(checks.removed);
        self.removals.append(foreign_keys.removed);
        self.removals.append(uniques.removed);
        self.removals.append(indexes.removed);
        self.columns.append(column_changes(t, old, new, warnings));
        warnings.extend(primary_key_warning(t, old, new));
        // The reverse of the removals' order, as autogenerate has always written them.
        self.additions.append(indexes.added);
        self.additions.append(uniques.added);
        self.additions.append(foreign_keys.added);
        self.additions.append(checks.added);
    }

    /// Upgrade: new tables (referenced first), changes, then dropped tables (referencing
    /// first). Downgrade: the exact inverse, in reverse. Both table lists come in dependency
    /// order.
    fn into_ops(self, added: &[&Table], removed: &[&Table]) -> (Vec<Op>, Vec<Op>) {
        let Phases { removals, columns, additions } = self;
        let mut upgrade: Vec<Op> = added.iter().flat_map(|t| create_ops(t)).collect();
        upgrade.extend(removals.up.into_iter().chain(columns.up).chain(additions.up));
        upgrade.extend(removed.iter().rev().map(|t| Op::DropTable { table: t.name.clone() }));

        let mut downgrade: Vec<Op> = removed.iter().flat_map(|t| create_ops(t)).collect();
        downgrade.extend(additions.down.into_iter().rev());
        downgrade.extend(columns.down.into_iter().rev());
        downgrade.extend(removals.down.into_iter().rev());
        downgrade.extend(added.iter().rev().map(|t| Op::DropTable { table: t.name.clone() }));
        (upgrade, downgrade)
    }
}

fn check_delta(t: &str, old: &Table, new: &Table) -> Delta {
    let mut delta = Delta::default();
    for check in old.checks.iter().filter(|c| !new.checks.contains(c)) {
        delta.removed.push(
            Op::DropCheck { table: t.to_owned(), name: check.name.clone() },
            Op::AddCheck { table: t.to_owned(), check: check.clone() },
        );
    }
    for check in new.checks.iter().filter(|c| !old.checks.contains(c)) {
        delta.added.push(
            Op::AddCheck { table: t.to_owned(), check: check.clone() },
            Op::DropCheck { table: t.to_owned(), name: check.name.clone() },
        );
    }
    delta
}

/// What a foreign key does, without its name (which SQLite's catalog does not keep).
fn fk_key(f: &ForeignKey) -> (Vec<String>, String, Vec<String>, FkAction, FkAction) {
    (f.columns.clone(), f.ref_table.clone(), f.ref_columns.clone(), f.on_delete, f.on_update)
}

fn foreign_key_delta(t: &str, old: &Table, new: &Table) -> Delta {
    let mut delta = Delta::default();
    let old_keys: BTreeSet<_> = old.foreign_keys.iter().map(fk_key).collect();
    let new_keys: BTreeSet<_> = new.foreign_keys.iter().map(fk_key).collect();
    for fk in old.foreign_keys.iter().filter(|f| !new_keys.contains(&fk_key(f))) {
        delta.removed.push(
            Op::DropForeignKey { table: t.to_owned(), name: fk.name.clone() },
            Op::AddForeignKey { table: t.to_owned(), fk: fk.clone() },
        );
    }
    for fk in new.foreign_keys.iter().filter(|f| !old_keys.contains(&fk_key(f))) {
        delta.added.push(
            Op::AddForeignKey { table: t.to_owned(), fk: fk.clone() },
            Op::DropForeignKey { table: t.to_owned(), name: fk.name.clone() },
        );
    }
    delta
}

fn unique_delta(t: &str, old: &Table, new: &Table) -> Delta {
    let mut delta = Delta::default();
    let old_uniques = uniques(old);
    let new_uniques = uniques(new);
    for (cols, form) in &old_uniques {
        if !new_uniques.contains_key(cols) {
            delta.removed.push(drop_unique(t, form), add_unique(t, form));
        }
    }
    for (cols, form) in &new_uniques {
        if !old_uniques.contains_key(cols) {
            delta.added.push(add_unique(t, form), drop_unique(t, form));
        }
    }
    delta
}

fn plain_indexes(table: &Table) -> BTreeMap<&str, &Index> {
    table.indexes.iter().filter(|i| !i.unique).map(|i| (i.name.as_str(), i)).collect()
}

/// Non-unique indexes, matched by name; one whose definition changes is dropped and made
/// again.
fn index_delta(t: &str, old: &Table, new: &Table) -> Delta {
    let (old_plain, new_plain) = (plain_indexes(old), plain_indexes(new));
    let mut delta = Delta::default();
    for (name, index) in &old_plain {
        if new_plain.get(name) != Some(index) {
            delta.removed.push(
                Op::DropIndex { table: t.to_owned(), name: (*name).to_owned() },
                Op::CreateIndex { table: t.to_owned(), index: (*index).clone() },
            );
        }
    }
    for (name, index) in &new_plain {
        if old_plain.get(name) != Some(index) {
            delta.added.push(
                Op::CreateIndex { table: t.to_owned(), index: (*index).clone() },
                Op::DropIndex { table: t.to_owned(), name: (*name).to_owned() },
            );
        }
    }
    delta
}

/// Added, altered and dropped columns, in that order.
fn column_changes(t: &str, old: &Table, new: &Table, warnings: &mut Vec<String>) -> Changes {
    let gone: Vec<&Column> = old.columns.iter().filter(|c| new.column(&c.name).is_none()).collect();
    let fresh: Vec<&Column> = new.columns.iter().filter(|c| old.column(&c.name).is_none()).collect();
    warnings.extend(column_rename_warnings(t, &gone, &fresh));
    let mut changes = Changes::default();
    for column in &fresh {
        changes.push(
            Op::AddColumn { table: t.to_owned(), column: (*column).clone() },
            Op::DropColumn { table: t.to_owned(), column: column.name.clone() },
        );
    }
    for column in &new.columns {
        let Some(before) = old.column(&column.name) else { continue };
        if let Some(alter) = alter_between(before, column) {
            changes.up.push(Op::AlterColumn { table: t.to_owned(), column: column.name.clone(), alter });
            if let Some(back) = alter_between(column, before) {
                changes.down.push(Op::AlterColumn { table: t.to_owned(), column: column.name.clone(), alter: back });
            }
        }
    }
    for column in &gone {
        changes.push(
            Op::DropColumn { table: t.to_owned(), column: column.name.clone() },
            Op::AddColumn { table: t.to_owned(), column: (*column).clone() },
        );
    }
    changes
}

/// A dropped and an added column of the same type may be one renamed column; autogenerate
/// cannot tell, so it says so instead of guessing.
fn column_rename_warnings(t: &str, gone: &[&Column], fresh: &[&Column]) -> Vec<String> {
    let mut warnings = Vec::new();
    for g in gone {
        if let Some(f) = fresh.iter().find(|f| f.ty == g.ty) {
            warnings.push(format!(
                "{t}.{} -> {t}.{}: looks like a rename; written as drop + add, which loses the column's data (edit the revision to use rename_column)",
                g.name, f.name
            ));
        }
    }
    warnings
}

fn primary_key_warning(t: &str, old: &Table, new: &Table) -> Option<String> {
    (old.primary_key != new.primary_key).then(|| {
        format!(
            "{t}: the primary key changes from {:?} to {:?}; autogenerate does not write primary key changes",
            old.primary_key, new.primary_key
        )
    })
}

/// A dropped and a created table with the same column types may be one renamed table.
fn table_rename_warnings(removed: &[&Table], added: &[&Table]) -> Vec<String> {
    let mut warnings = Vec::new();
    for t in removed {
        for f in added {
            if t.columns.len() == f.columns.len() && t.columns.iter().zip(&f.columns).all(|(a, b)| a.ty == b.ty) {
                warnings.push(format!(
                    "table {} -> {}: looks like a rename; written as drop + create, which loses the data (edit the revision to use rename_table)",
                    t.name, f.name
                ));
            }
        }
    }
    warnings
}

/// The tables of `schema` that `other` lacks.
fn tables_missing_from<'a>(schema: &'a Schema, other: &Schema) -> Vec<&'a Table> {
    schema.tables.values().filter(|t| !other.tables.contains_key(&t.name)).collect()
}

/// The operations that turn `current` into `target`, and back.
pub fn diff(current: &Schema, target: &Schema) -> Diff {
    let added = tables_missing_from(target, current);
    let removed = tables_missing_from(current, target);
    let mut warnings = Vec::new();
    let mut phases = Phases::default();
    for (name, old) in &current.tables {
        if let Some(new) = target.tables.get(name) {
            phases.compare_table(name, old, new, &mut warnings);
        }
    }
    warnings.extend(table_rename_warnings(&removed, &added));
    let (upgrade, downgrade) = phases.into_ops(&dependency_order(&added), &dependency_order(&removed));
    Diff { upgrade, downgrade, warnings }
}
