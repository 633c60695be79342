//! Reads the live schema from a database's catalog into the schema model, so it can be
//! compared with the model replayed from the revisions.

mod mysql;
mod objects;
mod postgres;
mod sqlite;

use sea_orm::{ConnectionTrait, DbErr};

use crate::dialect::Dialect;
use crate::operations::schema::{ColumnType, Schema};

/// The schema of the connected database, without the migrator's own tables; its triggers and
/// views are listed as external objects.
///
/// # Errors
/// Database errors.
pub async fn inspect<C: ConnectionTrait>(conn: &C, skip: &[&str]) -> Result<Schema, DbErr> {
    let dialect = Dialect::from_backend(conn.get_database_backend());
    let mut schema = match dialect {
        Dialect::Sqlite => sqlite::inspect(conn).await?,
        Dialect::Postgres => postgres::inspect(conn).await?,
        Dialect::Mysql => mysql::inspect(conn).await?,
    };
    objects::add(conn, dialect, &mut schema).await?;
    // A skipped bookkeeping table skips its companion `<name>_dirty` table too.
    schema.tables.retain(|name, _| {
        let companion = name.strip_suffix("_dirty").is_some_and(|base| skip.contains(&base));
        !skip.contains(&name.as_str()) && !companion && !name.starts_with("_migrate_batch_")
    });
    Ok(schema)
}

/// Parses `VARCHAR(100)`, `NUMERIC(10,2)` and friends as SQLite declares and MySQL reports them.
pub(crate) fn parse_type(declared: &str) -> ColumnType {
    let trimmed = declared.trim();
    // MySQL's `enum('a','b')`: the values keep their case.
    if trimmed.len() > 5 && trimmed[..5].eq_ignore_ascii_case("enum(") && trimmed.ends_with(')') {
        return ColumnType::Enum { name: String::new(), values: enum_values(&trimmed[5..trimmed.len() - 1]) };
    }
    let upper = trimmed.to_ascii_uppercase();
    let (base, args) = match upper.find('(') {
        Some(open) => (upper[..open].trim().to_owned(), upper[open + 1..].trim_end_matches(')').to_owned()),
        None => (upper.clone(), String::new()),
    };
    let nums: Vec<u32> = args.split(',').filter_map(|a| a.trim().parse().ok()).collect();
    match base.as_str() {
        "SMALLINT" => ColumnType::SmallInteger,
        "INTEGER" | "INT" | "MEDIUMINT" => ColumnType::Integer,
        "BIGINT" => ColumnType::BigInteger,
        "BOOLEAN" | "BOOL" => ColumnType::Boolean,
        "TINYINT" if nums.first() == Some(&1) => ColumnType::Boolean,
        "TINYINT" => ColumnType::SmallInteger,
        "VARCHAR" | "CHARACTER VARYING" if !nums.is_empty() => ColumnType::String(nums[0]),
        "CHAR" if nums.first() == Some(&36) => ColumnType::Uuid,
        "TEXT" | "LONGTEXT" | "MEDIUMTEXT" | "VARCHAR" | "CLOB" => ColumnType::Text,
        "NUMERIC" | "DECIMAL" | "REAL_DECIMAL" => {
            ColumnType::Decimal(nums.first().copied().unwrap_or(10), nums.get(1).copied().unwrap_or(0))
        }
        "FLOAT" | "REAL" => ColumnType::Float,
        "DOUBLE" | "DOUBLE PRECISION" => ColumnType::Double,
        "DATE" => ColumnType::Date,
        "DATETIME" if nums.first() == Some(&6) => ColumnType::TimestampTz,
        "DATETIME" => ColumnType::DateTime,
        "TIMESTAMP" | "TIMESTAMPTZ" => ColumnType::TimestampTz,
        "JSON" | "JSON_TEXT" | "JSONB" => ColumnType::Json,
        "UUID" | "UUID_TEXT" => ColumnType::Uuid,
        "TIME" => ColumnType::Time,
        _ => ColumnType::Binary,
    }
}

/// The values of `'a','b','it''s'`.
fn enum_values(list: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut current = String::new();
    let mut chars = list.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('\'', false) => quoted = true,
            ('\'', true) if chars.peek() == Some(&'\'') => {
                current.push('\'');
                chars.next();
            }
            ('\'', true) => {
                quoted = false;
                values.push(std::mem::take(&mut current));
            }
            (c, true) => current.push(c),
            _ => {}
        }
    }
    values
}

/// Splits a comma-joined list of names as the catalog queries return them.
pub(crate) fn names(list: &str) -> Vec<String> {
    list.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}
