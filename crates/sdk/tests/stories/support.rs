//! The server side of the stories: the Feed Me account on a running
//! server, its links and clicks, and the payloads the stories expect.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use waylink_sdk::{DeepLinkResult, DeepLinkStatus, Report};
use waylink_test_utils::TestApp;

/// The Feed Me template.
pub const TID: &str = "H5hv";
/// Its host on the test server.
pub const HOST: &str = "feedme.links.test";
/// The Feed Me Android app.
pub const ANDROID_APP: &str = "com.feedme.app";
/// The Feed Me iOS app.
pub const IOS_APP: &str = "id1234567";
/// Chrome on a Pixel 8, Android 14.
pub const PIXEL_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
/// Safari on an iPhone, iOS 17.1.
pub const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
/// An Android advertising id.
pub const GAID: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";
/// An iOS advertising id.
pub const IDFA: &str = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// When the first click of a story lands: a millisecond after the test
/// clock starts.
pub const CLICK_TIME: &str = "2026-11-22 12:00:00.001";

/// A running server with the Feed Me account, its two apps and template.
pub struct Feedme {
    pub app: TestApp,
    /// The account's API key.
    pub key: String,
    /// The SDK key of the Android app.
    pub android_key: String,
    /// The SDK key of the iOS app.
    pub ios_key: String,
}

impl Feedme {
    pub async fn start() -> Feedme {
        let app = TestApp::spawn().await;
        let key = app.create_account("feedme", None).await.api_key;
        let android_key = create_app(
            &app,
            &key,
            json!({"platform": "android", "app_id": ANDROID_APP}),
        )
        .await;
        let ios_key = create_app(
            &app,
            &key,
            json!({"platform": "ios", "app_id": IOS_APP, "bundle_id": ANDROID_APP,
                "team_id": "ABCDE12345"}),
        )
        .await;
        let template = json!({"id": TID, "subdomain": "feedme", "android_app_id": ANDROID_APP,
            "ios_app_id": IOS_APP, "uri_scheme": "feedme"});
        let (status, body) = app
            .json("POST", "/api/v1/templates", Some(&key), Some(template))
            .await;
        assert_eq!(status, 201, "{body}");
        Feedme {
            app,
            key,
            android_key,
            ios_key,
        }
    }

    /// The server URL the SDK is built with.
    pub fn server(&self) -> &str {
        &self.app.address
    }

    /// Creates short link `sid` of the Feed Me template, live for `ttl`.
    pub async fn link(&self, sid: &str, data: Value, ttl: &str) {
        let body = json!({"shortlink_id": sid, "data": data, "ttl": ttl});
        let (status, body) = self
            .app
            .json(
                "POST",
                &format!("/api/v2.0/shortlinks/{TID}"),
                Some(&self.key),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// The personal SMS link of the Feed Me story: `/H5hv/bananas7`.
    pub async fn bananas(&self) {
        let data = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
            "deep_link_sub1": "user42", "country": "uk"});
        self.link("bananas7", data, "31d").await;
    }

    /// Creates the personal SMS link and clicks it on a Pixel 8 without
    /// the app, as the first click of the story. Answers the install
    /// referrer the Play Store then hands the app.
    pub async fn click_bananas(&self) -> String {
        self.bananas().await;
        let location = self.click("/H5hv/bananas7", PIXEL_UA, 1).await;
        play_store_referrer(&location)
    }

    /// Clicks `path` on the Feed Me host as a browser with `user_agent`, a
    /// millisecond of the test clock after the last step (so each click
    /// has its own time), and waits until the click is stored as the
    /// `count`th of the template. Answers where the browser is sent.
    pub async fn click(&self, path: &str, user_agent: &str, count: usize) -> String {
        self.app.advance(1);
        let response = self
            .app
            .client
            .get(self.app.url(path))
            .header("host", HOST)
            .header("user-agent", user_agent)
            .send()
            .await
            .expect("the server answers the click");
        assert_eq!(response.status(), 302, "{path}");
        let location = response.headers()["location"]
            .to_str()
            .expect("a text location")
            .to_owned();
        let stored = self.app.stored_clicks(TID, count).await;
        assert_eq!(stored.len(), count, "clicks stored: {stored:#?}");
        location
    }

