//! The stories of the spec, played end to end through the SDK against the
//! real server: `TestApp` runs it in-process on a clock that stands still
//! until a story moves it, links are clicked over HTTP as a phone's browser
//! clicks them, and the SDK launches and opens the app as the app would.
//!
//! Every story builds its own server, account, apps (through
//! `POST /api/v1/apps`, which answers each app's SDK key) and template.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};
use tempfile::TempDir;
use waylink_sdk::{
    DeepLinkError, DeepLinkResult, DeepLinkStatus, Platform, Report, WaylinkListener, WaylinkSdk,
    WaylinkSdkBuilder,
};
use waylink_test_utils::TestApp;

/// The Feed Me template.
const TID: &str = "H5hv";
/// Its host on the test server.
const HOST: &str = "feedme.links.test";
/// The Feed Me Android app.
const ANDROID_APP: &str = "com.feedme.app";
/// The Feed Me iOS app.
const IOS_APP: &str = "id1234567";
/// Chrome on a Pixel 8, Android 14.
const PIXEL_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36";
/// Safari on an iPhone, iOS 17.1.
const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
/// An Android advertising id.
const GAID: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";
/// An iOS advertising id.
const IDFA: &str = "6D92078A-8246-4BA4-AE5B-76104861E7DC";
const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

// ---------------------------------------------------------------------
// The server side: the Feed Me account, its links, and clicks.
// ---------------------------------------------------------------------

/// A running server with the Feed Me account, its two apps and template.
struct Feedme {
    app: TestApp,
    /// The account's API key.
    key: String,
    /// The SDK key of the Android app.
    android_key: String,
    /// The SDK key of the iOS app.
    ios_key: String,
}

impl Feedme {
    async fn start() -> Feedme {
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
    fn server(&self) -> &str {
        &self.app.address
    }

    /// Creates short link `sid` of the Feed Me template, live for `ttl`.
    async fn link(&self, sid: &str, data: Value, ttl: &str) {
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
    async fn bananas(&self) {
        let data = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
            "deep_link_sub1": "user42", "country": "uk"});
        self.link("bananas7", data, "31d").await;
    }

    /// Clicks `path` on the Feed Me host as a browser with `user_agent`, a
    /// millisecond of the test clock after the last step (so each click
    /// has its own time), and waits until the click is stored as the
    /// `count`th of the template. Answers where the browser is sent.
    async fn click(&self, path: &str, user_agent: &str, count: usize) -> String {
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
    async fn patch_app(&self, app_id: &str, patch: Value) -> Value {
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
fn play_store_referrer(location: &str) -> String {
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
fn closed_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------
// The device side: the SDK and a listener that records its callbacks.
// ---------------------------------------------------------------------

/// One callback, as the listener received it.
#[derive(Debug, Clone, PartialEq)]
enum Event {
    Conversion(Map<String, Value>),
    ConversionFail(String),
    AppOpen(BTreeMap<String, String>),
    AttributionFailure(String),
    DeepLinking(DeepLinkResult),
}

impl Event {
    fn name(&self) -> &'static str {
        match self {
            Event::Conversion(_) => "on_conversion_data_success",
            Event::ConversionFail(_) => "on_conversion_data_fail",
            Event::AppOpen(_) => "on_app_open_attribution",
            Event::AttributionFailure(_) => "on_attribution_failure",
            Event::DeepLinking(_) => "on_deep_linking",
        }
    }
}

/// Records every callback, in order.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<Event>>,
}

impl Recorder {
    fn push(&self, event: Event) {
        self.events.lock().expect("the lock").push(event);
    }

    /// The callbacks received since the last call, in order.
    fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().expect("the lock"))
    }
}

impl WaylinkListener for Recorder {
    fn on_conversion_data_success(&self, data: &Map<String, Value>) {
        self.push(Event::Conversion(data.clone()));
    }
    fn on_conversion_data_fail(&self, message: &str) {
        self.push(Event::ConversionFail(message.to_owned()));
    }
    fn on_app_open_attribution(&self, data: &BTreeMap<String, String>) {
        self.push(Event::AppOpen(data.clone()));
    }
    fn on_attribution_failure(&self, message: &str) {
        self.push(Event::AttributionFailure(message.to_owned()));
    }
    fn on_deep_linking(&self, result: &DeepLinkResult) {
        self.push(Event::DeepLinking(result.clone()));
    }
}

