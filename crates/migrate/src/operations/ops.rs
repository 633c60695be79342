//! Operations are data: a revision's upgrade and downgrade record typed values here, and
//! everything else (schema model, SQL, checksum, lint) is computed from them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseTransaction, DbErr};
use serde::{Serialize, Serializer};

use crate::dialect::Dialect;
pub use crate::operations::schema::ExternalKind;
use crate::operations::schema::{Check, Column, ColumnType, DefaultValue, FkAction, ForeignKey, Index, Table, Unique};

/// The future a data step returns.
pub type DataFuture<'a> = Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send + 'a>>;

/// A data step: runs on the live connection inside the revision's transaction.
pub type DataFn = for<'a> fn(&'a DatabaseTransaction) -> DataFuture<'a>;

/// A named data step. Its name and version take part in the checksum and the offline SQL;
/// its body, Rust code, cannot, so a changed body is declared by a new version.
#[derive(Clone)]
pub struct DataStep {
    pub name: String,
    pub version: u32,
    pub run: DataFn,
}

impl fmt::Debug for DataStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataStep({:?})", self.name)
    }
}

impl Serialize for DataStep {
    // Version 1 is the bare name, as before versions existed, so the checksums recorded for
    // revisions applied then still match.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.version == 1 { s.serialize_str(&self.name) } else { s.serialize_str(&self.label()) }
    }
}

impl DataStep {
    /// The name, with the version when it is not the first: `backfill keys (v2)`.
    pub fn label(&self) -> String {
        if self.version == 1 { self.name.clone() } else { format!("{} (v{})", self.name, self.version) }
    }
}

/// A literal in a bulk insert.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Str(String),
    /// Exact decimal kept as text.
    Decimal(String),
    Float(f64),
}

/// SQL written by hand, per dialect. A dialect left `None` runs nothing for this step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct RawSql {
    pub sqlite: Option<String>,
    pub postgres: Option<String>,
    pub mysql: Option<String>,
}

/// An object the schema model cannot describe (an index with an operator class, a full-text
/// virtual table, an extension's object), created and dropped by hand-written SQL per dialect.
/// The model keeps its name and kind, so `check --database` and `verify` expect it on the
/// dialects whose SQL creates it, instead of reporting it as unexpected (or not at all).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct External {
    pub name: String,
    pub kind: ExternalKind,
    pub sql: RawSql,
}

impl External {
    pub fn describe(&self) -> String {
        match self.kind.table() {
            Some(table) => format!("{} {} on {table}", self.kind.noun(), self.name),
            None => format!("{} {}", self.kind.noun(), self.name),
        }
    }
}

impl RawSql {
    /// Each dialect's statement.
    pub fn per_dialect(&self) -> Vec<(Dialect, String)> {
        [(Dialect::Sqlite, &self.sqlite), (Dialect::Postgres, &self.postgres), (Dialect::Mysql, &self.mysql)]
            .into_iter()
            .filter_map(|(dialect, sql)| sql.clone().map(|sql| (dialect, sql)))
            .collect()
    }

    /// The dialects this SQL runs on.
    pub fn dialects(&self) -> Vec<Dialect> {
        [(Dialect::Sqlite, &self.sqlite), (Dialect::Postgres, &self.postgres), (Dialect::Mysql, &self.mysql)]
            .into_iter()
            .filter_map(|(dialect, sql)| sql.as_ref().map(|_| dialect))
            .collect()
    }
}

/// Which properties of a column an `AlterColumn` changes (`None` = unchanged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Default)]
pub struct Alter {
    pub nullable: Option<bool>,
    pub ty: Option<ColumnType>,
    pub default: Option<Option<DefaultValue>>,
}

impl Alter {
    pub fn new() -> Self {
        <Self as Default>::default()
    }

    #[must_use]
    pub fn nullable(mut self, nullable: bool) -> Self {
        self.nullable = Some(nullable);
        self
    }

    #[must_use]
    pub fn ty(mut self, ty: ColumnType) -> Self {
        self.ty = Some(ty);
        self
    }

