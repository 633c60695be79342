//! add cache epoch
//!
//! Cached responses ended only with writes made by the same process (or by any replica
//! sharing Redis): `shop seed`, `shop rollups rebuild` and replicas without Redis left them
//! stale until their TTL. `cache_epoch` holds one counter that every process moves after its
//! writes and that every serving process reads twice a second (`cache::epoch`). One row,
//! created here, so the writers only ever update it.
//!
//! Revision ID: 167de2226c4d
//! Revises: c62be6b546bf
//! Create Date: 2026-12-06 03:29:16

use migrate::{Column, ColumnType as T, Ops, Revision, Value};

pub fn revision() -> Revision {
    Revision::new("167de2226c4d", "add cache epoch")
        .revises("c62be6b546bf")
        .created("2026-12-06 03:29:16")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.create_table("cache_epoch", |t| {
        t.add(Column::new("id", T::Integer)).add(Column::new("generation", T::BigInteger)).primary_key(&["id"]);
    });
    op.bulk_insert("cache_epoch", &["id", "generation"], vec![vec![Value::Int(1), Value::Int(0)]]);
}

fn downgrade(op: &mut Ops) {
    op.drop_table("cache_epoch");
}
