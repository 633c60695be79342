//! The README's API examples, run as a user would: its set-up commands start a fresh server
//! (`cargo run --release --` is this build of the binary), then every `$ ...` transcript runs
//! in order in one shell, so variables set by one example serve the next. Each output is
//! compared in shape with what the README shows: the same lines, the same keys, the same
//! values except ids, times, tokens, cursors and order numbers (which differ on every run),
//! and a success or an error status as the README's output says.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Keys whose values differ on every run; only their JSON type is compared.
const VOLATILE: &[&str] =
    &["id", "created_at", "updated_at", "order_number", "execution_time_ms", "access_token", "next_cursor"];

/// The README section whose examples run, up to the next heading of the same level.
const SECTION: &str = "## Using the API";

#[derive(Debug)]
enum Step {
    /// A set-up block (```sh), run as it stands; it must succeed.
    Setup { text: String },
    /// A `$ command` and the output the README shows under it.
    Example { command: String, expected: Vec<String> },
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The section's fenced blocks, in order, as steps.
fn steps(readme: &str) -> Vec<Step> {
    let start = readme.find(SECTION).expect("the README has a 'Using the API' section");
    let body = &readme[start + SECTION.len()..];
    let end = body.find("\n## ").unwrap_or(body.len());
    let mut steps = Vec::new();
    let mut lines = body[..end].lines();
    while let Some(line) = lines.next() {
        let Some(lang) = line.strip_prefix("```") else { continue };
        let block: Vec<&str> = lines.by_ref().take_while(|l| !l.starts_with("```")).collect();
        if lang == "sh" {
            steps.push(Step::Setup { text: block.join("\n") });
        } else {
            steps.extend(examples(&block));
        }
    }
    steps
}

/// `$ command` lines (with their `\` continuations) and the output lines up to a blank line.
fn examples(block: &[&str]) -> Vec<Step> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < block.len() {
        let Some(first) = block[i].strip_prefix("$ ") else {
            assert!(block[i].trim().is_empty(), "README: output without a command: {:?}", block[i]);
            i += 1;
            continue;
        };
        let mut command = first.to_owned();
        while command.ends_with('\\') && i + 1 < block.len() {
            i += 1;
            command.push('\n');
            command.push_str(block[i]);
        }
        i += 1;
        let mut expected = Vec::new();
        while i < block.len() && !block[i].trim().is_empty() && !block[i].starts_with("$ ") {
            expected.push(block[i].to_owned());
            i += 1;
        }
        out.push(Step::Example { command, expected });
    }
    out
}

/// One shell script: helpers, then every step with its output, status and exit code saved
/// under `work`.
fn script(steps: &[Step], work: &Path, port: u16) -> String {
    let mut s = format!(
        r#"set -u
WORK='{work}'
trap 'kill $(cat "$WORK/server.pid" 2>/dev/null) 2>/dev/null; exit 0' EXIT
HDR=/dev/null
# `cargo run --release -- ARGS` is this build of the binary; `serve` runs in the background
# until it answers, as it would in a second terminal.
cargo() {{
  if [ "$1 $2 $3" != "run --release --" ]; then echo "unexpected: cargo $*" >&2; return 2; fi
  shift 3
  if [ "$1" = serve ]; then
    "$SHOP" "$@" >>"$WORK/server.log" 2>&1 &
    echo $! >"$WORK/server.pid"
    for _ in $(seq 200); do
      command curl -sf -o /dev/null "localhost:$PORT/health" && return 0
      sleep 0.05
    done
    echo "the server did not start; see $WORK/server.log" >&2
    return 1
  fi
  "$SHOP" "$@"
}}
# Every response's status line goes to the current step's header file.
curl() {{ command curl --max-time 30 -D "$HDR" "$@"; }}
"#,
        work = work.display()
    );
    for (i, step) in steps.iter().enumerate() {
        let text = match step {
            Step::Setup { text } => text,
            Step::Example { command, .. } => command,
        };
        let text = text.replace("localhost:8000", &format!("localhost:{port}"));
        let _ = writeln!(s, "HDR=\"$WORK/h{i}\"; : >\"$HDR\"");
        let _ = writeln!(s, "{{\n{text}\n}} >\"$WORK/o{i}\" 2>\"$WORK/e{i}\"; echo $? >\"$WORK/rc{i}\"");
    }
    s
}

