//! A small revision chain used by the engine tests.

use migrate::{Alter, Column, ColumnType as T, DataFuture, FkAction, Ops, Revision, RevisionGraph};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

pub const R1: &str = "aaaaaaaaaaa1";
pub const R2: &str = "bbbbbbbbbbb2";
pub const R3: &str = "ccccccccccc3";
pub const BAD: &str = "ddddddddddd4";

fn r1_up(op: &mut Ops) {
    op.create_table("parent", |t| {
        t.id("id").add(Column::new("name", T::String(50)).null());
    });
    op.create_unique_index("ix_parent_name", "parent", &["name"]);
    op.create_table("child", |t| {
        t.id("id").add(Column::new("parent_id", T::Integer)).add(Column::new("note", T::Text).null()).foreign_key(
            "fk_child_parent_id",
            &["parent_id"],
            "parent",
            &["id"],
            FkAction::Cascade,
        );
    });
    op.create_index("ix_child_parent_id", "child", &["parent_id"]);
}

fn r1_down(op: &mut Ops) {
    op.drop_table("child");
    op.drop_table("parent");
}

fn r2_up(op: &mut Ops) {
    op.run_data("name unnamed parents", fill_names);
    op.alter_column("parent", "name", Alter::new().nullable(false));
    op.create_check("ck_parent_name_not_empty", "parent", "name <> ''");
}

fn r2_down(op: &mut Ops) {
    op.drop_check("ck_parent_name_not_empty", "parent");
    op.alter_column("parent", "name", Alter::new().nullable(true));
}

fn fill_names(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        txn.execute_unprepared("UPDATE parent SET name = 'unnamed' WHERE name IS NULL").await?;
        Ok(())
    })
}

fn r3_up(op: &mut Ops) {
    op.add_column("child", Column::new("weight", T::Decimal(10, 2)).null());
    op.create_index("ix_child_weight", "child", &["weight"]);
}

fn r3_down(op: &mut Ops) {
    op.drop_index("ix_child_weight", "child");
    op.drop_column("child", "weight");
}

/// Creates a table, then fails: the table must not survive where DDL is transactional.
fn bad_up(op: &mut Ops) {
    op.create_table("half_done", |t| {
        t.id("id");
    });
    op.execute("INSERT INTO no_such_table (x) VALUES (1)");
}

pub fn chain() -> Vec<Revision> {
    vec![
        Revision::new(R1, "create parent and child").upgrade(r1_up).downgrade(r1_down),
        Revision::new(R2, "parent.name not null").revises(R1).upgrade(r2_up).downgrade(r2_down),
        Revision::new(R3, "add child.weight").revises(R2).upgrade(r3_up).downgrade(r3_down),
    ]
}

pub fn graph() -> RevisionGraph {
    RevisionGraph::new(chain()).expect("valid chain")
}

pub fn graph_with_failure() -> RevisionGraph {
    let mut revs = chain();
    revs.push(Revision::new(BAD, "fails half-way").revises(R3).upgrade(bad_up));
    RevisionGraph::new(revs).expect("valid chain")
}

#[derive(clap::Parser)]
struct Command {
    #[command(flatten)]
    db: migrate::cli::DbArgs,
}

/// The `db` command line `words` (after `db`), parsed as an application would.
pub fn args(words: &[&str]) -> migrate::cli::DbArgs {
    use clap::Parser as _;
    Command::try_parse_from(std::iter::once("db").chain(words.iter().copied())).expect("valid arguments").db
}

/// A command context over `graph` and the database at `url` (empty: none).
pub fn context(url: &str, graph: RevisionGraph) -> migrate::cli::Context {
    migrate::cli::Context {
        url: url.to_owned(),
        graph,
        migrations_dir: std::path::PathBuf::new(),
        options: migrate::Options::default(),
        target: None,
    }
}
