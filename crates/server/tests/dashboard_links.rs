//! The link builder and a link's page: what the form creates (read back
//! through the v2 API), the short URL, QR codes and device previews, edits,
//! deletes, refusals that keep what was typed, and the daily quota.

mod common;
mod dashboard;

use common::*;
use dashboard::*;
use serde_json::json;

const NEW: &str = "/dashboard/templates/H5hv/links/new";
const CREATE: &str = "/dashboard/templates/H5hv/links";

/// The builder's form, filled in with `values` and custom rows.
async fn builder(browser: &Browser, values: &[(&str, &str)], custom: &[(&str, &str)]) -> Form {
    let page = browser.get(NEW).await;
    page.assert_page(200);
    let mut form = page.form(CREATE);
    for (name, value) in values {
        form.set(name, value);
    }
    for (i, (key, value)) in custom.iter().enumerate() {
        form.set_nth("custom_key", i, key)
            .set_nth("custom_value", i, value);
    }
    form
}

/// The Feed Me link `bananas7` made through the builder with every kind
/// of field; answers the signed-in browser.
async fn bananas(app: &TestApp, key: &str) -> Browser {
    let browser = sign_in(app, key).await;
    let values = [
        ("pid", "sms"),
        ("c", "bananas"),
        ("deep_link_value", "bananas"),
        ("af_dp", "feedme://offers/bananas"),
        ("af_force_deeplink", "true"),
        ("shortlink_id", "bananas7"),
        ("ttl", "14d"),
        ("brand_domain", "go.feedme.example"),
    ];
    let custom = [("fruit_name", "bananas"), ("colour", " yellow ")];
    let form = builder(&browser, &values, &custom).await;
    let answer = browser.submit(CREATE, &form).await;
    assert_eq!(
        answer.location(),
        "/dashboard/templates/H5hv/links/bananas7"
    );
    browser
}

/// The App Store URL of the Feed Me iOS app.
async fn app_store(app: &TestApp) -> String {
    let template = app.state.store.find_template(TID).await.unwrap().unwrap();
    format!(
        "https://apps.apple.com/app/{}",
        template.ios_app_id.unwrap()
    )
}

/// The number of live links of the Feed Me template, through the API.
async fn live_links(app: &TestApp, key: &str) -> usize {
    let (status, body) = list_links(app, key, TID, "").await;
    assert_eq!(status, 200, "{body}");
    body["links"].as_array().expect("links").len()
}

#[tokio::test]
async fn the_builder_creates_the_link_the_v2_api_reads() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let page = browser.get(NEW).await;
    let form = page.form(CREATE);
    assert_eq!(form.all("custom_key").len(), 3, "three blank custom rows");
    assert_eq!(form.get("af_force_deeplink"), None, "unchecked");
    assert!(
        page.body
            .contains("<option value=\"go.feedme.example\">go.feedme.example</option>")
    );
    bananas(&app, &key).await;
    let (status, body) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["payload"],
        json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
            "af_dp": "feedme://offers/bananas", "af_force_deeplink": "true",
            "fruit_name": "bananas", "colour": "yellow"})
    );
    assert_eq!(body["ttl"], 14 * DAY_SECS);
    let (_, listed) = list_links(&app, &key, TID, "").await;
    assert_eq!(
        listed["links"][0]["shortlink_url"],
        "https://go.feedme.example/H5hv/bananas7"
    );
    // Blank fields are left out, a generated id and the default TTL.
    let form = builder(&browser, &[("pid", "email")], &[("", "ignored")]).await;
    let answer = browser.submit(CREATE, &form).await;
    let sid = answer
        .location()
        .strip_prefix("/dashboard/templates/H5hv/links/")
        .expect("the link's page")
        .to_owned();
    assert!(is_generated_id(&sid), "{sid}");
    let (_, body) = v2_read(&app, &key, TID, &sid).await;
    assert_eq!(body["payload"], json!({"pid": "email"}));
    assert_eq!(body["ttl"], 31 * DAY_SECS);
}

