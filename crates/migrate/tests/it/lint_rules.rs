//! Lint rules on one risky revision: each finding has its rule id and a fix, a backfill before
//! a NOT NULL change makes it safe, and the PostgreSQL SQL of the revision is what squawk
//! would be given for comparison.

use std::collections::BTreeSet;

use migrate::lint::findings;
use migrate::testing::TestDb;
use migrate::{
    Alter, Column, ColumnType as T, DataFuture, Dialect, MigrateError, Migrator, Ops, Options, Revision, RevisionGraph,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction};

use crate::fixtures::{R3, args, chain};

const RISKY: &str = "dddddddddd12";

fn risky(op: &mut Ops) {
    op.add_column("child", Column::new("priority", T::Integer));
    op.rename_column("parent", "name", "title");
    op.alter_column("child", "parent_id", Alter::new().ty(T::BigInteger));
    op.create_index("ix_child_note", "child", &["note"]);
    op.create_check("ck_child_weight", "child", "weight >= 0");
    op.alter_column("child", "note", Alter::new().nullable(false));
    op.drop_column("child", "weight");
}

fn fill_notes(_: &DatabaseTransaction) -> DataFuture<'_> {
    Box::pin(async { Ok(()) })
}

fn backfilled(op: &mut Ops) {
    op.run_data("fill child.note", fill_notes);
    op.alter_column("child", "note", Alter::new().nullable(false));
}

fn graph_with(up: fn(&mut Ops)) -> RevisionGraph {
    let mut revisions = chain();
    revisions.push(Revision::new(RISKY, "risky").revises(R3).upgrade(up));
    RevisionGraph::new(revisions).expect("valid chain")
}

fn rules(up: fn(&mut Ops), dialect: Dialect) -> Vec<(&'static str, bool)> {
    let g = graph_with(up);
    let before = g.schema_with(&g.ancestors(&[R3.into()]));
    let ops = g.get(RISKY).expect("revision").upgrade_ops();
    let found = findings(&ops, &before, dialect);
    assert!(found.iter().all(|w| !w.fix.is_empty()), "every finding says how to do it instead");
    found.iter().map(|w| (w.rule, w.danger)).collect()
}

#[test]
fn a_risky_revision_breaks_the_rules_it_should() {
    let pg = rules(risky, Dialect::Postgres);
    for expected in [
        ("adding-required-field", true),
        ("renaming-column", false),
        ("changing-column-type", false),
        ("require-concurrent-index-creation", false),
        ("adding-check-constraint", true),
        ("constraint-missing-not-valid", false),
        ("adding-not-nullable-field", true),
        ("adding-not-nullable-field", false),
        ("ban-drop-column", true),
        ("require-lock-timeout", false),
        ("require-statement-timeout", false),
    ] {
        assert!(pg.contains(&expected), "{expected:?} missing from {pg:?}");
    }
    // SQLite has no such locks, but rebuilds the table.
    let lite = rules(risky, Dialect::Sqlite);
    assert!(lite.contains(&("sqlite-table-rebuild", false)), "{lite:?}");
    assert!(!lite.iter().any(|(rule, _)| rule.starts_with("require-")));
    // MySQL copies the table to change a type.
    assert!(rules(risky, Dialect::Mysql).contains(&("changing-column-type", false)));
}

#[test]
fn a_backfill_before_set_not_null_makes_it_safe() {
    let pg = rules(backfilled, Dialect::Postgres);
    assert!(!pg.contains(&("adding-not-nullable-field", true)), "{pg:?}");
    assert!(pg.contains(&("adding-not-nullable-field", false)), "the lock is still worth a word: {pg:?}");
    let my = rules(backfilled, Dialect::Mysql);
    assert!(my.is_empty(), "{my:?}");
}

/// With `LINT_SQL_OUT` set, writes the revision's PostgreSQL statements there (for squawk).
#[test]
fn the_risky_revision_renders_for_postgres() {
    let g = graph_with(risky);
    let mut model = g.schema_with(&g.ancestors(&[R3.into()]));
    let mut sql = String::new();
    for op in g.get(RISKY).expect("revision").upgrade_ops() {
        let (steps, next) = migrate::render::render(Dialect::Postgres, &model, &op).expect("renders");
        for step in steps {
            if let migrate::render::Step::Sql(s) = step {
                sql.push_str(&s);
                sql.push_str(";\n");
            }
        }
        model = next;
    }
    assert!(sql.contains("CREATE INDEX \"ix_child_note\""), "{sql}");
    if let Ok(path) = std::env::var("LINT_SQL_OUT") {
        std::fs::write(path, &sql).expect("writes");
    }
}

