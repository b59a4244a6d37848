//! The statistics page and its CSV after real clicks, and links made from
//! an uploaded CSV file: one result per row, a results CSV, and the files
//! that are refused.

mod clicks;
mod common;
mod dashboard;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clicks::*;
use common::*;
use dashboard::*;
use serde_json::json;

const STATS: &str = "/dashboard/templates/H5hv/stats";
const BULK: &str = "/dashboard/templates/H5hv/bulk";

/// The Feed Me links `bananas7` (sms/bananas) and `apples1`
/// (email/apples), two Android clicks on the first and one on the second,
/// all stored; answers the signed-in browser.
async fn clicked(app: &TestApp, key: &str) -> Browser {
    link(app, key, "bananas7", json!({"pid": "sms", "c": "bananas"})).await;
    link(app, key, "apples1", json!({"pid": "email", "c": "apples"})).await;
    for path in ["/H5hv/bananas7", "/H5hv/bananas7", "/H5hv/apples1"] {
        assert_eq!(click(app, FEEDME, path, ANDROID).await.status, 302);
    }
    assert_eq!(app.stored_clicks(TID, 3).await.len(), 3);
    sign_in(app, key).await
}

/// The cells of the row of `label` in a statistics table.
fn row_of(page: &Page, label: &str) -> Vec<String> {
    let start = page
        .body
        .find(&format!("<tr><td>{label}</td>"))
        .unwrap_or_else(|| panic!("no row {label}: {}", page.body));
    let row = &page.body[start..start + page.body[start..].find("</tr>").unwrap()];
    row.split("<td")
        .skip(2)
        .map(|cell| cell[cell.find('>').unwrap() + 1..cell.find("</td>").unwrap()].to_owned())
        .collect()
}

/// The rows of a CSV text.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn the_statistics_page_counts_the_clicks_in_the_totals_and_by_media_source() {
    let (app, key) = feedme().await;
    let browser = clicked(&app, &key).await;
    let page = browser.get(STATS).await;
    page.assert_page(200);
    assert_eq!(page.text_after("<dd data-stat=\"clicks\">"), "3");
    assert_eq!(page.text_after("<dd data-stat=\"installs\">"), "0");
    assert_eq!(row_of(&page, "sms")[0], "2");
    assert_eq!(row_of(&page, "email")[0], "1");
    assert_eq!(row_of(&page, "bananas")[0], "2");
    assert_eq!(row_of(&page, "android")[0], "3");
    assert_eq!(row_of(&page, "2026-11-22")[0], "3");
    let form = page.form_with("method=\"get\"");
    assert_eq!(form.get("from"), Some("2026-10-24"));
    assert_eq!(form.get("to"), Some("2026-11-22"));
    // One link's statistics, and its page's totals.
    let page = browser.get(&format!("{STATS}?shortlink_id=bananas7")).await;
    assert_eq!(page.text_after("<dd data-stat=\"clicks\">"), "2");
    assert!(!page.body.contains("<tr><td>email</td>"));
    let link = browser
        .get("/dashboard/templates/H5hv/links/bananas7")
        .await;
    assert_eq!(link.text_after("<dd data-stat=\"clicks\">"), "2");
    assert!(
        link.body
            .contains(&format!("href=\"{STATS}?shortlink_id=bananas7\""))
    );
}

