//! Add users.role, backfilled from is_superuser
//!
//! Revision ID: 3c4d5e6f7081
//! Revises: 2b3c4d5e6f70
//! Create Date: 2024-01-02 09:00:00
//!
//! Expand, backfill, contract: the column arrives nullable, every existing row gets its role
//! from `is_superuser`, then the column becomes NOT NULL. The downgrade derives
//! `is_superuser` back from the role, so a user made admin after the upgrade stays one.

use migrate::{Alter, Column, ColumnType as T, DataFuture, Ops, Revision};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

pub fn revision() -> Revision {
    Revision::new("3c4d5e6f7081", "add users.role backfilled from is_superuser")
        .revises("2b3c4d5e6f70")
        .created("2024-01-02 09:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
        // The downgrade once dropped the role without deriving is_superuser from it.
        .valid_checksum("34363162fb8ed679f3b2882c56baaee9b0f510e022e038fb9da7009cd067532f")
}

fn upgrade(op: &mut Ops) {
    op.add_column("users", Column::new("role", T::String(50)).null());
    op.run_data("backfill users.role from is_superuser", backfill_role);
    op.alter_column("users", "role", Alter::new().nullable(false));
    op.create_check("ck_users_role", "users", "role IN ('user', 'admin')");
}

fn downgrade(op: &mut Ops) {
    op.run_data("users.is_superuser from role", superuser_from_role);
    op.drop_check("ck_users_role", "users");
    op.drop_column("users", "role");
}

fn backfill_role(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        // A boolean is true/false on PostgreSQL and 1/0 elsewhere; CASE WHEN reads both.
        txn.execute_unprepared("UPDATE users SET role = CASE WHEN is_superuser THEN 'admin' ELSE 'user' END").await?;
        Ok(())
    })
}

fn superuser_from_role(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        txn.execute_unprepared("UPDATE users SET is_superuser = CASE WHEN role = 'admin' THEN TRUE ELSE FALSE END")
            .await?;
        Ok(())
    })
}
