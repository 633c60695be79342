//! The triggers and views of the connected database, as external objects of the model.

use sea_orm::{ConnectionTrait, DbErr, Statement};

use crate::dialect::Dialect;
use crate::operations::schema::{ExternalKind, ExternalObject, Schema};

/// Rows of (name, table or empty for a view, definition, is_view).
fn query(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "SELECT name, CASE WHEN type = 'trigger' THEN tbl_name ELSE '' END, COALESCE(sql, ''), \
             CASE WHEN type = 'view' THEN 1 ELSE 0 END FROM sqlite_master WHERE type IN ('trigger', 'view') \
             ORDER BY name"
        }
        Dialect::Postgres => {
            "SELECT t.tgname::text, c.relname::text, pg_get_triggerdef(t.oid), 0 FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE NOT t.tgisinternal AND n.nspname = current_schema() \
             UNION ALL SELECT viewname::text, '', definition, 1 FROM pg_views WHERE schemaname = current_schema() \
             ORDER BY 1"
        }
        Dialect::Mysql => {
            "SELECT CAST(TRIGGER_NAME AS CHAR), CAST(EVENT_OBJECT_TABLE AS CHAR), CAST(ACTION_STATEMENT AS CHAR), 0 \
             FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() \
             UNION ALL SELECT CAST(TABLE_NAME AS CHAR), '', CAST(VIEW_DEFINITION AS CHAR), 1 \
             FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        }
    }
}

/// Adds the database's triggers and views to `schema.externals`.
///
/// # Errors
/// Database errors.
pub async fn add<C: ConnectionTrait>(conn: &C, dialect: Dialect, schema: &mut Schema) -> Result<(), DbErr> {
    let rows = conn.query_all_raw(Statement::from_string(dialect.backend(), query(dialect).to_owned())).await?;
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        let table: String = row.try_get_by_index(1)?;
        let sql: Option<String> = row.try_get_by_index(2)?;
        let is_view: i64 = row.try_get_by_index::<i32>(3).map(i64::from).or_else(|_| row.try_get_by_index(3))?;
        let kind = if is_view == 1 { ExternalKind::View } else { ExternalKind::Trigger { table } };
        schema.externals.insert(name, ExternalObject { kind, sql: vec![(dialect, sql.unwrap_or_default())] });
    }
    Ok(())
}