fn weight_not_negative(op: &mut Ops) {
    op.create_check("ck_child_weight", "child", "weight >= 0");
}

migrate::per_dialect! {
    /// An upgrade that fails where the lint said it could prints the finding under the cause,
    /// and `--json` carries it as data.
    async fn a_failed_upgrade_prints_the_finding_that_foresaw_it(dialect) {
        let db = TestDb::new(dialect).await;
        let m = Migrator::connect(&db.url, graph_with(weight_not_negative), Options::default()).await.unwrap();
        m.upgrade(R3).await.unwrap();
        for sql in ["INSERT INTO parent (id, name) VALUES (1, 'p')", "INSERT INTO child (id, parent_id, weight) VALUES (1, 1, -1)"] {
            m.connection().execute_unprepared(sql).await.unwrap();
        }
        m.close().await;
        let ctx = || migrate::cli::Context {
            url: db.url.clone(),
            graph: graph_with(weight_not_negative),
            migrations_dir: std::path::PathBuf::new(),
            options: Options::default(),
            target: None,
        };
        let err = migrate::cli::run(&args(&["upgrade", "head"]), ctx()).await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains(&format!("revision {RISKY} (risky) failed")), "{dialect}: {text}");
        let (cause, foreseen) = text.split_once("\nlint had warned about this revision:\n").expect("findings follow the cause");
        assert!(foreseen.contains("add check ck_child_weight on child: fails if an existing row breaks it [adding-check-constraint]"), "{dialect}: {text}");
        assert!(!cause.contains("adding-check-constraint"), "{dialect}: {text}");
        let json: serde_json::Value = serde_json::from_str(&migrate::cli::error_json(&err)).unwrap();
        assert_eq!(json["error"]["kind"], "revision_failed", "{json}");
        assert!(json["error"]["findings"][0].as_str().unwrap_or_default().contains("[adding-check-constraint]"), "{json}");
        // Nothing changed: the row is still there and the revision not recorded.
        let m = Migrator::connect(&db.url, graph_with(weight_not_negative), Options::default()).await.unwrap();
        assert_eq!(m.current().await.unwrap(), [R3], "{dialect}");
        m.close().await;
    }
}

/// `db lint` lists findings with rule ids and fixes, fails with them, and is clean once they
/// are excluded; `--json` gives the same document either way.
#[tokio::test]
async fn the_lint_command_reports_rules_and_fixes() {
    let ctx = || migrate::cli::Context {
        url: String::new(),
        graph: graph_with(risky),
        migrations_dir: std::path::PathBuf::new(),
        options: Options::default(),
        target: None,
    };
    let err = migrate::cli::run(&args(&["lint", "--dialect", "postgres"]), ctx()).await.unwrap_err();
    let MigrateError::Findings(report) = &err else { panic!("{err:?}") };
    assert_eq!(report.revisions, [RISKY]);
    let text = err.to_string();
    assert!(text.contains(&format!("{RISKY}: error[ban-drop-column] drop column child.weight")), "{text}");
    assert!(text.contains("    fix: stop using it in one release"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&migrate::cli::error_json(&err)).unwrap();
    assert_eq!(json["dialect"], "postgres");
    assert_eq!(json["error"]["kind"], "findings");
    let first = &json["findings"][0];
    for key in ["revision", "rule", "table", "message", "fix", "danger"] {
        assert!(!first[key].is_null(), "{key} in {first}");
    }
    // Without a dialect or a URL to tell it, the command says what to pass.
    let usage = migrate::cli::run(&args(&["lint"]), ctx()).await.unwrap_err();
    assert!(usage.to_string().contains("--dialect"), "{usage}");
    // Every rule excluded: clean, exit 0, the same JSON shape.
    let rules: BTreeSet<&str> = report.findings.iter().map(|p| p.warning.rule).collect();
    let mut words = vec!["--json", "lint", "--dialect", "postgres", RISKY];
    for rule in &rules {
        words.extend(["--exclude", rule]);
    }
    let clean = migrate::cli::run(&args(&words), ctx()).await.unwrap();
    let clean: serde_json::Value = serde_json::from_str(&clean).unwrap();
    assert_eq!(clean["findings"], serde_json::json!([]), "{clean}");
    assert_eq!(clean["revisions"], serde_json::json!([RISKY]));
}