    /// Sets (`Some`) or drops (`None`) the server default.
    #[must_use]
    pub fn default(mut self, default: Option<DefaultValue>) -> Self {
        self.default = Some(default);
        self
    }
}

/// One schema or data operation.
#[derive(Clone, Debug, Serialize)]
pub enum Op {
    CreateTable(Table),
    DropTable {
        table: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: String,
    },
    AlterColumn {
        table: String,
        column: String,
        alter: Alter,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        name: String,
    },
    /// An index built without blocking writes: `CONCURRENTLY` on PostgreSQL, which runs only
    /// outside a transaction (see [`crate::Revision::non_transactional`]); a plain index on
    /// the others (MySQL's InnoDB builds it online).
    CreateIndexConcurrently {
        table: String,
        index: Index,
    },
    DropIndexConcurrently {
        table: String,
        name: String,
    },
    AddUnique {
        table: String,
        unique: Unique,
    },
    DropUnique {
        table: String,
        name: String,
    },
    AddForeignKey {
        table: String,
        fk: ForeignKey,
    },
    DropForeignKey {
        table: String,
        name: String,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    DropCheck {
        table: String,
        name: String,
    },
    Sql(RawSql),
    /// Creates an [`External`] object with its SQL.
    CreateExternal(External),
    /// Drops an [`External`] object with its SQL.
    DropExternal(External),
    BulkInsert {
        table: String,
        columns: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    Data(DataStep),
}

impl Op {
    /// Whether PostgreSQL runs this operation only outside a transaction.
    pub fn needs_autocommit(&self) -> bool {
        matches!(self, Op::CreateIndexConcurrently { .. } | Op::DropIndexConcurrently { .. })
    }

    /// A short human description, used in logs, offline SQL comments and lint.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateTable(t) => format!("create table {}", t.name),
            Op::DropTable { table } => format!("drop table {table}"),
            Op::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Op::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Op::DropColumn { table, column } => format!("drop column {table}.{column}"),
            Op::AlterColumn { table, column, .. } => format!("alter column {table}.{column}"),
            Op::RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
            Op::CreateIndex { table, index } => format!("create index {} on {table}", index.name),
            Op::DropIndex { table, name } => format!("drop index {name} on {table}"),
            Op::CreateIndexConcurrently { table, index } => {
                format!("create index {} on {table} concurrently", index.name)
            }
            Op::DropIndexConcurrently { table, name } => format!("drop index {name} on {table} concurrently"),
            Op::AddUnique { table, unique } => format!("add unique {} on {table}", unique.name),
            Op::DropUnique { table, name } => format!("drop unique {name} on {table}"),
            Op::AddForeignKey { table, fk } => format!("add foreign key {} on {table}", fk.name),
            Op::DropForeignKey { table, name } => format!("drop foreign key {name} on {table}"),
            Op::AddCheck { table, check } => format!("add check {} on {table}", check.name),
            Op::DropCheck { table, name } => format!("drop check {name} on {table}"),
            Op::Sql(_) => "execute SQL".to_owned(),
            Op::CreateExternal(e) => format!("create {}", e.describe()),
            Op::DropExternal(e) => format!("drop {}", e.describe()),
            Op::BulkInsert { table, rows, .. } => format!("insert {} rows into {table}", rows.len()),
            Op::Data(step) => format!("data step {}", step.label()),
        }
    }
}

/// Builds a table definition for `Ops::create_table`.
#[derive(Debug, Default)]
pub struct TableBuilder {
    table: Table,
}

impl TableBuilder {
    /// Adds a column.
    pub fn add(&mut self, column: Column) -> &mut Self {
        self.table.columns.push(column);
        self
    }

    /// Adds an auto-increment integer column and makes it the primary key.
    pub fn id(&mut self, name: &str) -> &mut Self {
        self.table.columns.push(Column::id(name));
        self.table.primary_key = vec![name.to_owned()];
        self
    }

    /// Adds `created_at` and `updated_at`, UTC timestamps set by the application.
    pub fn timestamps(&mut self) -> &mut Self {
        self.add(Column::new("created_at", ColumnType::TimestampTz));
        self.add(Column::new("updated_at", ColumnType::TimestampTz))
    }

