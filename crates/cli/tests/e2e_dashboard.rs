//! End to end in a real headless Chromium: a marketer signs in to
//! `waylink demo` with the printed key, creates a template, builds the Feed
//! Me banana link and sees its QR code; an Android phone (the `simulate`
//! command of the real binary) clicks it over HTTP and installs the app;
//! the statistics page shows the click and the install. Then links from a
//! CSV upload.
//!
//! Screenshots of the main pages are written to a temporary directory, or
//! to `WAYLINK_SCREENSHOT_DIR` (how the ones in `docs/screenshots` are
//! made: `WAYLINK_SCREENSHOT_DIR=$PWD/docs/screenshots cargo test -p
//! waylink --test e2e_dashboard`).

#[allow(dead_code)]
#[path = "e2e/support.rs"]
mod support;

#[path = "e2e/browser.rs"]
mod browser;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;

use crate::browser::{choose, click, css, fill, open_browser, screenshot, start_driver, text};
use crate::support::{printed_key, run, start};

/// The Android SDK key the demo printed.
fn printed_sdk_key(stdout: &[String]) -> String {
    let line = stdout
        .iter()
        .find(|l| l.contains("SDK key (Android app):"))
        .expect("an SDK key line");
    line.split_whitespace().last().expect("a key").to_owned()
}

fn run_ok(args: &[&str]) -> String {
    let (status, stdout, stderr) = run(args, &[]);
    assert!(
        status.success(),
        "waylink {args:?} failed:\n{stdout}\n{stderr}"
    );
    stdout
}

/// Reloads the page until the statistic `name` shows `want`, for up to
/// ten seconds: clicks and installs are written in the background.
async fn wait_for_stat(browser: &Client, name: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = text(browser, &format!("dd[data-stat={name}]")).await;
        if shown == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{name} shows {shown}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        browser.refresh().await.expect("the page reloads");
    }
}

