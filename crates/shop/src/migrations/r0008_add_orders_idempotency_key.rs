//! add orders idempotency key
//!
//! A retried `POST /orders` with the same `Idempotency-Key` returns the first order: the key
//! is unique per user, and a fingerprint of the request body tells a retry from a reuse.
//!
//! Revision ID: 62e794670d10
//! Revises: 708192a3b4c5
//! Create Date: 2026-11-25 07:10:01

use migrate::{Column, ColumnType as T, Ops, Revision};

pub fn revision() -> Revision {
    Revision::new("62e794670d10", "add orders idempotency key")
        .revises("708192a3b4c5")
        .created("2026-11-25 07:10:01")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

fn upgrade(op: &mut Ops) {
    op.add_column("orders", Column::new("idempotency_key", T::String(100)).null());
    op.add_column("orders", Column::new("request_fingerprint", T::String(64)).null());
    op.create_unique_index("ix_orders_user_id_idempotency_key", "orders", &["user_id", "idempotency_key"]);
}

fn downgrade(op: &mut Ops) {
    op.drop_index("ix_orders_user_id_idempotency_key", "orders");
    op.drop_column("orders", "request_fingerprint");
    op.drop_column("orders", "idempotency_key");
}
