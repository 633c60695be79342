//! Triggers and views that hand-written SQL creates and drops. A revision that runs
//! `CREATE TRIGGER ...` through `execute` declares the trigger as surely as one that calls
//! `create_external`, so the model records it from the statement: `check --database` then
//! expects it, and a SQLite table rebuild creates it again.

use super::schema::ExternalKind;

/// What a statement does to a trigger or view.
#[derive(Debug, PartialEq, Eq)]
pub enum ObjectChange {
    Create { name: String, kind: ExternalKind },
    Drop { name: String },
}

/// The trigger or view `sql` creates or drops, if it is such a statement.
pub fn change_of(sql: &str) -> Option<ObjectChange> {
    let words = words(sql, 12);
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let mut at = 0;
    let take = |at: &mut usize, word: &str| {
        let found = upper.get(*at).is_some_and(|w| w == word);
        if found {
            *at += 1;
        }
        found
    };
    if take(&mut at, "DROP") {
        if !(take(&mut at, "TRIGGER") || take(&mut at, "VIEW")) {
            return None;
        }
        if take(&mut at, "IF") && !take(&mut at, "EXISTS") {
            return None;
        }
        return words.get(at).map(|name| ObjectChange::Drop { name: unqualified(name) });
    }
    if !take(&mut at, "CREATE") {
        return None;
    }
    if take(&mut at, "OR") && !take(&mut at, "REPLACE") {
        return None;
    }
    // MySQL's `CREATE DEFINER = user TRIGGER`, PostgreSQL's `CONSTRAINT TRIGGER`, and
    // temporary objects are named the same way.
    while ["TEMP", "TEMPORARY", "CONSTRAINT", "DEFINER", "=", "ALGORITHM", "SQL", "SECURITY"]
        .contains(&upper.get(at).map_or("", String::as_str))
    {
        at += if upper[at] == "DEFINER" || upper[at] == "ALGORITHM" { 3 } else { 1 };
    }
    let is_view = upper.get(at).is_some_and(|w| w == "VIEW");
    if !(is_view || upper.get(at).is_some_and(|w| w == "TRIGGER")) {
        return None;
    }
    at += 1;
    if take(&mut at, "IF") && !(take(&mut at, "NOT") && take(&mut at, "EXISTS")) {
        return None;
    }
    let name = unqualified(words.get(at)?);
    if is_view {
        return Some(ObjectChange::Create { name, kind: ExternalKind::View });
    }
    let on = upper.iter().skip(at + 1).position(|w| w == "ON")? + at + 1;
    let table = unqualified(words.get(on + 1)?);
    Some(ObjectChange::Create { name, kind: ExternalKind::Trigger { table } })
}

/// The first `most` words of `sql`, with comments skipped and `(`, `;` ending a word.
fn words(sql: &str, most: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sql;
    while out.len() < most {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
            continue;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '(' || c == ';').unwrap_or(rest.len());
        // The end, or a `(` or `;`: the names come before them.
        if end == 0 {
            break;
        }
        out.push(rest[..end].to_owned());
        rest = &rest[end..];
    }
    out
}

/// `schema.name` or a quoted name, as the bare name the catalogs report.
fn unqualified(word: &str) -> String {
    let last = word.rsplit('.').next().unwrap_or(word);
    last.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(name: &str, table: &str) -> Option<ObjectChange> {
        Some(ObjectChange::Create { name: name.into(), kind: ExternalKind::Trigger { table: table.into() } })
    }

    #[test]
    fn reads_the_statements_each_dialect_writes() {
        assert_eq!(
            change_of("CREATE TRIGGER products_ai AFTER INSERT ON products BEGIN SELECT 1; END"),
            trigger("products_ai", "products")
        );
        assert_eq!(
            change_of("create trigger if not exists \"t1\" before update of name on \"main\".\"products\" begin end"),
            trigger("t1", "products")
        );
        assert_eq!(
            change_of("CREATE OR REPLACE TRIGGER t2 BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION f()"),
            trigger("t2", "orders")
        );
        assert_eq!(
            change_of("CREATE DEFINER = `root`@`%` TRIGGER t3 BEFORE INSERT ON `orders` FOR EACH ROW SET @x = 1"),
            trigger("t3", "orders")
        );
        assert_eq!(
            change_of("-- totals\nCREATE VIEW order_totals AS SELECT 1"),
            Some(ObjectChange::Create { name: "order_totals".into(), kind: ExternalKind::View })
        );
        assert_eq!(change_of("DROP TRIGGER IF EXISTS t1"), Some(ObjectChange::Drop { name: "t1".into() }));
        assert_eq!(change_of("drop view order_totals;"), Some(ObjectChange::Drop { name: "order_totals".into() }));
        assert_eq!(change_of("UPDATE products SET name = 'CREATE TRIGGER x ON y'"), None);
        assert_eq!(change_of("CREATE TABLE t (id INT)"), None);
        assert_eq!(change_of("CREATE INDEX ix ON t (a)"), None);
    }
}
