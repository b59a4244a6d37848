//! Signing in to the dashboard with an API key and out again: the session
//! cookie and its flags, refused keys and forms, tampered and expired
//! cookies, revoked keys, and the HTML 404 of unknown dashboard paths.

mod common;
mod dashboard;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use dashboard::*;
use serde_json::Value;

/// Asserts a redirect to the sign-in page, and that no session is set.
fn assert_sent_to_sign_in(page: &Page) {
    assert_eq!(page.location(), "/dashboard/sign-in");
    assert!(page.set_cookie(SESSION).is_none());
}

#[tokio::test]
async fn the_sign_in_page_carries_a_form_token_that_matches_its_cookie() {
    let app = TestApp::spawn().await;
    let page = get(&app, "/dashboard/sign-in", None).await;
    page.assert_page(200);
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/dashboard/sign-in\">")
    );
    assert!(page.body.contains("name=\"api_key\" type=\"password\""));
    let cookie = page.set_cookie(SIGN_IN).expect("a sign-in cookie");
    assert_eq!(value_of(&cookie), page.csrf());
    assert_eq!(page.csrf().len(), 32);
    assert_eq!(
        cookie,
        format!(
            "{SIGN_IN}={}; Path=/dashboard; Max-Age=3600; HttpOnly; SameSite=Strict; Secure",
            page.csrf()
        )
    );
    // Two loads, two tokens.
    let again = get(&app, "/dashboard/sign-in", None).await;
    assert_ne!(again.csrf(), page.csrf());
}

#[tokio::test]
async fn the_right_key_signs_in_with_a_strict_http_only_cookie_that_does_not_hold_the_key() {
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "feedme").await;
    let answer = submit_key(&app, &account.api_key, &[]).await;
    assert_eq!(answer.location(), "/dashboard/templates");
    let session = answer.set_cookie(SESSION).expect("a session cookie");
    let value = value_of(&session);
    assert_eq!(
        session,
        format!(
            "{SESSION}={value}; Path=/dashboard; Max-Age=28800; HttpOnly; SameSite=Strict; Secure"
        )
    );
    assert!(!value.contains(&account.api_key));
    assert!(!value.contains(&account.api_key[8..]));
    let (payload, signature) = value.split_once('.').expect("payload.signature");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("JSON");
    assert_eq!(claims["account"], account.account_id.as_str());
    assert!(!claims.to_string().contains(&account.api_key[8..]));
    assert_eq!(URL_SAFE_NO_PAD.decode(signature).expect("base64").len(), 32);
    // The sign-in form's cookie is spent.
    let spent = answer
        .set_cookie(SIGN_IN)
        .expect("the sign-in cookie cleared");
    assert!(spent.starts_with(&format!("{SIGN_IN}=; Path=/dashboard; Max-Age=0;")));
    // The session opens the templates, with the account's name.
    let templates = get(&app, "/dashboard/templates", Some(pair_of(&session))).await;
    templates.assert_page(200);
    assert!(
        templates
            .body
            .contains("<span class=\"account\">feedme</span>")
    );
    assert!(templates.body.contains(TID));
}

#[tokio::test]
async fn over_plain_http_the_cookie_is_secure_only_when_a_proxy_says_https() {
    let app = TestApp::spawn_with(|c| c.public_scheme = "http".into()).await;
    let account = app.feedme(TID, "feedme").await;
    let form = get(&app, "/dashboard/sign-in", None).await;
    assert!(!form.set_cookie(SIGN_IN).unwrap().contains("Secure"));
    let plain = submit_key(&app, &account.api_key, &[]).await;
    let cookie = plain.set_cookie(SESSION).expect("a session cookie");
    assert!(cookie.ends_with("; HttpOnly; SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"));
    let proxied = submit_key(&app, &account.api_key, &[("x-forwarded-proto", "https")]).await;
    let cookie = proxied.set_cookie(SESSION).expect("a session cookie");
    assert!(
        cookie.ends_with("; HttpOnly; SameSite=Strict; Secure"),
        "{cookie}"
    );
    let proxied = submit_key(&app, &account.api_key, &[("x-forwarded-proto", "http")]).await;
    assert!(!proxied.set_cookie(SESSION).unwrap().contains("Secure"));
}

#[tokio::test]
async fn a_wrong_api_key_shows_the_sign_in_form_again_with_401() {
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "feedme").await;
    let wrong = format!("{}x", account.api_key);
    for key in [wrong.as_str(), "wl_live_nope", &"k".repeat(500)] {
        let page = submit_key(&app, key, &[]).await;
        page.assert_error(401, "That API key is not valid");
        assert!(page.set_cookie(SESSION).is_none());
        assert!(page.body.contains("name=\"api_key\""));
        // A fresh form token to try again with.
        let cookie = page.set_cookie(SIGN_IN).expect("a new sign-in cookie");
        assert_eq!(value_of(&cookie), page.csrf());
    }
}

