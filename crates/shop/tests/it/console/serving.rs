//! How `/admin` is served: the page, its files (gzip, ETag, 304), the headers that keep it to
//! its own origin, and every module import resolving to an embedded file.

use std::io::Read;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use migrate::Dialect;
use tower::ServiceExt;

use crate::support::TestApp;

struct Fetched {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    bytes: Vec<u8>,
}

async fn fetch(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut request = Request::builder().uri(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = app.app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes().to_vec();
    Fetched { status, headers, bytes }
}

fn console_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("console")
}

#[tokio::test]
async fn the_page_is_served_with_and_without_a_slash_under_a_strict_policy() {
    let app = TestApp::new(Dialect::Sqlite).await;
    for path in ["/admin", "/admin/"] {
        let page = fetch(&app, path, &[]).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        let html = String::from_utf8(page.bytes).unwrap();
        assert!(html.contains(r#"<meta name="shop-api" content="/api/v1">"#), "{html}");
        let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"] {
            assert!(policy.contains(directive), "{policy} lacks {directive}");
        }
        assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(page.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

#[tokio::test]
async fn the_page_names_a_configured_api_prefix() {
    let app = TestApp::with_settings(Dialect::Sqlite, &[("API_V1_STR", "/shop/api")]).await;
    let html = String::from_utf8(fetch(&app, "/admin", &[]).await.bytes).unwrap();
    assert!(html.contains(r#"<meta name="shop-api" content="/shop/api">"#), "{html}");
}

#[tokio::test]
async fn files_are_gzipped_for_browsers_that_accept_it_and_revalidated_by_etag() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let on_disk = std::fs::read(console_dir().join("js/main.js")).unwrap();
    let zipped = fetch(&app, "/admin/assets/js/main.js", &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.headers[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
    assert!(zipped.bytes.len() < on_disk.len(), "gzip made it no smaller");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&zipped.bytes[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, on_disk, "the gzipped file is not the file");

    let plain = fetch(&app, "/admin/assets/js/main.js", &[]).await;
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.bytes, on_disk);

    let etag = plain.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = fetch(&app, "/admin/assets/js/main.js", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
    let changed = fetch(&app, "/admin/assets/js/main.js", &[("if-none-match", "\"something-else\"")]).await;
    assert_eq!(changed.status, 200);
    assert_eq!(fetch(&app, "/admin/assets/js/main.js", &[("if-none-match", "*")]).await.status, 304);
    // The gzip copy is other bytes, so it has its own tag.
    let zipped_tag = zipped.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_ne!(zipped_tag, etag);
    let again =
        fetch(&app, "/admin/assets/js/main.js", &[("if-none-match", &zipped_tag), ("accept-encoding", "gzip")]).await;
    assert_eq!(again.status, 304);
    let other = fetch(&app, "/admin/assets/js/main.js", &[("if-none-match", &zipped_tag)]).await;
    assert_eq!(other.status, 200, "the gzip tag revalidated the plain file");

    for missing in ["/admin/assets/nope.js", "/admin/assets/../Cargo.toml", "/admin/assets/js/../../../Cargo.toml"] {
        assert_eq!(fetch(&app, missing, &[]).await.status, 404, "{missing}");
    }
}

/// Every `import ... from './x.js'` and every file the page names is served, and nothing in
/// the console names another host.
#[tokio::test]
async fn every_import_resolves_to_a_served_file_and_no_file_names_another_host() {
    let app = TestApp::new(Dialect::Sqlite).await;
    let mut checked = 0;
    for relative in super::console_files() {
        let text = std::fs::read_to_string(console_dir().join(&relative)).unwrap();
        for url in text
            .split(['"', '\'', '`', '(', ')', ' '])
            .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
        {
            // An XML namespace names SVG elements; it is never fetched.
            assert_eq!(url, "http://www.w3.org/2000/svg", "{relative} names another host: {url}");
        }
        let folder = Path::new(&relative).parent().unwrap().to_string_lossy().into_owned();
        for import in text.split(" from '").skip(1).filter_map(|rest| rest.split('\'').next()) {
            let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
            for piece in import.split('/') {
                match piece {
                    "." => {}
                    ".." => {
                        parts.pop();
                    }
                    other => parts.push(other),
                }
            }
            let served = fetch(&app, &format!("/admin/assets/{}", parts.join("/")), &[]).await;
            assert_eq!(served.status, 200, "{relative} imports {import}, which is not served");
            checked += 1;
        }
    }
    let page = String::from_utf8(fetch(&app, "/admin", &[]).await.bytes).unwrap();
    for src in page.split("\"/admin/assets/").skip(1).filter_map(|rest| rest.split('"').next()) {
        assert_eq!(fetch(&app, &format!("/admin/assets/{src}"), &[]).await.status, 200, "the page names {src}");
        checked += 1;
    }
    assert!(checked > 20, "only {checked} imports were found");
}
