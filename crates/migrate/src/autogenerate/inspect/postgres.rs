use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

use super::names;
use crate::operations::schema::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, Schema, Table, Unique,
};

fn stmt(sql: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, sql.to_owned())
}

const COLUMNS: &str = "SELECT c.table_name::text, c.column_name::text, c.data_type::text, \
    c.character_maximum_length::int, c.numeric_precision::int, c.numeric_scale::int, c.is_nullable::text, \
    c.column_default::text, c.is_identity::text, c.udt_name::text \
    FROM information_schema.columns c JOIN information_schema.tables t \
      ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE' \
    WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position";

const ENUMS: &str = "SELECT t.typname::text, e.enumlabel::text FROM pg_type t \
    JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace \
    WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder";

const CONSTRAINTS: &str = "SELECT con.conname::text, rel.relname::text, con.contype::text, \
    COALESCE((SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord) \
      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum), ''), \
    COALESCE(frel.relname::text, ''), \
    COALESCE((SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord) \
      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum), ''), \
    con.confdeltype::text, con.confupdtype::text, pg_get_constraintdef(con.oid) \
    FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid \
    JOIN pg_namespace n ON n.oid = rel.relnamespace LEFT JOIN pg_class frel ON frel.oid = con.confrelid \
    WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c') ORDER BY rel.relname, con.conname";

// sea-schema reads only unique indexes on PostgreSQL; this reads all that back no constraint.
const INDEXES: &str = "SELECT i.relname::text, t.relname::text, ix.indisunique, \
    COALESCE((SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), '') \
    FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace \
    WHERE n.nspname = current_schema() AND NOT EXISTS \
      (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u')) \
    ORDER BY t.relname, i.relname";

fn column_type(data_type: &str, length: Option<i32>, precision: Option<i32>, scale: Option<i32>) -> ColumnType {
    let n = |v: Option<i32>, d: u32| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(d);
    match data_type {
        "smallint" => ColumnType::SmallInteger,
        "integer" => ColumnType::Integer,
        "bigint" => ColumnType::BigInteger,
        "boolean" => ColumnType::Boolean,
        "character varying" if length.is_some() => ColumnType::String(n(length, 0)),
        "text" | "character varying" => ColumnType::Text,
        "numeric" => ColumnType::Decimal(n(precision, 10), n(scale, 0)),
        "real" => ColumnType::Float,
        "double precision" => ColumnType::Double,
        "date" => ColumnType::Date,
        "timestamp without time zone" => ColumnType::DateTime,
        "timestamp with time zone" => ColumnType::TimestampTz,
        "json" | "jsonb" => ColumnType::Json,
        "uuid" => ColumnType::Uuid,
        "time without time zone" => ColumnType::Time,
        _ => ColumnType::Binary,
    }
}

pub async fn inspect<C: ConnectionTrait>(conn: &C) -> Result<Schema, DbErr> {
    let mut schema = Schema::default();
    let mut enums: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for row in conn.query_all_raw(stmt(ENUMS)).await? {
        enums.entry(row.try_get_by_index(0)?).or_default().push(row.try_get_by_index(1)?);
    }
    for row in conn.query_all_raw(stmt(COLUMNS)).await? {
        let table: String = row.try_get_by_index(0)?;
        let data_type: String = row.try_get_by_index(2)?;
        let udt: String = row.try_get_by_index(9)?;
        let identity: String = row.try_get_by_index(8)?;
        let column = Column {
            name: row.try_get_by_index(1)?,
            ty: match enums.get(&udt) {
                Some(values) if data_type == "USER-DEFINED" => ColumnType::Enum { name: udt, values: values.clone() },
                _ => column_type(
                    &data_type,
                    row.try_get_by_index(3)?,
                    row.try_get_by_index(4)?,
                    row.try_get_by_index(5)?,
                ),
            },
            nullable: row.try_get_by_index::<String>(6)? == "YES",
            default: row.try_get_by_index::<Option<String>>(7)?.map(DefaultValue::Expr),
            auto_increment: identity == "YES",
        };
        let entry = schema.tables.entry(table.clone()).or_insert_with(|| Table { name: table, ..Table::default() });
        entry.columns.push(column);
    }
    for row in conn.query_all_raw(stmt(CONSTRAINTS)).await? {
        let name: String = row.try_get_by_index(0)?;
        let table: String = row.try_get_by_index(1)?;
        let kind: String = row.try_get_by_index(2)?;
        let columns = names(&row.try_get_by_index::<String>(3)?);
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        match kind.as_str() {
            "p" => t.primary_key = columns,
            "u" => t.uniques.push(Unique { name, columns }),
            "f" => t.foreign_keys.push(ForeignKey {
                name,
                columns,
                ref_table: row.try_get_by_index(4)?,
                ref_columns: names(&row.try_get_by_index::<String>(5)?),
                on_delete: action(&row.try_get_by_index::<String>(6)?),
                on_update: action(&row.try_get_by_index::<String>(7)?),
            }),
            _ => {
                let def: String = row.try_get_by_index(8)?;
                let expr = def.trim_start_matches("CHECK ").trim().to_owned();
                t.checks.push(Check { name, expr });
            }
        }
    }
    for row in conn.query_all_raw(stmt(INDEXES)).await? {
        let table: String = row.try_get_by_index(1)?;
        if let Some(t) = schema.tables.get_mut(&table) {
            t.indexes.push(Index {
                name: row.try_get_by_index(0)?,
                unique: row.try_get_by_index(2)?,
                columns: names(&row.try_get_by_index::<String>(3)?),
            });
        }
    }
    Ok(schema)
}

fn action(code: &str) -> FkAction {
    match code {
        "r" => FkAction::Restrict,
        "c" => FkAction::Cascade,
        "n" => FkAction::SetNull,
        "d" => FkAction::SetDefault,
        _ => FkAction::NoAction,
    }
}
