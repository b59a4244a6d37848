//! The dashboard's template pages: the list, the create and edit forms
//! (checked by reading the template back through the JSON API), refusals
//! that keep what was typed, and another account's templates, which are
//! a 404 page on every route.

mod common;
mod dashboard;

use common::*;
use dashboard::*;
use serde_json::{Value, json};

/// `GET /api/v1/templates/{tid}` with `key`.
async fn read_template(app: &TestApp, key: &str, tid: &str) -> Value {
    let (status, body) = app
        .json("GET", &format!("/api/v1/templates/{tid}"), Some(key), None)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The ids of the account's templates, through the API.
async fn template_ids(app: &TestApp, key: &str) -> Vec<String> {
    let (_, body) = app.json("GET", "/api/v1/templates", Some(key), None).await;
    body["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["id"].as_str().expect("an id").to_owned())
        .collect()
}

/// The new-template form of a signed-in browser, filled in with `values`.
async fn new_template_form(browser: &Browser, values: &[(&str, &str)]) -> Form {
    let page = browser.get("/dashboard/templates/new").await;
    page.assert_page(200);
    let mut form = page.form("/dashboard/templates");
    for (name, value) in values {
        form.set(name, value);
    }
    form
}

#[tokio::test]
async fn the_template_list_shows_the_accounts_templates_only() {
    let app = TestApp::spawn().await;
    let feedme = app.feedme(TID, "feedme").await;
    app.feedme("Ot4r", "other").await;
    let browser = sign_in(&app, &feedme.api_key).await;
    let page = browser.get("/dashboard/templates").await;
    page.assert_page(200);
    for shown in [
        "href=\"/dashboard/templates/H5hv/links\">H5hv</a>",
        "<code>feedme.links.test</code>",
        "<code>go.feedme.example</code>",
        "Android com.feedme.app",
        "href=\"/dashboard/templates/H5hv/links/new\"",
        "href=\"/dashboard/templates/H5hv/stats\"",
        "href=\"/dashboard/templates/H5hv/bulk\"",
        "href=\"/dashboard/templates/H5hv/edit\"",
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    for hidden in [
        "Ot4r",
        "other.links.test",
        "go.other.example",
        "com.other.app",
    ] {
        assert!(!page.body.contains(hidden), "{hidden} shown: {}", page.body);
    }
    let empty = app.create_account("empty", None).await;
    let page = sign_in(&app, &empty.api_key)
        .await
        .get("/dashboard/templates")
        .await;
    page.assert_page(200);
    assert!(page.body.contains("No templates yet."));
    assert!(!page.body.contains("H5hv"));
}

#[tokio::test]
async fn a_template_created_through_the_form_is_the_one_the_api_reads() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let ios = read_template(&app, &key, TID).await["ios_app_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = sign_in(&app, &key).await;
    let page = browser.get("/dashboard/templates/new").await;
    // The apps are offered by platform.
    assert!(
        page.body
            .contains("<option value=\"com.feedme.app\">com.feedme.app</option>")
    );
    assert!(
        page.body
            .contains(&format!("<option value=\"{ios}\">{ios}</option>"))
    );
    let form = new_template_form(
        &browser,
        &[
            ("id", "Nw01"),
            ("subdomain", "NewSub"),
            ("android_app_id", "com.feedme.app"),
            ("ios_app_id", &ios),
            ("uri_scheme", "feedme2"),
            ("desktop_url", "https://feedme.example/desk"),
            (
                "brand_domains",
                "go.new.example\r\n\r\n  links.new.example  \r\n",
            ),
            ("allowed_redirect_domains", "shop.example\nhelp.example"),
            ("og_title", "Bananas, half price"),
            ("og_description", "Fresh & ripe"),
            ("og_image", "https://feedme.example/b.png"),
        ],
    )
    .await;
    let answer = browser.submit("/dashboard/templates", &form).await;
    assert_eq!(answer.location(), "/dashboard/templates/Nw01/links");
    let t = read_template(&app, &key, "Nw01").await;
    let expected = json!({
        "id": "Nw01", "subdomain": "newsub", "android_app_id": "com.feedme.app",
        "ios_app_id": ios, "uri_scheme": "feedme2", "desktop_url": "https://feedme.example/desk",
        "brand_domains": ["go.new.example", "links.new.example"],
        "allowed_redirect_domains": ["shop.example", "help.example"],
        "og_title": "Bananas, half price", "og_description": "Fresh & ripe",
        "og_image": "https://feedme.example/b.png", "domain": "newsub.links.test",
    });
    for (field, value) in expected.as_object().unwrap() {
        assert_eq!(&t[field], value, "{field}: {t}");
    }
    // Only one app and no id: the id is chosen, the blanks are left out.
    let form = new_template_form(
        &browser,
        &[("subdomain", "solo"), ("android_app_id", "com.feedme.app")],
    )
    .await;
    let answer = browser.submit("/dashboard/templates", &form).await;
    let location = answer.location().to_owned();
    let id = location
        .strip_prefix("/dashboard/templates/")
        .and_then(|rest| rest.strip_suffix("/links"))
        .expect("the new template's links");
    let t = read_template(&app, &key, id).await;
    assert_eq!(t["subdomain"], "solo");
    assert!(
        t["ios_app_id"].is_null() && t["desktop_url"].is_null(),
        "{t}"
    );
    assert_eq!(t["brand_domains"], json!([]));
    let list = browser.get("/dashboard/templates").await;
    assert!(list.body.contains("Nw01") && list.body.contains(id));
}

#[tokio::test]
async fn a_refused_template_shows_the_api_message_with_400_and_keeps_the_entered_values() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let typed = [
        ("id", "Bad1"),
        ("subdomain", "bad_sub!"),
        ("android_app_id", "com.feedme.app"),
        ("uri_scheme", "feedme2"),
        ("desktop_url", "https://feedme.example/desk"),
        ("brand_domains", "go.bad.example\nx.bad.example"),
        ("allowed_redirect_domains", "shop.example"),
        ("og_title", "Kept title"),
        ("og_description", "Kept description"),
        ("og_image", "https://feedme.example/kept.png"),
    ];
    let form = new_template_form(&browser, &typed).await;
    let page = browser.submit("/dashboard/templates", &form).await;
    page.assert_error(
        400,
        "subdomain must be a DNS label: 1 to 63 letters, digits or '-', not starting or ending with '-'; \"bad_sub!\" is not",
    );
    assert!(page.body.contains("<strong>subdomain: </strong>"));
    let kept = page.form("/dashboard/templates");
    for (name, value) in typed {
        assert_eq!(kept.get(name), Some(value), "{name}");
    }
    // Checks beyond the fields' own: the apps and the base domain.
    let cases = [
        (
            ("android_app_id", ""),
            "a template needs at least one app: give android_app_id, ios_app_id or both",
        ),
        (
            ("brand_domains", "go.bad.example\nsub.links.test"),
            "sub.links.test is under the base domain, whose subdomains belong to templates; use a domain of your own",
        ),
        (
            ("desktop_url", "javascript:alert(1)"),
            "desktop_url must be an http or https URL of at most 2048 characters",
        ),
    ];
    for ((name, value), message) in cases {
        let mut form = kept.clone();
        form.set("subdomain", "badsub").set(name, value);
        let page = browser.submit("/dashboard/templates", &form).await;
        page.assert_error(400, message);
        assert_eq!(page.form("/dashboard/templates").get(name), Some(value));
    }
    assert_eq!(template_ids(&app, &key).await, [TID]);
    // A taken id is the API's conflict.
    let mut form = kept.clone();
    form.set("subdomain", "badsub").set("id", TID);
    let page = browser.submit("/dashboard/templates", &form).await;
    assert_eq!(page.status, 409, "{}", page.body);
    assert!(page.body.contains("role=\"alert\""));
}

#[tokio::test]
async fn the_edit_page_shows_the_domain_and_links_to_the_well_known_files() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let page = browser
        .get(&format!("/dashboard/templates/{TID}/edit"))
        .await;
    page.assert_page(200);
    for shown in [
        "<code>feedme.links.test</code>",
        "href=\"https://feedme.links.test/.well-known/apple-app-site-association\"",
        "href=\"https://feedme.links.test/.well-known/assetlinks.json\"",
    ] {
        assert!(page.body.contains(shown), "{shown} missing: {}", page.body);
    }
    let form = page.form(&format!("/dashboard/templates/{TID}"));
    assert_eq!(form.get("id"), None, "the id cannot be edited");
    assert_eq!(form.get("subdomain"), Some("feedme"));
    assert_eq!(form.get("android_app_id"), Some("com.feedme.app"));
    assert!(form.get("ios_app_id").unwrap().starts_with("id"));
    assert_eq!(form.get("uri_scheme"), Some("feedme"));
    assert_eq!(form.get("brand_domains"), Some("go.feedme.example"));
    assert_eq!(form.get("desktop_url"), Some(""));
}

#[tokio::test]
async fn editing_a_template_saves_through_the_api_and_a_refusal_changes_nothing() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let before = read_template(&app, &key, TID).await;
    let browser = sign_in(&app, &key).await;
    let edit = format!("/dashboard/templates/{TID}/edit");
    let action = format!("/dashboard/templates/{TID}");
    let mut form = browser.get(&edit).await.form(&action);
    form.set("desktop_url", "https://feedme.example/")
        .set("og_title", "Feed Me")
        .set("brand_domains", "go.feedme.example\nbrand.feedme.example")
        .set("allowed_redirect_domains", "shop.example");
    assert_eq!(
        browser.submit(&action, &form).await.location(),
        format!("/dashboard/templates/{TID}/links")
    );
    let t = read_template(&app, &key, TID).await;
    assert_eq!(t["desktop_url"], "https://feedme.example/");
    assert_eq!(t["og_title"], "Feed Me");
    assert_eq!(
        t["brand_domains"],
        json!(["go.feedme.example", "brand.feedme.example"])
    );
    assert_eq!(t["allowed_redirect_domains"], json!(["shop.example"]));
    for same in ["subdomain", "android_app_id", "ios_app_id", "uri_scheme"] {
        assert_eq!(t[same], before[same], "{same}");
    }
    // The saved values come back in the form; a blanked field is cleared.
    let mut form = browser.get(&edit).await.form(&action);
    assert_eq!(form.get("og_title"), Some("Feed Me"));
    assert_eq!(
        form.get("brand_domains"),
        Some("go.feedme.example\nbrand.feedme.example")
    );
    form.set("og_title", "").set("ios_app_id", "");
    browser.submit(&action, &form).await.location();
    let t = read_template(&app, &key, TID).await;
    assert!(t["og_title"].is_null() && t["ios_app_id"].is_null(), "{t}");
    assert_eq!(t["desktop_url"], "https://feedme.example/");
    // A refused edit shows the message, keeps what was typed, saves nothing.
    let mut form = browser.get(&edit).await.form(&action);
    form.set("og_image", "not a url").set("og_title", "Typed");
    let page = browser.submit(&action, &form).await;
    page.assert_error(
        400,
        "og_image must be an http or https URL of at most 2048 characters",
    );
    assert!(
        page.body
            .contains("href=\"https://feedme.links.test/.well-known/assetlinks.json\"")
    );
    let kept = page.form(&action);
    assert_eq!(kept.get("og_image"), Some("not a url"));
    assert_eq!(kept.get("og_title"), Some("Typed"));
    assert_eq!(read_template(&app, &key, TID).await, t);
}