/// A phone with the app: its app storage and the listener of the app.
struct Phone {
    platform: Platform,
    storage: TempDir,
    recorder: Arc<Recorder>,
}

impl Phone {
    fn android() -> Phone {
        Phone::new(Platform::Android)
    }

    fn iphone() -> Phone {
        Phone::new(Platform::Ios)
    }

    fn new(platform: Platform) -> Phone {
        Phone {
            platform,
            storage: tempfile::tempdir().expect("a temporary directory"),
            recorder: Arc::new(Recorder::default()),
        }
    }

    fn state_dir(&self) -> &Path {
        self.storage.path()
    }

    /// The SDK of the Feed Me app of this phone's platform, talking to
    /// `server`, with the device's OS version, model and user agent. The
    /// UDL timeout is generous: the stories test outcomes, not speed, and
    /// the test machine may be busy.
    fn sdk(&self, server: &str, feedme: &Feedme) -> WaylinkSdkBuilder {
        let (app_id, key, os, model, agent) = match self.platform {
            Platform::Android => (ANDROID_APP, &feedme.android_key, "14", "Pixel 8", PIXEL_UA),
            Platform::Ios => (IOS_APP, &feedme.ios_key, "17.1", "iPhone15,2", IPHONE_UA),
        };
        WaylinkSdk::builder(server, app_id, key.as_str())
            .platform(self.platform)
            .state_dir(self.state_dir())
            .device_info(os, model, agent)
            .udl_timeout(Duration::from_secs(20))
            .listener(self.recorder.clone())
    }

    /// The same app on a server that cannot be reached: no retries, so a
    /// story does not wait for them.
    fn offline_sdk(&self, feedme: &Feedme) -> WaylinkSdk {
        self.sdk(&closed_server(), feedme)
            .max_retries(0)
            .build()
            .expect("the SDK builds")
    }

    /// The callbacks of the last call, checked against its report: the
    /// report holds exactly what the listener received, in the same order.
    fn callbacks(&self, report: &Report) -> Vec<Event> {
        let events = self.recorder.take();
        let mut expected = Vec::new();
        match &report.conversion_data {
            Some(Ok(data)) => expected.push(Event::Conversion(data.clone())),
            Some(Err(message)) => expected.push(Event::ConversionFail(message.clone())),
            None => {}
        }
        match &report.app_open_attribution {
            Some(Ok(data)) => expected.push(Event::AppOpen(data.clone())),
            Some(Err(message)) => expected.push(Event::AttributionFailure(message.clone())),
            None => {}
        }
        expected.push(Event::DeepLinking(report.deep_link.clone()));
        assert_eq!(events, expected, "the listener and the report disagree");
        events
    }
}

fn names(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(Event::name).collect()
}

/// The conversion data a launch delivered.
fn conversion(report: &Report) -> Value {
    match &report.conversion_data {
        Some(Ok(data)) => Value::Object(data.clone()),
        other => panic!("no conversion data: {other:?}"),
    }
}

