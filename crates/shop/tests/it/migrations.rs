//! The shop's revisions on every database.

use migrate::testing::TestDb;
use migrate::{Dialect, Migrator, Options, compare, inspect::inspect};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

const BOOKKEEPING: [&str; 2] = ["migrate_version", "migrate_history"];

async fn migrator(db: &TestDb) -> Migrator {
    Migrator::connect(&db.url, shop::migrations::graph().unwrap(), Options::default()).await.unwrap()
}

async fn strings(conn: &DatabaseConnection, sql: &str) -> Vec<String> {
    let stmt = Statement::from_string(conn.get_database_backend(), sql.to_owned());
    conn.query_all_raw(stmt).await.unwrap().iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

async fn count(conn: &DatabaseConnection, table: &str) -> i64 {
    let stmt = Statement::from_string(conn.get_database_backend(), format!("SELECT COUNT(*) FROM {table}"));
    conn.query_one_raw(stmt).await.unwrap().unwrap().try_get_by_index::<i64>(0).unwrap()
}

#[test]
fn the_replayed_head_matches_the_entities() {
    let entities = shop::entity::target_schema();
    let graph = shop::migrations::graph().unwrap();
    let model = graph.schema_with(&graph.ancestors(&graph.heads()));
    assert_eq!(compare::diff(&entities, &model, None), Vec::<String>::new(), "entities vs replayed model");
}

migrate::per_dialect! {
    async fn head_matches_the_model_and_survives_a_round_trip(dialect) {
        let graph = shop::migrations::graph().unwrap();
        let model = graph.schema_with(&graph.ancestors(&graph.heads()));
        let db = TestDb::new(dialect).await;
        let m = migrator(&db).await;
        assert_eq!(m.upgrade("head").await.unwrap().len(), shop::migrations::revisions().len());
        let first = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        // The replayed model equals the entities (above) and also knows the external objects
        // (trigram indexes) that only hand-written SQL describes.
        assert_eq!(compare::diff(&model, &first, Some(dialect)), Vec::<String>::new(), "{dialect}: model vs database");

        m.downgrade("base").await.unwrap();
        assert!(inspect(m.connection(), &BOOKKEEPING).await.unwrap().tables.is_empty(), "{dialect}");

        m.upgrade("head").await.unwrap();
        assert_eq!(
            inspect(m.connection(), &BOOKKEEPING).await.unwrap(),
            first,
            "{dialect}: schema differs after a round trip"
        );
        assert_eq!(m.current().await.unwrap(), m.graph().heads());
        m.close().await;
    }
}

async fn exec(conn: &DatabaseConnection, sql: &str) {
    conn.execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

const TS: &str = "'2024-01-01 10:00:00'";

migrate::per_dialect! {
    async fn step_by_step_with_rows_runs_the_data_migrations_both_ways(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db).await;
        let conn = db.connect().await;

        m.upgrade("+1").await.unwrap();
        exec(&conn, &format!("INSERT INTO categories (id, name, is_active, created_at, updated_at) VALUES (1, 'Electronics', TRUE, {TS}, {TS})")).await;
        exec(&conn, &format!("INSERT INTO products (id, name, price, stock_quantity, is_active, category_id, created_at, updated_at) VALUES (1, 'iPhone 15 Pro', 1199.99, 50, TRUE, 1, {TS}, {TS}), (2, 'MacBook Pro', 2499.99, 25, TRUE, 1, {TS}, {TS})")).await;
        exec(&conn, &format!("INSERT INTO users (id, username, email, full_name, hashed_password, is_active, is_superuser, created_at, updated_at) VALUES \
            (1, 'admin', 'admin@example.com', '  Ada Lovelace Byron ', 'x', TRUE, TRUE, {TS}, {TS}), \
            (2, 'plato', 'plato@example.com', 'Plato', 'x', TRUE, FALSE, {TS}, {TS}), \
            (3, 'ada2', 'ada2@example.com', 'Ada  King', 'x', TRUE, FALSE, {TS}, {TS})")).await;

        m.upgrade("+1").await.unwrap();
        exec(
            &conn,
            &format!(
                "INSERT INTO tags (id, name, color, created_at, updated_at) VALUES (1, 'new', '#007bff', {TS}, {TS})"
            ),
        )
        .await;
        exec(&conn, "INSERT INTO product_tags (product_id, tag_id) VALUES (1, 1), (2, 1)").await;

        // Revision 3: role backfilled from is_superuser (SQLite rebuilds users for NOT NULL).
        m.upgrade("+1").await.unwrap();
        assert_eq!(strings(&conn, "SELECT role FROM users ORDER BY id").await, ["admin", "user", "user"], "{dialect}");

        // Revision 4: full_name split.
        m.upgrade("+1").await.unwrap();
        assert_eq!(strings(&conn, "SELECT first_name FROM users ORDER BY id").await, ["Ada", "Plato", "Ada"], "{dialect}");
        assert_eq!(
            strings(&conn, "SELECT last_name FROM users ORDER BY id").await,
            ["Lovelace Byron", "", "King"],
            "{dialect}"
        );

        // Revisions 5-7: products gains a foreign key (SQLite rebuilds products, which
        // product_tags references); rows and references survive.
        m.upgrade("head").await.unwrap();
        assert_eq!(count(&conn, "products").await, 2, "{dialect}");
        assert_eq!(count(&conn, "product_tags").await, 2, "{dialect}");
        let schema = inspect(&conn, &BOOKKEEPING).await.unwrap();
        assert_eq!(schema.table("product_tags").unwrap().foreign_keys.len(), 2, "{dialect}");
        assert_eq!(schema.table("products").unwrap().foreign_keys.len(), 2, "{dialect}");

        // What the application changes at head: plato made admin, ada2 renamed by parts.
        exec(&conn, "UPDATE users SET role = 'admin' WHERE id = 2").await;
        exec(&conn, "UPDATE users SET last_name = 'Byron' WHERE id = 3").await;

        // Back down, one revision at a time.
        m.downgrade("4d5e6f708192").await.unwrap();
        assert_eq!(count(&conn, "products").await, 2, "{dialect}");
        // Revision 4 reverted: a full_name whose parts did not change keeps its exact spelling;
        // one whose parts changed is rebuilt from them.
        m.downgrade("-1").await.unwrap();
        assert_eq!(
            strings(&conn, "SELECT full_name FROM users ORDER BY id").await,
            ["  Ada Lovelace Byron ", "Plato", "Ada Byron"],
            "{dialect}"
        );
        let users = inspect(&conn, &BOOKKEEPING).await.unwrap().tables.remove("users").unwrap();
        assert!(users.column("first_name").is_none() && users.column("role").is_some(), "{dialect}");
        // Revision 3 reverted: is_superuser follows the role, so the promotion survives.
        m.downgrade("-1").await.unwrap();
        let users = inspect(&conn, &BOOKKEEPING).await.unwrap().tables.remove("users").unwrap();
        assert!(users.column("role").is_none(), "{dialect}");
        assert_eq!(
            strings(&conn, "SELECT CASE WHEN is_superuser THEN 'admin' ELSE 'user' END FROM users ORDER BY id").await,
            ["admin", "admin", "user"],
            "{dialect}"
        );
        assert_eq!(count(&conn, "users").await, 3, "{dialect}");
        m.downgrade("-1").await.unwrap();
        assert_eq!(count(&conn, "products").await, 2, "{dialect}");
        m.downgrade("-1").await.unwrap();
        assert!(m.current().await.unwrap().is_empty(), "{dialect}");
        if dialect == Dialect::Sqlite {
            assert!(inspect(&conn, &BOOKKEEPING).await.unwrap().tables.is_empty());
        }
        let _ = conn.close().await;
        m.close().await;
    }
}

migrate::per_dialect! {
    /// Users that differ only in case stop revision c62be6b546bf before it changes anything;
    /// once one of them is renamed, the upgrade keys the usernames and lowercases the emails.
    async fn users_that_differ_only_in_case_stop_the_upgrade(dialect) {
        let db = TestDb::new(dialect).await;
        let m = migrator(&db).await;
        let conn = db.connect().await;
        m.upgrade("84fddcd612a4").await.unwrap();
        let user = |id: i32, username: &str, email: &str| {
            format!(
                "INSERT INTO users (id, username, email, full_name, first_name, last_name, hashed_password, role, \
                 is_active, is_superuser, created_at, updated_at) VALUES ({id}, '{username}', '{email}', 'N', 'N', '', \
                 'x', 'user', TRUE, FALSE, {TS}, {TS})"
            )
        };
        exec(&conn, &user(1, "Bob", "bob@shop.test")).await;
        exec(&conn, &user(2, "bob", "bob2@shop.test")).await;
        exec(&conn, &user(3, "Carl", "Carl@Shop.TEST")).await;

        // From one revision earlier, the binary prints the revision that went through as it
        // goes, then the failure on one line with the cause once (not again for each error it
        // wraps); the revision's own check before its unique index is what the lint trusts,
        // so it adds no finding.
        m.stamp("6b6df4f73a4a").await.unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_shop"))
            .args(["db", "upgrade", "head"])
            .env_clear()
            .env("DATABASE_URL", &db.url)
            .output()
            .expect("run shop");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{dialect}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{dialect}: {stderr}");
        assert_eq!(stderr.matches("differ only in the case").count(), 1, "{dialect}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ran: Vec<&str> = stdout.lines().filter(|l| l.starts_with("Running ")).collect();
        assert_eq!(ran.len(), 1, "{dialect}: {stdout}");
        assert!(
            ran[0].starts_with("Running upgrade 6b6df4f73a4a -> 84fddcd612a4, mysql text compares by code point ("),
            "{dialect}: {stdout}"
        );
        let err = m.upgrade("c62be6b546bf").await.unwrap_err().to_string();
        assert!(err.contains("differ only in the case of their username: bob;"), "{dialect}: {err}");
        assert_eq!(m.current().await.unwrap(), ["84fddcd612a4"], "{dialect}");
        let users = inspect(&conn, &BOOKKEEPING).await.unwrap().tables.remove("users").unwrap();
        assert!(users.column("username_key").is_none(), "{dialect}: the refusal changed the schema");
        assert_eq!(strings(&conn, "SELECT email FROM users ORDER BY id").await[2], "Carl@Shop.TEST", "{dialect}");

        exec(&conn, "UPDATE users SET username = 'bobby' WHERE id = 2").await;
        m.upgrade("c62be6b546bf").await.unwrap();
        let keys = strings(&conn, "SELECT username_key FROM users ORDER BY id").await;
        assert_eq!(keys, ["bob", "bobby", "carl"], "{dialect}");
        assert_eq!(strings(&conn, "SELECT username FROM users ORDER BY id").await[2], "Carl", "{dialect}");
        assert_eq!(strings(&conn, "SELECT email FROM users ORDER BY id").await[2], "carl@shop.test", "{dialect}");
        let twin = user(4, "BOB", "bob4@shop.test")
            .replace("(id,", "(username_key, id,")
            .replace("VALUES (4,", "VALUES ('bob', 4,");
        assert!(conn.execute_unprepared(&twin).await.is_err(), "{dialect}: a second key 'bob' was accepted");

        m.downgrade("-1").await.unwrap();
        let users = inspect(&conn, &BOOKKEEPING).await.unwrap().tables.remove("users").unwrap();
        assert!(users.column("username_key").is_none(), "{dialect}");
        assert_eq!(count(&conn, "users").await, 3, "{dialect}");
        let _ = conn.close().await;
        m.close().await;
    }
}

migrate::per_dialect! {
    /// An autogenerated revision that adds a defaulted column and a check to `products`, which
    /// SQLite applies by rebuilding the table its search triggers hang on.
    async fn an_autogenerated_change_to_products_keeps_search_finding_new_rows(dialect) {
        use migrate::schema::{Check, Column, ColumnType, DefaultValue};
        use shop::schema::params::Params;
        use shop::search::query::ProductSearch;

        let db = TestDb::new(dialect).await;
        let m = migrator(&db).await;
        m.upgrade("head").await.unwrap();
        let conn = m.connection();
        exec(conn, &format!("INSERT INTO categories (name, is_active, created_at, updated_at) VALUES ('Tools', TRUE, {TS}, {TS})")).await;
        let product = |name: &str| {
            format!(
                "INSERT INTO products (name, price, stock_quantity, is_active, category_id, created_at, updated_at) \
                 VALUES ('{name}', 10, 1, TRUE, 1, {TS}, {TS})"
            )
        };
        exec(conn, &product("Claw hammer")).await;
        m.close().await;

        let graph = shop::migrations::graph().unwrap();
        let heads = graph.heads();
        let head_model = graph.schema_with(&graph.ancestors(&heads));
        let mut target = shop::entity::target_schema();
        if let Some(products) = target.tables.get_mut("products") {
            products.columns.push(Column::new("priority", ColumnType::Integer).default(DefaultValue::Int(0)));
            products.checks.push(Check { name: "ck_products_priority".into(), expr: "priority >= 0".into() });
        }
        let generated = migrate::diff::diff(&head_model, &target);
        let described: Vec<String> = generated.upgrade.iter().map(migrate::Op::describe).collect();
        assert_eq!(described, ["add column products.priority", "add check ck_products_priority on products"]);
        let mut revisions = shop::migrations::revisions();
        revisions.push(
            migrate::Revision::new("abcdefabcdef", "products priority")
                .revises(&heads[0])
                .with_ops(generated.upgrade.clone(), generated.downgrade.clone()),
        );
        let graph = migrate::RevisionGraph::new(revisions).unwrap();
        let model = graph.schema_with(&graph.ancestors(&graph.heads()));
        assert_eq!(compare::diff(&target, &model, None), Vec::<String>::new(), "{dialect}: check");

        let m = Migrator::connect(&db.url, graph, Options::default()).await.unwrap();
        m.upgrade("head").await.unwrap_or_else(|e| panic!("{dialect}: {e}"));
        let live = inspect(m.connection(), &BOOKKEEPING).await.unwrap();
        assert_eq!(compare::diff(&model, &live, Some(dialect)), Vec::<String>::new(), "{dialect}: check --database");

        let conn = m.connection();
        exec(conn, &product("Zebra striped mallet")).await;
        let find = |q: &str| {
            let mut params = Params::from_pairs(vec![("q".to_owned(), q.to_owned())]);
            ProductSearch::read(&mut params)
        };
        let page = shop::schema::common::Pagination { skip: 0, limit: 10 };
        for (q, name) in [("zebra", "Zebra striped mallet"), ("claw", "Claw hammer")] {
            let (items, total, _) = shop::service::products::search(conn, &find(q), page, b"secret").await.unwrap();
            let names: Vec<&str> = items.iter().map(|p| p.name.as_str()).collect();
            assert_eq!((names, total.value), (vec![name], 1), "{dialect}: q={q}");
        }
        if dialect == Dialect::Sqlite {
            // The trigram index itself holds the new row: its triggers outlived the rebuild.
            let found = strings(conn, "SELECT CAST(rowid AS TEXT) FROM products_name_trgm WHERE products_name_trgm MATCH 'ebra'").await;
            assert_eq!(found, ["2"]);
        }
        m.close().await;
    }
}