/// The status of the last response a step received.
fn last_status(headers: &str) -> Option<u16> {
    headers.lines().rfind(|l| l.starts_with("HTTP/")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
}

/// Where `actual` differs in shape from `expected`, as a JSON path, or None.
fn shape_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    let key = path.rsplit('.').next().unwrap_or("");
    if VOLATILE.contains(&key) {
        let same_kind = std::mem::discriminant(expected) == std::mem::discriminant(actual);
        return (!same_kind).then(|| format!("{path}: expected a value like {expected}, got {actual}"));
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let (ek, ak): (Vec<&String>, Vec<&String>) = (e.keys().collect(), a.keys().collect());
            if ek != ak {
                return Some(format!("{path}: expected keys {ek:?}, got {ak:?}"));
            }
            e.iter().find_map(|(k, v)| shape_difference(v, &a[k], &format!("{path}.{k}")))
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Some(format!("{path}: expected {} items, got {}", e.len(), a.len()));
            }
            e.iter().zip(a).enumerate().find_map(|(i, (e, a))| shape_difference(e, a, &format!("{path}[{i}]")))
        }
        (e, a) if e == a => None,
        (e, a) => Some(format!("{path}: expected {e}, got {a}")),
    }
}

fn compare(command: &str, expected: &[String], actual: &str, status: Option<u16>) -> Result<(), String> {
    let actual: Vec<&str> = actual.lines().collect();
    if expected.len() != actual.len() {
        return Err(format!(
            "expected {} output line(s), got {}:\n{}",
            expected.len(),
            actual.len(),
            actual.join("\n")
        ));
    }
    for (e, a) in expected.iter().zip(&actual) {
        match (serde_json::from_str::<Value>(e), serde_json::from_str::<Value>(a)) {
            (Ok(e), Ok(parsed)) => {
                if let Some(diff) = shape_difference(&e, &parsed, "$") {
                    return Err(format!("{diff}\n  got: {a}"));
                }
            }
            _ if e == a => {}
            _ => return Err(format!("expected {e:?}, got {a:?}")),
        }
    }
    // A command that prints its status shows it above; otherwise the README's output says
    // whether it is an error: FastAPI's {"detail": ...}.
    if !command.contains("%{http_code}") {
        let shows_error = expected
            .first()
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
            .is_some_and(|v| v.get("detail").is_some());
        match status {
            Some(code) if shows_error != (200..300).contains(&code) => {}
            Some(code) => {
                return Err(format!(
                    "status {code}, but the README shows {}",
                    if shows_error { "an error" } else { "a success" }
                ));
            }
            None if expected.is_empty() => {}
            None => return Err("no HTTP response".to_owned()),
        }
    }
    Ok(())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn read(dir: &Path, name: String) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

#[test]
fn the_readme_api_examples_run_in_order_and_match() {
    let steps = steps(&readme());
    let examples = steps.iter().filter(|s| matches!(s, Step::Example { .. })).count();
    assert!(examples >= 20, "the README section lost its examples ({examples} found)");
    let work = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let script_path: PathBuf = work.path().join("readme.sh");
    std::fs::write(&script_path, script(&steps, work.path(), port)).expect("write the script");
    let run = Command::new("bash")
        .arg(&script_path)
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("SHOP", env!("CARGO_BIN_EXE_shop"))
        .env("PORT", port.to_string())
        .output()
        .expect("run bash");
    assert!(run.status.success(), "the script failed ({}): {}", run.status, String::from_utf8_lossy(&run.stderr));

    let mut failures = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let rc = read(work.path(), format!("rc{i}"));
        let stderr = read(work.path(), format!("e{i}"));
        let stdout = read(work.path(), format!("o{i}"));
        match step {
            Step::Setup { text } => {
                if rc.trim() != "0" {
                    failures.push(format!("set-up block failed ({}):\n{text}\n{stderr}", rc.trim()));
                    break;
                }
            }
            Step::Example { command, expected } => {
                let status = last_status(&read(work.path(), format!("h{i}")));
                if rc.trim() != "0" {
                    failures.push(format!("$ {command}\n  exit {}: {stderr}", rc.trim()));
                } else if let Err(why) = compare(command, expected, &stdout, status) {
                    failures.push(format!("$ {command}\n  {why}"));
                }
            }
        }
    }
    if !failures.is_empty() {
        let log = read(work.path(), "server.log".to_owned());
        panic!("{} README example(s) differ:\n\n{}\n\nserver log:\n{log}", failures.len(), failures.join("\n\n"));
    }
}

