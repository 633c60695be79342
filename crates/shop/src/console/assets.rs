//! The console's files, embedded at build time, each with its ETag and a gzip copy made once.

use std::io::Write;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One file as served: its type, its bytes and gzipped bytes, each with its own strong ETag
/// (two different byte sequences may not share one). `Bytes`, so a response shares them
/// instead of copying.
pub struct Prepared {
    content_type: &'static str,
    body: Bytes,
    /// None if compressing failed: the file is then sent as it is.
    gzipped: Option<Bytes>,
    etag: HeaderValue,
    etag_gzip: HeaderValue,
}

macro_rules! embedded {
    ($($path:literal => $content_type:literal,)*) => {
        /// Every file under `crates/shop/console/` except the page itself (a unit test keeps
        /// the list and the folder in step).
        const FILES: &[(&str, &str, &[u8])] = &[
            $(($path, $content_type, include_bytes!(concat!("../../console/", $path))),)*
        ];
    };
}

embedded! {
    "app.css" => "text/css; charset=utf-8",
    "favicon.svg" => "image/svg+xml",
    "js/api.js" => "text/javascript; charset=utf-8",
    "js/chart.js" => "text/javascript; charset=utf-8",
    "js/dom.js" => "text/javascript; charset=utf-8",
    "js/form.js" => "text/javascript; charset=utf-8",
    "js/format.js" => "text/javascript; charset=utf-8",
    "js/main.js" => "text/javascript; charset=utf-8",
    "js/table.js" => "text/javascript; charset=utf-8",
    "js/pages/catalog.js" => "text/javascript; charset=utf-8",
    "js/pages/dashboard.js" => "text/javascript; charset=utf-8",
    "js/pages/login.js" => "text/javascript; charset=utf-8",
    "js/pages/orders.js" => "text/javascript; charset=utf-8",
    "js/pages/products.js" => "text/javascript; charset=utf-8",
    "js/pages/users.js" => "text/javascript; charset=utf-8",
    "js/pages/webhooks.js" => "text/javascript; charset=utf-8",
}

const INDEX: &str = include_str!("../../console/index.html");

static PREPARED: LazyLock<Vec<(&'static str, Prepared)>> = LazyLock::new(|| {
    FILES.iter().map(|(path, content_type, body)| (*path, Prepared::new(content_type, body.to_vec()))).collect()
});

/// The embedded file at `path` (relative to `/admin/assets/`).
pub fn find(path: &str) -> Option<&'static Prepared> {
    PREPARED.iter().find(|(p, _)| *p == path).map(|(_, prepared)| prepared)
}

/// The page, naming where the API lives (`API_V1_STR` is configurable).
pub fn index_page(api_prefix: &str) -> Prepared {
    let escaped = api_prefix.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    Prepared::new("text/html; charset=utf-8", INDEX.replace("{{API_PREFIX}}", &escaped).into_bytes())
}

impl Prepared {
    fn new(content_type: &'static str, body: Vec<u8>) -> Self {
        let digest = Sha256::digest(&body);
        let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let etag = HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""));
        let etag_gzip =
            HeaderValue::from_str(&format!("\"{hex}-gzip\"")).unwrap_or(HeaderValue::from_static("\"0-gzip\""));
        Self { content_type, gzipped: gzip(&body).map(Bytes::from), body: Bytes::from(body), etag, etag_gzip }
    }

    /// 304 when the browser holds this version, else the bytes, gzipped when it accepts gzip.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let mut headers = HeaderMap::new();
        for (name, value) in super::guarded() {
            headers.insert(name, value);
        }
        let zipped = self.gzipped.is_some() && accepts_gzip(request);
        let etag = if zipped { &self.etag_gzip } else { &self.etag };
        headers.insert(header::ETAG, etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        let held = request.get(header::IF_NONE_MATCH).is_some_and(|sent| {
            sent.to_str().is_ok_and(|s| {
                s.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
            })
        });
        if held {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(gzipped) = self.gzipped.as_ref().filter(|_| zipped) {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            return (headers, gzipped.clone()).into_response();
        }
        (headers, self.body.clone()).into_response()
    }
}

/// Whether `Accept-Encoding` allows gzip: named with a q above 0, or `*` above 0 when gzip
/// is not named at all (RFC 9110, 12.5.3).
fn accepts_gzip(request: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    for value in request.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
        for coding in value.split(',') {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(Some(1.0), |(_, v)| v.trim().parse::<f32>().ok());
            let allowed = q.is_some_and(|q| q > 0.0);
            if name.eq_ignore_ascii_case("gzip") {
                gzip = Some(allowed);
            } else if name == "*" {
                any = Some(allowed);
            }
        }
    }
    gzip.or(any).unwrap_or(false)
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn files_under(dir: &Path, base: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files_under(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn every_console_file_is_embedded_and_nothing_else() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
        let mut on_disk = Vec::new();
        files_under(&base, &base, &mut on_disk);
        on_disk.retain(|p| p != "index.html");
        on_disk.sort();
        let mut embedded: Vec<String> = super::FILES.iter().map(|(p, _, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "crates/shop/console/ and the embedded! list differ");
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            super::accepts_gzip(&h)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, gzip;q=0.8"));
        assert!(!with("gzip;q=0"));
        assert!(!with("gzip; Q=0.000"));
        assert!(!with("gzip;q=0, *"), "an explicit refusal beats the wildcard");
        assert!(with("*"));
        assert!(with("br, *;q=0.1"));
        assert!(!with("br"));
        assert!(!super::accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn the_page_names_the_api_prefix_escaped() {
        let page = super::index_page("/api/\"v1");
        let html = String::from_utf8(page.body.to_vec()).unwrap();
        assert!(html.contains("content=\"/api/&quot;v1\""), "{html}");
        assert!(!html.contains("{{API_PREFIX}}"));
    }
}