#[tokio::test]
async fn another_accounts_template_is_a_404_page_on_every_route() {
    let app = TestApp::spawn().await;
    let owner = app.feedme(TID, "feedme").await;
    let (status, _) = v2_create(
        &app,
        &owner.api_key,
        TID,
        json!({"data": {"pid": "sms"}, "shortlink_id": "mine1"}),
    )
    .await;
    assert_eq!(status, 200);
    let before = read_template(&app, &owner.api_key, TID).await;
    let intruder = app.feedme("Ot4r", "other").await;
    let browser = sign_in(&app, &intruder.api_key).await;
    for tid in [TID, "Nope1"] {
        let t = format!("/dashboard/templates/{tid}");
        for path in [
            format!("{t}/edit"),
            format!("{t}/links"),
            format!("{t}/links?key=pid&value=sms"),
            format!("{t}/links/new"),
            format!("{t}/links/mine1"),
            format!("{t}/links/mine1/qr.png"),
            format!("{t}/links/mine1/qr.svg"),
            format!("{t}/stats"),
            format!("{t}/stats.csv"),
            format!("{t}/bulk"),
        ] {
            browser.get(&path).await.assert_not_found("The template");
        }
        let fields = [("subdomain", "stolen"), ("android_app_id", "com.other.app")];
        for path in [
            t.clone(),
            format!("{t}/links"),
            format!("{t}/links/mine1"),
            format!("{t}/links/mine1/delete"),
        ] {
            browser
                .post(&path, &fields)
                .await
                .assert_not_found("The template");
        }
        let file = b"pid,shortlink_id\nsms,stolen1\n";
        let page = browser
            .upload(&format!("{t}/bulk"), Some(&browser.csrf), file)
            .await;
        page.assert_not_found("The template");
    }
    assert_eq!(read_template(&app, &owner.api_key, TID).await, before);
    let (status, link) = v2_read(&app, &owner.api_key, TID, "mine1").await;
    assert_eq!(status, 200, "{link}");
    let (_, listed) = list_links(&app, &owner.api_key, TID, "").await;
    assert_eq!(listed["links"].as_array().unwrap().len(), 1, "{listed}");
    // The intruder's own template is untouched by all this, and its own.
    assert_eq!(template_ids(&app, &intruder.api_key).await, ["Ot4r"]);
}