    /// `PATCH /api/v1/apps/{app_id}`.
    pub async fn patch_app(&self, app_id: &str, patch: Value) -> Value {
        let (status, body) = self
            .app
            .json(
                "PATCH",
                &format!("/api/v1/apps/{app_id}"),
                Some(&self.key),
                Some(patch),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

async fn create_app(app: &TestApp, key: &str, body: Value) -> String {
    let (status, body) = app
        .json("POST", "/api/v1/apps", Some(key), Some(body))
        .await;
    assert_eq!(status, 201, "{body}");
    body["sdk_key"].as_str().expect("an SDK key").to_owned()
}

/// The install referrer the Play Store hands the app: the decoded
/// `referrer` parameter of the Play Store URL the click redirected to.
pub fn play_store_referrer(location: &str) -> String {
    let url = url::Url::parse(location).expect("a URL");
    assert_eq!(url.host_str(), Some("play.google.com"), "{location}");
    assert_eq!(url.path(), "/store/apps/details", "{location}");
    let param = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("id").as_deref(), Some(ANDROID_APP), "{location}");
    param("referrer").expect("a referrer parameter")
}

/// A server URL nothing listens on: a port just bound and released.
pub fn closed_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The conversion data a launch delivered.
pub fn conversion(report: &Report) -> Value {
    match &report.conversion_data {
        Some(Ok(data)) => Value::Object(data.clone()),
        other => panic!("no conversion data: {other:?}"),
    }
}

/// The values of a found deep link.
pub fn found(result: &DeepLinkResult) -> Value {
    assert_eq!(result.status, DeepLinkStatus::Found, "{result:?}");
    assert_eq!(result.error, None);
    Value::Object(
        result
            .deep_link
            .as_ref()
            .expect("a deep link")
            .values()
            .clone(),
    )
}

pub fn assert_not_found(result: &DeepLinkResult) {
    assert_eq!(result, &DeepLinkResult::not_found());
}

/// A map of strings, from a JSON object of strings.
pub fn strings(value: Value) -> BTreeMap<String, String> {
    let Value::Object(map) = value else {
        panic!("not an object: {value}");
    };
    map.into_iter()
        .map(|(k, v)| (k, v.as_str().expect("a string").to_owned()))
        .collect()
}

/// The conversion data of an organic install.
pub fn organic(install_time: &str, first: bool) -> Value {
    json!({"af_status": "Organic", "af_message": "organic install",
        "is_first_launch": first, "install_time": install_time, "iscache": false})
}

/// The conversion data of a non-organic install: `fields`, over what every
/// install attributed to a click without cost or sub-parameters carries.
pub fn non_organic(fields: Value) -> Value {
    let mut data = json!({
        "af_status": "Non-organic",
        "is_retargeting": false, "retargeting_conversion_type": "none",
        "af_click_lookback": "7d", "http_referrer": null,
        "af_adset": null, "af_ad": null, "af_channel": null, "af_siteid": null,
        "af_sub1": null, "af_sub2": null, "af_sub3": null, "af_sub4": null, "af_sub5": null,
        "af_cost_currency": "USD", "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
        "iscache": false,
    });
    let Value::Object(fields) = fields else {
        panic!("not an object: {fields}");
    };
    data.as_object_mut().expect("an object").extend(fields);
    data
}

/// The conversion data of an install attributed to a click on the Feed Me
/// SMS link.
pub fn bananas_conversion(install_time: &str, click_time: &str, first: bool) -> Value {
    non_organic(json!({
        "is_first_launch": first, "install_time": install_time, "click_time": click_time,
        "match_type": "referrer", "media_source": "sms", "campaign": "bananas",
        "shortlink": "bananas7",
        "deep_link_value": "bananas", "deep_link_sub1": "user42", "country": "uk",
    }))
}

/// The values of a deep link deferred to the install from the first click
/// of a story, matched by `match_type`.
pub fn deferred(deep_link_value: &str, match_type: &str) -> Value {
    json!({"deep_link_value": deep_link_value, "is_deferred": true, "match_type": match_type,
        "click_http_referrer": null, "timestamp": CLICK_TIME})
}

/// The values of a deep link opened directly: the link's `fields`, not
/// deferred.
pub fn direct(mut fields: Value) -> Value {
    fields["is_deferred"] = json!(false);
    fields
}

/// The app-open attribution of the Feed Me SMS link: the link's `fields`
/// and its short link id.
pub fn bananas_attribution(mut fields: Value) -> BTreeMap<String, String> {
    fields["shortlink"] = json!("bananas7");
    strings(fields)
}
