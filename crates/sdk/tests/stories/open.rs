//! Opens: links opened while the app runs or that start it, short links
//! resolved by the server, long and URI-scheme links read on the phone,
//! and short links that are gone.

use serde_json::json;

use crate::phone::{OPENED, Phone};
use crate::support::{
    Feedme, HOST, HOUR_MS, assert_not_found, bananas_attribution, conversion, direct, found,
    organic, strings,
};

#[tokio::test]
async fn a_user_with_the_app_opens_a_short_link_a_long_link_and_a_uri_scheme_link() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let phone = Phone::android();
    let sdk = phone.app(&feedme);
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
    assert_eq!(phone.callback_names(&report), OPENED);
    assert_eq!(report.conversion_data, None);
    let link_fields = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "deep_link_sub1": "user42", "country": "uk",
        "link": short, "scheme": "https", "host": HOST, "path": "/H5hv/bananas7",
        "media_source": "sms", "campaign": "bananas"});
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(bananas_attribution(link_fields.clone())))
    );
    assert_eq!(found(&report.deep_link), direct(link_fields));
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
    assert_eq!(phone.callback_names(&report), OPENED);
    assert_eq!(report.conversion_data, None);
    let long_fields = json!({"pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "af_sub1": "x y", "link": long, "scheme": "https", "host": HOST, "path": "/H5hv",
        "media_source": "sms", "campaign": "bananas"});
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(strings(long_fields.clone())))
    );
    assert_eq!(found(&report.deep_link), direct(long_fields));

    let scheme = "feedme://mainactivity?deep_link_value=apples&deep_link_sub1=user42";
    let report = offline.handle_url(scheme).await;
    assert_eq!(phone.callback_names(&report), OPENED);
    let scheme_fields = json!({"deep_link_value": "apples", "deep_link_sub1": "user42",
        "link": scheme, "scheme": "feedme", "host": "mainactivity", "path": ""});
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(strings(scheme_fields.clone())))
    );
    assert_eq!(found(&report.deep_link), direct(scheme_fields));

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
async fn a_user_whose_app_is_started_by_a_short_link_gets_its_data_and_an_expired_link_says_why() {
    let feedme = Feedme::start().await;
    feedme.bananas().await;
    let data = json!({"pid": "push", "c": "flash", "deep_link_value": "flash"});
    feedme.link("flash1", data, "10m").await;
    let phone = Phone::android();
    let sdk = phone.app(&feedme);
    phone.callbacks(&sdk.start().await);

    // A day later the app is started by a short link whose query adds to
    // the stored data (and wins over it).
    feedme.app.advance(24 * HOUR_MS);
    let short = "https://feedme.links.test/H5hv/bananas7?c=bananas-again&af_sub1=push";
    let report = sdk.start_with_url(short).await;
    assert_eq!(
        phone.callback_names(&report),
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
    assert_eq!(
        report.app_open_attribution,
        Some(Ok(bananas_attribution(link_fields.clone())))
    );
    assert_eq!(found(&report.deep_link), direct(link_fields));

    // The flash link lived ten minutes: opening it now finds nothing, and
    // the app is told so; so is a short link that never existed.
    for gone in [
        "https://feedme.links.test/H5hv/flash1",
        "https://feedme.links.test/H5hv/nosuch9",
    ] {
        let report = sdk.handle_url(gone).await;
        assert_eq!(
            phone.callback_names(&report),
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
