//! Every form of the dashboard needs its session's CSRF token: without it,
//! or with another session's, each POST route answers 403 and nothing is
//! created, changed, deleted or charged (checked through the JSON API).

mod common;
mod dashboard;

use common::*;
use dashboard::*;
use serde_json::{Value, json};

const T: &str = "/dashboard/templates/H5hv";

/// What the JSON API says about the account: its templates, the Feed Me
/// template, its links and what is left of the quota.
async fn snapshot(app: &TestApp, key: &str) -> Value {
    let (_, templates) = app.json("GET", "/api/v1/templates", Some(key), None).await;
    let (_, links) = list_links(app, key, TID, "").await;
    json!({"templates": templates, "links": links, "remaining": remaining(app, key).await})
}

/// Every POST route with the fields a real form would send (a token
/// aside): a new template, a template edit, a new link, a link edit and
/// a delete, and sign-out.
fn forms() -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    let template = vec![
        ("id", "New1"),
        ("subdomain", "fresh"),
        ("android_app_id", "com.feedme.app"),
    ];
    let link = vec![("pid", "email"), ("shortlink_id", "new1"), ("ttl", "1d")];
    vec![
        ("/dashboard/templates".to_owned(), template),
        (
            T.to_owned(),
            vec![
                ("subdomain", "changed"),
                ("android_app_id", "com.feedme.app"),
            ],
        ),
        (format!("{T}/links"), link),
        (format!("{T}/links/bananas7"), vec![("pid", "changed")]),
        (format!("{T}/links/bananas7/delete"), vec![]),
        ("/dashboard/sign-out".to_owned(), vec![]),
    ]
}

/// Asserts the 403 of a form without this session's token.
fn assert_refused(page: &Page, what: &str) {
    page.assert_page(403);
    assert!(page.body.contains("This form has expired"), "{what}");
    assert!(
        page.body.contains("nothing was changed"),
        "{what}: {}",
        page.body
    );
    assert!(page.set_cookie(SESSION).is_none(), "{what}");
}

#[tokio::test]
async fn every_form_without_the_sessions_token_is_refused_with_403_and_changes_nothing() {
    let (app, key) = with_link().await;
    let before = snapshot(&app, &key).await;
    let browser = sign_in(&app, &key).await;
    let same_account = sign_in(&app, &key).await;
    assert_ne!(same_account.csrf, browser.csrf);
    let other_key = app.feedme("Ot4r", "other").await.api_key;
    let other_account = sign_in(&app, &other_key).await;
    let (_, sign_in_token) = sign_in_form(&app).await;
    let tokens: [(&str, Option<&str>); 5] = [
        ("no token", None),
        ("an empty token", Some("")),
        ("another session's token", Some(&same_account.csrf)),
        ("another account's token", Some(&other_account.csrf)),
        ("a sign-in form's token", Some(&sign_in_token)),
    ];
    for (path, fields) in forms() {
        for (what, token) in tokens {
            let mut sent = fields.clone();
            if let Some(token) = token {
                sent.insert(0, ("_csrf", token));
            }
            let page = browser.post_raw(&path, &sent).await;
            assert_refused(&page, &format!("{path} with {what}"));
        }
        // The right token, but after a wrong one: the first counts.
        let mut sent = vec![("_csrf", "wrong"), ("_csrf", browser.csrf.as_str())];
        sent.extend(fields.iter().copied());
        assert_refused(&browser.post_raw(&path, &sent).await, &path);
        // The token in the query string is not the form's.
        let page = browser
            .post_raw(&format!("{path}?_csrf={}", browser.csrf), &fields)
            .await;
        assert_refused(&page, &path);
    }
    assert_eq!(snapshot(&app, &key).await, before);
    let (_, link) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(link["payload"], json!({"pid": "sms", "c": "bananas"}));
    // The session is still signed in, and its own token works.
    browser.get("/dashboard/templates").await.assert_page(200);
    let page = browser
        .post(&format!("{T}/links/bananas7/delete"), &[])
        .await;
    assert_eq!(page.location(), format!("{T}/links"));
}

#[tokio::test]
async fn an_upload_without_the_sessions_token_is_refused_with_403_and_creates_nothing() {
    let (app, key) = with_link().await;
    let before = snapshot(&app, &key).await;
    let browser = sign_in(&app, &key).await;
    let other = sign_in(&app, &key).await;
    let file = b"pid,shortlink_id\nsms,up1\nemail,up2\n";
    let path = format!("{T}/bulk");
    for token in [None, Some(""), Some("garbage"), Some(other.csrf.as_str())] {
        let page = browser.upload(&path, token, file).await;
        assert_refused(&page, &format!("{token:?}"));
    }
    // Nor does a url-encoded post stand in for the upload.
    let page = browser.post(&path, &[("file", "pid\nsms\n")]).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert_eq!(snapshot(&app, &key).await, before);
    let page = browser.upload(&path, Some(&browser.csrf), file).await;
    page.assert_page(200);
    assert!(page.body.contains("<h2>2 of 2 links created</h2>"));
}

#[tokio::test]
async fn a_session_keeps_one_token_on_every_page_and_every_form_carries_it() {
    let (app, key) = with_link().await;
    let browser = sign_in(&app, &key).await;
    for path in [
        "/dashboard/templates".to_owned(),
        "/dashboard/templates/new".to_owned(),
        format!("{T}/edit"),
        format!("{T}/links"),
        format!("{T}/links/new"),
        format!("{T}/links/bananas7"),
        format!("{T}/stats"),
        format!("{T}/bulk"),
    ] {
        let page = browser.get(&path).await;
        page.assert_page(200);
        let forms = page.body.matches("method=\"post\"").count();
        let tokens = page
            .body
            .matches(&format!("name=\"_csrf\" value=\"{}\"", browser.csrf))
            .count();
        assert!(forms >= 1, "{path}");
        assert_eq!(tokens, forms, "{path}: a form without its token");
    }
}