/// The values of a found deep link.
fn found(result: &DeepLinkResult) -> Value {
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

fn assert_not_found(result: &DeepLinkResult) {
    assert_eq!(result, &DeepLinkResult::not_found());
}

/// A map of strings, from a JSON object of strings.
fn strings(value: Value) -> BTreeMap<String, String> {
    let Value::Object(map) = value else {
        panic!("not an object: {value}");
    };
    map.into_iter()
        .map(|(k, v)| (k, v.as_str().expect("a string").to_owned()))
        .collect()
}

/// The conversion data of an organic install.
fn organic(install_time: &str, first: bool) -> Value {
    json!({"af_status": "Organic", "af_message": "organic install",
        "is_first_launch": first, "install_time": install_time, "iscache": false})
}

/// The conversion data of an install attributed to a click on the Feed Me
/// SMS link.
fn bananas_conversion(install_time: &str, click_time: &str, first: bool) -> Value {
    json!({
        "af_status": "Non-organic", "is_first_launch": first,
        "install_time": install_time, "click_time": click_time,
        "match_type": "referrer", "media_source": "sms", "campaign": "bananas",
        "is_retargeting": false, "retargeting_conversion_type": "none",
        "af_click_lookback": "7d", "shortlink": "bananas7", "http_referrer": null,
        "af_adset": null, "af_ad": null, "af_channel": null, "af_siteid": null,
        "af_sub1": null, "af_sub2": null, "af_sub3": null, "af_sub4": null, "af_sub5": null,
        "af_cost_currency": "USD", "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
        "iscache": false,
        "deep_link_value": "bananas", "deep_link_sub1": "user42", "country": "uk",
    })
}

// ---------------------------------------------------------------------
// The stories.
// ---------------------------------------------------------------------

#[tokio::test]
async fn an_android_user_who_taps_a_personal_sms_link_installs_the_app_and_lands_on_the_bananas() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;

    // The user taps the link on a Pixel 8 without the app: the Play Store,
    // which keeps the referrer for the app.
    let location = feedme.click("/H5hv/bananas7", PIXEL_UA, 1).await;
    let referrer = play_store_referrer(&location);
    let click = &feedme.app.stored_clicks(TID, 1).await[0];
    assert_eq!(
        referrer,
        format!("waylink_click_id={}&pid=sms&c=bananas", click.click_id)
    );

    // Five minutes later the app is installed and opened for the first time.
    feedme.app.advance(5 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .install_referrer(&referrer)
        .build()
        .expect("the SDK builds");
    assert!(!sdk.install_launch_done());
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    let install_time = "2026-11-22 12:05:00.001";
    let click_time = "2026-11-22 12:00:00.001";
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, click_time, true)
    );
    assert_eq!(report.app_open_attribution, None);
    let deep_link = report.deep_link.deep_link.as_ref().expect("a deep link");
    assert_eq!(deep_link.deep_link_value(), Some("bananas"));
    assert_eq!(deep_link.deep_link_sub(1), Some("user42"));
    assert!(deep_link.is_deferred());
    assert_eq!(
        found(&report.deep_link),
        json!({"deep_link_value": "bananas", "deep_link_sub1": "user42", "is_deferred": true,
            "match_type": "referrer", "click_http_referrer": null, "timestamp": click_time})
    );
    assert!(sdk.install_launch_done());
    let install = feedme
        .app
        .state
        .store
        .get_install(ANDROID_APP, sdk.device_id())
        .await
        .expect("the install can be read");
    assert!(install.is_some(), "the server recorded the install");

    // The next day the user opens the app again: the same campaign, no
    // longer the first launch, and no deferred deep link a second time.
    feedme.app.advance(24 * HOUR_MS);
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, click_time, false)
    );
    assert_eq!(report.app_open_attribution, None);
    assert_not_found(&report.deep_link);
}

#[tokio::test]
async fn an_iphone_user_without_a_click_id_is_matched_probabilistically_by_ip_os_and_model() {
    let feedme = Feedme::start().await;
    let data = json!({"pid": "email", "c": "pears", "deep_link_value": "pears"});
    feedme.link("pears3", data, "7d").await;
    let location = feedme.click("/H5hv/pears3", IPHONE_UA, 1).await;
    assert!(
        location.starts_with(&format!("https://apps.apple.com/app/{IOS_APP}")),
        "{location}"
    );
    let click = &feedme.app.stored_clicks(TID, 1).await[0];
    assert_eq!(click.os_version.as_deref(), Some("17.1"));

    // Installed ten minutes later, from the same address (127.0.0.1): no
    // referrer on iOS, no advertising id, but the same IP, OS version and
    // a model the click did not contradict.
    feedme.app.advance(10 * MINUTE_MS);
    let phone = Phone::iphone();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        json!({
            "af_status": "Non-organic", "is_first_launch": true,
            "install_time": "2026-11-22 12:10:00.001", "click_time": "2026-11-22 12:00:00.001",
            "match_type": "probabilistic", "media_source": "email", "campaign": "pears",
            "is_retargeting": false, "retargeting_conversion_type": "none",
            "af_click_lookback": "7d", "shortlink": "pears3", "http_referrer": null,
            "af_adset": null, "af_ad": null, "af_channel": null, "af_siteid": null,
            "af_sub1": null, "af_sub2": null, "af_sub3": null, "af_sub4": null, "af_sub5": null,
            "af_cost_currency": "USD", "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
            "iscache": false, "deep_link_value": "pears",
        })
    );
    assert_eq!(
        found(&report.deep_link),
        json!({"deep_link_value": "pears", "is_deferred": true, "match_type": "probabilistic",
            "click_http_referrer": null, "timestamp": "2026-11-22 12:00:00.001"})
    );
}