fn screenshot_dir(fallback: &Path) -> PathBuf {
    std::env::var_os("WAYLINK_SCREENSHOT_DIR").map_or_else(|| fallback.join("shots"), PathBuf::from)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_marketer_signs_in_builds_the_banana_link_and_finds_its_click_and_install() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data").display().to_string();
    let demo = start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &data]);
    let key = printed_key(&demo.stdout);
    let sdk_key = printed_sdk_key(&demo.stdout);
    let shots = screenshot_dir(dir.path());
    let browser = open_browser(&driver).await;
    let base = &demo.base;

    // The dashboard sends a stranger to sign in; a wrong key is refused.
    browser
        .goto(&format!("{base}/dashboard"))
        .await
        .expect("the dashboard opens");
    fill(&browser, "#api_key", "wl_live_not-a-key").await;
    click(&browser, "form button[type=submit]").await;
    assert!(text(&browser, ".error").await.contains("not valid"));
    screenshot(&browser, &shots, "sign-in").await;
    fill(&browser, "#api_key", &key).await;
    click(&browser, "form button[type=submit]").await;
    assert!(
        text(&browser, "main").await.contains("H5hv"),
        "the demo template is listed"
    );
    let cookies = browser.get_all_cookies().await.expect("cookies");
    assert!(
        cookies.iter().all(|c| !c.value().contains(&key)),
        "the key itself is never kept in the browser"
    );

    // A new template for the banana campaign, with the demo's apps.
    click(&browser, "a[href='/dashboard/templates/new']").await;
    fill(&browser, "#id", "Bnna").await;
    fill(&browser, "#subdomain", "bananas").await;
    choose(&browser, "#android_app_id", "com.feedme.app").await;
    choose(&browser, "#ios_app_id", "id1234567890").await;
    fill(&browser, "#uri_scheme", "feedme").await;
    fill(&browser, "#desktop_url", "https://feedme.example/bananas").await;
    fill(&browser, "#og_title", "Bananas, delivered").await;
    click(&browser, "form.grid button[type=submit]").await;
    assert!(text(&browser, ".crumbs").await.contains("Bnna"));

    // The banana link, with a custom parameter and a chosen id.
    click(&browser, "a[href='/dashboard/templates/Bnna/links/new']").await;
    fill(&browser, "#pid", "sms").await;
    fill(&browser, "#c", "bananas").await;
    fill(&browser, "#deep_link_value", "bananas").await;
    fill(&browser, "#deep_link_sub1", "user42").await;
    fill(&browser, "#af_dp", "feedme://offers/bananas").await;
    fill(&browser, "input[name=custom_key]", "fruit_name").await;
    fill(&browser, "input[name=custom_value]", "bananas").await;
    fill(&browser, "#shortlink_id", "bananas-sms").await;
    screenshot(&browser, &shots, "link-builder").await;
    click(&browser, "form.builder button[type=submit]").await;

    // Its page: the short URL, a QR code that loaded, where devices go.
    let url = text(&browser, "#short-url").await;
    assert!(url.ends_with("/Bnna/bananas-sms"), "{url}");
    assert!(url.contains("bananas.localhost"), "{url}");
    css(&browser, "figure.qr img").await;
    let width = browser
        .execute(
            "const img = document.querySelector('figure.qr img'); return img.complete ? img.naturalWidth : 0;",
            vec![],
        )
        .await
        .expect("the script runs");
    assert!(
        width.as_u64().unwrap_or(0) > 100,
        "the QR code did not load: {width}"
    );
    let preview = text(&browser, "dl.preview").await;
    assert!(preview.contains("play.google.com"), "{preview}");
    assert!(preview.contains("apps.apple.com"), "{preview}");
    assert!(preview.contains("feedme.example/bananas"), "{preview}");
    click(&browser, "button[data-copy]").await;
    assert_eq!(text(&browser, "button[data-copy]").await, "Copied");
    screenshot(&browser, &shots, "link").await;
    browser
        .set_window_size(412, 915)
        .await
        .expect("a phone-sized window");
    screenshot(&browser, &shots, "link-phone").await;
    browser
        .set_window_size(1280, 960)
        .await
        .expect("a laptop-sized window");

    // An Android phone clicks it over HTTP, then installs and opens the app.
    let phone = dir.path().join("phone").display().to_string();
    let out = run_ok(&[
        "simulate",
        "click",
        &url,
        "--device",
        "android",
        "--state-dir",
        &phone,
    ]);
    assert!(out.contains("play.google.com"), "{out}");
    let launch = [
        "simulate",
        "launch",
        "--device",
        "android",
        "--server",
        base,
        "--app-id",
        "com.feedme.app",
        "--app-key",
        &sdk_key,
        "--state-dir",
        &phone,
    ];
    let out = run_ok(&launch);
    assert!(out.contains("\"campaign\": \"bananas\""), "{out}");

    // The statistics page shows both.
    click(&browser, "a[href='/dashboard/templates/Bnna/stats']").await;
    wait_for_stat(&browser, "clicks", "1").await;
    wait_for_stat(&browser, "installs", "1").await;
    let tables = text(&browser, "main").await;
    assert!(tables.contains("sms"), "the media source table lists sms");
    assert!(
        tables.contains("android"),
        "the platform table lists android"
    );
    screenshot(&browser, &shots, "statistics").await;

    // The templates page, for the README.
    click(&browser, "header nav a").await;
    screenshot(&browser, &shots, "templates").await;
    browser.close().await.expect("the session ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_are_built_from_an_uploaded_csv_with_a_result_per_row() {
    let Some(driver) = start_driver() else { return };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data").display().to_string();
    let demo = start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &data]);
    let key = printed_key(&demo.stdout);
    let shots = screenshot_dir(dir.path());
    let browser = open_browser(&driver).await;

    browser
        .goto(&format!("{}/dashboard/sign-in", demo.base))
        .await
        .expect("the sign-in page opens");
    fill(&browser, "#api_key", &key).await;
    click(&browser, "form button[type=submit]").await;
    click(&browser, "a[href='/dashboard/templates/H5hv/bulk']").await;

    let file = dir.path().join("links.csv");
    std::fs::write(
        &file,
        "pid,c,deep_link_value,shortlink_id,ttl\nsms,pears,pears,pears-sms,14d\nemail,plums,plums,,\nsms,kiwis,kiwis,,forever\n",
    )
    .expect("the CSV is written");
    css(&browser, "#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("the file is chosen");
    click(&browser, "form[enctype] button[type=submit]").await;

    assert_eq!(text(&browser, ".results h2").await, "2 of 3 links created");
    let rows = text(&browser, ".results tbody").await;
    assert!(rows.contains("/H5hv/pears-sms"), "{rows}");
    assert!(rows.contains("ttl"), "the bad TTL is explained: {rows}");
    let download = css(&browser, ".results a[download]")
        .await
        .attr("href")
        .await
        .expect("an href")
        .expect("the results are downloadable");
    assert!(download.starts_with("data:text/csv"), "{download}");
    screenshot(&browser, &shots, "bulk-upload").await;

    // The new links are in the template's list.
    click(
        &browser,
        "nav.tabs a[href='/dashboard/templates/H5hv/links']",
    )
    .await;
    let list = text(&browser, "table").await;
    assert!(
        list.contains("pears-sms") && list.contains("plums"),
        "{list}"
    );
    browser.close().await.expect("the session ends");
}
