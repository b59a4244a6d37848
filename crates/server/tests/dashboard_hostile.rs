//! Hostile values: HTML and script in every text field of templates and
//! links, in custom parameter names and values, in uploaded CSV cells and
//! in the query, shown escaped on every page that shows them; and the
//! security headers every dashboard page carries.

mod clicks;
mod common;
mod dashboard;

use clicks::*;
use common::*;
use dashboard::*;

const T: &str = "/dashboard/templates/H5hv";
const SCRIPT: &str = HOSTILE[0];
const IMG: &str = HOSTILE[1];

/// The names of the builder's parameter fields: every known parameter
/// and check box, without the custom rows and the link's own options.
async fn parameter_names(browser: &Browser) -> Vec<String> {
    let form = browser
        .get(&format!("{T}/links/new"))
        .await
        .form(&format!("{T}/links"));
    let mut names: Vec<String> = form
        .0
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|n| {
            ![
                "_csrf",
                "custom_key",
                "custom_value",
                "shortlink_id",
                "ttl",
                "brand_domain",
            ]
            .contains(&n.as_str())
        })
        .collect();
    names.extend(["af_force_deeplink".to_owned(), "is_retargeting".to_owned()]);
    names
}

#[tokio::test]
async fn hostile_template_values_are_shown_escaped_on_every_template_page() {
    let app = TestApp::spawn().await;
    let key = app.feedme(TID, "feedme").await.api_key;
    let browser = sign_in(&app, &key).await;
    let mut form = browser
        .get("/dashboard/templates/new")
        .await
        .form("/dashboard/templates");
    form.set("id", "Hst1")
        .set("subdomain", "hostile")
        .set("android_app_id", "com.feedme.app")
        .set("desktop_url", &format!("https://feedme.example/{SCRIPT}"))
        .set("og_title", SCRIPT)
        .set("og_description", IMG)
        .set("og_image", &format!("https://feedme.example/?{IMG}"));
    let answer = browser.submit("/dashboard/templates", &form).await;
    assert_eq!(answer.location(), "/dashboard/templates/Hst1/links");
    let list = browser.get("/dashboard/templates").await;
    assert_escaped(&list, &[]);
    let edit = browser.get("/dashboard/templates/Hst1/edit").await;
    assert_escaped(&edit, &[SCRIPT, IMG]);
    // Refused, with a hostile value in every field: all shown back escaped.
    let mut refused = form.clone();
    for (name, value) in [
        ("id", SCRIPT),
        ("subdomain", IMG),
        ("uri_scheme", SCRIPT),
        ("desktop_url", IMG),
        ("brand_domains", SCRIPT),
        ("allowed_redirect_domains", IMG),
        ("og_title", SCRIPT),
        ("og_description", IMG),
        ("og_image", SCRIPT),
        ("android_app_id", IMG),
        ("ios_app_id", SCRIPT),
    ] {
        refused.set(name, value);
    }
    let page = browser.submit("/dashboard/templates", &refused).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert_escaped(&page, &[SCRIPT, IMG]);
    refused.remove("id");
    let page = browser.submit("/dashboard/templates/Hst1", &refused).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert_escaped(&page, &[SCRIPT, IMG]);
    // Each field alone, so that each one's own message is shown too.
    for name in [
        "subdomain",
        "uri_scheme",
        "brand_domains",
        "allowed_redirect_domains",
        "desktop_url",
    ] {
        let mut one = form.clone();
        one.remove("id").set(name, SCRIPT);
        let page = browser.submit("/dashboard/templates/Hst1", &one).await;
        assert_eq!(page.status, 400, "{name}: {}", page.body);
        assert_escaped(&page, &[SCRIPT]);
    }
}