#[tokio::test]
async fn an_iphone_user_whose_click_carried_an_idfa_is_matched_by_advertising_id() {
    let feedme = Feedme::start().await;
    // An ad network appends the IDFA to a long link.
    let path = format!("/H5hv?pid=email&c=apples&deep_link_value=apples&idfa={IDFA}");
    feedme.click(&path, IPHONE_UA, 1).await;
    let click = &feedme.app.stored_clicks(TID, 1).await[0];
    assert_eq!(click.advertising_id.as_deref(), Some(IDFA));

    // The phone was updated before the install, so only the IDFA can tell
    // it is the one that clicked.
    feedme.app.advance(10 * MINUTE_MS);
    let phone = Phone::iphone();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .device_info("17.2", "iPhone15,2", IPHONE_UA.replace("17_1", "17_2"))
        .advertising_id(IDFA)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        json!({
            "af_status": "Non-organic", "is_first_launch": true,
            "install_time": "2026-11-22 12:10:00.001", "click_time": "2026-11-22 12:00:00.001",
            "match_type": "id_matching", "media_source": "email", "campaign": "apples",
            "is_retargeting": false, "retargeting_conversion_type": "none",
            "af_click_lookback": "7d", "http_referrer": null,
            "af_adset": null, "af_ad": null, "af_channel": null, "af_siteid": null,
            "af_sub1": null, "af_sub2": null, "af_sub3": null, "af_sub4": null, "af_sub5": null,
            "af_cost_currency": "USD", "af_cost_value": null, "orig_cost": null, "cost_cents_USD": 0,
            "iscache": false, "deep_link_value": "apples", "idfa": IDFA,
        })
    );
    assert_eq!(
        found(&report.deep_link),
        json!({"deep_link_value": "apples", "is_deferred": true, "match_type": "id_matching",
            "click_http_referrer": null, "timestamp": "2026-11-22 12:00:00.001"})
    );
}

#[tokio::test]
async fn a_user_with_the_app_opens_a_short_link_a_long_link_and_a_uri_scheme_link() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    phone.callbacks(&report);
    assert_eq!(
        conversion(&report),
        organic("2026-11-22 12:00:00.000", true)
    );

    // A short link: only the server knows its data.
    feedme.app.advance(HOUR_MS);
    let short = "https://feedme.links.test/H5hv/bananas7";
    let report = sdk.handle_url(short).await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_app_open_attribution", "on_deep_linking"]
    );
    assert_eq!(report.conversion_data, None);
    let link_fields = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "deep_link_sub1": "user42", "country": "uk",
        "link": short, "scheme": "https", "host": HOST, "path": "/H5hv/bananas7",
        "media_source": "sms", "campaign": "bananas"});
    let mut attribution = link_fields.clone();
    attribution["shortlink"] = json!("bananas7");
    assert_eq!(report.app_open_attribution, Some(Ok(strings(attribution))));
    let mut direct = link_fields;
    direct["is_deferred"] = json!(false);
    assert_eq!(found(&report.deep_link), direct);
    let deep_link = report.deep_link.deep_link.as_ref().expect("a deep link");
    assert!(!deep_link.is_deferred());
    assert_eq!(deep_link.link(), Some(short));

    // A long link and a URI-scheme link carry their data: the same app on
    // the same phone, but with the server out of reach, still gets all of
    // it, since no callback waits for the server.
    let offline = phone.offline_sdk(&feedme);
    assert_eq!(offline.device_id(), sdk.device_id());
    let long =
        "https://feedme.links.test/H5hv?pid=sms&c=bananas&deep_link_value=bananas&af_sub1=x%20y";
    let report = offline.handle_url(long).await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_app_open_attribution", "on_deep_linking"]
    );
    assert_eq!(report.conversion_data, None);
    let long_fields = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "af_sub1": "x y", "link": long, "scheme": "https", "host": HOST, "path": "/H5hv",
        "media_source": "sms", "campaign": "bananas"});
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(strings(long_fields.clone())))
    );
    let mut direct = long_fields;
    direct["is_deferred"] = json!(false);
    assert_eq!(found(&report.deep_link), direct);

    let scheme = "feedme://mainactivity?deep_link_value=apples&deep_link_sub1=user42";
    let report = offline.handle_url(scheme).await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_app_open_attribution", "on_deep_linking"]
    );
    let scheme_fields = json!({"deep_link_value": "apples", "deep_link_sub1": "user42",
        "link": scheme, "scheme": "feedme", "host": "mainactivity", "path": ""});
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(strings(scheme_fields.clone())))
    );
    let mut direct = scheme_fields;
    direct["is_deferred"] = json!(false);
    assert_eq!(found(&report.deep_link), direct);

    // What the SDK read locally is what the server answers for the same
    // links.
    for url in [long, scheme] {
        let body = json!({"device_id": sdk.device_id(), "platform": "android",
            "deep_link_url": url});
        let (status, answer) = feedme
            .app
            .json(
                "POST",
                "/sdk/v1/open",
                Some(&feedme.android_key),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let report = sdk.handle_url(url).await;
        phone.callbacks(&report);
        let Some(Ok(local)) = report.app_open_attribution else {
            panic!("no app-open attribution for {url}");
        };
        assert_eq!(strings(answer["app_open_attribution"].clone()), local);
        assert_eq!(answer["deep_link"]["status"], "FOUND");
        assert_eq!(answer["deep_link"]["deep_link"], found(&report.deep_link));
    }
}

