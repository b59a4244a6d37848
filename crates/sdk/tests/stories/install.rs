//! Installs: the deferred deep link of a click, matched by the Play Store
//! referrer, by probability or by advertising id, and the installs that
//! stay organic.

use serde_json::json;

use crate::phone::{LAUNCHED, Phone};
use crate::support::{
    ANDROID_APP, CLICK_TIME, Feedme, GAID, HOUR_MS, IDFA, IOS_APP, IPHONE_UA, MINUTE_MS, PIXEL_UA,
    TID, assert_not_found, bananas_conversion, conversion, deferred, found, non_organic, organic,
};

#[tokio::test]
async fn an_android_user_who_taps_a_personal_sms_link_installs_the_app_and_lands_on_the_bananas() {
    let feedme = Feedme::start().await;

    // The user taps the link on a Pixel 8 without the app: the Play Store,
    // which keeps the referrer for the app.
    let referrer = feedme.click_bananas().await;
    let click = &feedme.app.stored_clicks(TID, 1).await[0];
    assert_eq!(
        referrer,
        format!("waylink_click_id={}&pid=sms&c=bananas", click.click_id)
    );

    // Five minutes later the app is installed and opened for the first time.
    feedme.app.advance(5 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone.app_with_referrer(&feedme, &referrer);
    assert!(!sdk.install_launch_done());
    let report = sdk.start().await;
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    let install_time = "2026-11-22 12:05:00.001";
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, CLICK_TIME, true)
    );
    assert_eq!(report.app_open_attribution, None);
    let deep_link = report.deep_link.deep_link.as_ref().expect("a deep link");
    assert_eq!(deep_link.deep_link_value(), Some("bananas"));
    assert_eq!(deep_link.deep_link_sub(1), Some("user42"));
    assert!(deep_link.is_deferred());
    assert_eq!(
        found(&report.deep_link),
        json!({"deep_link_value": "bananas", "deep_link_sub1": "user42", "is_deferred": true,
            "match_type": "referrer", "click_http_referrer": null, "timestamp": CLICK_TIME})
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
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    assert_eq!(
        conversion(&report),
        bananas_conversion(install_time, CLICK_TIME, false)
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
    let sdk = phone.app(&feedme);
    let report = sdk.start().await;
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    assert_eq!(
        conversion(&report),
        non_organic(json!({
            "is_first_launch": true,
            "install_time": "2026-11-22 12:10:00.001", "click_time": CLICK_TIME,
            "match_type": "probabilistic", "media_source": "email", "campaign": "pears",
            "shortlink": "pears3", "deep_link_value": "pears",
        }))
    );
    assert_eq!(found(&report.deep_link), deferred("pears", "probabilistic"));
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
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    assert_eq!(
        conversion(&report),
        non_organic(json!({
            "is_first_launch": true,
            "install_time": "2026-11-22 12:10:00.001", "click_time": CLICK_TIME,
            "match_type": "id_matching", "media_source": "email", "campaign": "apples",
            "deep_link_value": "apples", "idfa": IDFA,
        }))
    );
    assert_eq!(found(&report.deep_link), deferred("apples", "id_matching"));
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
    assert_eq!(phone.callback_names(&report), LAUNCHED);
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
    assert_eq!(phone.callback_names(&report), LAUNCHED);
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
    let referrer = feedme.click_bananas().await;

    feedme.app.advance(31 * MINUTE_MS);
    let phone = Phone::android();
    let sdk = phone.app_with_referrer(&feedme, &referrer);
    let report = sdk.start().await;
    assert_eq!(phone.callback_names(&report), LAUNCHED);
    assert_eq!(
        conversion(&report),
        bananas_conversion("2026-11-22 12:31:00.001", CLICK_TIME, true)
    );
    assert_not_found(&report.deep_link);
}
