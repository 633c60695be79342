//! The product fields that `filter` and `sort` may name, with their types. Nothing outside
//! this list reaches SQL, so a field name is never spliced into a statement.

use crate::entity::products;

/// How a field's literals are read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 32-bit integer column.
    Int,
    /// A `DECIMAL(10, 2)` money column.
    Money,
    Text,
    Bool,
    /// A UTC timestamp; literals are RFC 3339 or `YYYY-MM-DD` strings.
    Time,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Int => "an integer",
            Self::Money => "a number",
            Self::Text => "a string in single quotes",
            Self::Bool => "true or false",
            Self::Time => "a timestamp string such as '2024-01-31' or '2024-01-31T10:00:00Z' (years 1 to 9999)",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub column: products::Column,
    pub kind: Kind,
    pub nullable: bool,
    /// Whether `sort` accepts it (and so keyset cursors carry its value).
    pub sortable: bool,
}

/// Field names are unique, so the name identifies the field.
impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Field {}

const fn field(name: &'static str, column: products::Column, kind: Kind, nullable: bool, sortable: bool) -> Field {
    Field { name, column, kind, nullable, sortable }
}

pub const FIELDS: [Field; 11] = [
    field("id", products::Column::Id, Kind::Int, false, true),
    field("name", products::Column::Name, Kind::Text, false, true),
    field("description", products::Column::Description, Kind::Text, true, false),
    field("sku", products::Column::Sku, Kind::Text, true, false),
    field("price", products::Column::Price, Kind::Money, false, true),
    field("stock_quantity", products::Column::StockQuantity, Kind::Int, false, true),
    field("is_active", products::Column::IsActive, Kind::Bool, false, false),
    field("category_id", products::Column::CategoryId, Kind::Int, false, true),
    field("supplier_id", products::Column::SupplierId, Kind::Int, true, true),
    field("created_at", products::Column::CreatedAt, Kind::Time, false, true),
    field("updated_at", products::Column::UpdatedAt, Kind::Time, false, true),
];

/// The field called `name` (exact, lower case).
pub fn find(name: &str) -> Option<Field> {
    FIELDS.iter().copied().find(|f| f.name == name)
}

pub fn id() -> Field {
    FIELDS[0]
}

/// The names of the fields `filter` accepts, for error messages.
pub fn filter_names() -> String {
    FIELDS.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
}

/// The names of the fields `sort` accepts, for error messages.
pub fn sort_names() -> String {
    FIELDS.iter().filter(|f| f.sortable).map(|f| f.name).collect::<Vec<_>>().join(", ")
}
