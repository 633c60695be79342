//! The target schema built from SeaORM entities: what `check` and autogenerate compare the
//! replayed revisions with. Entities carry columns, keys, single-column indexes, unique
//! columns and foreign keys; composite indexes and check constraints, which entities cannot
//! declare, are added with [`EntitySchema::index`] and [`EntitySchema::check`].

use sea_orm::sea_query::{ForeignKeyAction, ForeignKeyCreateStatement, StringLen};
use sea_orm::{
    ColumnTrait, DbBackend, EntityTrait, IdenStatic, Iterable, PrimaryKeyToColumn, PrimaryKeyTrait, RelationTrait,
};

use crate::operations::schema::{
    Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, Schema, Table, Unique,
};

/// Builder of the schema a set of entities describes.
#[derive(Debug, Default, Clone)]
pub struct EntitySchema {
    schema: Schema,
}

impl EntitySchema {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the table of entity `E`.
    #[must_use]
    pub fn entity<E: EntityTrait + Default>(mut self) -> Self {
        let table = table_from_entity(E::default());
        self.schema.tables.insert(table.name.clone(), table);
        self
    }

    /// Adds an index the entity cannot declare (several columns, or a chosen name).
    #[must_use]
    pub fn index(mut self, table: &str, name: &str, columns: &[&str], unique: bool) -> Self {
        if let Some(t) = self.schema.tables.get_mut(table) {
            t.indexes.push(Index {
                name: name.to_owned(),
                columns: columns.iter().map(|c| (*c).to_owned()).collect(),
                unique,
            });
        }
        self
    }

    /// Adds a check constraint.
    #[must_use]
    pub fn check(mut self, table: &str, name: &str, expr: &str) -> Self {
        if let Some(t) = self.schema.tables.get_mut(table) {
            t.checks.push(Check { name: name.to_owned(), expr: expr.to_owned() });
        }
        self
    }

    pub fn build(self) -> Schema {
        self.schema
    }
}

/// Maps SeaORM's column type to the portable one; types the engine does not model map to
/// `Text` (and show up as a difference in `check`).
pub fn column_type(ty: &sea_orm::ColumnType) -> ColumnType {
    use sea_orm::ColumnType as S;
    match ty {
        S::TinyInteger | S::SmallInteger | S::TinyUnsigned | S::SmallUnsigned => ColumnType::SmallInteger,
        S::Integer | S::Unsigned => ColumnType::Integer,
        S::BigInteger | S::BigUnsigned => ColumnType::BigInteger,
        S::Boolean => ColumnType::Boolean,
        S::String(StringLen::N(n)) | S::Char(Some(n)) => ColumnType::String(*n),
        S::String(_) | S::Text | S::Char(None) => ColumnType::Text,
        S::Decimal(Some((p, s))) | S::Money(Some((p, s))) => ColumnType::Decimal(*p, *s),
        S::Decimal(None) | S::Money(None) => ColumnType::Decimal(16, 4),
        S::Float => ColumnType::Float,
        S::Double => ColumnType::Double,
        S::Date => ColumnType::Date,
        S::DateTime | S::Timestamp => ColumnType::DateTime,
        S::TimestampWithTimeZone => ColumnType::TimestampTz,
        S::Json | S::JsonBinary => ColumnType::Json,
        S::Uuid => ColumnType::Uuid,
        S::Time => ColumnType::Time,
        S::Enum { name, variants } => {
            ColumnType::Enum { name: name.to_string(), values: variants.iter().map(ToString::to_string).collect() }
        }
        S::Binary(_) | S::VarBinary(_) | S::Blob => ColumnType::Binary,
        _ => ColumnType::Text,
    }
}

