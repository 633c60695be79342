//! Branches, merges, `heads`, `label@head` and `depends_on`.

use migrate::schema::{Column, ColumnType as T, Table};
use migrate::testing::TestDb;
use migrate::{MigrateError, Migrator, Op, Options, Revision, RevisionGraph, inspect::inspect};

const BASE: &str = "000000000001";
const A1: &str = "0000000000a1";
const A2: &str = "0000000000a2";
const B1: &str = "0000000000b1";
const MERGE: &str = "0000000000ff";
const DEP: &str = "0000000000d1";

fn create(name: &str) -> (Vec<Op>, Vec<Op>) {
    let mut t = Table { name: name.into(), primary_key: vec!["id".into()], ..Table::default() };
    t.columns.push(Column::id("id"));
    (vec![Op::CreateTable(t)], vec![Op::DropTable { table: name.into() }])
}

fn add_column(table: &str, column: &str) -> (Vec<Op>, Vec<Op>) {
    (
        vec![Op::AddColumn { table: table.into(), column: Column::new(column, T::Integer).null() }],
        vec![Op::DropColumn { table: table.into(), column: column.into() }],
    )
}

fn rev(id: &str, parents: &[&str], (up, down): (Vec<Op>, Vec<Op>)) -> Revision {
    Revision::new(id, id).merges(parents).with_ops(up, down)
}

fn branched() -> Vec<Revision> {
    vec![
        rev(BASE, &[], create("base_t")),
        rev(A1, &[BASE], create("alpha_t")).branch_label("alpha"),
        rev(A2, &[A1], add_column("alpha_t", "x")),
        rev(B1, &[BASE], create("beta_t")).branch_label("beta"),
    ]
}

fn merged() -> Vec<Revision> {
    let mut revs = branched();
    revs.push(rev(MERGE, &[A2, B1], add_column("base_t", "y")));
    revs
}

async fn migrator(db: &TestDb, revs: Vec<Revision>) -> Migrator {
    Migrator::connect(&db.url, RevisionGraph::new(revs).unwrap(), Options::default()).await.unwrap()
}

migrate::per_dialect! {
    async fn two_branches_upgraded_in_either_order_then_merged_end_alike(dialect) {
        let mut schemas = Vec::new();
        for order in [["alpha@head", "beta@head"], ["beta@head", "alpha@head"]] {
            let db = TestDb::new(dialect).await;
            let m = migrator(&db, branched()).await;
            assert!(matches!(m.upgrade("head").await, Err(MigrateError::MultipleHeads(_))), "{dialect}");
            for target in order {
                m.upgrade(target).await.unwrap_or_else(|e| panic!("{dialect} {target}: {e}"));
            }
            let mut current = m.current().await.unwrap();
            current.sort();
            assert_eq!(current, [A2, B1], "{dialect}: two heads recorded");
            m.close().await;

            let m = migrator(&db, merged()).await;
            m.upgrade("heads").await.unwrap();
            assert_eq!(m.current().await.unwrap(), [MERGE], "{dialect}");
            schemas.push(inspect(m.connection(), &["migrate_version", "migrate_history"]).await.unwrap());
            // One step down from the merge gives both branch heads back.
            m.downgrade("-1").await.unwrap();
            let mut current = m.current().await.unwrap();
            current.sort();
            assert_eq!(current, [A2, B1], "{dialect}");
            m.close().await;
        }
        assert_eq!(schemas[0], schemas[1], "{dialect}: order mattered");
    }
}

migrate::per_dialect! {
    async fn upgrade_heads_applies_every_branch_and_depends_on_pulls_in_its_dependency(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db, branched()).await;
        let applied = m.upgrade("heads").await.unwrap();
        assert_eq!(applied.len(), 4, "{dialect}");
        m.close().await;

        let db = TestDb::new(dialect).await;
        let mut revs = branched();
        revs.push(rev(DEP, &[B1], create("delta_t")).depends_on(A1));
        let m = migrator(&db, revs).await;
        let applied: Vec<String> = m.upgrade(DEP).await.unwrap().into_iter().map(|r| r.revision).collect();
        assert!(applied.contains(&A1.to_owned()) && !applied.contains(&A2.to_owned()), "{dialect}: {applied:?}");
        m.close().await;
    }
}

migrate::per_dialect! {
    async fn verify_walks_branches_and_the_merge_point(dialect) {
        let servers: Vec<String> = match dialect {
            migrate::Dialect::Sqlite => Vec::new(),
            migrate::Dialect::Postgres => vec![migrate::testing::service_url("TEST_POSTGRES_URL").unwrap_or_default()],
            migrate::Dialect::Mysql => vec![migrate::testing::service_url("TEST_MYSQL_URL").unwrap_or_default()],
        };
        let ctx = migrate::cli::Context {
            url: String::new(),
            graph: RevisionGraph::new(merged()).unwrap(),
            migrations_dir: std::path::PathBuf::new(),
            options: Options::default(),
            target: None,
        };
        let table = migrate::verify::verify(&ctx, &servers, false).await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        for id in [BASE, A1, A2, B1, MERGE] {
            let row = table.lines().find(|l| l.starts_with(id)).unwrap_or_else(|| panic!("{table}"));
            assert!(!row.contains("FAIL") && row.contains("ok"), "{dialect}: {table}");
        }
    }
}
