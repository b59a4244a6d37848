//! Launches without the server: the conversion data cached from the last
//! launch that reached it, and an install launch that must wait for the
//! next one.

use serde_json::json;
use waylink_sdk::{DeepLinkError, DeepLinkResult};

use crate::phone::{LAUNCHED, Phone};
use crate::support::{
    CLICK_TIME, Feedme, MINUTE_MS, bananas_conversion, closed_server, conversion, found,
};

#[tokio::test]
async fn a_later_launch_without_the_server_gets_the_cached_conversion_data() {
    let feedme = Feedme::start().await;
    let referrer = feedme.click_bananas().await;
    feedme.app.advance(5 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone.app_with_referrer(&feedme, &referrer);
    let report = sdk.start().await;
    phone.callbacks(&report);
    let install_time = "2026-11-22 12:05:00.001";
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, CLICK_TIME, true)
    );

    // The app starts again on a train, the server out of reach: the same
    // app storage, no server.
    let offline = phone.offline_sdk(&feedme);
    assert_eq!(offline.device_id(), sdk.device_id());
    assert!(offline.install_launch_done());
    let report = offline.start().await;
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    let mut cached = bananas_conversion(install_time, CLICK_TIME, false);
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
        bananas_conversion(install_time, CLICK_TIME, false)
    );
}

#[tokio::test]
async fn an_install_launch_without_the_server_fails_and_the_next_launch_is_the_install() {
    let feedme = Feedme::start().await;
    let referrer = feedme.click_bananas().await;
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
    assert_eq!(
        phone.callback_names(&report),
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
    let sdk = phone.app_with_referrer(&feedme, &referrer);
    assert_eq!(sdk.device_id(), offline.device_id());
    let report = sdk.start().await;
    phone.callbacks(&report);
    assert_eq!(
        conversion(&report),
        bananas_conversion("2026-11-22 12:06:00.001", CLICK_TIME, true)
    );
    assert_eq!(found(&report.deep_link)["is_deferred"], json!(true));
}
