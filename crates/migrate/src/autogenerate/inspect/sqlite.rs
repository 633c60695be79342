use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::parse_type;
use crate::operations::schema::{Check, Column, FkAction, ForeignKey, Index, Schema, Table, Unique};

fn stmt(sql: String) -> Statement {
    Statement::from_string(DbBackend::Sqlite, sql)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

pub async fn inspect<C: ConnectionTrait>(conn: &C) -> Result<Schema, DbErr> {
    let tables = conn
        .query_all_raw(stmt(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                .into(),
        ))
        .await?;
    let mut schema = Schema::default();
    for row in tables {
        let name: String = row.try_get_by_index(0)?;
        let sql: String = row.try_get_by_index(1)?;
        let mut table = Table { name: name.clone(), ..Table::default() };
        let mut pk: Vec<(i32, String)> = Vec::new();
        for col in conn.query_all_raw(stmt(format!("PRAGMA table_info({})", quote(&name)))).await? {
            let col_name: String = col.try_get_by_index(1)?;
            let declared: String = col.try_get_by_index(2)?;
            let notnull: i32 = col.try_get_by_index(3)?;
            let default: Option<String> = col.try_get_by_index(4)?;
            let pk_pos: i32 = col.try_get_by_index(5)?;
            if pk_pos > 0 {
                pk.push((pk_pos, col_name.clone()));
            }
            table.columns.push(Column {
                name: col_name,
                ty: parse_type(&declared),
                nullable: notnull == 0,
                default: default.map(crate::operations::schema::DefaultValue::Expr),
                auto_increment: false,
            });
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        // An INTEGER primary key of its own is the rowid: it auto-increments.
        if let [only] = table.primary_key.as_slice()
            && let Some(col) = table.columns.iter_mut().find(|c| &c.name == only)
            && col.ty == crate::operations::schema::ColumnType::Integer
        {
            col.auto_increment = true;
        }
        for idx in conn.query_all_raw(stmt(format!("PRAGMA index_list({})", quote(&name)))).await? {
            let idx_name: String = idx.try_get_by_index(1)?;
            let unique: i32 = idx.try_get_by_index(2)?;
            let origin: String = idx.try_get_by_index(3)?;
            if origin == "pk" {
                continue;
            }
            let mut columns = Vec::new();
            for info in conn.query_all_raw(stmt(format!("PRAGMA index_info({})", quote(&idx_name)))).await? {
                // An expression has no column name; it can only match an external index.
                let column: Option<String> = info.try_get_by_index(2)?;
                columns.push(column.unwrap_or_else(|| "<expression>".to_owned()));
            }
            if origin == "u" {
                table.uniques.push(Unique { name: idx_name, columns });
            } else {
                table.indexes.push(Index { name: idx_name, columns, unique: unique == 1 });
            }
        }
        let mut fks: Vec<(i32, ForeignKey)> = Vec::new();
        for fk in conn.query_all_raw(stmt(format!("PRAGMA foreign_key_list({})", quote(&name)))).await? {
            let id: i32 = fk.try_get_by_index(0)?;
            let ref_table: String = fk.try_get_by_index(2)?;
            let from: String = fk.try_get_by_index(3)?;
            let to: String = fk.try_get_by_index(4)?;
            let on_update: String = fk.try_get_by_index(5)?;
            let on_delete: String = fk.try_get_by_index(6)?;
            match fks.iter_mut().find(|(i, _)| *i == id) {
                Some((_, existing)) => {
                    existing.columns.push(from);
                    existing.ref_columns.push(to);
                }
                None => fks.push((
                    id,
                    ForeignKey {
                        // SQLite's catalog does not keep constraint names.
                        name: String::new(),
                        columns: vec![from],
                        ref_table,
                        ref_columns: vec![to],
                        on_delete: FkAction::parse(&on_delete),
                        on_update: FkAction::parse(&on_update),
                    },
                )),
            }
        }
        table.foreign_keys = fks.into_iter().map(|(_, f)| f).collect();
        table.checks = named_checks(&sql);
        schema.tables.insert(name, table);
    }
    Ok(schema)
}

/// The `CONSTRAINT "name" CHECK (...)` clauses of a `CREATE TABLE` statement.
fn named_checks(sql: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let upper = sql.to_ascii_uppercase();
    let mut from = 0;
    while let Some(found) = upper[from..].find("CONSTRAINT ") {
        let start = from + found + "CONSTRAINT ".len();
        from = start;
        let rest = &sql[start..];
        let (name, after) = match rest.strip_prefix('"') {
            Some(quoted) => match quoted.find('"') {
                Some(end) => (quoted[..end].to_owned(), &quoted[end + 1..]),
                None => continue,
            },
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                (rest[..end].to_owned(), &rest[end..])
            }
        };
        let trimmed = after.trim_start();
        if !trimmed.to_ascii_uppercase().starts_with("CHECK") {
            continue;
        }
        let Some(open) = trimmed.find('(') else { continue };
        let mut depth = 0;
        let mut end = None;
        for (i, ch) in trimmed[open..].char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = end {
            checks.push(Check { name, expr: trimmed[open + 1..end].to_owned() });
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::named_checks;

    #[test]
    fn finds_named_checks_with_nested_parentheses() {
        let sql = r#"CREATE TABLE "t" ("a" INTEGER, CONSTRAINT "fk_x" FOREIGN KEY ("a") REFERENCES "u" ("id"), CONSTRAINT "ck_a" CHECK ((a >= 0) AND (a < 10)))"#;
        let checks = named_checks(sql);
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].name, "ck_a");
        assert_eq!(checks[0].expr, "(a >= 0) AND (a < 10)");
    }
}
