//! Split users.full_name into first_name and last_name
//!
//! Revision ID: 4d5e6f708192
//! Revises: 3c4d5e6f7081
//! Create Date: 2024-01-02 10:00:00
//!
//! full_name stays (the API still returns it). The downgrade rebuilds it from the parts only
//! where they changed since the split, so a name the upgrade split keeps its exact spelling
//! (spaces, length) on the way down.

use migrate::{Alter, Column, ColumnType as T, DataFuture, Ops, Revision};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

pub fn revision() -> Revision {
    Revision::new("4d5e6f708192", "split users.full_name into first_name and last_name")
        .revises("3c4d5e6f7081")
        .created("2024-01-02 10:00:00")
        .upgrade(upgrade)
        .downgrade(downgrade)
        // The downgrade once rebuilt every full_name, which lost its spacing.
        .valid_checksum("cb227409f27c7e461d62c349c00ed8aa736c4bf5030ba5b9e65649ec280f2a57")
}

fn upgrade(op: &mut Ops) {
    op.add_column("users", Column::new("first_name", T::String(100)).null());
    op.add_column("users", Column::new("last_name", T::String(100)).null());
    op.run_data("split users.full_name into first_name and last_name", split_names);
    op.alter_column("users", "first_name", Alter::new().nullable(false));
    op.alter_column("users", "last_name", Alter::new().nullable(false));
    op.create_index("ix_users_first_name", "users", &["first_name"]);
    op.create_index("ix_users_last_name", "users", &["last_name"]);
}

fn downgrade(op: &mut Ops) {
    op.run_data_version("rebuild users.full_name from first_name and last_name", 2, join_names);
    op.drop_index("ix_users_last_name", "users");
    op.drop_index("ix_users_first_name", "users");
    op.drop_column("users", "last_name");
    op.drop_column("users", "first_name");
}

/// "Ada  Lovelace Byron " -> ("Ada", "Lovelace Byron"); a single word has an empty last name.
pub fn split_full_name(full_name: &str) -> (String, String) {
    let trimmed = full_name.trim();
    let (first, last) = trimmed.split_once(' ').unwrap_or((trimmed, ""));
    (truncate(first, 100), truncate(last.trim(), 100))
}

/// The inverse of the split: the parts joined by one space, trimmed, within the column size.
pub fn join_name(first: &str, last: &str) -> String {
    truncate(format!("{first} {last}").trim(), 100)
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

async fn full_names(txn: &DatabaseTransaction) -> Result<Vec<(i32, String)>, sea_orm::DbErr> {
    let select = Query::select().columns(["id", "full_name"].map(Alias::new)).from(Alias::new("users")).to_owned();
    let mut out = Vec::new();
    for row in txn.query_all(&select).await? {
        let name: Option<String> = row.try_get_by_index(1)?;
        out.push((row.try_get_by_index(0)?, name.unwrap_or_default()));
    }
    Ok(out)
}

fn split_names(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        for (id, full_name) in full_names(txn).await? {
            let (first, last) = split_full_name(&full_name);
            let update = Query::update()
                .table(Alias::new("users"))
                .values([(Alias::new("first_name"), first.into()), (Alias::new("last_name"), last.into())])
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            txn.execute(&update).await?;
        }
        Ok(())
    })
}

/// The full name to keep on the way down: the one stored while it still splits into the
/// parts, else the parts joined.
pub fn rebuilt_full_name(full_name: &str, first: &str, last: &str) -> Option<String> {
    (split_full_name(full_name) != (first.to_owned(), last.to_owned())).then(|| join_name(first, last))
}

async fn parts(txn: &DatabaseTransaction) -> Result<Vec<(i32, String, String, String)>, sea_orm::DbErr> {
    let select = Query::select()
        .columns(["id", "full_name", "first_name", "last_name"].map(Alias::new))
        .from(Alias::new("users"))
        .to_owned();
    let mut out = Vec::new();
    for row in txn.query_all(&select).await? {
        let text = |i: usize| row.try_get_by_index::<Option<String>>(i).map(Option::unwrap_or_default);
        out.push((row.try_get_by_index(0)?, text(1)?, text(2)?, text(3)?));
    }
    Ok(out)
}

fn join_names(txn: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async move {
        for (id, full_name, first, last) in parts(txn).await? {
            let Some(rebuilt) = rebuilt_full_name(&full_name, &first, &last) else { continue };
            let update = Query::update()
                .table(Alias::new("users"))
                .values([(Alias::new("full_name"), rebuilt.into())])
                .and_where(Expr::col(Alias::new("id")).eq(id))
                .to_owned();
            txn.execute(&update).await?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::{join_name, rebuilt_full_name, split_full_name};

    #[test]
    fn the_downgrade_keeps_a_full_name_whose_parts_did_not_change() {
        assert_eq!(rebuilt_full_name("  Ada  Lovelace ", "Ada", "Lovelace"), None);
        assert_eq!(rebuilt_full_name("Ada Lovelace", "Ada", "King"), Some("Ada King".into()));
        assert_eq!(rebuilt_full_name("", "", ""), None);
    }

    #[test]
    fn splits_on_the_first_space_and_trims() {
        assert_eq!(split_full_name("  Ada Lovelace Byron "), ("Ada".into(), "Lovelace Byron".into()));
        assert_eq!(split_full_name("Plato"), ("Plato".into(), String::new()));
        assert_eq!(split_full_name(""), (String::new(), String::new()));
    }

    #[test]
    fn join_reverses_split_of_normalised_names() {
        for name in ["Ada Lovelace", "Plato", "Jean Claude Van Damme"] {
            let (first, last) = split_full_name(name);
            assert_eq!(join_name(&first, &last), name);
        }
    }
}