#[tokio::test]
async fn an_install_without_a_click_is_organic() {
    let feedme = Feedme::start().await;
    feedme.app.advance(90 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .advertising_id(GAID)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        organic("2026-11-22 13:30:00.000", true)
    );
    assert_eq!(report.app_open_attribution, None);
    assert_not_found(&report.deep_link);

    feedme.app.advance(MINUTE_MS);
    let report = sdk.start().await;
    phone.callbacks(&report);
    assert_eq!(
        conversion(&report),
        organic("2026-11-22 13:30:00.000", false)
    );
    assert_not_found(&report.deep_link);
}

#[tokio::test]
async fn a_click_on_an_expired_link_leaves_the_install_organic() {
    let feedme = Feedme::start().await;
    let data = json!({"pid": "sms", "c": "flash", "deep_link_value": "flash"});
    feedme.link("flash1", data, "10m").await;
    feedme.app.advance(11 * MINUTE_MS);

    // The link is gone when the user taps it; the click is still counted,
    // as expired, with the advertising id the URL carried.
    let location = feedme
        .click(&format!("/H5hv/flash1?gaid={GAID}"), PIXEL_UA, 1)
        .await;
    let click = &feedme.app.stored_clicks(TID, 1).await[0];
    assert!(click.expired, "{click:#?}");
    assert_eq!(click.advertising_id.as_deref(), Some(GAID));
    // Still the Play Store, but without a referrer: an expired link hands
    // out no click id.
    assert_eq!(
        location,
        format!("https://play.google.com/store/apps/details?id={ANDROID_APP}")
    );

    // Installed a minute later with every other signal pointing at the
    // click: its advertising id, its IP, OS version and model. The Play
    // Store's referrer is the one of an install from the store itself.
    feedme.app.advance(MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .advertising_id(GAID)
        .install_referrer("utm_source=google-play&utm_medium=organic")
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        organic("2026-11-22 12:12:00.001", true)
    );
    assert_not_found(&report.deep_link);
}

#[tokio::test]
async fn a_click_older_than_the_apps_udl_window_brings_its_deep_link_only_in_the_conversion_data() {
    let feedme = Feedme::start().await;
    let app = feedme
        .patch_app(ANDROID_APP, json!({"udl_window": "30m"}))
        .await;
    assert_eq!(app["udl_window"], "30m", "{app}");
    feedme.bananas().await;
    let location = feedme.click("/H5hv/bananas7", PIXEL_UA, 1).await;
    let referrer = play_store_referrer(&location);

    feedme.app.advance(31 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .install_referrer(referrer)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    assert_eq!(
        conversion(&report),
        bananas_conversion("2026-11-22 12:31:00.001", "2026-11-22 12:00:00.001", true)
    );
    assert_not_found(&report.deep_link);
}

#[tokio::test]
async fn a_later_launch_without_the_server_gets_the_cached_conversion_data() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let location = feedme.click("/H5hv/bananas7", PIXEL_UA, 1).await;
    let referrer = play_store_referrer(&location);
    feedme.app.advance(5 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .install_referrer(&referrer)
        .build()
        .expect("the SDK builds");
    let report = sdk.start().await;
    phone.callbacks(&report);
    let install_time = "2026-11-22 12:05:00.001";
    let click_time = "2026-11-22 12:00:00.001";
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, click_time, true)
    );

    // The app starts again on a train, the server out of reach: the same
    // app storage, no server.
    let offline = phone.offline_sdk(&feedme);
    assert_eq!(offline.device_id(), sdk.device_id());
    assert!(offline.install_launch_done());
    let report = offline.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_success", "on_deep_linking"]
    );
    let mut cached = bananas_conversion(install_time, click_time, false);
    cached["iscache"] = json!(true);
    assert_eq!(conversion(&report), cached);
    assert_eq!(report.app_open_attribution, None);
    assert_eq!(
        report.deep_link,
        DeepLinkResult::error(DeepLinkError::Network)
    );

    // Back in reach, the server answers again, and not from the cache.
    let report = sdk.start().await;
    phone.callbacks(&report);
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, click_time, false)
    );
}