/// The server default an entity declares with `default_value = ...` or `default_expr = ...`.
/// `NULL` is no default; an expression the engine has no variant for keeps its SQL text.
pub fn default_value(expr: &sea_orm::sea_query::SimpleExpr) -> Option<DefaultValue> {
    use sea_orm::sea_query::{Keyword, QueryBuilder, SimpleExpr as E, Value as V};
    let value = match expr {
        E::Value(v) | E::Constant(v) => v,
        E::Keyword(Keyword::Null) => return None,
        E::Keyword(Keyword::CurrentTimestamp) => return Some(DefaultValue::Expr("CURRENT_TIMESTAMP".into())),
        E::Keyword(Keyword::CurrentDate) => return Some(DefaultValue::Expr("CURRENT_DATE".into())),
        E::Keyword(Keyword::CurrentTime) => return Some(DefaultValue::Expr("CURRENT_TIME".into())),
        E::Custom(sql) => return Some(DefaultValue::Expr(sql.to_string())),
        other => {
            let select = sea_orm::sea_query::Query::select().expr(other.clone()).to_owned();
            let sql = select.to_string(sea_orm::sea_query::PostgresQueryBuilder);
            return Some(DefaultValue::Expr(sql.trim_start_matches("SELECT ").to_owned()));
        }
    };
    let int = |n: Option<i64>| n.map(DefaultValue::Int);
    match value {
        V::Bool(b) => b.map(DefaultValue::Bool),
        V::TinyInt(n) => int(n.map(i64::from)),
        V::SmallInt(n) => int(n.map(i64::from)),
        V::Int(n) => int(n.map(i64::from)),
        V::BigInt(n) => int(*n),
        V::TinyUnsigned(n) => int(n.map(i64::from)),
        V::SmallUnsigned(n) => int(n.map(i64::from)),
        V::Unsigned(n) => int(n.map(i64::from)),
        V::String(s) => s.clone().map(DefaultValue::Str),
        V::Char(c) => c.map(|c| DefaultValue::Str(c.to_string())),
        // Decimals, floats, dates and the rest: their SQL literal, a number kept exact as text.
        other => {
            let sql = sea_orm::sea_query::PostgresQueryBuilder.value_to_string(other);
            if sql == "NULL" {
                None
            } else if sql.parse::<f64>().is_ok() {
                Some(DefaultValue::Decimal(sql))
            } else {
                Some(DefaultValue::Expr(sql))
            }
        }
    }
}

fn action(action: Option<ForeignKeyAction>) -> FkAction {
    match action {
        Some(ForeignKeyAction::Cascade) => FkAction::Cascade,
        Some(ForeignKeyAction::SetNull) => FkAction::SetNull,
        Some(ForeignKeyAction::SetDefault) => FkAction::SetDefault,
        Some(ForeignKeyAction::Restrict) => FkAction::Restrict,
        _ => FkAction::NoAction,
    }
}

/// The table an entity describes. Index names follow `ix_<table>_<columns>`; unique columns
/// become unique constraints named `uq_<table>_<column>`.
pub fn table_from_entity<E: EntityTrait>(entity: E) -> Table {
    let name = entity.table_name().to_owned();
    let primary_key: Vec<String> = E::PrimaryKey::iter().map(|pk| pk.into_column().as_str().to_owned()).collect();
    let auto = E::PrimaryKey::auto_increment() && primary_key.len() == 1;
    let mut table = Table { name: name.clone(), primary_key: primary_key.clone(), ..Table::default() };
    for col in E::Column::iter() {
        let def = col.def();
        let col_name = col.as_str().to_owned();
        if def.is_unique() {
            table.uniques.push(Unique { name: format!("uq_{name}_{col_name}"), columns: vec![col_name.clone()] });
        }
        table.columns.push(Column {
            ty: column_type(def.get_column_type()),
            nullable: def.is_null(),
            default: def.get_column_default().and_then(default_value),
            auto_increment: auto && primary_key[0] == col_name,
            name: col_name,
        });
    }
    for index in sea_orm::Schema::new(DbBackend::Sqlite).create_index_from_entity(entity) {
        let columns = index.get_index_spec().get_column_names();
        table.indexes.push(Index {
            name: format!("ix_{name}_{}", columns.join("_")),
            columns,
            unique: index.is_unique_key(),
        });
    }
    for relation in E::Relation::iter() {
        let def = relation.def();
        if def.is_owner || def.skip_fk {
            continue;
        }
        let fk_name = def.fk_name.clone();
        let statement: ForeignKeyCreateStatement = def.into();
        let fk = statement.get_foreign_key();
        let columns = fk.get_columns();
        table.foreign_keys.push(ForeignKey {
            name: fk_name.unwrap_or_else(|| format!("fk_{name}_{}", columns.join("_"))),
            columns,
            ref_table: fk.get_ref_table().map(|t| t.sea_orm_table().to_string()).unwrap_or_default(),
            ref_columns: fk.get_ref_columns(),
            on_delete: action(fk.get_on_delete()),
            on_update: action(fk.get_on_update()),
        });
    }
    table
}
