//! What every console page must satisfy, checked in the browser or from its DevTools events.

use serde_json::Value;

use super::cdp::Browser;

/// Every form control has a label, every button and link a name, and every visible text
/// meets WCAG 2.1 AA contrast (4.5:1, or 3:1 for large text) against its background.
pub fn accessible(b: &mut Browser, page: &str) {
    let problems = b.eval(
        r#"(() => {
  const problems = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const named = (el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push(`unlabelled ${el.tagName.toLowerCase()} ${el.name || el.id}`);
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    if (!(el.textContent.trim() || el.getAttribute('aria-label'))) problems.push(`unnamed ${el.tagName.toLowerCase()}`);
  }
  const rgb = (c) => { const m = /rgba?\(([^)]+)\)/.exec(c); return m ? m[1].split(/[\s,\/]+/).filter(Boolean).map(Number) : null; };
  const lum = (p) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(p[0]) + 0.7152 * f(p[1]) + 0.0722 * f(p[2]); };
  const behind = (el) => { for (let e = el; e; e = e.parentElement) { const p = rgb(getComputedStyle(e).backgroundColor); if (p && (p.length < 4 || p[3] > 0)) return p; } return [255, 255, 255]; };
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || !el.getClientRects().length || el.closest('[hidden], title, option')) continue;
    const fg = rgb(el.closest('svg') ? style.fill : style.color);
    if (!fg) continue;
    const bg = behind(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (Number(style.fontWeight) >= 700 && size >= 18.66);
    if (ratio < (large ? 3 : 4.5)) problems.push(`contrast ${ratio.toFixed(2)}: "${node.textContent.trim().slice(0, 40)}" ${style.color} on rgb(${bg.join(',')})`);
  }
  return problems;
})()"#,
    );
    let problems = problems.as_array().cloned().unwrap_or_default();
    assert!(problems.is_empty(), "accessibility problems on {page}: {problems:#?}");
}

/// Tab, from the top of the page, goes through `order` (the names of the focused controls).
pub fn tab_order(b: &mut Browser, order: &[&str]) {
    // Focusing the body itself moves the keyboard's starting point to the top of the page
    // (a blur would leave it where the last click was).
    b.eval("(() => { document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex'); window.scrollTo(0, 0); return true; })()");
    for expected in order {
        b.press("Tab");
        let now = b.eval("document.activeElement ? document.activeElement.textContent.trim() : ''");
        assert_eq!(now, *expected, "Tab order from the top of the page");
    }
}

/// At `width` CSS pixels the page scrolls vertically only.
pub fn fits_width(b: &mut Browser, width: u32, page: &str) {
    let scroll = b.eval("document.documentElement.scrollWidth");
    assert!(scroll.as_u64().unwrap() <= u64::from(width), "{page} is {scroll} px wide at a {width} px viewport");
}

/// Every request the page made went to 127.0.0.1 (or stayed inside the browser).
pub fn stays_on_loopback(events: &[Value]) {
    let mut seen = 0;
    for event in events.iter().filter(|e| e["method"] == "Network.requestWillBeSent") {
        let url = event["params"]["request"]["url"].as_str().unwrap_or_default();
        if url.starts_with("data:") || url.starts_with("blob:") || url.starts_with("about:") {
            continue;
        }
        seen += 1;
        assert!(url.starts_with("http://127.0.0.1:"), "a request left 127.0.0.1: {url}");
    }
    assert!(seen > 10, "too few requests were seen ({seen}): is the Network domain on?");
}

/// No exception, no console error or warning, and no failed load, except the HTTP errors of
/// API calls the test made fail on purpose, as (path, status): Chromium logs a 4xx answer to
/// `fetch` as an error.
pub fn console_is_clean(events: &[Value], expected_failures: &[(&str, u16)]) {
    for event in events {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.exceptionThrown" => panic!("uncaught exception: {params}"),
            "Runtime.consoleAPICalled" if matches!(params["type"].as_str(), Some("error" | "warning" | "assert")) => {
                panic!("console {}: {params}", params["type"]);
            }
            "Log.entryAdded" if matches!(params["entry"]["level"].as_str(), Some("error" | "warning")) => {
                let entry = &params["entry"];
                let url = entry["url"].as_str().unwrap_or_default();
                let text = entry["text"].as_str().unwrap_or_default();
                let expected = entry["source"] == "network"
                    && expected_failures
                        .iter()
                        .any(|(path, status)| url.contains(path) && text.contains(&format!("status of {status} ")));
                assert!(expected, "console entry: {entry}");
            }
            "Network.loadingFailed" => panic!("a load failed: {params}"),
            _ => {}
        }
    }
}

/// The console's own files, as transferred (gzip), stay under `budget` bytes.
pub fn assets_within_budget(events: &[Value], budget: u64) {
    use std::collections::HashMap;
    let mut urls = HashMap::new();
    for event in events.iter().filter(|e| e["method"] == "Network.requestWillBeSent") {
        let url = event["params"]["request"]["url"].as_str().unwrap_or_default().to_owned();
        urls.insert(event["params"]["requestId"].as_str().unwrap_or_default().to_owned(), url);
    }
    for event in events.iter().filter(|e| e["method"] == "Network.responseReceived") {
        let response = &event["params"]["response"];
        let url = response["url"].as_str().unwrap_or_default();
        if url.contains("/admin/assets/") && response["status"] == 200 {
            let headers = response["headers"].as_object().unwrap();
            let encoding =
                headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-encoding")).map(|(_, v)| v.clone());
            assert_eq!(encoding, Some(Value::from("gzip")), "{url} was sent uncompressed");
        }
    }
    let mut sizes: HashMap<String, u64> = HashMap::new();
    for event in events.iter().filter(|e| e["method"] == "Network.loadingFinished") {
        let id = event["params"]["requestId"].as_str().unwrap_or_default();
        let Some(url) = urls.get(id) else { continue };
        if !url.contains("/admin") || url.contains("/api/") {
            continue;
        }
        let bytes = event["params"]["encodedDataLength"].as_f64().unwrap_or(0.0) as u64;
        let path = url.split('#').next().unwrap_or_default().to_owned();
        let entry = sizes.entry(path).or_default();
        *entry = (*entry).max(bytes);
    }
    let total: u64 = sizes.values().sum();
    for file in super::console_files().iter().filter(|f| *f != "index.html") {
        assert!(
            sizes.keys().any(|url| url.ends_with(&format!("/admin/assets/{file}"))),
            "{file} was never loaded: {sizes:?}"
        );
    }
    eprintln!("console assets: {} files, {total} bytes transferred", sizes.len());
    assert!(total <= budget, "the console's files take {total} bytes compressed (budget {budget}): {sizes:?}");
}
