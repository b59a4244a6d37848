//! Contracts of installs: one per device with its first outcome kept, read
//! back with its attribution, and touched without changing it; and the
//! clicks and installs the attribution contracts (here, in `candidates` and
//! in `stats`) build.

use std::collections::BTreeMap;
use std::sync::Arc;

use waylink_core::attribution::{Attribution, Lookback, MatchType, click_lookback};
use waylink_core::click::Click;
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::install::Install;
use waylink_core::user_agent::DeviceKind;
use waylink_store::Store;

use crate::support::*;

pub const AD: &str = "38400000-8cf0-11bd-b23e-10b96e40000d";

pub fn ip() -> String {
    "ab".repeat(32)
}

pub fn pairs(list: &[(&str, &str)]) -> BTreeMap<String, String> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// An Android click on a short link of `template`, from [`ip`] with [`AD`].
pub fn click(id: &str, template: &TemplateId, at: Timestamp) -> Click {
    Click {
        click_id: id.to_owned(),
        at,
        template_id: template.clone(),
        shortlink_id: Some("bananas7".into()),
        data: pairs(&[
            ("pid", "sms"),
            ("c", "bananas"),
            ("deep_link_value", "bananas"),
        ]),
        device: DeviceKind::Android,
        os_version: Some("14".into()),
        device_model: Some("Pixel 8".into()),
        referer: Some("https://mail.example/".into()),
        advertising_id: Some(AD.into()),
        ip_hash: Some(ip()),
        expired: false,
    }
}

/// The click an install keeps: what payloads need, nothing to match on.
fn kept(c: &Click) -> Click {
    Click {
        os_version: None,
        device_model: None,
        advertising_id: None,
        ip_hash: None,
        expired: false,
        ..c.clone()
    }
}

pub fn non_organic(c: &Click, match_type: MatchType) -> Attribution {
    Attribution::NonOrganic {
        click: Box::new(kept(c)),
        match_type,
        lookback: click_lookback(&c.data),
    }
}

pub fn install(app_id: &str, device: &str, at: Timestamp, attribution: Attribution) -> Install {
    Install {
        app_id: app_id.to_owned(),
        device_id: device.to_owned(),
        platform: DeviceKind::Android,
        installed_at: at,
        attribution,
    }
}

pub async fn an_install_is_created_once_per_device_and_the_first_outcome_is_kept(
    store: Arc<dyn Store>,
) {
    let t = tid("Links1");
    let first = install("com.feedme.app", "device-1", T0, Attribution::Organic);
    assert!(store.create_install(&first).await.expect("stored"));
    let c = click("c1", &t, at(-HOUR));
    let second = install(
        "com.feedme.app",
        "device-1",
        at(MINUTE),
        non_organic(&c, MatchType::Referrer),
    );
    assert!(!store.create_install(&second).await.expect("refused"));
    let read = store
        .get_install("com.feedme.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(first));
    // The same device id of another app is another install.
    let elsewhere = install(
        "com.other.app",
        "device-1",
        at(MINUTE),
        Attribution::Organic,
    );
    assert!(store.create_install(&elsewhere).await.expect("stored"));
    let read = store
        .get_install("com.other.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(elsewhere));
    let read = store
        .get_install("com.feedme.app", "device-2")
        .await
        .expect("read");
    assert_eq!(read, None);
}

pub async fn an_install_is_read_back_with_its_attribution(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let organic = install("com.feedme.app", "organic", at(1), Attribution::Organic);
    let mut long = click("long-click", &t, at(-2 * HOUR));
    long.shortlink_id = None;
    long.referer = None;
    long.data = pairs(&[
        ("pid", "email"),
        ("af_click_lookback", "12h"),
        ("fruit", "kiwi & lime"),
    ]);
    let short = click("short-click", &t, at(-DAY));
    let mut ios = install(
        "id123456",
        "iphone",
        at(3),
        non_organic(&long, MatchType::Probabilistic),
    );
    ios.platform = DeviceKind::Ios;
    if let Attribution::NonOrganic { click, .. } = &mut ios.attribution {
        click.device = DeviceKind::Ios;
    }
    let installs = [
        organic,
        install(
            "com.feedme.app",
            "by-referrer",
            at(2),
            non_organic(&short, MatchType::Referrer),
        ),
        install(
            "com.feedme.app",
            "by-id",
            at(2),
            non_organic(&short, MatchType::IdMatching),
        ),
        ios,
    ];
    for i in &installs {
        assert!(store.create_install(i).await.expect("stored"));
    }
    for i in &installs {
        let read = store
            .get_install(&i.app_id, &i.device_id)
            .await
            .expect("read");
        assert_eq!(read.as_ref(), Some(i));
    }
    let Attribution::NonOrganic { lookback, .. } = &installs[3].attribution else {
        panic!("non-organic");
    };
    assert_eq!(
        lookback,
        &Lookback {
            millis: 12 * HOUR,
            text: "12h".into()
        },
        "the link's own window"
    );
}

pub async fn touching_an_install_keeps_its_outcome_and_creates_none(store: Arc<dyn Store>) {
    let t = tid("Links1");
    let c = click("c1", &t, at(-HOUR));
    let i = install(
        "com.feedme.app",
        "device-1",
        T0,
        non_organic(&c, MatchType::IdMatching),
    );
    assert!(store.create_install(&i).await.expect("stored"));
    store
        .touch_install("com.feedme.app", "device-1", at(DAY))
        .await
        .expect("touched");
    store
        .touch_install("com.feedme.app", "device-1", at(HOUR))
        .await
        .expect("touched, out of order");
    store
        .touch_install("com.feedme.app", "never-installed", at(DAY))
        .await
        .expect("a no-op");
    let read = store
        .get_install("com.feedme.app", "device-1")
        .await
        .expect("read");
    assert_eq!(read, Some(i));
    let read = store
        .get_install("com.feedme.app", "never-installed")
        .await
        .expect("read");
    assert_eq!(read, None);
    let other = install(
        "com.feedme.app",
        "never-installed",
        at(DAY),
        Attribution::Organic,
    );
    assert!(store.create_install(&other).await.expect("still free"));
}
