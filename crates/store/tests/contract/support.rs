//! What the contracts share: fixed times, and accounts, apps, templates and
//! links built the way the server builds them.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use waylink_core::account::Account;
use waylink_core::app::{App, Platform};
use waylink_core::clock::{DAY_MS, HOUR_MS, Timestamp};
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::keys::hash_key;
use waylink_core::link::{Link, LinkWrite};
use waylink_core::link_data::LinkData;
use waylink_core::template::Template;
use waylink_core::ttl::Ttl;
use waylink_store::{LinkQuery, Store, StoreError, StoredKey};

pub use waylink_core::clock::{
    DAY_MS as DAY, HOUR_MS as HOUR, MINUTE_MS as MINUTE, SECOND_MS as SECOND,
};

/// 2026-01-01T00:00:00Z: the first millisecond of a UTC day.
pub const MIDNIGHT: Timestamp = Timestamp::from_millis(20_454 * DAY_MS);
/// 10:00 UTC that day, the "now" of most contracts.
pub const T0: Timestamp = MIDNIGHT.plus_millis(10 * HOUR_MS);
/// What the storage layer answers when a live id is taken, as API v1 words it.
pub const ID_IN_USE: &str = "Shortlink ID already in use";

/// `T0` plus `millis`.
pub fn at(millis: i64) -> Timestamp {
    T0.plus_millis(millis)
}

/// The stored form of the key `secret`.
pub fn key(secret: &str) -> StoredKey {
    StoredKey {
        hash: hash_key(secret),
        hint: secret.chars().take(12).collect(),
    }
}

/// An account with the default quota and no rate limit of its own.
pub fn account(id: &str) -> Account {
    Account {
        account_id: id.to_owned(),
        name: format!("name of {id}"),
        daily_quota: 250_000,
        rate_limit: None,
    }
}

/// Creates the account `id` at `T0` with the key `wl_live_{id}`.
pub async fn given_account(store: &Arc<dyn Store>, id: &str) -> Account {
    let a = account(id);
    store
        .create_account(&a, &key(&format!("wl_live_{id}")), T0)
        .await
        .expect("the account is created");
    a
}

/// An Android app with one certificate fingerprint.
pub fn android_app(app_id: &str) -> App {
    App {
        platform: Platform::Android,
        app_id: app_id.to_owned(),
        sha256_cert_fingerprints: vec![format!("{}01", "AB:".repeat(31))],
        bundle_id: None,
        team_id: None,
        udl_window_secs: 3600,
    }
}

/// An iOS app.
pub fn ios_app(app_id: &str) -> App {
    App {
        platform: Platform::Ios,
        app_id: app_id.to_owned(),
        sha256_cert_fingerprints: Vec::new(),
        bundle_id: Some("com.feedme.app".to_owned()),
        team_id: Some("ABCDE12345".to_owned()),
        udl_window_secs: 1800,
    }
}

/// Registers `app` for the account at `now`, with an SDK key of its own.
pub async fn given_app(store: &Arc<dyn Store>, account_id: &str, app: &App, now: Timestamp) {
    store
        .create_app(
            account_id,
            app,
            &key(&format!("wl_sdk_{}", app.app_id)),
            now,
        )
        .await
        .expect("the app is registered");
}

/// A template id that parses.
pub fn tid(text: &str) -> TemplateId {
    TemplateId::parse(text).expect("a valid template id")
}

/// A short-link id that parses.
pub fn sid(text: &str) -> ShortlinkId {
    ShortlinkId::parse(text).expect("a valid short-link id")
}

/// The Android app id the template `id` of [`template`] opens.
pub fn app_of(id: &str) -> String {
    format!("com.example.{}", id.to_ascii_lowercase())
}

/// A plain template opening the Android app [`app_of`]`(id)`, with the
/// subdomain `sub`.
pub fn template(id: &str, sub: &str) -> Template {
    Template {
        id: tid(id),
        subdomain: sub.to_owned(),
        android_app_id: Some(app_of(id)),
        ios_app_id: None,
        uri_scheme: None,
        desktop_url: None,
        brand_domains: Vec::new(),
        allowed_redirect_domains: Vec::new(),
        og_title: None,
        og_description: None,
        og_image: None,
    }
}

/// Registers the app of `t` and creates `t` for the account at `now`.
pub async fn given_template(
    store: &Arc<dyn Store>,
    account_id: &str,
    t: &Template,
    now: Timestamp,
) {
    if let Some(app_id) = &t.android_app_id {
        given_app(store, account_id, &android_app(app_id), now).await;
    }
    store
        .create_template(account_id, t, now)
        .await
        .expect("the template is created");
}

/// A new account `acc_links` with the template `Links1`: what most link
/// contracts start from.
pub async fn given_a_template(store: &Arc<dyn Store>) -> TemplateId {
    given_account(store, "acc_links").await;
    let t = template("Links1", "links1");
    given_template(store, "acc_links", &t, T0).await;
    t.id
}

/// Link data of these pairs.
pub fn data(pairs: &[(&str, &str)]) -> LinkData {
    let map: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    LinkData::from_map(map).expect("valid link data")
}

/// A renewing link without a brand domain, created at `now`.
pub fn link(
    template: &TemplateId,
    id: &str,
    pairs: &[(&str, &str)],
    ttl_ms: i64,
    now: Timestamp,
) -> Link {
    Link::new(
        template.clone(),
        sid(id),
        LinkWrite {
            data: data(pairs),
            ttl: Ttl::from_stored_seconds(ttl_ms / SECOND),
            renew_ttl: true,
            brand_domain: None,
        },
        now,
    )
}

/// Stores `l`, which must succeed.
pub async fn given_link(store: &Arc<dyn Store>, l: &Link) {
    store.create_link(l).await.expect("the link is created");
}

/// A query for the first page of the template's live links at `now`.
pub fn query(template: &TemplateId, limit: usize, now: Timestamp) -> LinkQuery {
    LinkQuery {
        template_id: template.clone(),
        filters: Vec::new(),
        limit,
        after: None,
        now,
    }
}

/// The ids of `links`, in order.
pub fn ids(links: &[Link]) -> Vec<&str> {
    links.iter().map(|l| l.shortlink_id.as_str()).collect()
}

/// The message of a `Conflict`; any other outcome fails the test.
pub fn conflict<T: Debug>(result: Result<T, StoreError>) -> String {
    match result {
        Err(StoreError::Conflict(message)) => message,
        other => panic!("expected a Conflict, got {other:?}"),
    }
}
