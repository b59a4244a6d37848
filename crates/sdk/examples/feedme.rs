//! A complete app integration: build the SDK once, report the launch, then
//! report a link that brings the app to the front, printing every callback.
//!
//! ```text
//! cargo run -p waylink-sdk --example feedme -- \
//!     http://127.0.0.1:8080 com.feedme.app SDK_KEY [LINK]
//! ```

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use waylink_sdk::{DeepLinkResult, DeepLinkStatus, Platform, WaylinkListener, WaylinkSdk};

/// The app's listener: here it prints; a real app routes to a screen.
struct FeedMe;

impl WaylinkListener for FeedMe {
    fn on_conversion_data_success(&self, data: &Map<String, Value>) {
        let first = data.get("is_first_launch") == Some(&Value::Bool(true));
        let status = data.get("af_status").and_then(Value::as_str).unwrap_or("?");
        println!("conversion data ({status}, first launch: {first}):");
        println!("{}", Value::Object(data.clone()));
    }

    fn on_conversion_data_fail(&self, message: &str) {
        println!("conversion data failed: {message}");
    }

    fn on_app_open_attribution(&self, data: &BTreeMap<String, String>) {
        println!("app opened through {:?}: {data:?}", data.get("link"));
    }

    fn on_attribution_failure(&self, message: &str) {
        println!("app-open attribution failed: {message}");
    }

    fn on_deep_linking(&self, result: &DeepLinkResult) {
        match (result.status, &result.deep_link) {
            (DeepLinkStatus::Found, Some(link)) => {
                let screen = link.deep_link_value().unwrap_or("home");
                let how = ["direct", "deferred"][usize::from(link.is_deferred())];
                println!("deep link ({how}): open the {screen:?} screen");
            }
            (DeepLinkStatus::Error, _) => println!("deep link error: {:?}", result.error),
            _ => println!("no deep link: open the home screen"),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [server, app_id, key, rest @ ..] = args.as_slice() else {
        eprintln!("usage: feedme SERVER_URL APP_ID SDK_KEY [LINK]");
        return ExitCode::from(2);
    };
    // App-private storage in a real app; a fixed directory here so a second
    // run is a later launch of the same device, not a new install.
    let state_dir = std::env::temp_dir().join("waylink-feedme-example");
    let sdk = WaylinkSdk::builder(server.as_str(), app_id.as_str(), key.as_str())
        .platform(Platform::Android)
        .state_dir(&state_dir)
        .device_info("14", "Pixel 8", "Mozilla/5.0 (Linux; Android 14; Pixel 8)")
        .udl_timeout(Duration::from_secs(3))
        .listener(Arc::new(FeedMe))
        .build();
    let sdk = match sdk {
        Ok(sdk) => sdk,
        Err(e) => {
            eprintln!("the SDK cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = sdk.state_path().display();
    println!("device {} (state in {path})", sdk.device_id());

    println!("-- launch");
    sdk.start().await;
    if let Some(link) = rest.first() {
        println!("-- open {link}");
        sdk.handle_url(link).await;
    }
    ExitCode::SUCCESS
}
