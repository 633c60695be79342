//! The schema model: tables as plain values, so the schema at any revision can be computed in
//! memory by replaying operations, with no database.

use std::collections::BTreeMap;

use serde::Serialize;

/// A portable column type; each renderer maps it to its dialect's spelling.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ColumnType {
    SmallInteger,
    Integer,
    BigInteger,
    Boolean,
    /// `VARCHAR(n)`.
    String(u32),
    Text,
    /// Exact numeric with precision and scale (money).
    Decimal(u32, u32),
    Float,
    Double,
    Date,
    /// Date and time without a zone.
    DateTime,
    /// Date and time in UTC.
    TimestampTz,
    Json,
    Uuid,
    Binary,
    /// Time of day without a date.
    Time,
    /// One of `values`: a named type on PostgreSQL (`CREATE TYPE name AS ENUM`), an inline
    /// `ENUM(...)` on MySQL (whose catalog keeps no name), text with a CHECK on SQLite.
    Enum {
        name: String,
        values: Vec<String>,
    },
}

/// A server-side default value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum DefaultValue {
    Int(i64),
    Bool(bool),
    Str(String),
    /// A decimal literal kept as text so it is exact.
    Decimal(String),
    /// An expression understood by every dialect, e.g. `CURRENT_TIMESTAMP`.
    Expr(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    pub auto_increment: bool,
}

impl Column {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<String>, ty: ColumnType) -> Self {
        Self { name: name.into(), ty, nullable: false, default: None, auto_increment: false }
    }

    /// Makes the column nullable.
    #[must_use]
    pub fn null(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Sets the server default.
    #[must_use]
    pub fn default(mut self, value: DefaultValue) -> Self {
        self.default = Some(value);
        self
    }

    /// Marks the column as auto-incrementing.
    #[must_use]
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self
    }

    /// An auto-incrementing integer primary key column.
    pub fn id(name: impl Into<String>) -> Self {
        Self { auto_increment: true, ..Self::new(name, ColumnType::Integer) }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
pub enum FkAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl FkAction {
    pub fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }

    /// Parses the spelling used by database catalogs (`NO ACTION`, `SET NULL`, ...).
    pub fn parse(text: &str) -> Self {
        match text.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "RESTRICT" => Self::Restrict,
            "CASCADE" => Self::Cascade,
            "SET NULL" => Self::SetNull,
            "SET DEFAULT" => Self::SetDefault,
            _ => Self::NoAction,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: FkAction,
    pub on_update: FkAction,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unique {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub expr: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub uniques: Vec<Unique>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub indexes: Vec<Index>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// True when `column` takes part in a key, index or constraint of this table.
    pub fn column_is_referenced(&self, column: &str) -> bool {
        let has = |cols: &[String]| cols.iter().any(|c| c == column);
        has(&self.primary_key)
            || self.uniques.iter().any(|u| has(&u.columns))
            || self.foreign_keys.iter().any(|f| has(&f.columns))
            || self.indexes.iter().any(|i| has(&i.columns))
            || self.checks.iter().any(|c| c.expr.contains(column))
    }
}

/// A whole database schema, keyed by table name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    /// Objects made by hand-written SQL ([`crate::ops::External`]), by name.
    pub externals: BTreeMap<String, ExternalObject>,
}

/// What the model knows of an external object: its kind, and the statement that creates it
/// on each dialect that has it. A SQLite table rebuild runs the statements again for the
/// objects that go with the table (its triggers and indexes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExternalObject {
    pub kind: ExternalKind,
    pub sql: Vec<(crate::dialect::Dialect, String)>,
}

impl ExternalObject {
    /// Whether `dialect` has the object.
    pub fn on(&self, dialect: crate::dialect::Dialect) -> bool {
        self.sql.iter().any(|(d, _)| *d == dialect)
    }

    /// The statement that creates the object on `dialect`.
    pub fn creation(&self, dialect: crate::dialect::Dialect) -> Option<&str> {
        self.sql.iter().find(|(d, _)| *d == dialect).map(|(_, sql)| sql.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ExternalKind {
    /// An index on `table`; dropped with the table.
    Index { table: String },
    /// A table, with the `<name>_*` tables the database keeps for it (SQLite FTS5's shadow
    /// tables).
    Table,
    /// A trigger on `table`; dropped with the table.
    Trigger { table: String },
    /// A view.
    View,
}

impl ExternalKind {
    /// The table the object belongs to and is dropped with, if any.
    pub fn table(&self) -> Option<&str> {
        match self {
            Self::Index { table } | Self::Trigger { table } => Some(table),
            Self::Table | Self::View => None,
        }
    }

    /// The kind in words, as `check` and `describe` print it.
    pub fn noun(&self) -> &'static str {
        match self {
            Self::Index { .. } => "external index",
            Self::Table => "external table",
            Self::Trigger { .. } => "trigger",
            Self::View => "view",
        }
    }
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The enum types the columns use, by name with their values.
    pub fn enum_types(&self) -> BTreeMap<String, Vec<String>> {
        self.tables
            .values()
            .flat_map(|t| &t.columns)
            .filter_map(|c| match &c.ty {
                ColumnType::Enum { name, values } => Some((name.clone(), values.clone())),
                _ => None,
            })
            .collect()
    }

    /// Tables that hold a foreign key to `name`.
    pub fn referencing(&self, name: &str) -> Vec<&Table> {
        self.tables.values().filter(|t| t.name != name && t.foreign_keys.iter().any(|f| f.ref_table == name)).collect()
    }
}
