//! TIME, enum and JSON columns from an entity to each database and back: a named enum type on
//! PostgreSQL, an inline ENUM on MySQL, text with a CHECK on SQLite; JSONB, JSON, and JSON text.

use migrate::diff::diff;
use migrate::entity::table_from_entity;
use migrate::schema::{ColumnType, Schema};
use migrate::testing::TestDb;
use migrate::{Dialect, Migrator, Options, Revision, RevisionGraph, compare, inspect::inspect};
use sea_orm::{ConnectionTrait, Statement};

use crate::fixtures::{R3, chain, graph};

const SKIP: [&str; 2] = ["migrate_version", "migrate_history"];
const NEW: &str = "cccccccccc11";

mod visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "mood")]
    pub enum Mood {
        #[sea_orm(string_value = "happy")]
        Happy,
        #[sea_orm(string_value = "it's fine")]
        Fine,
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "visit")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub at: Time,
        pub mood: Mood,
        pub notes: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn head_model() -> Schema {
    let g = graph();
    g.schema_with(&g.ancestors(&g.heads()))
}

fn target() -> Schema {
    let mut target = head_model();
    let table = table_from_entity(visit::Entity);
    target.tables.insert(table.name.clone(), table);
    target
}

#[test]
fn the_entity_declares_a_time_and_an_enum() {
    let t = target();
    let ty = |name: &str| t.tables["visit"].columns.iter().find(|c| c.name == name).map(|c| c.ty.clone());
    assert_eq!(ty("at"), Some(ColumnType::Time));
    assert_eq!(
        ty("mood"),
        Some(ColumnType::Enum { name: "mood".into(), values: vec!["happy".into(), "it's fine".into()] })
    );
    let source = migrate::codegen::render_ops(&diff(&head_model(), &t).upgrade);
    assert!(
        source.contains(r#"T::Enum { name: "mood".into(), values: vec!["happy".into(), "it's fine".into()] }"#),
        "{source}"
    );
    assert!(source.contains("T::Time"), "{source}");
    assert_eq!(ty("notes"), Some(ColumnType::Json));
}

async fn run(db: &impl ConnectionTrait, dialect: Dialect, sql: &str) -> Result<(), sea_orm::DbErr> {
    db.execute_raw(Statement::from_string(dialect.backend(), sql.to_owned())).await.map(|_| ())
}

migrate::per_dialect! {
    async fn time_and_enum_columns_round_trip(dialect) {
        let db = TestDb::new(dialect).await;
        let generated = diff(&head_model(), &target());
        let mut revisions = chain();
        revisions.push(Revision::new(NEW, "visits").revises(R3).with_ops(generated.upgrade.clone(), generated.downgrade.clone()));
        let g = RevisionGraph::new(revisions).unwrap();
        assert!(diff(&g.schema_with(&g.ancestors(&g.heads())), &target()).is_empty(), "check");
        let m = Migrator::connect(&db.url, g, Options::default()).await.unwrap();
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let live = inspect(m.connection(), &SKIP).await.unwrap();
        assert_eq!(compare::diff(&target(), &live, Some(dialect)), Vec::<String>::new(), "{dialect}: check --database");

        run(m.connection(), dialect, "INSERT INTO visit (at, mood, notes) VALUES ('10:30:00', 'it''s fine', '{\"rain\": true}')").await
            .unwrap_or_else(|e| panic!("{dialect}: {e}"));
        assert!(run(m.connection(), dialect, "INSERT INTO visit (at, mood, notes) VALUES ('11:00:00', 'angry', '{}')").await.is_err(), "{dialect}: a value outside the enum");

        m.downgrade(R3).await.unwrap_or_else(|e| panic!("{dialect} downgrade: {e}"));
        let back = inspect(m.connection(), &SKIP).await.unwrap();
        assert_eq!(compare::diff(&head_model(), &back, Some(dialect)), Vec::<String>::new(), "{dialect}: downgrade");
        if dialect == Dialect::Postgres {
            let row = m.connection().query_one_raw(Statement::from_string(dialect.backend(), "SELECT COUNT(*) FROM pg_type WHERE typname = 'mood'".to_owned())).await.unwrap().unwrap();
            assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0, "the type goes with its last column");
        }
        m.close().await;
    }
}