#[tokio::test]
async fn an_empty_api_key_is_a_400_with_the_form_again() {
    let app = TestApp::spawn().await;
    for key in ["", "   "] {
        let page = submit_key(&app, key, &[]).await;
        page.assert_error(400, "Paste your account's API key to sign in");
        assert!(page.set_cookie(SESSION).is_none());
        assert!(page.body.contains("name=\"api_key\""));
    }
}

#[tokio::test]
async fn a_sign_in_post_without_its_cookie_or_with_another_token_is_refused_with_403() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let (cookie, token) = sign_in_form(&app).await;
    let (_, other_token) = sign_in_form(&app).await;
    type Case<'a> = (Option<&'a str>, Vec<(&'a str, &'a str)>);
    let cases: [Case; 5] = [
        (None, vec![("_csrf", &token), ("api_key", &key)]),
        (Some(&cookie), vec![("api_key", &key)]),
        (
            Some(&cookie),
            vec![("_csrf", &other_token), ("api_key", &key)],
        ),
        (Some(&cookie), vec![("_csrf", ""), ("api_key", &key)]),
        (
            Some("waylink_sign_in="),
            vec![("_csrf", ""), ("api_key", &key)],
        ),
    ];
    for (cookie, fields) in cases {
        let page = post(&app, "/dashboard/sign-in", cookie, &fields).await;
        page.assert_page(403);
        assert!(page.body.contains("This form has expired"));
        assert!(page.set_cookie(SESSION).is_none(), "{fields:?}");
    }
}

#[tokio::test]
async fn pages_without_a_session_send_the_browser_to_sign_in() {
    let app = TestApp::spawn().await;
    app.feedme(TID, "feedme").await;
    let t = format!("/dashboard/templates/{TID}");
    let pages = [
        "/dashboard/templates".to_owned(),
        "/dashboard/templates/new".to_owned(),
        format!("{t}/edit"),
        format!("{t}/links"),
        format!("{t}/links/new"),
        format!("{t}/links/abc"),
        format!("{t}/links/abc/qr.png"),
        format!("{t}/stats"),
        format!("{t}/stats.csv"),
        format!("{t}/bulk"),
    ];
    for path in &pages {
        assert_sent_to_sign_in(&get(&app, path, None).await);
        assert_sent_to_sign_in(&get(&app, path, Some("waylink_session=")).await);
    }
    let forms = [
        "/dashboard/sign-out".to_owned(),
        "/dashboard/templates".to_owned(),
        t.clone(),
        format!("{t}/links"),
        format!("{t}/links/abc"),
        format!("{t}/links/abc/delete"),
        format!("{t}/bulk"),
    ];
    for path in &forms {
        assert_sent_to_sign_in(&post(&app, path, None, &[("_csrf", "x")]).await);
    }
    // The dashboard's root opens the templates, which ask for a session.
    for root in ["/dashboard", "/dashboard/"] {
        assert_eq!(
            get(&app, root, None).await.location(),
            "/dashboard/templates"
        );
    }
}

#[tokio::test]
async fn a_tampered_session_cookie_is_refused() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let value = browser.cookie.strip_prefix("waylink_session=").unwrap();
    let dot = value.find('.').unwrap();
    let flip = |at: usize| {
        let mut bytes = value.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    let (payload, _) = value.split_once('.').unwrap();
    let other = sign_in(&app, &key).await;
    let (_, other_signature) = other.cookie.split_once('.').unwrap();
    let tampered = [
        flip(dot / 2),
        flip(dot + 10),
        flip(value.len() - 5),
        format!("{payload}.{other_signature}"),
        payload.to_owned(),
        format!("{payload}."),
        "x.y".to_owned(),
    ];
    for cookie in tampered {
        assert_ne!(cookie, value);
        let page = get(
            &app,
            "/dashboard/templates",
            Some(&format!("{SESSION}={cookie}")),
        )
        .await;
        assert_sent_to_sign_in(&page);
    }
    // The untouched cookie still works.
    browser.get("/dashboard/templates").await.assert_page(200);
}

#[tokio::test]
async fn a_session_ends_after_eight_hours_of_the_clock() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    app.advance(8 * 3_600_000 - 1);
    browser.get("/dashboard/templates").await.assert_page(200);
    app.advance(1);
    assert_sent_to_sign_in(&browser.get("/dashboard/templates").await);
    // The sign-in page is shown again, not a redirect loop.
    get(&app, "/dashboard/sign-in", Some(&browser.cookie))
        .await
        .assert_page(200);
    let again = sign_in(&app, &key).await;
    again.get("/dashboard/templates").await.assert_page(200);
}

