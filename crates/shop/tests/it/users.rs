//! Sign-up, login, profiles, roles and token defects.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

use crate::support::TestApp;

const API: &str = "/api/v1";

async fn signup(app: &TestApp, username: &str, password: &str) -> Value {
    let body = json!({"username": username, "email": format!("{username}@shop.test"), "password": password, "full_name": "Ada Lovelace"});
    let reply = app.call(Method::POST, &format!("{API}/users/signup"), Some(body), None).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body
}

async fn login(app: &TestApp, username: &str, password: &str) -> crate::support::Reply {
    let form = format!("username={}&password={}", urlencode(username), urlencode(password));
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{API}/login/access-token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    app.send(request).await
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

migrate::per_dialect! {
    async fn signup_login_and_own_profile(dialect) {
        let app = TestApp::new(dialect).await;
        let user = signup(&app, "ada", "correct horse").await;
        assert_eq!(user["role"], "user");
        assert_eq!(user["first_name"], "Ada");
        assert_eq!(user["last_name"], "Lovelace");
        assert!(user.as_object().unwrap().keys().all(|k| !k.contains("password")), "{user}");

        let token = login(&app, "ada", "correct horse").await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.body);
        assert_eq!(token.body["token_type"], "bearer");
        let token = token.body["access_token"].as_str().unwrap().to_owned();
        // By email too, in any case.
        assert_eq!(login(&app, "ADA@shop.test", "correct horse").await.status, StatusCode::OK);

        let me = app.call(Method::GET, &format!("{API}/users/me"), None, Some(&token)).await;
        assert_eq!(me.status, StatusCode::OK);
        assert_eq!(me.body["username"], "ada");

        let renamed = app
            .call(
                Method::PATCH,
                &format!("{API}/users/me"),
                Some(json!({"first_name": "Augusta", "phone": "+44 1"})),
                Some(&token),
            )
            .await;
        assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
        assert_eq!(renamed.body["full_name"], "Augusta Lovelace");

        // A password change needs the current password.
        let without = app
            .call(Method::PATCH, &format!("{API}/users/me"), Some(json!({"password": "new password 1"})), Some(&token))
            .await;
        assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
        let wrong = app
            .call(
                Method::PATCH,
                &format!("{API}/users/me"),
                Some(json!({"password": "new password 1", "current_password": "nope"})),
                Some(&token),
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        let changed = app
            .call(
                Method::PATCH,
                &format!("{API}/users/me"),
                Some(json!({"password": "new password 1", "current_password": "correct horse"})),
                Some(&token),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{dialect}: {}", changed.body);
        assert_eq!(login(&app, "ada", "correct horse").await.status, StatusCode::BAD_REQUEST);
        assert_eq!(login(&app, "ada", "new password 1").await.status, StatusCode::OK);
    }
}

migrate::per_dialect! {
    async fn signup_rejects_bad_input_and_duplicates(dialect) {
        let app = TestApp::new(dialect).await;
        signup(&app, "ada", "correct horse").await;
        let url = format!("{API}/users/signup");
        for (body, field) in [
            (json!({"username": "ab", "email": "x@y.io", "password": "12345678"}), "username"),
            (json!({"username": "bad name", "email": "x@y.io", "password": "12345678"}), "username"),
            (json!({"username": "bob", "email": "not-an-email", "password": "12345678"}), "email"),
            (json!({"username": "bob", "email": "x@y.io", "password": "short"}), "password"),
        ] {
            let reply = app.call(Method::POST, &url, Some(body), None).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
            assert_eq!(reply.body["detail"][0]["loc"], json!(["body", field]));
        }
        let taken = app
            .call(
                Method::POST,
                &url,
                Some(json!({"username": "ada", "email": "other@y.io", "password": "12345678"})),
                None,
            )
            .await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{dialect}");
        assert!(taken.body["detail"].as_str().unwrap().contains("username"));
        let email = app
            .call(
                Method::POST,
                &url,
                Some(json!({"username": "ada2", "email": "ADA@shop.test", "password": "12345678"})),
                None,
            )
            .await;
        assert_eq!(email.status, StatusCode::CONFLICT, "{dialect}");
        assert!(email.body["detail"].as_str().unwrap().contains("email"));
    }
}

migrate::per_dialect! {
    async fn token_defects_are_401(dialect) {
        let app = TestApp::new(dialect).await;
        let me = format!("{API}/users/me");
        let valid = app.user_token.clone();
        let mut tampered = valid.clone();
        tampered.pop();
        tampered.push(if valid.ends_with('A') { 'B' } else { 'A' });
        let parts: Vec<&str> = valid.split('.').collect();
        let none_header = base64url(br#"{"alg":"none","typ":"JWT"}"#);
        let alg_none = format!("{none_header}.{}.", parts[1]);
        let now = chrono::Utc::now().timestamp();
        let sign = |claims: Value, key: &str| {
            jsonwebtoken::encode(
                &jsonwebtoken::Header::default(),
                &claims,
                &jsonwebtoken::EncodingKey::from_secret(key.as_bytes()),
            )
            .unwrap()
        };
        let expired = sign(json!({"sub": "2", "exp": now - 10, "iat": now - 100}), crate::support::SECRET);
        let wrong_key = sign(json!({"sub": "2", "exp": now + 600, "iat": now}), "another-secret");
        let unknown_user = sign(json!({"sub": "999", "exp": now + 600, "iat": now}), crate::support::SECRET);
        for (name, token) in [
            ("tampered", tampered),
            ("alg none", alg_none),
            ("expired", expired),
            ("wrong key", wrong_key),
            ("unknown user", unknown_user),
            ("garbage", "abc".to_owned()),
        ] {
            let reply = app.call(Method::GET, &me, None, Some(&token)).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{name}");
            assert_eq!(reply.headers["www-authenticate"], "Bearer", "{name}");
        }
        assert_eq!(app.call(Method::GET, &me, None, Some(&valid)).await.status, StatusCode::OK);
        // A deactivated user's token stops working at once.
        let admin = app.admin_token.clone();
        let off =
            app.call(Method::PATCH, &format!("{API}/users/2"), Some(json!({"is_active": false})), Some(&admin)).await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.body);
        assert_eq!(app.call(Method::GET, &me, None, Some(&valid)).await.status, StatusCode::UNAUTHORIZED);
    }
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

migrate::per_dialect! {
    async fn admin_manages_users_and_others_cannot(dialect) {
        let app = TestApp::new(dialect).await;
        let users = format!("{API}/users");
        assert_eq!(
            app.call(Method::GET, &users, None, Some(&app.user_token.clone())).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(app.get(&users).await.status, StatusCode::UNAUTHORIZED);
        let list = app.admin(Method::GET, &users, None).await;
        assert_eq!(list.body["total"], 2);
        let made = app
            .admin(
                Method::POST,
                &users,
                Some(json!({"username": "boss", "email": "boss@shop.test", "password": "12345678", "role": "admin"})),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        assert_eq!(made.body["role"], "admin");
        let id = made.body["id"].as_i64().unwrap();
        let bad_role = app.admin(Method::PATCH, &format!("{users}/{id}"), Some(json!({"role": "god"}))).await;
        assert_eq!(bad_role.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            bad_role.body["detail"],
            json!([{"loc": ["body", "role"], "msg": "Input should be 'user' or 'admin'", "type": "enum"}]),
        );
        // A bad role does not hide the body's other problems.
        let both = app
            .admin(
                Method::POST,
                &users,
                Some(json!({"username": "x!", "email": "x@shop.test", "password": "12345678", "role": "god"})),
            )
            .await;
        assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(both.locs(), vec![json!(["body", "role"]), json!(["body", "username"])], "{}", both.body);
        let demoted = app.admin(Method::PATCH, &format!("{users}/{id}"), Some(json!({"role": "user"}))).await;
        assert_eq!(demoted.body["role"], "user");
        assert_eq!(app.admin(Method::DELETE, &format!("{users}/{id}"), None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(app.admin(Method::GET, &format!("{users}/{id}"), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.admin(Method::DELETE, &format!("{users}/1"), None).await.status,
            StatusCode::FORBIDDEN,
            "not oneself"
        );
    }
}

#[tokio::test]
async fn repeated_login_failures_are_throttled() {
    let app = TestApp::new(migrate::Dialect::Sqlite).await;
    signup(&app, "ada", "correct horse").await;
    for _ in 0..3 {
        assert_eq!(login(&app, "ada", "wrong").await.status, StatusCode::BAD_REQUEST);
    }
    let refused = login(&app, "ada", "correct horse").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    let missing = app.send(
        Request::builder()
            .method(Method::POST)
            .uri(format!("{API}/login/access-token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("username=ada"))
            .unwrap(),
    );
    let missing = missing.await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(missing.body["detail"][0]["loc"], json!(["body", "password"]));
}