#[tokio::test]
async fn the_range_filters_the_statistics_and_a_bad_range_is_a_400_with_the_message() {
    let (app, key) = feedme().await;
    let browser = clicked(&app, &key).await;
    for (query, clicks) in [
        ("from=2026-11-22&to=2026-11-22", "3"),
        ("from=2026-11-23&to=2026-11-30", "0"),
        ("from=2026-11-01&to=2026-11-21", "0"),
        ("from=2026-11-22T12:00:00Z&to=2026-11-22T12:00:01Z", "3"),
    ] {
        let page = browser.get(&format!("{STATS}?{query}")).await;
        page.assert_page(200);
        assert_eq!(
            page.text_after("<dd data-stat=\"clicks\">"),
            clicks,
            "{query}"
        );
    }
    let cases = [
        (
            "from=2026-11-25&to=2026-11-20",
            "from must be before to, at most 400 days apart",
        ),
        (
            "from=2020-01-01&to=2026-11-22",
            "from must be before to, at most 400 days apart",
        ),
        (
            "from=yesterday",
            "from must be a date such as 2026-11-22 or a time such as 2026-11-22T10:00:00Z",
        ),
    ];
    for (query, message) in cases {
        let page = browser.get(&format!("{STATS}?{query}")).await;
        page.assert_error(400, message);
        assert!(!page.body.contains("data-stat=\"clicks\""));
        let csv = browser.get(&format!("{STATS}.csv?{query}")).await;
        csv.assert_error(400, message);
    }
    let page = browser
        .get(&format!("{STATS}?from=yesterday&to=2026-11-22"))
        .await;
    assert_eq!(
        page.form_with("method=\"get\"").get("from"),
        Some("yesterday")
    );
}

#[tokio::test]
async fn the_csv_export_has_a_header_row_and_the_numbers_of_the_page() {
    let (app, key) = feedme().await;
    let browser = clicked(&app, &key).await;
    let page = browser.get(STATS).await;
    let start = page
        .body
        .find("href=\"/dashboard/templates/H5hv/stats.csv?")
        .unwrap()
        + 6;
    let href = unescape(&page.body[start..start + page.body[start..].find('"').unwrap()]);
    let csv = browser.get(&href).await;
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        csv.header("content-disposition"),
        "attachment; filename=\"H5hv-statistics.csv\""
    );
    let mut rows = csv_rows(&csv.body);
    assert_eq!(
        rows.remove(0).join(","),
        "day,media_source,campaign,platform,clicks,installs,installs_referrer,installs_id_matching,installs_probabilistic,organic_installs,reengagements,expired_clicks,click_to_install_rate"
    );
    rows.sort();
    let counts: Vec<String> = rows.iter().map(|r| r[..12].join(",")).collect();
    assert_eq!(
        counts,
        [
            "2026-11-22,email,apples,android,1,0,0,0,0,0,0,0",
            "2026-11-22,sms,bananas,android,2,0,0,0,0,0,0,0",
        ]
    );
    let one = browser
        .get(&format!("{STATS}.csv?shortlink_id=apples1"))
        .await;
    assert_eq!(csv_rows(&one.body).len(), 2);
    let none = browser
        .get(&format!("{STATS}.csv?from=2026-11-23&to=2026-11-24"))
        .await;
    assert_eq!(csv_rows(&none.body).len(), 1, "the header alone");
}

