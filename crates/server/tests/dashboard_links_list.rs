//! The list of a template's links: filters on any parameter as key/value
//! rows in the query, and pages of 25 with a cursor.

mod common;
mod dashboard;

use std::collections::BTreeSet;

use common::*;
use dashboard::*;
use serde_json::{Value, json};

const LIST: &str = "/dashboard/templates/H5hv/links";

/// The ids of the links a list page shows, in order.
fn listed(page: &Page) -> Vec<String> {
    let row = "<tr><td><a href=\"/dashboard/templates/H5hv/links/";
    page.body
        .split(row)
        .skip(1)
        .map(|rest| rest[..rest.find('"').expect("the href's end")].to_owned())
        .collect()
}

/// The `href` of the pager link `label`, if the page has one.
fn pager_href(page: &Page, label: &str) -> Option<String> {
    let end = page.body.find(&format!("\">{label}</a>"))?;
    let start = page.body[..end].rfind("href=\"")? + 6;
    Some(unescape(&page.body[start..end]))
}

/// Creates Feed Me links through the batch API.
async fn make(app: &TestApp, key: &str, items: Value) {
    let (status, body) = batch(app, key, TID, items).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|r| r["shortlink_url"].is_string()),
        "{body}"
    );
}

#[tokio::test]
async fn the_list_filters_on_any_parameter_given_as_key_and_value_rows() {
    let (app, key) = feedme().await;
    make(
        &app,
        &key,
        json!([
            {"data": {"pid": "sms", "c": "bananas", "fruit": "banana"}, "shortlink_id": "a1"},
            {"data": {"pid": "email", "c": "bananas"}, "shortlink_id": "b1"},
            {"data": {"pid": "sms", "c": "apples", "deep_link_value": "apples"}, "shortlink_id": "c1"},
        ]),
    )
    .await;
    let browser = sign_in(&app, &key).await;
    let all = browser.get(LIST).await;
    all.assert_page(200);
    let mut ids = listed(&all);
    ids.sort();
    assert_eq!(ids, ["a1", "b1", "c1"]);
    assert!(all.body.contains(
        "<td><a href=\"/dashboard/templates/H5hv/links/c1\">https://feedme.links.test/H5hv/c1</a></td><td>sms</td><td>apples</td><td>apples</td>"
    ));
    assert!(!all.body.contains("Clear filters"));
    let cases: [(&str, &[&str]); 6] = [
        ("key=pid&value=sms", &["a1", "c1"]),
        ("key=pid&value=sms&key=c&value=bananas", &["a1"]),
        ("key=fruit&value=banana", &["a1"]),
        ("key=c&value=bananas&key=&value=ignored", &["a1", "b1"]),
        ("key=+pid+&value=+email+", &["b1"]),
        ("key=deep_link_value&value=nothing", &[]),
    ];
    for (query, expected) in cases {
        let page = browser.get(&format!("{LIST}?{query}")).await;
        page.assert_page(200);
        let mut ids = listed(&page);
        ids.sort();
        assert_eq!(ids, expected, "{query}");
        assert!(
            page.body
                .contains(&format!("href=\"{LIST}\">Clear filters</a>"))
        );
        if expected.is_empty() {
            assert!(page.body.contains("No live links match these filters."));
        }
    }
    // The filter rows come back filled in, with a spare row to add one.
    let page = browser
        .get(&format!("{LIST}?key=pid&value=sms&key=c&value=bananas"))
        .await;
    let form = page.form(LIST);
    assert_eq!(form.all("key"), ["pid", "c", ""]);
    assert_eq!(form.all("value"), ["sms", "bananas", ""]);
    let page = browser.get(LIST).await;
    assert_eq!(page.form(LIST).all("key"), ["", "", ""]);
}

#[tokio::test]
async fn the_list_pages_25_links_at_a_time_with_a_cursor_that_keeps_the_filters() {
    let (app, key) = feedme().await;
    let sms: Vec<Value> = (0..30)
        .map(|i| json!({"data": {"pid": "sms", "n": i.to_string()}, "shortlink_id": format!("s{i:02}")}))
        .collect();
    make(&app, &key, Value::Array(sms)).await;
    app.advance(1_000);
    let email: Vec<Value> = (0..3)
        .map(|i| json!({"data": {"pid": "email"}, "shortlink_id": format!("e{i}")}))
        .collect();
    make(&app, &key, Value::Array(email)).await;
    let browser = sign_in(&app, &key).await;
    // Unfiltered: 33 links, newest first, in pages of 25 and 8.
    let first = browser.get(LIST).await;
    let first_ids = listed(&first);
    assert_eq!(first_ids.len(), 25);
    assert_eq!(first_ids[..3], ["e2", "e1", "e0"]);
    assert!(pager_href(&first, "First page").is_none());
    let next = pager_href(&first, "Next page").expect("a next page");
    assert!(next.starts_with(&format!("{LIST}?&cursor=")), "{next}");
    let second = browser.get(&next).await;
    second.assert_page(200);
    let second_ids = listed(&second);
    assert_eq!(second_ids.len(), 8);
    assert!(pager_href(&second, "Next page").is_none());
    assert_eq!(
        pager_href(&second, "First page").as_deref(),
        Some(&format!("{LIST}?")[..])
    );
    let every: BTreeSet<String> = first_ids.into_iter().chain(second_ids).collect();
    assert_eq!(every.len(), 33);
    // Filtered on pid=sms: 25 and 5, and the next page keeps the filter.
    let first = browser.get(&format!("{LIST}?key=pid&value=sms")).await;
    let first_ids = listed(&first);
    assert_eq!(first_ids.len(), 25);
    assert!(first_ids.iter().all(|id| id.starts_with('s')));
    let next = pager_href(&first, "Next page").expect("a next page");
    assert!(
        next.starts_with(&format!("{LIST}?key=pid&value=sms&cursor=")),
        "{next}"
    );
    let second = browser.get(&next).await;
    let second_ids = listed(&second);
    assert_eq!(second_ids.len(), 5);
    assert!(second_ids.iter().all(|id| id.starts_with('s')));
    assert_eq!(second.form(LIST).all("key")[0], "pid");
    let every: BTreeSet<String> = first_ids.into_iter().chain(second_ids).collect();
    assert_eq!(every.len(), 30);
    assert_eq!(
        pager_href(&second, "First page").as_deref(),
        Some(&format!("{LIST}?key=pid&value=sms")[..])
    );
}

#[tokio::test]
async fn a_bad_cursor_shows_the_api_message_with_400() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    for cursor in ["garbage!", "bm9wZQ"] {
        let page = browser.get(&format!("{LIST}?cursor={cursor}")).await;
        page.assert_error(
            400,
            "cursor must be a next_cursor value from an earlier page, unchanged",
        );
        assert!(listed(&page).is_empty());
        assert!(!page.body.contains("No live links"));
    }
}
