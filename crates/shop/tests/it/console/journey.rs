//! The journey the console exists for: sign in, read the dashboard's charts, create a
//! product through a validation error, move an order along, sign out.

use serde_json::json;

use super::cdp::Browser;
use super::{ADMIN, checks, http, keep, login, png_width, seeded_server, sign_in, wait_until};

migrate::per_dialect! {
    async fn console_end_to_end_in_chromium(dialect) {
        super::in_chromium(dialect, journey).await;
    }
}

fn journey(chromium: String, url: String) {
    let dir = tempfile::tempdir().unwrap();
    let server = seeded_server(&url, dir.path(), &[("WORKER_ENABLED", "false")]);
    let addr = server.addr.clone();
    let base = format!("http://{addr}/admin");
    let admin = login(&addr, ADMIN.0, ADMIN.1);

    // A pending order for the status change, placed by a customer through the API.
    let alice = login(&addr, "alice", "demo-password");
    let (status, order) = http(
        &addr,
        "POST",
        "/api/v1/orders/",
        Some(&alice),
        Some(&json!({"items": [{"product_id": 5, "quantity": 1}]})),
    );
    assert_eq!(status, 201, "{order}");
    let order_id = order["id"].as_i64().unwrap();

    let mut b = Browser::launch(&chromium, 1440, 900);
    b.viewport(1440, 900);
    b.navigate(&base);
    b.wait_for("document.querySelector('form.login input[name=username]')", "the sign-in form");
    checks::accessible(&mut b, "the sign-in page");

    // A customer's valid sign-in is refused, and no token is kept.
    sign_in(&mut b, "alice", "demo-password");
    let refusal = b.wait_for(
        "document.querySelector('.alert.error') && document.querySelector('.alert.error').textContent",
        "the refusal",
    );
    assert!(refusal.as_str().unwrap().contains("for staff only"), "{refusal}");
    assert_eq!(b.eval("sessionStorage.length"), json!(0), "a customer's token was kept");

    // Staff sign in with the keyboard alone: type, Tab, type, Enter.
    sign_in(&mut b, ADMIN.0, ADMIN.1);
    b.wait_for(
        "document.querySelector('h1') && document.querySelector('h1').textContent === 'Dashboard'",
        "the dashboard",
    );

    // The monthly chart has a point for each of the 12 months (months without sales, which
    // the API leaves out, at zero), and its table a row each.
    let (_, monthly) = http(&addr, "GET", "/api/v1/analytics/sales/monthly?months=12", None, None);
    let reported = monthly["data"].as_array().unwrap().clone();
    assert!(reported.len() >= 2, "the sample data should span several months: {monthly}");
    let months = 12;
    let points =
        b.wait_for("document.querySelectorAll('[data-chart=monthly-sales] circle.point').length", "the monthly chart");
    assert_eq!(points, json!(months), "one point per month");
    let (_, best) = http(&addr, "GET", "/api/v1/analytics/best-sellers?limit=10", None, None);
    let bars = b.eval("document.querySelectorAll('[data-chart=best-sellers] rect.bar').length");
    assert_eq!(bars, json!(best["data"].as_array().unwrap().len()), "one bar per best seller");
    let (_, categories) = http(&addr, "GET", "/api/v1/analytics/categories", None, None);
    let bars = b.eval("document.querySelectorAll('[data-chart=categories] rect.bar').length");
    assert_eq!(bars, json!(categories["data"].as_array().unwrap().len()), "one bar per category");
    b.click("[data-chart=monthly-sales] figcaption button[aria-pressed]");
    let rows = b.wait_for("document.querySelectorAll('[data-chart=monthly-sales] tbody tr').length", "the table view");
    assert_eq!(rows, json!(months), "the table view has a row per month");
    b.click("[data-chart=monthly-sales] figcaption button[aria-pressed]");
    b.wait_for("document.querySelectorAll('[data-chart=monthly-sales] circle.point').length", "the chart again");
    checks::accessible(&mut b, "the dashboard");
    checks::tab_order(&mut b, &["Skip to content", "Shop console", "Sign out", "Dashboard", "Products"]);

    // The chart's CSV: a header, then the months oldest first with the API's raw values.
    let downloads = tempfile::tempdir().unwrap();
    let folder = downloads.path().to_string_lossy().into_owned();
    b.browser_call("Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": folder}));
    b.click_text("[data-chart=monthly-sales] figcaption button", "Download CSV");
    let file = downloads.path().join("monthly-sales.csv");
    wait_until("the CSV download", || file.exists());
    let csv = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "Month,Orders,Items sold,Revenue,Average order,Growth");
    assert_eq!(lines.len(), months + 1, "{csv}");
    let mut previous = String::new();
    let mut matched = 0;
    for line in &lines[1..] {
        let cells: Vec<&str> = line.split(',').collect();
        assert!(cells[0] > previous.as_str(), "months out of order: {csv}");
        previous = cells[0].to_owned();
        match reported.iter().find(|row| row["month"] == cells[0]) {
            Some(row) => {
                matched += 1;
                assert_eq!(cells[1], row["total_orders"].to_string());
                assert_eq!(cells[3], row["revenue"].as_str().unwrap());
                assert_eq!(cells[4], row["avg_order_value"].as_str().unwrap());
                match row["growth_rate"].as_f64() {
                    Some(rate) => assert!((cells[5].parse::<f64>().unwrap() - rate).abs() < 1e-9, "{line}"),
                    None => assert_eq!(cells[5], ""),
                }
            }
            None => assert_eq!(&cells[1..], &["0", "0", "0.00", "0.00", ""], "a month without sales: {line}"),
        }
    }
    assert_eq!(matched, reported.len(), "every month the API reports is in the CSV: {csv}");

    let shots = dir.path();
    b.eval("document.activeElement.blur(), window.scrollTo(0, 0), true");
    let wide = b.screenshot();
    assert_eq!(png_width(&wide), 1440);
    keep(&wide, shots, "dashboard-1440.png");
    b.viewport(375, 800);
    checks::fits_width(&mut b, 375, "the dashboard");
    let narrow = b.screenshot();
    assert_eq!(png_width(&narrow), 375);
    keep(&narrow, shots, "dashboard-375.png");
    b.viewport(1440, 900);

    // A product with a price of three decimals: the API's message appears beside the price
    // and nothing is created; corrected, it is created.
    b.click("nav a[href='#/products']");
    b.wait_for(
        "document.querySelector('h1').textContent === 'Products' && document.querySelector('table')",
        "the product list",
    );
    b.click("a[href='#/products/new']");
    b.wait_for("document.querySelector('form input[name=price]')", "the product form");
    b.type_into("input[name=name]", "Console Desk Lamp");
    b.type_into("input[name=price]", "12.345");
    b.type_into("input[name=stock_quantity]", "7");
    b.eval("(() => { const s = document.querySelector('select[name=category_id]'); s.value = s.options[1].value; return s.value; })()");
    b.click("form button[type=submit]");
    let message = b.wait_for(
        "document.querySelector('input[name=price][aria-invalid=true]') && document.getElementById(document.querySelector('input[name=price]').id + '-error').textContent",
        "the price's error beside the field",
    );
    assert!(message.as_str().unwrap().to_lowercase().contains("decimal"), "{message}");
    assert_eq!(b.eval("document.activeElement.name"), json!("price"), "focus moves to the field to correct");
    let (_, found) = http(&addr, "GET", "/api/v1/products/?q=Console%20Desk%20Lamp", None, None);
    assert_eq!(found["total"], json!(0), "an invalid product was created: {found}");
    checks::accessible(&mut b, "the product form with an error");
    keep(&b.screenshot(), shots, "product-form-1440.png");
    b.viewport(375, 800);
    checks::fits_width(&mut b, 375, "the product form");
    keep(&b.screenshot(), shots, "product-form-375.png");
    b.viewport(1440, 900);
    b.type_into("input[name=price]", "12.34");
    b.click("form button[type=submit]");
    b.wait_for(
        "document.querySelector('h1').textContent === 'Console Desk Lamp' && document.querySelector('.alert.ok')",
        "the created product",
    );
    let (_, found) = http(&addr, "GET", "/api/v1/products/?q=Console%20Desk%20Lamp", None, None);
    assert_eq!(found["total"], json!(1), "{found}");
    assert_eq!(found["items"][0]["price"], json!("12.34"));
    assert_eq!(found["items"][0]["stock_quantity"], json!(7));

    // The pending order goes to processing; only the allowed next step and cancel are offered.
    b.click("nav a[href='#/orders']");
    b.wait_for(
        "document.querySelector('h1').textContent === 'Orders' && document.querySelector('tbody tr a')",
        "the order list",
    );
    b.click(&format!("a[href='#/orders/{order_id}']"));
    b.wait_for("document.querySelector('[data-status=pending]')", "the pending order");
    let offered = b.eval("[...document.querySelectorAll('main button')].map(b => b.textContent).join('|')");
    assert_eq!(offered, json!("Mark as processing|Cancel order"), "the buttons offered for a pending order");
    b.click("main .bar button");
    b.wait_for("document.querySelector('[data-status=processing]')", "the order in processing");
    let (_, after) = http(&addr, "GET", &format!("/api/v1/orders/{order_id}"), Some(&admin), None);
    assert_eq!(after["status"], json!("processing"), "{after}");
    checks::accessible(&mut b, "the order page");

    // Sign out: the token is gone and a console address shows the sign-in form.
    b.click("header button");
    b.wait_for("document.querySelector('form.login')", "the sign-in form after signing out");
    assert_eq!(b.eval("sessionStorage.length"), json!(0), "the token outlived the sign-out");
    b.navigate("about:blank");
    b.wait_for("location.href === 'about:blank'", "a blank page");
    b.navigate(&format!("{base}#/orders"));
    b.wait_for("document.querySelector('form.login')", "the sign-in form for a signed-out visitor");

    let events = b.events();
    checks::stays_on_loopback(&events);
    checks::console_is_clean(&events, &[("/api/v1/products", 422)]);
    checks::assets_within_budget(&events, 200 * 1024);
    drop(b);
    drop(server);
}