#[tokio::test]
async fn an_uploaded_csv_creates_its_good_rows_and_reports_every_row() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let page = browser.get(BULK).await;
    page.assert_page(200);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let file = "pid,c,deep_link_value,shortlink_id,ttl,fruit\r\n\
        sms,bananas,bananas,bulk1,14d,banana\r\n\
        email,apples,apples,bulk2,forever,apple\r\n\
        push,x\r\n\
        a,b,c,long5,e,f,g\r\n\
        \"quoted, comma\",q,,bulk4,,\r\n\
        ,,,,,\r\n";
    let page = browser
        .upload(BULK, Some(&browser.csrf), file.as_bytes())
        .await;
    page.assert_page(200);
    assert!(
        page.body.contains("<h2>2 of 5 links created</h2>"),
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("<tr class=\"ok\">").count(), 2);
    assert_eq!(page.body.matches("<tr class=\"failed\">").count(), 3);
    let cells_message =
        "this row has 2 cells and the header 6; every row needs one cell per column";
    for shown in [ttl_message("\"forever\""), cells_message.to_owned()] {
        assert!(
            page.body.contains(&escape(&shown)),
            "{shown}: {}",
            page.body
        );
    }
    let (_, bulk1) = v2_read(&app, &key, TID, "bulk1").await;
    assert_eq!(
        bulk1["payload"],
        json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas", "fruit": "banana"})
    );
    assert_eq!(bulk1["ttl"], 14 * DAY_SECS);
    let (_, bulk4) = v2_read(&app, &key, TID, "bulk4").await;
    assert_eq!(bulk4["payload"], json!({"pid": "quoted, comma", "c": "q"}));
    for refused in ["bulk2", "long5"] {
        assert_eq!(v2_read(&app, &key, TID, refused).await.0, 404);
    }
    let (_, listed) = list_links(&app, &key, TID, "").await;
    assert_eq!(listed["links"].as_array().unwrap().len(), 2);
    // The results as CSV: the uploaded columns, the short URL, the error.
    let marker = "download=\"waylink-links-results.csv\"";
    let tag_end = page.body.find(marker).expect("a results download");
    let prefix = "href=\"data:text/csv;charset=utf-8;base64,";
    let start = page.body[..tag_end].rfind(prefix).unwrap() + prefix.len();
    let encoded = &page.body[start..start + page.body[start..].find('"').unwrap()];
    let results = String::from_utf8(STANDARD.decode(encoded).expect("base64")).unwrap();
    let rows = csv_rows(&results);
    let (url1, url4) = (
        "https://feedme.links.test/H5hv/bulk1",
        "https://feedme.links.test/H5hv/bulk4",
    );
    let ttl = ttl_message("\"forever\"");
    let long_message = cells_message.replace("has 2 cells", "has 7 cells");
    let expected = [
        vec![
            "pid",
            "c",
            "deep_link_value",
            "shortlink_id",
            "ttl",
            "fruit",
            "shortlink_url",
            "error",
        ],
        vec![
            "sms", "bananas", "bananas", "bulk1", "14d", "banana", url1, "",
        ],
        vec![
            "email", "apples", "apples", "bulk2", "forever", "apple", "", &ttl,
        ],
        vec!["push", "x", "", "", "", "", "", cells_message],
        vec!["a", "b", "c", "long5", "e", "f", "", &long_message],
        vec!["quoted, comma", "q", "", "bulk4", "", "", url4, ""],
    ];
    assert_eq!(rows, expected);
}

#[tokio::test]
async fn a_csv_with_a_byte_order_mark_is_read_as_utf_8() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let file = "\u{feff}pid,c,shortlink_id\nsms,café,bom1\n";
    let page = browser
        .upload(BULK, Some(&browser.csrf), file.as_bytes())
        .await;
    page.assert_page(200);
    assert!(
        page.body.contains("<h2>1 of 1 links created</h2>"),
        "{}",
        page.body
    );
    let (_, body) = v2_read(&app, &key, TID, "bom1").await;
    assert_eq!(body["payload"], json!({"pid": "sms", "c": "café"}));
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_with_400_and_a_clear_message() {
    let (app, key) = feedme().await;
    let browser = sign_in(&app, &key).await;
    let cases: [(&[u8], &str); 5] = [
        (
            b"pid,c\nsms,caf\xe9\n",
            "the file is not UTF-8 text; save it as \"CSV UTF-8\" and upload it again",
        ),
        (
            b"",
            "the file is empty; its first row must name the columns",
        ),
        (
            b"\n\n",
            "the file is empty; its first row must name the columns",
        ),
        (
            b"pid,c,shortlink_id\r\n",
            "the file has no rows of links under its header",
        ),
        (
            b",,\nsms,x,y\n",
            "the first row must name the columns, such as pid,c,deep_link_value",
        ),
    ];
    for (file, message) in cases {
        let page = browser.upload(BULK, Some(&browser.csrf), file).await;
        page.assert_error(400, message);
        assert!(page.body.contains("enctype=\"multipart/form-data\""));
    }
    // No file chosen: the browser sends an empty part without a name.
    let (content_type, body) = multipart_named(Some(&browser.csrf), "", b"");
    browser
        .post_body(BULK, &content_type, body)
        .await
        .assert_error(400, "choose a CSV file to upload");
    let (_, listed) = list_links(&app, &key, TID, "").await;
    assert_eq!(listed["links"], json!([]));
}
