//! Output of `codegen::render_ops` for the sample changes of `autogen.rs`, kept as a module
//! so the generated style is compiled.

#[allow(unused_imports)]
use migrate::{Alter, Column, ColumnType as T, DefaultValue, FkAction, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("ffffffffffff", "generated sample").upgrade(upgrade).downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("tag", |t| {
        t.id("id")
            .add(Column::new("label", T::String(40)))
            .add(Column::new("parent_id", T::Integer).null())
            .unique("uq_tag_label", &["label"])
            .foreign_key("fk_tag_parent_id", &["parent_id"], "parent", &["id"], FkAction::Cascade)
            .check("ck_tag_label", "label <> ''");
    });
    op.create_index("ix_tag_parent_id", "tag", &["parent_id"]);
    op.alter_column("child", "note", Alter::new().ty(T::String(200)));
    op.alter_column("child", "weight", Alter::new().nullable(false));
    op.add_column("parent", Column::new("email", T::String(100)).null());
    op.create_check("ck_child_weight", "child", "weight >= 0");
}

fn downgrade(op: &mut Ops) {
    op.drop_check("ck_child_weight", "child");
    op.drop_column("parent", "email");
    op.alter_column("child", "weight", Alter::new().nullable(true));
    op.alter_column("child", "note", Alter::new().ty(T::Text));
    op.drop_table("tag");
}
