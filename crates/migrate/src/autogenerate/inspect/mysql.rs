use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::parse_type;
use crate::operations::schema::{Check, Column, DefaultValue, FkAction, ForeignKey, Index, Schema, Table};

fn stmt(sql: &str) -> Statement {
    Statement::from_string(DbBackend::MySql, sql.to_owned())
}

// Catalog columns are cast to CHAR because some servers report them as binary strings.
const COLUMNS: &str = "SELECT CAST(c.TABLE_NAME AS CHAR), CAST(c.COLUMN_NAME AS CHAR), CAST(c.COLUMN_TYPE AS CHAR), \
    CAST(c.IS_NULLABLE AS CHAR), CAST(c.COLUMN_DEFAULT AS CHAR), CAST(c.EXTRA AS CHAR), \
    CAST(COALESCE(c.DATETIME_PRECISION, 0) AS SIGNED) \
    FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
      ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE' \
    WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_SCHEMA = DATABASE() ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION";

const INDEXES: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), \
    CAST(COLUMN_NAME AS CHAR) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
    ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

const FOREIGN_KEYS: &str = "SELECT CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.TABLE_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
    CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), CAST(r.DELETE_RULE AS CHAR), \
    CAST(r.UPDATE_RULE AS CHAR) FROM information_schema.KEY_COLUMN_USAGE k \
    JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
      AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
    WHERE k.TABLE_SCHEMA = DATABASE() AND r.CONSTRAINT_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
    ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

// MariaDB keys check constraints by table; MySQL 8 has no TABLE_NAME there.
const CHECKS_MARIADB: &str = "SELECT CAST(TABLE_NAME AS CHAR), CAST(CONSTRAINT_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
    FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";
const CHECKS_MYSQL: &str = "SELECT CAST(tc.TABLE_NAME AS CHAR), CAST(tc.CONSTRAINT_NAME AS CHAR), CAST(cc.CHECK_CLAUSE AS CHAR) \
    FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
      ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
    WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA = DATABASE() AND cc.CONSTRAINT_SCHEMA = DATABASE()";

/// MariaDB's JSON is LONGTEXT with a check named after the column, `json_valid(`col`)`, that
/// the type itself brings: part of the column, not a constraint a revision made.
fn json_validity(name: &str, expr: &str) -> bool {
    let bare: String = expr.chars().filter(|c| *c != '`' && !c.is_whitespace()).collect();
    bare.eq_ignore_ascii_case(&format!("json_valid({name})"))
}

/// A default as the catalog holds it. MariaDB quotes literal strings and reports a nullable
/// column without default as the text `NULL`; MySQL 8 leaves literals bare and marks
/// expressions `DEFAULT_GENERATED`.
fn reported_default(text: String, extra: &str) -> DefaultValue {
    let bare_word = !text.starts_with('\'') && !text.contains('(') && text.parse::<f64>().is_err();
    if bare_word && !extra.to_ascii_uppercase().contains("DEFAULT_GENERATED") {
        DefaultValue::Str(text)
    } else {
        DefaultValue::Expr(text)
    }
}

pub async fn inspect<C: ConnectionTrait>(conn: &C) -> Result<Schema, DbErr> {
    let mut schema = Schema::default();
    for row in conn.query_all_raw(stmt(COLUMNS)).await? {
        let table: String = row.try_get_by_index(0)?;
        let column_type: String = row.try_get_by_index(2)?;
        let extra: String = row.try_get_by_index::<Option<String>>(5)?.unwrap_or_default();
        let precision: i64 = row.try_get_by_index(6)?;
        let mut ty = parse_type(&column_type);
        if column_type.eq_ignore_ascii_case("datetime") && precision == 6 {
            ty = crate::operations::schema::ColumnType::TimestampTz;
        }
        let default: Option<String> = row.try_get_by_index(4)?;
        let column = Column {
            name: row.try_get_by_index(1)?,
            ty,
            nullable: row.try_get_by_index::<String>(3)? == "YES",
            default: default.filter(|d| d != "NULL").map(|d| reported_default(d, &extra)),
            auto_increment: extra.to_ascii_lowercase().contains("auto_increment"),
        };
        let entry = schema.tables.entry(table.clone()).or_insert_with(|| Table { name: table, ..Table::default() });
        entry.columns.push(column);
    }
    for row in conn.query_all_raw(stmt(INDEXES)).await? {
        let table: String = row.try_get_by_index(0)?;
        let name: String = row.try_get_by_index(1)?;
        let non_unique: i64 = row.try_get_by_index(2)?;
        let column: String = row.try_get_by_index(3)?;
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        if name == "PRIMARY" {
            t.primary_key.push(column);
        } else if let Some(index) = t.indexes.iter_mut().find(|i| i.name == name) {
            index.columns.push(column);
        } else {
            t.indexes.push(Index { name, columns: vec![column], unique: non_unique == 0 });
        }
    }
    for row in conn.query_all_raw(stmt(FOREIGN_KEYS)).await? {
        let name: String = row.try_get_by_index(0)?;
        let table: String = row.try_get_by_index(1)?;
        let column: String = row.try_get_by_index(2)?;
        let ref_column: String = row.try_get_by_index(4)?;
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        if let Some(fk) = t.foreign_keys.iter_mut().find(|f| f.name == name) {
            fk.columns.push(column);
            fk.ref_columns.push(ref_column);
        } else {
            t.foreign_keys.push(ForeignKey {
                name,
                columns: vec![column],
                ref_table: row.try_get_by_index(3)?,
                ref_columns: vec![ref_column],
                on_delete: FkAction::parse(&row.try_get_by_index::<String>(5)?),
                on_update: FkAction::parse(&row.try_get_by_index::<String>(6)?),
            });
        }
    }
    let checks = match conn.query_all_raw(stmt(CHECKS_MARIADB)).await {
        Ok(rows) => rows,
        Err(_) => conn.query_all_raw(stmt(CHECKS_MYSQL)).await?,
    };
    for row in checks {
        let table: String = row.try_get_by_index(0)?;
        let (name, expr): (String, String) = (row.try_get_by_index(1)?, row.try_get_by_index(2)?);
        if let Some(t) = schema.tables.get_mut(&table)
            && !json_validity(&name, &expr)
        {
            t.checks.push(Check { name, expr });
        }
    }
    Ok(schema)
}