#[tokio::test]
async fn hostile_link_parameters_and_custom_rows_are_shown_escaped_on_every_link_page() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let names = parameter_names(&browser).await;
    assert!(names.len() > 30, "{names:?}");
    // Two links: all parameters in one would pass the 2048-character limit.
    let half = names.len() / 2;
    for (sid, part) in [("hostile1", &names[..half]), ("hostile2", &names[half..])] {
        let page = browser.get(&format!("{T}/links/new")).await;
        let mut form = page.form(&format!("{T}/links"));
        for (i, name) in part.iter().enumerate() {
            form.set(name, if i % 2 == 0 { SCRIPT } else { IMG });
        }
        form.set("shortlink_id", sid)
            .set_nth("custom_key", 0, SCRIPT)
            .set_nth("custom_value", 0, IMG)
            .set_nth("custom_key", 1, "fruit")
            .set_nth("custom_value", 1, SCRIPT);
        let answer = browser.submit(&format!("{T}/links"), &form).await;
        assert_eq!(
            answer.location(),
            format!("{T}/links/{sid}"),
            "{}",
            answer.body
        );
        let page = browser.get(&format!("{T}/links/{sid}")).await;
        page.assert_page(200);
        assert_escaped(&page, &[SCRIPT, IMG]);
        let (_, body) = v2_read(&app, &key, TID, sid).await;
        for name in part {
            assert!(body["payload"][name.as_str()].is_string(), "{name}: {body}");
        }
        assert_eq!(body["payload"][SCRIPT], IMG);
    }
    let list = browser.get(&format!("{T}/links")).await;
    assert_escaped(&list, &[SCRIPT, IMG]);
    // A filter on hostile names and values comes back in the filter form.
    let query = format!(
        "key={}&value={}&key=pid&value={}",
        enc(SCRIPT),
        enc(IMG),
        enc(SCRIPT)
    );
    let filtered = browser.get(&format!("{T}/links?{query}")).await;
    assert_escaped(&filtered, &[SCRIPT, IMG]);
    // A click makes the hostile media source and campaign a statistics row.
    let sid = if names[..half].contains(&"pid".to_owned()) {
        "hostile1"
    } else {
        "hostile2"
    };
    click(&app, FEEDME, &format!("/H5hv/{sid}"), ANDROID).await;
    assert_eq!(app.stored_clicks(TID, 1).await.len(), 1);
    let stats = browser.get(&format!("{T}/stats")).await;
    stats.assert_page(200);
    assert!(
        stats
            .body
            .contains(&format!("<tr><td>{}</td>", escape(SCRIPT)))
            || stats
                .body
                .contains(&format!("<tr><td>{}</td>", escape(IMG)))
    );
    assert_escaped(&stats, &[]);
    let stats = browser
        .get(&format!(
            "{T}/stats?shortlink_id={}&from={}",
            enc(SCRIPT),
            enc(IMG)
        ))
        .await;
    assert_eq!(stats.status, 400, "{}", stats.body);
    assert_escaped(&stats, &[SCRIPT, IMG]);
    // Refused creates and edits show the hostile values back, escaped.
    let mut form = browser
        .get(&format!("{T}/links/new"))
        .await
        .form(&format!("{T}/links"));
    form.set("pid", SCRIPT).set("ttl", IMG);
    for (name, value) in [
        ("ttl", IMG),
        ("shortlink_id", SCRIPT),
        ("brand_domain", IMG),
    ] {
        let mut one = form.clone();
        one.set("ttl", "").set(name, value);
        let page = browser.submit(&format!("{T}/links"), &one).await;
        assert!(page.status >= 400, "{name}: {}", page.body);
        assert_escaped(&page, &[SCRIPT, value]);
    }
    let path = format!("{T}/links/hostile1");
    let mut edit = browser.get(&path).await.form(&path);
    edit.set("ttl", SCRIPT);
    let page = browser.submit(&path, &edit).await;
    assert_eq!(page.status, 400, "{}", page.body);
    assert_escaped(&page, &[SCRIPT, IMG]);
}

