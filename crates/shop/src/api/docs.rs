//! Interactive docs that work offline: Swagger UI from the vendored `utoipa-swagger-ui`
//! assets, ReDoc from a bundle embedded in the binary.

use axum::http::header;
use axum::response::{Html, IntoResponse};

/// The vendored ReDoc bundle, with one change: its footer logo, which it loaded from
/// `cdn.redoc.ly`, is served from `/redoc/logo-mini.svg`, so the page makes no request
/// outside the service.
static REDOC_JS: &[u8] = include_bytes!("../../assets/redoc.standalone.js");
static REDOC_LOGO: &[u8] = include_bytes!("../../assets/redoc-logo-mini.svg");

pub fn redoc_page(spec_url: &str, title: &str) -> Html<String> {
    let title = title.replace('<', "&lt;");
    Html(format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<title>{title} - ReDoc</title>\n<meta charset=\"utf-8\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <style>body {{ margin: 0; padding: 0; }}</style>\n</head>\n<body>\n\
         <redoc spec-url=\"{spec_url}\"></redoc>\n<script src=\"/redoc/redoc.standalone.js\"></script>\n</body>\n</html>\n"
    ))
}

pub async fn redoc_js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "application/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        REDOC_JS,
    )
}

pub async fn redoc_logo() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], REDOC_LOGO)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_redoc_bundle_loads_nothing_from_a_cdn() {
        let js = String::from_utf8_lossy(super::REDOC_JS);
        assert!(!js.contains("cdn.redoc.ly"), "the bundle fetches from Redocly's CDN");
        assert!(js.contains("src:\"/redoc/logo-mini.svg\""));
    }
}