#[tokio::test]
async fn revoking_the_key_ends_its_sessions_at_once() {
    let app = TestApp::spawn().await;
    let account = app.feedme(TID, "feedme").await;
    let path = format!("/admin/v1/accounts/{}/keys", account.account_id);
    let (status, new) = app.json("POST", &path, Some(&admin()), None).await;
    assert_eq!(status, 201, "{new}");
    let new_key = new["api_key"].as_str().unwrap();
    let first = sign_in(&app, &account.api_key).await;
    let second = sign_in(&app, new_key).await;
    let (_, list) = app.json("GET", &path, Some(&admin()), None).await;
    let old_id = list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["hint"] == account.api_key[..12])
        .expect("the first key")["key_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .send("DELETE", &format!("{path}/{old_id}"), Some(&admin()), None)
        .await;
    assert_eq!(response.status().as_u16(), 204);
    assert_sent_to_sign_in(&first.get("/dashboard/templates").await);
    let page = first
        .post("/dashboard/templates", &[("subdomain", "late")])
        .await;
    assert_sent_to_sign_in(&page);
    submit_key(&app, &account.api_key, &[])
        .await
        .assert_error(401, "That API key is not valid");
    // The account's other key and its session live on.
    second.get("/dashboard/templates").await.assert_page(200);
}

#[tokio::test]
async fn signing_out_needs_the_token_and_clears_the_cookie() {
    let app = TestApp::spawn_with(|c| c.public_scheme = "http".into()).await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let page = browser.get("/dashboard/templates").await;
    assert!(page.body.contains("action=\"/dashboard/sign-out\""));
    assert_eq!(
        page.form("/dashboard/sign-out").get("_csrf"),
        Some(browser.csrf.as_str())
    );
    for fields in [vec![], vec![("_csrf", "nope")]] {
        let refused = browser.post_raw("/dashboard/sign-out", &fields).await;
        refused.assert_page(403);
        assert!(refused.set_cookie(SESSION).is_none());
    }
    let other = sign_in(&app, &key).await;
    let refused = browser
        .post_raw("/dashboard/sign-out", &[("_csrf", &other.csrf)])
        .await;
    refused.assert_page(403);
    browser.get("/dashboard/templates").await.assert_page(200);
    let out = browser.post("/dashboard/sign-out", &[]).await;
    assert_eq!(out.location(), "/dashboard/sign-in");
    assert_eq!(
        out.set_cookie(SESSION).expect("the cookie cleared"),
        format!("{SESSION}=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict")
    );
}

#[tokio::test]
async fn a_signed_in_browser_that_opens_sign_in_goes_to_its_templates() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let page = browser.get("/dashboard/sign-in").await;
    assert_eq!(page.location(), "/dashboard/templates");
}

#[tokio::test]
async fn unknown_dashboard_paths_are_html_404_pages() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let t = format!("/dashboard/templates/{TID}");
    let paths = [
        "/dashboard/nope".to_owned(),
        "/dashboard/nope/deeper".to_owned(),
        "/dashboard/templates/new/more".to_owned(),
        format!("{t}/nope"),
        format!("{t}/links/abc/def/ghi"),
    ];
    for path in &paths {
        let anonymous = get(&app, path, None).await;
        anonymous.assert_not_found("The page");
        let signed_in = browser.get(path).await;
        signed_in.assert_page(404);
        assert!(signed_in.body.contains("<h1>Not found</h1>"), "{path}");
    }
    // An unknown asset too; the assets themselves are served.
    get(&app, "/dashboard/assets/nope.js", None)
        .await
        .assert_not_found("The file");
    let css = get(&app, "/dashboard/assets/dashboard.css", None).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    let js = get(&app, "/dashboard/assets/dashboard.js", None).await;
    assert_eq!(js.header("content-type"), "text/javascript; charset=utf-8");
}

#[tokio::test]
async fn a_form_address_opened_as_a_page_is_an_html_405() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    for path in [
        "/dashboard/templates/H5hv",
        "/dashboard/sign-out",
        "/dashboard/templates/H5hv/links/x/delete",
    ] {
        let page = browser.get(path).await;
        page.assert_error(405, "This address only takes a submitted form");
        assert_eq!(page.header("allow"), "POST", "{path}");
    }
    let page = browser.post("/dashboard/templates/H5hv/edit", &[]).await;
    page.assert_page(405);
}
