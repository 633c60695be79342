//! Every console view, and what staff do in them: each view renders without errors, is
//! accessible and fits 375 px; conflicts are explained; the last admin is protected; filters,
//! sort and keyset pages match the API; tags, variants, cancel, password reset, a webhook's
//! one-time secret and a delivery retry work through the browser.

use serde_json::{Value, json};

use super::cdp::Browser;
use super::{ADMIN, checks, http, login, seeded_server, sign_in, wait_until};

/// A receiver that hangs up on every request, so deliveries to it fail at once (a port
/// merely assumed closed might have a listener on some machine).
fn hanging_up() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    format!("http://{addr}")
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect()
}

/// The ids in the first column of the product table on screen.
fn shown_ids(b: &mut Browser) -> Vec<i64> {
    let cells =
        b.eval("[...document.querySelectorAll('main tbody tr td:first-child')].map((td) => td.textContent.trim())");
    cells.as_array().unwrap().iter().filter_map(|c| c.as_str().and_then(|s| s.parse().ok())).collect()
}

migrate::per_dialect! {
    async fn every_view_and_the_staff_tasks_in_chromium(dialect) {
        super::in_chromium(dialect, tasks).await;
    }
}

fn tasks(chromium: String, url: String) {
    let dir = tempfile::tempdir().unwrap();
    // Deliveries to a receiver that hangs up fail at once and wait an hour for their next try.
    let server = seeded_server(&url, dir.path(), &[("WEBHOOK_RETRY_SCHEDULE", "1h"), ("WORKER_POLL_MS", "100")]);
    let addr = server.addr.clone();
    let admin = login(&addr, ADMIN.0, ADMIN.1);
    let alice = login(&addr, "alice", "demo-password");
    let receiver = hanging_up();
    let (status, hook) = http(
        &addr,
        "POST",
        "/api/v1/webhooks/",
        Some(&admin),
        Some(&json!({"url": format!("{receiver}/closed"), "events": ["order.created"], "is_active": true})),
    );
    assert_eq!(status, 201, "{hook}");
    let hook_id = hook["id"].as_i64().unwrap();
    let place = |product: i64| {
        let (status, order) = http(
            &addr,
            "POST",
            "/api/v1/orders/",
            Some(&alice),
            Some(&json!({"items": [{"product_id": product, "quantity": 1}]})),
        );
        assert_eq!(status, 201, "{order}");
        order["id"].as_i64().unwrap()
    };
    let order_id = place(5);
    let deliveries = format!("/api/v1/webhooks/{hook_id}/deliveries");
    let mut delivery_id = 0;
    wait_until("the delivery to fail", || {
        let (_, page) = http(&addr, "GET", &deliveries, Some(&admin), None);
        let first = &page["items"][0];
        delivery_id = first["id"].as_i64().unwrap_or(0);
        first["status"] == "failed"
    });
    let (_, me) = http(&addr, "GET", "/api/v1/users/me", Some(&admin), None);
    let admin_id = me["id"].as_i64().unwrap();
    let (_, users) = http(&addr, "GET", "/api/v1/users/?limit=100", Some(&admin), None);
    let bob =
        users["items"].as_array().unwrap().iter().find(|u| u["username"] == "bob").unwrap()["id"].as_i64().unwrap();

    let mut b = Browser::launch(&chromium, 1440, 900);
    b.viewport(1440, 900);
    b.navigate(&format!("http://{addr}/admin"));
    b.wait_for("document.querySelector('form.login input[name=username]')", "the sign-in form");
    sign_in(&mut b, ADMIN.0, ADMIN.1);
    b.wait_for(
        "document.querySelector('main') && document.querySelector('main').dataset.view === '/'",
        "the dashboard",
    );

    let views = [
        "#/products".to_owned(),
        "#/products/1".to_owned(),
        "#/products/new".to_owned(),
        "#/categories".to_owned(),
        "#/categories/1".to_owned(),
        "#/categories/new".to_owned(),
        "#/suppliers".to_owned(),
        "#/suppliers/1".to_owned(),
        "#/suppliers/new".to_owned(),
        "#/tags".to_owned(),
        "#/tags/1".to_owned(),
        "#/tags/new".to_owned(),
        "#/orders".to_owned(),
        format!("#/orders/{order_id}"),
        "#/users".to_owned(),
        format!("#/users/{admin_id}"),
        "#/users/new".to_owned(),
        "#/webhooks".to_owned(),
        "#/webhooks/new".to_owned(),
        format!("#/webhooks/{hook_id}"),
        format!("#/webhooks/{hook_id}/deliveries/{delivery_id}"),
        "#/".to_owned(),
    ];
    for (width, height) in [(1440, 900), (375, 800)] {
        b.viewport(width, height);
        for view in &views {
            b.open(view);
            let heading = b.text("main h1");
            assert!(
                !heading.is_empty() && heading != "Something went wrong" && heading != "Not found",
                "{view}: {}",
                b.text("main")
            );
            checks::fits_width(&mut b, width, view);
            if width == 1440 {
                checks::accessible(&mut b, view);
            }
        }
    }
    b.viewport(1440, 900);

    // A name clash is a 409 explained beside the field; nothing is created.
    b.open("#/categories/new");
    b.type_into("input[name=name]", "Electronics");
    b.click("main form button[type=submit]");
    let beside = b.wait_for(
        "document.querySelector('input[name=name][aria-invalid=true]') && document.querySelector('input[name=name]').parentElement.querySelector('.error').textContent",
        "the clash beside the name",
    );
    assert!(beside.as_str().unwrap().contains("already exists"), "{beside}");
    assert!(b.text("main .alert.error").starts_with("Not saved:"), "{}", b.text("main .alert.error"));

    // Deleting a category that still has products is refused with the reason.
    b.open("#/categories/1");
    b.click_text("main button", "Delete");
    b.click_text("main button", "Yes, delete");
    b.wait_for(
        "[...document.querySelectorAll('main .alert.error')].some((a) => a.textContent.includes('still has'))",
        "the refusal",
    );
    let (status, _) = http(&addr, "GET", "/api/v1/categories/1", None, None);
    assert_eq!(status, 200, "the category was deleted");

    // The only admin: the console says so, and demoting it is refused by the API.
    b.open(&format!("#/users/{admin_id}"));
    assert!(b.text("main .alert.info").contains("only active admin"), "{}", b.text("main"));
    b.choose("main select[name=role]", "user");
    b.click_text("main form button[type=submit]", "Save changes");
    b.wait_for(
        "[...document.querySelectorAll('main .alert.error')].some((a) => a.textContent.includes('last active admin'))",
        "the last-admin refusal",
    );
    let (_, me) = http(&addr, "GET", "/api/v1/users/me", Some(&admin), None);
    assert_eq!(me["role"], "admin");

    // A password reset: the new password signs in.
    b.open(&format!("#/users/{bob}"));
    b.type_into("input[type=password]", "Bob-Reset-Passw0rd");
    b.click_text("main form button[type=submit]", "Reset password");
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('was reset')", "the reset");
    login(&addr, "bob", "Bob-Reset-Passw0rd");

    // Products: a broken filter is explained beside it; a filter with a sort shows what the
    // API answers, in its order; keyset pages follow the API's.
    b.open("#/products");
    b.type_into("main form[role=search] input[aria-describedby]", "price <");
    b.click_text("main form[role=search] button", "Search");
    b.wait_for("document.querySelector('main form[role=search] input[aria-invalid=true]')", "the filter's error");
    b.type_into("main form[role=search] input[aria-describedby]", "category_id = 1 or price > 100");
    b.eval("(() => { const s = [...document.querySelectorAll('main form[role=search] select')][0]; s.value = ''; return true; })()");
    b.eval("(() => { const s = [...document.querySelectorAll('main form[role=search] select')][2]; s.value = '-price'; return true; })()");
    b.click_text("main form[role=search] button", "Search");
    b.wait_for("!document.querySelector('main form[role=search] input[aria-invalid=true]') && document.querySelector('main tbody tr td')", "the filtered list");
    let (_, api) = http(
        &addr,
        "GET",
        "/api/v1/products/?filter=category_id%20%3D%201%20or%20price%20%3E%20100&sort=-price&limit=25",
        None,
        None,
    );
    wait_until("the filtered rows", || shown_ids(&mut b) == ids(&api));
    assert!(ids(&api).len() > 2, "{api}");
    b.eval("(() => { const f = document.querySelector('main form[role=search]'); f.querySelector('input[aria-describedby]').value = ''; const s = [...f.querySelectorAll('select')]; s[2].value = 'id'; s[3].value = '10'; return true; })()");
    b.click_text("main form[role=search] button", "Search");
    let (_, first) = http(&addr, "GET", "/api/v1/products/?limit=10", None, None);
    wait_until("the first page", || shown_ids(&mut b) == ids(&first));
    b.click_text("main .pager button", "Next page");
    let cursor = first["next_cursor"].as_str().unwrap();
    let (_, second) = http(&addr, "GET", &format!("/api/v1/products/?limit=10&cursor={cursor}"), None, None);
    wait_until("the second page", || shown_ids(&mut b) == ids(&second));
    assert!(b.text("main .pager").contains("Page 2"));
    // A column header sorts by it from the first page, then the other way.
    b.click_text("main th button", "Price");
    let (_, by_price) = http(&addr, "GET", "/api/v1/products/?limit=10&sort=price", None, None);
    wait_until("the list by price", || shown_ids(&mut b) == ids(&by_price));
    assert_eq!(b.eval("document.querySelector('main th[aria-sort]').textContent"), json!("Price ▲"));
    b.click_text("main th button", "Price ▲");
    let (_, by_price_down) = http(&addr, "GET", "/api/v1/products/?limit=10&sort=-price", None, None);
    wait_until("the list by price, descending", || shown_ids(&mut b) == ids(&by_price_down));

    // Tags and a variant with attributes, on product 1.
    b.open("#/products/1");
    let tag = b.eval("(() => { const box = document.querySelector('main [role=group] input[type=checkbox]:not(:checked)'); box.click(); return Number(box.value); })()");
    b.click_text("main form button[type=submit]", "Save tags");
    b.wait_for(
        "[...document.querySelectorAll('main .alert.ok')].some((a) => a.textContent.includes('Tags saved'))",
        "the tags saved",
    );
    let (_, product) = http(&addr, "GET", "/api/v1/products/1?include=tags", None, None);
    assert!(product["tags"].as_array().unwrap().iter().any(|t| t["id"] == tag), "{product}");
    b.click_text("main button", "New variant");
    b.type_into("main h3 + form input[name=sku]", "CONSOLE-V1");
    b.type_into("main h3 + form input[name=name]", "Console edition");
    b.type_into("main h3 + form input[name=price_modifier]", "-5.50");
    b.type_into("main h3 + form input[name=stock_quantity]", "3");
    b.type_into("main h3 + form textarea[name=attributes]", "color=red\nsize=M");
    b.click_text("main h3 + form button[type=submit]", "Add variant");
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('Variant added')", "the variant");
    let (_, variants) = http(&addr, "GET", "/api/v1/products/1/variants/", None, None);
    let made = variants["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "CONSOLE-V1")
        .expect("the variant exists")
        .clone();
    assert_eq!(made["price_modifier"], "-5.50");
    assert_eq!(made["attributes"], json!([{"name": "color", "value": "red"}, {"name": "size", "value": "M"}]));
    b.click("button[aria-label='Edit variant CONSOLE-V1']");
    b.type_into("main h3 + form input[name=stock_quantity]", "9");
    b.click_text("main h3 + form button[type=submit]", "Save variant");
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('Variant saved')", "the variant saved");
    let (_, edited) = http(&addr, "GET", &format!("/api/v1/products/1/variants/{}", made["id"]), None, None);
    assert_eq!(edited["stock_quantity"], json!(9), "{edited}");
    assert_eq!(edited["price_modifier"], "-5.50", "an unchanged field changed: {edited}");

    // Cancelling a pending order puts its stock back.
    let (_, before) = http(&addr, "GET", "/api/v1/products/6", None, None);
    let stock = before["stock_quantity"].as_i64().unwrap();
    let second_order = place(6);
    let (_, taken) = http(&addr, "GET", "/api/v1/products/6", None, None);
    assert_eq!(taken["stock_quantity"], json!(stock - 1), "the order took no stock");
    b.open(&format!("#/orders/{second_order}"));
    b.click_text("main button", "Cancel order");
    b.click_text("main button", "Yes, cancel order");
    b.wait_for("document.querySelector('[data-status=cancelled]')", "the cancelled order");
    let (_, after) = http(&addr, "GET", "/api/v1/products/6", None, None);
    assert_eq!(after["stock_quantity"], before["stock_quantity"], "the stock did not come back");

    // A new endpoint's secret is shown once, and not on the endpoint's page.
    b.open("#/webhooks/new");
    b.type_into("input[name=url]", &format!("{receiver}/another"));
    b.click_text("main form button[type=submit]", "Create endpoint");
    let secret =
        b.wait_for("document.querySelector('.secret') && document.querySelector('.secret').textContent", "the secret");
    let secret = secret.as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    b.click_text("main a", "I have stored it: open the endpoint");
    b.wait_for("document.querySelector('main').dataset.view.startsWith('/webhooks/') && document.querySelector('main h1').textContent.includes('/another')", "the endpoint page");
    assert!(!b.text("body").contains(&secret), "the secret is shown again");
    let edited_hook = b.eval("document.querySelector('main').dataset.view.split('/')[2]");
    b.eval("(() => { const box = [...document.querySelectorAll('main [role=group] input[type=checkbox]')].find((c) => c.value === 'product.low_stock'); box.click(); return !box.checked; })()");
    b.type_into("main input[name=description]", "Low stock goes elsewhere");
    b.click_text("main form button[type=submit]", "Save changes");
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('Endpoint saved')", "the endpoint saved");
    let (_, saved) =
        http(&addr, "GET", &format!("/api/v1/webhooks/{}", edited_hook.as_str().unwrap()), Some(&admin), None);
    assert_eq!(saved["events"], json!(["order.created", "order.status_changed"]), "{saved}");
    assert_eq!(saved["description"], "Low stock goes elsewhere");

    // A failed delivery is retried from its log.
    b.open(&format!("#/webhooks/{hook_id}"));
    b.click(&format!("button[aria-label='Retry delivery {delivery_id}']"));
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('queued')", "the retry");
    wait_until("the second attempt", || {
        let (_, detail) = http(&addr, "GET", &format!("{deliveries}/{delivery_id}"), Some(&admin), None);
        detail["attempt_log"].as_array().is_some_and(|log| log.len() >= 2)
    });

    // An edit saves only what changed; a delete goes through its confirmation.
    b.open("#/suppliers/1");
    b.type_into("main input[name=rating]", "4.5");
    b.click_text("main form button[type=submit]", "Save changes");
    b.wait_for("document.querySelector('main .alert.ok') && document.querySelector('main .alert.ok').textContent.includes('was saved')", "the supplier saved");
    let (_, supplier) = http(&addr, "GET", "/api/v1/suppliers/1", None, None);
    assert_eq!(supplier["rating"], json!(4.5));
    let (status, tag) = http(&addr, "POST", "/api/v1/tags/", Some(&admin), Some(&json!({"name": "console-temp"})));
    assert_eq!(status, 201, "{tag}");
    b.open(&format!("#/tags/{}", tag["id"]));
    b.click_text("main button", "Delete");
    b.click_text("main button", "Yes, delete");
    b.wait_for(
        "document.querySelector('main').dataset.view === '/tags' && document.querySelector('main .alert.ok')",
        "the tag list after the delete",
    );
    assert_eq!(http(&addr, "GET", &format!("/api/v1/tags/{}", tag["id"]), None, None).0, 404);

    // A small list filters as you type.
    b.open("#/categories");
    b.type_into("main input[type=search]", "elec");
    wait_until("the filtered categories", || {
        b.eval("[...document.querySelectorAll('main tbody tr td:nth-child(2)')].map((td) => td.textContent)")
            == json!(["Electronics"])
    });

    // A customer's orders, from their page: only theirs, as many as the API has.
    b.open(&format!("#/users/{bob}"));
    b.click_text("main button", "Orders of bob");
    let bob_token = login(&addr, "bob", "Bob-Reset-Passw0rd");
    let (_, bobs) = http(&addr, "GET", "/api/v1/orders/?limit=25", Some(&bob_token), None);
    let expected: Vec<Value> = bobs["items"].as_array().unwrap().iter().map(|o| o["order_number"].clone()).collect();
    assert!(!expected.is_empty(), "{bobs}");
    wait_until("bob's orders", || {
        b.eval("[...document.querySelectorAll('main tbody tr td:first-child')].map((td) => td.textContent)")
            == json!(expected)
    });

    // The order list names its customers.
    let customers =
        b.eval("[...document.querySelectorAll('main tbody tr td:nth-child(3)')].map((td) => td.textContent)");
    assert!(customers.as_array().unwrap().iter().all(|c| c == "bob"), "{customers}");

    // Orders filtered by status show what the API counts.
    b.open("#/orders");
    b.eval("document.querySelector('main form[role=search] input').value = '', true");
    b.choose("main form[role=search] select", "cancelled");
    b.click_text("main form[role=search] button", "Show");
    let (_, cancelled) = http(&addr, "GET", "/api/v1/orders/?status=cancelled&limit=25", Some(&admin), None);
    let expected = cancelled["items"].as_array().unwrap().len();
    assert!(expected >= 1, "{cancelled}");
    wait_until("the cancelled orders", || {
        b.eval("[...document.querySelectorAll('main tbody .badge')].map((x) => x.textContent)")
            == json!(vec!["cancelled"; expected])
    });

    // Money in the browser's locale: German groups thousands with '.' and writes ',' decimals.
    b.call("Emulation.setLocaleOverride", json!({"locale": "de-DE"}));
    b.open("#/");
    // The old page is marked, so the wait sees the reloaded one.
    b.eval("window.beforeReload = true");
    b.call("Page.reload", json!({}));
    b.wait_for("!window.beforeReload && document.querySelector('main') && document.querySelector('main').dataset.view === '/' && document.querySelector('.card')", "the dashboard in German");
    let (_, summary) = http(&addr, "GET", "/api/v1/analytics/summary", None, None);
    let german = german_money(summary["data"]["inventory_value"].as_str().unwrap());
    let card = b.eval("[...document.querySelectorAll('.card')].find((c) => c.querySelector('.label').textContent === 'Inventory value').querySelector('.value').textContent");
    assert_eq!(card, json!(german));

    // A name that a spreadsheet would run as a formula is quoted in the chart's CSV.
    let (status, made) =
        http(&addr, "POST", "/api/v1/categories/", Some(&admin), Some(&json!({"name": "=HYPERLINK(1)"})));
    assert_eq!(status, 201, "{made}");
    let downloads = tempfile::tempdir().unwrap();
    let folder = downloads.path().to_string_lossy().into_owned();
    b.browser_call("Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": folder}));
    b.open("#/products");
    b.open("#/");
    b.click_text("[data-chart=categories] figcaption button", "Download CSV");
    let file = downloads.path().join("categories.csv");
    wait_until("the categories CSV", || file.exists());
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("'=HYPERLINK(1),0,")), "{csv}");

    // Changing your own password ends your session: the console says so and asks again.
    b.open(&format!("#/users/{admin_id}"));
    b.type_into("input[type=password]", "Console-Admin-Passw0rd-2");
    b.click_text("main form button[type=submit]", "Reset password");
    let said = b.wait_for(
        "document.querySelector('form.login .alert') && document.querySelector('form.login .alert').textContent",
        "the sign-in form after the change",
    );
    assert!(said.as_str().unwrap().contains("Your password was changed"), "{said}");
    assert_eq!(b.eval("sessionStorage.length"), json!(0));
    sign_in(&mut b, ADMIN.0, "Console-Admin-Passw0rd-2");
    // Signed in again, the console opens where it was.
    b.wait_for(
        &format!(
            "document.querySelector('main') && document.querySelector('main').dataset.view === '/users/{admin_id}'"
        ),
        "the user page again with the new password",
    );

    // Sign-in failures: the API's message, then its throttle (429) with the wait.
    b.click("header button");
    b.wait_for("document.querySelector('form.login')", "the sign-in form");
    for _ in 0..5 {
        sign_in(&mut b, "carol", "not-her-password");
        b.wait_for("document.querySelector('form.login .alert.error') && document.querySelector('form.login .alert.error').textContent.includes('Incorrect')", "the refusal");
        b.eval("document.querySelector('form.login .alert.error').remove(), true");
    }
    sign_in(&mut b, "carol", "not-her-password");
    let throttled = b.wait_for("document.querySelector('form.login .alert.error') && document.querySelector('form.login .alert.error').textContent", "the throttle");
    assert!(throttled.as_str().unwrap().contains("Too many failed login attempts; try again in"), "{throttled}");

    let events = b.events();
    checks::stays_on_loopback(&events);
    checks::console_is_clean(
        &events,
        &[
            ("/api/v1/categories", 409),
            ("/api/v1/users/", 409),
            ("/api/v1/products", 422),
            ("/api/v1/login/access-token", 400),
            ("/api/v1/login/access-token", 429),
        ],
    );
}

/// `"236738.11"` as de-DE writes it: `236.738,11`.
fn german_money(value: &str) -> String {
    let (whole, cents) = value.split_once('.').unwrap();
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(*c);
    }
    format!("{grouped},{cents}")
}
