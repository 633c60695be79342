//! Autogenerate: the operations that turn one schema into another, and their exact inverse.
//! A unique index and a unique constraint on the same columns count as the same thing, and
//! foreign keys are matched by what they do, not by name, as `compare` does.

use std::collections::{BTreeMap, BTreeSet};

use crate::ops::{Alter, Op};
use crate::schema::{Column, Schema, Table};

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
    Index(crate::schema::Index),
    Constraint(crate::schema::Unique),
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
    if from.default != to.default {
        alter = alter.default(to.default.clone());
        changed = true;
    }
    changed.then_some(alter)
}

/// The operations that turn `current` into `target`, and back.
pub fn diff(current: &Schema, target: &Schema) -> Diff {
    let mut d = Diff::default();
    let added: Vec<&Table> = target.tables.values().filter(|t| !current.tables.contains_key(&t.name)).collect();
    let removed: Vec<&Table> = current.tables.values().filter(|t| !target.tables.contains_key(&t.name)).collect();
    // Table-level changes inside tables both sides have, collected per phase so that
    // drops of constraints come before column drops and additions after column additions.
    let mut drops_first = Vec::new();
    let mut columns_up = Vec::new();
    let mut adds_last = Vec::new();
    let mut undo_adds_first = Vec::new();
    let mut columns_down = Vec::new();
    let mut undo_drops_last = Vec::new();

    for (name, old) in &current.tables {
        let Some(new) = target.tables.get(name) else { continue };
        let t = name.clone();
        // Checks, foreign keys and non-unique indexes that disappear or change: drop first.
        for check in &old.checks {
            if !new.checks.contains(check) {
                drops_first.push(Op::DropCheck { table: t.clone(), name: check.name.clone() });
                undo_drops_last.push(Op::AddCheck { table: t.clone(), check: check.clone() });
            }
        }
        let fk_key = |f: &crate::schema::ForeignKey| {
            (f.columns.clone(), f.ref_table.clone(), f.ref_columns.clone(), f.on_delete, f.on_update)
        };
        let new_fks: BTreeSet<_> = new.foreign_keys.iter().map(fk_key).collect();
        let old_fks: BTreeSet<_> = old.foreign_keys.iter().map(fk_key).collect();
        for fk in old.foreign_keys.iter().filter(|f| !new_fks.contains(&fk_key(f))) {
            drops_first.push(Op::DropForeignKey { table: t.clone(), name: fk.name.clone() });
            undo_drops_last.push(Op::AddForeignKey { table: t.clone(), fk: fk.clone() });
        }
        let old_uniques = uniques(old);
        let new_uniques = uniques(new);
        for (cols, form) in &old_uniques {
            if !new_uniques.contains_key(cols) {
                drops_first.push(drop_unique(&t, form));
                undo_drops_last.push(add_unique(&t, form));
            }
        }
        let old_plain: BTreeMap<&str, &crate::schema::Index> =
            old.indexes.iter().filter(|i| !i.unique).map(|i| (i.name.as_str(), i)).collect();
        let new_plain: BTreeMap<&str, &crate::schema::Index> =
            new.indexes.iter().filter(|i| !i.unique).map(|i| (i.name.as_str(), i)).collect();
        for (index_name, index) in &old_plain {
            if new_plain.get(index_name) != Some(index) {
                drops_first.push(Op::DropIndex { table: t.clone(), name: (*index_name).to_owned() });
                undo_drops_last.push(Op::CreateIndex { table: t.clone(), index: (*index).clone() });
            }
        }

        // Columns.
        let gone: Vec<&Column> = old.columns.iter().filter(|c| new.column(&c.name).is_none()).collect();
        let fresh: Vec<&Column> = new.columns.iter().filter(|c| old.column(&c.name).is_none()).collect();
        for g in &gone {
            if let Some(f) = fresh.iter().find(|f| f.ty == g.ty) {
                d.warnings.push(format!(
                    "{t}.{} -> {t}.{}: looks like a rename; written as drop + add, which loses the column's data (edit the revision to use rename_column)",
                    g.name, f.name
                ));
            }
        }
        for column in &fresh {
            columns_up.push(Op::AddColumn { table: t.clone(), column: (*column).clone() });
            columns_down.push(Op::DropColumn { table: t.clone(), column: column.name.clone() });
        }
        for column in &new.columns {
            let Some(before) = old.column(&column.name) else { continue };
            if let Some(alter) = alter_between(before, column) {
                columns_up.push(Op::AlterColumn { table: t.clone(), column: column.name.clone(), alter });
                if let Some(back) = alter_between(column, before) {
                    columns_down.push(Op::AlterColumn { table: t.clone(), column: column.name.clone(), alter: back });
                }
            }
        }
        for column in &gone {
            columns_up.push(Op::DropColumn { table: t.clone(), column: column.name.clone() });
            columns_down.push(Op::AddColumn { table: t.clone(), column: (*column).clone() });
        }
        if old.primary_key != new.primary_key {
            d.warnings.push(format!(
                "{t}: the primary key changes from {:?} to {:?}; autogenerate does not write primary key changes",
                old.primary_key, new.primary_key
            ));
        }

        // What appears or changes: add last.
        for (index_name, index) in &new_plain {
            if old_plain.get(index_name) != Some(index) {
                adds_last.push(Op::CreateIndex { table: t.clone(), index: (*index).clone() });
                undo_adds_first.push(Op::DropIndex { table: t.clone(), name: (*index_name).to_owned() });
            }
        }
        for (cols, form) in &new_uniques {
            if !old_uniques.contains_key(cols) {
                adds_last.push(add_unique(&t, form));
                undo_adds_first.push(drop_unique(&t, form));
            }
        }
        for fk in new.foreign_keys.iter().filter(|f| !old_fks.contains(&fk_key(f))) {
            adds_last.push(Op::AddForeignKey { table: t.clone(), fk: fk.clone() });
            undo_adds_first.push(Op::DropForeignKey { table: t.clone(), name: fk.name.clone() });
        }
        for check in &new.checks {
            if !old.checks.contains(check) {
                adds_last.push(Op::AddCheck { table: t.clone(), check: check.clone() });
                undo_adds_first.push(Op::DropCheck { table: t.clone(), name: check.name.clone() });
            }
        }
    }
    for t in &removed {
        for f in &added {
            if t.columns.len() == f.columns.len() && t.columns.iter().zip(&f.columns).all(|(a, b)| a.ty == b.ty) {
                d.warnings.push(format!(
                    "table {} -> {}: looks like a rename; written as drop + create, which loses the data (edit the revision to use rename_table)",
                    t.name, f.name
                ));
            }
        }
    }

    // Upgrade: new tables (referenced first), changes, then dropped tables (referencing first).
    for table in dependency_order(&added) {
        d.upgrade.extend(create_ops(table));
    }
    d.upgrade.extend(drops_first);
    d.upgrade.extend(columns_up);
    d.upgrade.extend(adds_last);
    let removed_order = dependency_order(&removed);
    for table in removed_order.iter().rev() {
        d.upgrade.push(Op::DropTable { table: table.name.clone() });
    }

    // Downgrade: the exact inverse, in reverse.
    for table in &removed_order {
        d.downgrade.extend(create_ops(table));
    }
    d.downgrade.extend(undo_adds_first.into_iter().rev());
    d.downgrade.extend(columns_down.into_iter().rev());
    d.downgrade.extend(undo_drops_last.into_iter().rev());
    for table in dependency_order(&added).iter().rev() {
        d.downgrade.push(Op::DropTable { table: table.name.clone() });
    }
    d
}