#[tokio::test]
async fn the_link_page_shows_the_short_url_the_qr_codes_and_where_each_device_goes() {
    let (app, key) = feedme().await;
    let browser = bananas(&app, &key).await;
    let path = "/dashboard/templates/H5hv/links/bananas7";
    let page = browser.get(path).await;
    page.assert_page(200);
    let url = "https://go.feedme.example/H5hv/bananas7";
    for shown in [
        format!("<a href=\"{url}\" id=\"short-url\">{url}</a>"),
        format!("data-copy=\"{url}\""),
        format!("<img src=\"{path}/qr.svg\" alt=\"QR code of {url}\""),
        format!("href=\"{path}/qr.png\" download=\"bananas7.png\""),
        format!("href=\"{path}/qr.svg\" download=\"bananas7.svg\""),
        "(14 days left)".to_owned(),
        "<dd data-stat=\"clicks\">0</dd>".to_owned(),
    ] {
        assert!(page.body.contains(&shown), "{shown} missing: {}", page.body);
    }
    let android = page.text_after("<dt>Android phone</dt><dd>");
    assert!(
        android.starts_with("Opens the app if it is installed, else Google Play (intent://offers/bananas#Intent;scheme=feedme;package=com.feedme.app;"),
        "{android}"
    );
    let iphone = page.text_after("<dt>iPhone</dt><dd>");
    let store = app_store(&app).await;
    assert_eq!(
        iphone,
        format!("A page that opens the app at feedme://offers/bananas, else goes to {store}")
    );
    let desktop = page.text_after("<dt>Desktop browser</dt><dd>");
    assert_eq!(
        desktop,
        "A page with the link's QR code, to open it on a phone"
    );
    let png = browser.get(&format!("{path}/qr.png")).await;
    assert_eq!((png.status, png.header("content-type")), (200, "image/png"));
    assert_eq!(png_size(&png.bytes), (600, 600));
    let svg = browser.get(&format!("{path}/qr.svg")).await;
    assert_eq!(
        (svg.status, svg.header("content-type")),
        (200, "image/svg+xml")
    );
    assert!(svg.body.contains("<svg"), "{}", svg.body);
    browser
        .get(&format!("{path}/qr.gif"))
        .await
        .assert_not_found("The page");
    for gone in [
        "/dashboard/templates/H5hv/links/nope",
        "/dashboard/templates/H5hv/links/nope/qr.png",
    ] {
        browser.get(gone).await.assert_not_found("The short link");
    }
    // Without af_force_deeplink, Android goes to Google Play; a desktop
    // URL of the link wins on desktops.
    let form = builder(
        &browser,
        &[
            ("pid", "sms"),
            ("af_web_dp", "https://feedme.example/web"),
            ("shortlink_id", "plain1"),
        ],
        &[],
    )
    .await;
    browser.submit(CREATE, &form).await.location();
    let page = browser.get("/dashboard/templates/H5hv/links/plain1").await;
    let android = page.text_after("<dt>Android phone</dt><dd>");
    assert!(
        android.starts_with("Google Play, where installing keeps the campaign (https://play.google.com/store/apps/details?id=com.feedme.app"),
        "{android}"
    );
    let desktop = page.text_after("<dt>Desktop browser</dt><dd>");
    assert_eq!(desktop, "Redirected to https://feedme.example/web");
    assert!(
        page.body
            .contains("<a href=\"https://feedme.links.test/H5hv/plain1\" id=\"short-url\">")
    );
}

#[tokio::test]
async fn the_edit_form_shows_the_link_as_it_is_and_saves_through_the_api() {
    let (app, key) = feedme().await;
    let browser = bananas(&app, &key).await;
    let path = "/dashboard/templates/H5hv/links/bananas7";
    let mut form = browser.get(path).await.form(path);
    assert_eq!(form.get("pid"), Some("sms"));
    assert_eq!(form.get("af_force_deeplink"), Some("true"), "checked");
    assert_eq!(form.get("shortlink_id"), None, "the id is not edited");
    assert_eq!(form.get("brand_domain"), Some("go.feedme.example"));
    assert_eq!(form.all("custom_key")[..2], ["colour", "fruit_name"]);
    assert_eq!(form.all("custom_value")[..2], ["yellow", "bananas"]);
    form.set("c", "apples")
        .set_nth("custom_key", 0, "")
        .set_nth("custom_key", 2, "size")
        .set_nth("custom_value", 2, "xl")
        .remove("af_force_deeplink")
        .set("ttl", "2d");
    assert_eq!(browser.submit(path, &form).await.location(), path);
    let (_, body) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(
        body["payload"],
        json!({"pid": "sms", "c": "apples", "deep_link_value": "bananas",
            "af_dp": "feedme://offers/bananas", "fruit_name": "bananas", "size": "xl"})
    );
    assert_eq!(body["ttl"], 2 * DAY_SECS);
    let (_, listed) = list_links(&app, &key, TID, "").await;
    assert_eq!(listed["links"][0]["brand_domain"], "go.feedme.example");
    let page = browser.get(path).await;
    assert!(page.body.contains("(2 days left)"));
    assert_eq!(page.form(path).get("af_force_deeplink"), None);
}