#[tokio::test]
async fn an_install_launch_without_the_server_fails_and_the_next_launch_is_the_install() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let location = feedme.click("/H5hv/bananas7", PIXEL_UA, 1).await;
    let referrer = play_store_referrer(&location);
    feedme.app.advance(5 * MINUTE_MS);
    let phone = Phone::android();

    // The first start, offline: nothing is cached yet.
    let offline = phone
        .sdk(&closed_server(), &feedme)
        .install_referrer(&referrer)
        .max_retries(0)
        .build()
        .expect("the SDK builds");
    let report = offline.start().await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        ["on_conversion_data_fail", "on_deep_linking"]
    );
    assert_eq!(
        report.deep_link,
        DeepLinkResult::error(DeepLinkError::Network)
    );
    assert!(!offline.install_launch_done());

    // The next start reaches the server: that one is the install, with
    // the campaign and the deferred deep link.
    feedme.app.advance(MINUTE_MS);
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .install_referrer(&referrer)
        .build()
        .expect("the SDK builds");
    assert_eq!(sdk.device_id(), offline.device_id());
    let report = sdk.start().await;
    phone.callbacks(&report);
    assert_eq!(
        conversion(&report),
        bananas_conversion("2026-11-22 12:06:00.001", "2026-11-22 12:00:00.001", true)
    );
    assert_eq!(found(&report.deep_link)["is_deferred"], json!(true));
}

#[tokio::test]
async fn a_user_whose_app_is_started_by_a_short_link_gets_its_data_and_an_expired_link_says_why() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let data = json!({"pid": "push", "c": "flash", "deep_link_value": "flash"});
    feedme.link("flash1", data, "10m").await;
    let phone = Phone::android();
    let sdk = phone
        .sdk(feedme.server(), &feedme)
        .build()
        .expect("the SDK builds");
    phone.callbacks(&sdk.start().await);

    // A day later the app is started by a short link whose query adds to
    // the stored data (and wins over it).
    feedme.app.advance(24 * HOUR_MS);
    let short = "https://feedme.links.test/H5hv/bananas7?c=bananas-again&af_sub1=push";
    let report = sdk.start_with_url(short).await;
    let events = phone.callbacks(&report);
    assert_eq!(
        names(&events),
        [
            "on_conversion_data_success",
            "on_app_open_attribution",
            "on_deep_linking"
        ]
    );
    assert_eq!(
        conversion(&report),
        organic("2026-11-22 12:00:00.000", false)
    );
    let link_fields = json!({"pid": "sms", "c": "bananas-again", "deep_link_value": "bananas",
        "deep_link_sub1": "user42", "country": "uk", "af_sub1": "push",
        "link": short, "scheme": "https", "host": HOST, "path": "/H5hv/bananas7",
        "media_source": "sms", "campaign": "bananas-again"});
    let mut attribution = link_fields.clone();
    attribution["shortlink"] = json!("bananas7");
    assert_eq!(report.app_open_attribution, Some(Ok(strings(attribution))));
    let mut direct = link_fields;
    direct["is_deferred"] = json!(false);
    assert_eq!(found(&report.deep_link), direct);

    // The flash link lived ten minutes: opening it now finds nothing, and
    // the app is told so; so is a short link that never existed.
    for gone in [
        "https://feedme.links.test/H5hv/flash1",
        "https://feedme.links.test/H5hv/nosuch9",
    ] {
        let report = sdk.handle_url(gone).await;
        let events = phone.callbacks(&report);
        assert_eq!(
            names(&events),
            ["on_attribution_failure", "on_deep_linking"],
            "{gone}"
        );
        assert_eq!(
            report.app_open_attribution,
            Some(Err("the link is unknown or expired".into()))
        );
        assert_not_found(&report.deep_link);
    }
}