#[tokio::test]
async fn hostile_csv_cells_are_shown_escaped_on_the_results_and_on_the_links_pages() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let mut file = csv::Writer::from_writer(Vec::new());
    let rows = [
        ["pid", "c", IMG, "shortlink_id", "ttl", "brand_domain"],
        [SCRIPT, IMG, SCRIPT, "bulk1", "", ""],
        [SCRIPT, "x", "y", "bulk2", IMG, ""],
        [SCRIPT, "x", "y", "bulk3", "", SCRIPT],
        [SCRIPT, "x", "y", SCRIPT, "", ""],
    ];
    for row in rows {
        file.write_record(row).unwrap();
    }
    let file = file.into_inner().unwrap();
    let page = browser
        .upload(&format!("{T}/bulk"), Some(&browser.csrf), &file)
        .await;
    page.assert_page(200);
    assert!(
        page.body.contains("<h2>1 of 4 links created</h2>"),
        "{}",
        page.body
    );
    assert_escaped(&page, &[SCRIPT, IMG]);
    let (_, body) = v2_read(&app, &key, TID, "bulk1").await;
    assert_eq!(body["payload"][IMG], SCRIPT);
    let link = browser.get(&format!("{T}/links/bulk1")).await;
    assert_escaped(&link, &[SCRIPT, IMG]);
    let list = browser.get(&format!("{T}/links")).await;
    assert_escaped(&list, &[SCRIPT, IMG]);
}

#[tokio::test]
async fn every_dashboard_page_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let account = app.create_account(SCRIPT, None).await;
    let (status, body) = app
        .json(
            "POST",
            "/api/v1/apps",
            Some(&account.api_key),
            Some(android("com.feedme.app")),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = create_template(
        &app,
        &account.api_key,
        serde_json::json!({"id": TID, "subdomain": "feedme", "android_app_id": "com.feedme.app"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    v2_create(
        &app,
        &account.api_key,
        TID,
        serde_json::json!({"data": {"pid": "sms"}, "shortlink_id": "s1"}),
    )
    .await;
    let browser = sign_in(&app, &account.api_key).await;
    let mut pages = vec![get(&app, "/dashboard/sign-in", None).await];
    pages.push(get(&app, "/dashboard/nope", None).await);
    pages.push(post(&app, "/dashboard/sign-in", None, &[]).await);
    for path in [
        "/dashboard/templates".to_owned(),
        "/dashboard/templates/new".to_owned(),
        format!("{T}/edit"),
        format!("{T}/links"),
        format!("{T}/links/new"),
        format!("{T}/links/s1"),
        format!("{T}/links/gone"),
        format!("{T}/stats"),
        format!("{T}/bulk"),
        "/dashboard/templates/Nope1/links".to_owned(),
    ] {
        pages.push(browser.get(&path).await);
    }
    pages.push(browser.post_raw("/dashboard/sign-out", &[]).await);
    for page in &pages {
        assert_eq!(page.header("content-security-policy"), CSP, "{}", page.body);
        assert_eq!(page.header("x-content-type-options"), "nosniff");
        assert_eq!(page.header("referrer-policy"), "same-origin");
        assert_eq!(page.header("cache-control"), "no-store");
        assert_eq!(page.header("content-type"), "text/html; charset=utf-8");
        // Only the dashboard's own script file, no inline script or style.
        assert_eq!(page.body.matches("<script").count(), 1, "{}", page.body);
        assert!(
            page.body
                .contains("<script src=\"/dashboard/assets/dashboard.js\" defer></script>")
        );
        assert!(!page.body.contains("<style") && !page.body.contains(" style=\""));
        assert!(!page.body.contains(" onclick=") && !page.body.contains("javascript:"));
    }
    // The account's hostile name is shown escaped in the header.
    let templates = browser.get("/dashboard/templates").await;
    assert!(templates.body.contains(&format!(
        "<span class=\"account\">{}</span>",
        escape(SCRIPT)
    )));
    assert_escaped(&templates, &[SCRIPT]);
}