#[tokio::test]
async fn a_flag_set_through_the_api_to_something_other_than_true_survives_a_dashboard_save() {
    let (app, key) = feedme().await;
    let data = json!({"pid": "sms", "is_retargeting": "false", "af_force_deeplink": "TRUE"});
    let (status, body) = app
        .json(
            "POST",
            &format!("/api/v2.0/shortlinks/{TID}"),
            Some(&key),
            Some(json!({"shortlink_id": "flags1", "data": data})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let browser = sign_in(&app, &key).await;
    let path = "/dashboard/templates/H5hv/links/flags1";
    let form = browser.get(path).await.form(path);
    assert_eq!(form.get("is_retargeting"), None, "no ticked box says false");
    assert_eq!(form.all("custom_key")[0], "is_retargeting");
    assert_eq!(
        form.get("af_force_deeplink"),
        Some("true"),
        "TRUE ticks the box"
    );
    assert_eq!(browser.submit(path, &form).await.location(), path);
    let (_, body) = v2_read(&app, &key, TID, "flags1").await;
    assert_eq!(
        body["payload"],
        json!({"pid": "sms", "is_retargeting": "false", "af_force_deeplink": "true"})
    );
}

#[tokio::test]
async fn deleting_a_link_removes_it() {
    let (app, key) = feedme().await;
    let browser = bananas(&app, &key).await;
    let path = "/dashboard/templates/H5hv/links/bananas7";
    let delete = format!("{path}/delete");
    let form = browser.get(path).await.form(&delete);
    assert_eq!(form.pairs(), [("_csrf", browser.csrf.as_str())]);
    let answer = browser.submit(&delete, &form).await;
    assert_eq!(answer.location(), "/dashboard/templates/H5hv/links");
    let (status, _) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(status, 404);
    browser.get(path).await.assert_not_found("The short link");
    browser
        .submit(&delete, &form)
        .await
        .assert_not_found("The short link");
    let list = browser.get("/dashboard/templates/H5hv/links").await;
    assert!(list.body.contains("No live links."), "{}", list.body);
}

#[tokio::test]
async fn a_refused_link_shows_the_api_message_and_keeps_what_was_typed() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let values = [
        ("pid", "sms"),
        ("c", "bananas"),
        ("af_force_deeplink", "true"),
        ("brand_domain", "go.feedme.example"),
        ("shortlink_id", "kept1"),
        ("ttl", "forever"),
    ];
    let form = builder(&browser, &values, &[("fruit_name", "bananas")]).await;
    let page = browser.submit(CREATE, &form).await;
    page.assert_error(400, &ttl_message("\"forever\""));
    let kept = page.form(CREATE);
    for (name, value) in values {
        assert_eq!(kept.get(name), Some(value), "{name}");
    }
    assert_eq!(kept.all("custom_key")[0], "fruit_name");
    assert_eq!(kept.all("custom_value")[0], "bananas");
    let cases = [
        (("shortlink_id", "bad id!"), 400, "shortlink_id must be"),
        (
            ("brand_domain", "evil.example"),
            403,
            "Brand domain mismatch",
        ),
    ];
    for ((name, value), status, message) in cases {
        let mut form = kept.clone();
        form.set("ttl", "").set(name, value);
        browser
            .submit(CREATE, &form)
            .await
            .assert_error(status, message);
    }
    assert_eq!(live_links(&app, &key).await, 0);
    // A taken id is a conflict; a refused edit changes nothing.
    bananas(&app, &key).await;
    let mut form = kept.clone();
    form.set("ttl", "").set("shortlink_id", "bananas7");
    browser
        .submit(CREATE, &form)
        .await
        .assert_error(409, "Shortlink ID already in use");
    let path = "/dashboard/templates/H5hv/links/bananas7";
    let mut form = browser.get(path).await.form(path);
    form.set("c", "typed").set("ttl", "0d");
    let page = browser.submit(path, &form).await;
    page.assert_error(400, &ttl_message("\"0d\""));
    assert_eq!(page.form(path).get("c"), Some("typed"));
    assert_eq!(page.form(path).get("ttl"), Some("0d"));
    let (_, body) = v2_read(&app, &key, TID, "bananas7").await;
    assert_eq!(body["payload"]["c"], "bananas");
    assert_eq!(live_links(&app, &key).await, 1);
}

#[tokio::test]
async fn the_daily_quota_is_charged_as_the_api_charges_it() {
    let (app, account) = feedme_with_quota(1).await;
    let key = account.api_key.as_str();
    let browser = sign_in(&app, key).await;
    let form = builder(&browser, &[("pid", "sms"), ("shortlink_id", "first1")], &[]).await;
    browser.submit(CREATE, &form).await.location();
    let message =
        "Daily quota exceeded: 1 link creates, updates and deletes per day; it resets at 00:00 UTC";
    let mut second = form.clone();
    second.set("shortlink_id", "second1");
    let page = browser.submit(CREATE, &second).await;
    page.assert_error(429, message);
    assert_eq!(page.form(CREATE).get("shortlink_id"), Some("second1"));
    let path = "/dashboard/templates/H5hv/links/first1";
    let edit = browser.get(path).await.form(path);
    browser.submit(path, &edit).await.assert_error(429, message);
    let delete = format!("{path}/delete");
    browser.post(&delete, &[]).await.assert_error(429, message);
    assert_eq!(remaining(&app, key).await, 0);
    assert_eq!(live_links(&app, key).await, 1);
    // The next day (and a new session), the quota is back.
    app.advance(DAY_SECS * 1000);
    let browser = sign_in(&app, key).await;
    second.set("_csrf", &browser.csrf);
    let answer = browser.submit(CREATE, &second).await;
    assert_eq!(answer.location(), "/dashboard/templates/H5hv/links/second1");
}