    pub fn primary_key(&mut self, columns: &[&str]) -> &mut Self {
        self.table.primary_key = strings(columns);
        self
    }

    pub fn unique(&mut self, name: &str, columns: &[&str]) -> &mut Self {
        self.table.uniques.push(Unique { name: name.to_owned(), columns: strings(columns) });
        self
    }

    pub fn foreign_key(
        &mut self,
        name: &str,
        columns: &[&str],
        ref_table: &str,
        ref_columns: &[&str],
        on_delete: FkAction,
    ) -> &mut Self {
        self.table.foreign_keys.push(fk(name, columns, ref_table, ref_columns, on_delete));
        self
    }

    pub fn check(&mut self, name: &str, expr: &str) -> &mut Self {
        self.table.checks.push(Check { name: name.to_owned(), expr: expr.to_owned() });
        self
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn fk(name: &str, columns: &[&str], ref_table: &str, ref_columns: &[&str], on_delete: FkAction) -> ForeignKey {
    ForeignKey {
        name: name.to_owned(),
        columns: strings(columns),
        ref_table: ref_table.to_owned(),
        ref_columns: strings(ref_columns),
        on_delete,
        on_update: FkAction::NoAction,
    }
}

/// The recorder a revision's `upgrade`/`downgrade` writes its operations into.
#[derive(Debug, Default)]
pub struct Ops {
    ops: Vec<Op>,
}

impl Ops {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn into_vec(self) -> Vec<Op> {
        self.ops
    }

    pub fn as_slice(&self) -> &[Op] {
        &self.ops
    }

    /// Appends an operation value directly (used by generated code and tests).
    pub fn push(&mut self, op: Op) -> &mut Self {
        self.ops.push(op);
        self
    }

    pub fn create_table(&mut self, name: &str, build: impl FnOnce(&mut TableBuilder)) -> &mut Self {
        let mut builder = TableBuilder { table: Table { name: name.to_owned(), ..Table::default() } };
        build(&mut builder);
        self.push(Op::CreateTable(builder.table))
    }

    pub fn drop_table(&mut self, name: &str) -> &mut Self {
        self.push(Op::DropTable { table: name.to_owned() })
    }

    pub fn rename_table(&mut self, from: &str, to: &str) -> &mut Self {
        self.push(Op::RenameTable { from: from.to_owned(), to: to.to_owned() })
    }

    pub fn add_column(&mut self, table: &str, column: Column) -> &mut Self {
        self.push(Op::AddColumn { table: table.to_owned(), column })
    }

    pub fn drop_column(&mut self, table: &str, column: &str) -> &mut Self {
        self.push(Op::DropColumn { table: table.to_owned(), column: column.to_owned() })
    }

    pub fn alter_column(&mut self, table: &str, column: &str, alter: Alter) -> &mut Self {
        self.push(Op::AlterColumn { table: table.to_owned(), column: column.to_owned(), alter })
    }

    pub fn rename_column(&mut self, table: &str, from: &str, to: &str) -> &mut Self {
        self.push(Op::RenameColumn { table: table.to_owned(), from: from.to_owned(), to: to.to_owned() })
    }

    pub fn create_index(&mut self, name: &str, table: &str, columns: &[&str]) -> &mut Self {
        let index = Index { name: name.to_owned(), columns: strings(columns), unique: false };
        self.push(Op::CreateIndex { table: table.to_owned(), index })
    }

    pub fn create_unique_index(&mut self, name: &str, table: &str, columns: &[&str]) -> &mut Self {
        let index = Index { name: name.to_owned(), columns: strings(columns), unique: true };
        self.push(Op::CreateIndex { table: table.to_owned(), index })
    }

    pub fn drop_index(&mut self, name: &str, table: &str) -> &mut Self {
        self.push(Op::DropIndex { table: table.to_owned(), name: name.to_owned() })
    }

    /// Builds an index without blocking writes; on PostgreSQL its revision must be
    /// [`crate::Revision::non_transactional`].
    pub fn create_index_concurrently(&mut self, name: &str, table: &str, columns: &[&str]) -> &mut Self {
        let index = Index { name: name.to_owned(), columns: strings(columns), unique: false };
        self.push(Op::CreateIndexConcurrently { table: table.to_owned(), index })
    }

    pub fn create_unique_index_concurrently(&mut self, name: &str, table: &str, columns: &[&str]) -> &mut Self {
        let index = Index { name: name.to_owned(), columns: strings(columns), unique: true };
        self.push(Op::CreateIndexConcurrently { table: table.to_owned(), index })
    }

    /// Drops an index without blocking reads and writes of its table on PostgreSQL.
    pub fn drop_index_concurrently(&mut self, name: &str, table: &str) -> &mut Self {
        self.push(Op::DropIndexConcurrently { table: table.to_owned(), name: name.to_owned() })
    }

    pub fn create_unique(&mut self, name: &str, table: &str, columns: &[&str]) -> &mut Self {
        let unique = Unique { name: name.to_owned(), columns: strings(columns) };
        self.push(Op::AddUnique { table: table.to_owned(), unique })
    }

    pub fn drop_unique(&mut self, name: &str, table: &str) -> &mut Self {
        self.push(Op::DropUnique { table: table.to_owned(), name: name.to_owned() })
    }

    pub fn create_foreign_key(
        &mut self,
        name: &str,
        table: &str,
        columns: &[&str],
        ref_table: &str,
        ref_columns: &[&str],
        on_delete: FkAction,
    ) -> &mut Self {
        let fk = fk(name, columns, ref_table, ref_columns, on_delete);
        self.push(Op::AddForeignKey { table: table.to_owned(), fk })
    }

    pub fn drop_foreign_key(&mut self, name: &str, table: &str) -> &mut Self {
        self.push(Op::DropForeignKey { table: table.to_owned(), name: name.to_owned() })
    }

    pub fn create_check(&mut self, name: &str, table: &str, expr: &str) -> &mut Self {
        let check = Check { name: name.to_owned(), expr: expr.to_owned() };
        self.push(Op::AddCheck { table: table.to_owned(), check })
    }

    pub fn drop_check(&mut self, name: &str, table: &str) -> &mut Self {
        self.push(Op::DropCheck { table: table.to_owned(), name: name.to_owned() })
    }

    /// Runs the same SQL on every dialect.
    pub fn execute(&mut self, sql: &str) -> &mut Self {
        let sql = Some(sql.to_owned());
        self.push(Op::Sql(RawSql { sqlite: sql.clone(), postgres: sql.clone(), mysql: sql }))
    }

    /// Runs dialect-specific SQL.
    pub fn execute_per_dialect(&mut self, sql: RawSql) -> &mut Self {
        self.push(Op::Sql(sql))
    }

    /// Creates an object the model cannot describe, by `sql` per dialect; dialects without
    /// SQL do not have it.
    pub fn create_external(&mut self, name: &str, kind: ExternalKind, sql: RawSql) -> &mut Self {
        self.push(Op::CreateExternal(External { name: name.to_owned(), kind, sql }))
    }

    /// Drops an object made by [`Ops::create_external`], by `sql` per dialect.
    pub fn drop_external(&mut self, name: &str, kind: ExternalKind, sql: RawSql) -> &mut Self {
        self.push(Op::DropExternal(External { name: name.to_owned(), kind, sql }))
    }

    pub fn bulk_insert(&mut self, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> &mut Self {
        self.push(Op::BulkInsert { table: table.to_owned(), columns: strings(columns), rows })
    }

    /// Runs `run` on the live connection inside the revision's transaction.
    pub fn run_data(&mut self, name: &str, run: DataFn) -> &mut Self {
        self.run_data_version(name, 1, run)
    }

    /// A data step whose body changed since an earlier version of the revision was applied:
    /// the new `version` (2, 3, ...) makes the change part of the revision's checksum.
    pub fn run_data_version(&mut self, name: &str, version: u32, run: DataFn) -> &mut Self {
        self.push(Op::Data(DataStep { name: name.to_owned(), version, run }))
    }
}