#[test]
fn shapes_compare_keys_and_values_but_not_ids_or_times() {
    let e: Value = serde_json::json!({"id": 1, "name": "A", "created_at": "2026-01-01T00:00:00Z", "items": [1, 2]});
    let same = serde_json::json!({"id": 7, "name": "A", "created_at": "2027-05-05T00:00:00Z", "items": [1, 2]});
    assert_eq!(shape_difference(&e, &same, "$"), None);
    let renamed = serde_json::json!({"id": 7, "name": "B", "created_at": "x", "items": [1, 2]});
    assert!(shape_difference(&e, &renamed, "$").is_some_and(|d| d.starts_with("$.name")));
    let extra = serde_json::json!({"id": 7, "name": "A", "created_at": "x", "items": [1, 2], "more": 1});
    assert!(shape_difference(&e, &extra, "$").is_some());
    let null_id = serde_json::json!({"id": null, "name": "A", "created_at": "x", "items": [1, 2]});
    assert!(shape_difference(&e, &null_id, "$").is_some());
    assert!(compare("curl", &["{\"detail\":\"x\"}".to_owned()], "{\"detail\":\"x\"}", Some(200)).is_err());
    assert!(compare("curl", &["{\"a\":1}".to_owned()], "{\"a\":1}", Some(201)).is_ok());
}

/// Names the source passes to the process environment directly: `var("X")`, `var_os("X")`,
/// and clap's `env = "X"`.
fn environment_reads_in_source() -> std::collections::BTreeSet<String> {
    fn visit(dir: &Path, found: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read the source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read a source file");
                for opener in ["var(\"", "var_os(\"", "env = \""] {
                    for (at, _) in text.match_indices(opener) {
                        let rest = &text[at + opener.len()..];
                        let name: String = rest.chars().take_while(|c| c.is_ascii_uppercase() || *c == '_').collect();
                        if !name.is_empty() && rest[name.len()..].starts_with('"') {
                            found.insert(name);
                        }
                    }
                }
            }
        }
    }
    let mut found = std::collections::BTreeSet::new();
    visit(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found
}

/// Every name the settings look up, with and without the `DB_HOST` form of the database URL.
fn settings_read() -> std::collections::BTreeSet<String> {
    let seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
    for db_host in [None, Some("127.0.0.1")] {
        shop::config::Settings::from_map(|name| {
            seen.lock().unwrap().insert(name.to_owned());
            (name == "DB_HOST").then(|| db_host.map(str::to_owned)).flatten()
        })
        .expect("the defaults are valid settings");
    }
    seen.into_inner().unwrap()
}

/// The variables named in the first column of the README's configuration table.
fn configuration_table(readme: &str) -> std::collections::BTreeSet<String> {
    let start = readme.find("## Configuration").expect("a Configuration section");
    let table = readme[start..].lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|'));
    table
        .skip(2)
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2).map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// The README's configuration table and `.env.example` name every setting the code reads,
/// and the table names nothing else, so neither can drift from the code.
#[test]
fn the_configuration_table_lists_every_setting_the_code_reads() {
    let mut read = settings_read();
    read.extend(environment_reads_in_source());
    assert!(read.contains("RUST_LOG") && read.contains("PROJECT_NAME") && read.len() > 30, "{read:?}");
    let table = configuration_table(&readme());
    let undocumented: Vec<_> = read.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&read).collect();
    assert!(undocumented.is_empty(), "read by the code but not in the README's table: {undocumented:?}");
    assert!(unknown.is_empty(), "in the README's table but not read by the code: {unknown:?}");

    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example"))
        .expect("read .env.example");
    let missing: Vec<_> = read.iter().filter(|name| !example.contains(&format!("{name}="))).collect();
    assert!(missing.is_empty(), ".env.example does not mention: {missing:?}");
}
