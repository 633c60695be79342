//! Branches, merges, `heads`, `label@head` and `depends_on`.

use migrate::schema::{Column, ColumnType as T, Table};
use migrate::testing::TestDb;
use migrate::{MigrateError, Migrator, Op, Options, Revision, RevisionGraph, inspect::inspect};
use sea_orm::ConnectionTrait;

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

fn merged_graph() -> RevisionGraph {
    RevisionGraph::new(merged()).unwrap()
}

/// `history` ranges follow the graph, not the file order: a sibling branch stays out of a
/// range along the other; branch and merge points are marked; `branches` lists them.
#[tokio::test]
async fn history_ranges_follow_the_graph_and_mark_branch_and_merge_points() {
    let run = |words: &'static [&'static str]| async move {
        migrate::cli::run(&crate::fixtures::args(words), crate::fixtures::context("", merged_graph())).await.unwrap()
    };
    let ids = |out: &str| -> Vec<String> {
        out.lines().filter_map(|l| l.split(" -> ").nth(1)).map(|r| r[..12].to_owned()).collect()
    };
    assert_eq!(ids(&run(&["history", "-r", "0000000000a1:"]).await), [MERGE, A2, A1]);
    assert_eq!(ids(&run(&["history", "-r", ":0000000000b1"]).await), [B1, BASE]);
    assert_eq!(ids(&run(&["history", "-r", "0000000000a1:0000000000a2"]).await), [A2, A1]);
    let all = run(&["history"]).await;
    assert!(all.contains(&format!("<base> -> {BASE} (branchpoint),")), "{all}");
    assert!(all.contains(&format!("{A2}, {B1} -> {MERGE} (head) (mergepoint),")), "{all}");
    let json: serde_json::Value = serde_json::from_str(&run(&["--json", "history"]).await).unwrap();
    assert!(json["current"].is_null(), "no database was read: {json}");

    let branches = run(&["branches"]).await;
    assert_eq!(branches, format!("<base> -> {BASE} (branchpoint), {BASE}\n    -> {A1}, {A1}\n    -> {B1}, {B1}\n"));
    let json: serde_json::Value = serde_json::from_str(&run(&["--json", "branches"]).await).unwrap();
    assert_eq!(json["branchpoints"][0]["children"], serde_json::json!([A1, B1]));
}

migrate::per_dialect! {
    /// `stamp` takes one revision per branch; without --purge a branch it does not name keeps
    /// its place, and revisions the code does not know are refused; --purge replaces all.
    async fn stamp_takes_several_revisions_and_purge_replaces_the_rest(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db, branched()).await;
        let stamp = |targets: &[&str], purge: bool| {
            let targets: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
            let m = &m;
            async move { m.stamp_revisions(&targets, purge).await }
        };
        let mut both = stamp(&[A2, B1], false).await.unwrap();
        both.sort();
        assert_eq!(both, [A2, B1], "{dialect}");
        let mut moved = stamp(&[A1], false).await.unwrap();
        moved.sort();
        assert_eq!(moved, [A1, B1], "{dialect}: the beta branch keeps its place");
        assert_eq!(stamp(&[A1], true).await.unwrap(), [A1], "{dialect}");

        // A revision the code does not know: refused without --purge, replaced with it.
        let store = m.store();
        m.connection()
            .execute_unprepared(&format!("UPDATE {} SET version_num = 'ffffffffffff'", store.version_table))
            .await
            .unwrap();
        match stamp(&[B1], false).await {
            Err(MigrateError::Usage(text)) => assert!(text.contains("ffffffffffff") && text.contains("--purge"), "{text}"),
            other => panic!("{dialect}: {other:?}"),
        }
        assert_eq!(stamp(&[B1], true).await.unwrap(), [B1], "{dialect}");
        assert_eq!(m.current().await.unwrap(), [B1], "{dialect}");
        m.close().await;
    }
}
