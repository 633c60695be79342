//! usernames and emails unique ignoring case
//!
//! "ALICE" could sign up beside "alice", and each could then log in as only one of them.
//! Emails are stored lowercased since the first release, but rows written around the API
//! (imports, hand edits) may not be. Usernames keep the case their owner chose for display, so
//! their uniqueness moves to `username_key`, the lowercased username, kept by the service:
//! a plain column and a plain unique index mean the same on SQLite, PostgreSQL and MariaDB
//! (which has no index on an expression). Usernames are ASCII, so SQL `LOWER` folds them
//! alike on every database. Rows that differ only in case stop the upgrade with their names:
//! which account to keep is the operator's decision, not the migration's.
//!
//! Revision ID: c62be6b546bf
//! Revises: 84fddcd612a4
//! Create Date: 2026-12-06 00:07:09

use migrate::{Alter, Column, ColumnType as T, DataFuture, Ops, Revision};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};

pub fn revision() -> Revision {
    Revision::new("c62be6b546bf", "usernames and emails unique ignoring case")
        .revises("84fddcd612a4")
        .created("2026-12-06 00:07:09")
        .upgrade(upgrade)
        .downgrade(downgrade)
}

/// The check comes before any DDL: MySQL commits DDL as it goes, so a refusal after it would
/// leave the revision half applied there.
fn upgrade(op: &mut Ops) {
    op.run_data("refuse users that differ only in case", refuse_twins);
    op.add_column("users", Column::new("username_key", T::String(50)).null());
    op.run_data("fill users.username_key and lowercase users.email", fold_case);
    op.alter_column("users", "username_key", Alter::new().nullable(false));
    op.create_unique_index("ix_users_username_key", "users", &["username_key"]);
}

/// Emails stay lowercased: their earlier case is not kept anywhere.
fn downgrade(op: &mut Ops) {
    op.drop_index("ix_users_username_key", "users");
    op.drop_column("users", "username_key");
}

fn refuse_twins(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        for column in ["username", "email"] {
            refuse_case_twins(txn, column).await?;
        }
        Ok(())
    })
}

fn fold_case(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        txn.execute_unprepared("UPDATE users SET username_key = LOWER(username)").await?;
        txn.execute_unprepared("UPDATE users SET email = LOWER(email) WHERE email <> LOWER(email)").await?;
        Ok(())
    })
}

/// Fails, naming up to five of them, when values of `column` differ only in case.
async fn refuse_case_twins(txn: &DatabaseTransaction, column: &str) -> Result<(), DbErr> {
    let sql = format!(
        "SELECT LOWER({column}) FROM users GROUP BY LOWER({column}) HAVING COUNT(*) > 1 ORDER BY LOWER({column}) LIMIT 5"
    );
    let mut twins = Vec::new();
    for row in txn.query_all_raw(sea_orm::Statement::from_string(txn.get_database_backend(), sql)).await? {
        twins.push(row.try_get_by_index::<String>(0)?);
    }
    if twins.is_empty() {
        return Ok(());
    }
    Err(DbErr::Custom(format!(
        "users differ only in the case of their {column}: {}; rename or remove one of each before upgrading",
        twins.join(", ")
    )))
}
