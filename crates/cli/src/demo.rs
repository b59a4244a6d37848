//! `waylink demo`: the Feed Me example of the spec, seeded once into the
//! store, and the curl commands that try it.
//!
//! Keys are stored only as hashes, so the demo keeps the keys it made in
//! `demo-credentials.json` in the data directory, to print them again on
//! the next start. Each start refreshes the example link and removes the
//! two tutorial links, so that the printed commands work as printed.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use waylink_core::account::{Account, DEFAULT_DAILY_QUOTA};
use waylink_core::app::App;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::keys::{KeyKind, NewKey};
use waylink_core::link::{Link, LinkWrite};
use waylink_core::link_data::LinkData;
use waylink_core::template::Template;
use waylink_core::ttl::Ttl;
use waylink_server::ServerConfig;
use waylink_server::state::{AppState, PublicUrls};
use waylink_store::StoredKey;

use crate::devices::{ANDROID_UA, DESKTOP_UA, IPHONE_UA};

const ACCOUNT_NAME: &str = "Feed Me (demo)";
const TEMPLATE_ID: &str = "H5hv";
const EXAMPLE_LINK: &str = "bananas7";
const TUTORIAL_LINKS: [&str; 2] = ["try-v1", "try-v2"];
const CREDENTIALS_FILE: &str = "demo-credentials.json";

/// What the demo made, for the banner.
pub struct Seeded {
    api_key: String,
    android_sdk_key: Option<String>,
    ios_sdk_key: Option<String>,
    template: Template,
}

#[derive(Default, Serialize, Deserialize)]
struct Credentials {
    account_id: String,
    api_key: String,
    android_sdk_key: Option<String>,
    ios_sdk_key: Option<String>,
}

fn stored(key: &NewKey) -> StoredKey {
    StoredKey {
        hash: key.hash.clone(),
        hint: key.hint.clone(),
    }
}

fn read_credentials(dir: &Path) -> Option<Credentials> {
    let text = std::fs::read_to_string(dir.join(CREDENTIALS_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_credentials(dir: &Path, credentials: &Credentials) -> anyhow::Result<()> {
    // With PostgreSQL nothing else has made the data directory.
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join(CREDENTIALS_FILE);
    let tmp = dir.join(format!("{CREDENTIALS_FILE}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(credentials)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Creates what is missing of the demo data, idempotently.
pub async fn seed(state: &AppState, config: &ServerConfig) -> anyhow::Result<Seeded> {
    let store = &state.store;
    let now = state.clock.now();
    let mut credentials = read_credentials(&config.data_dir).unwrap_or_default();
    let account = match store.find_account_by_name(ACCOUNT_NAME).await? {
        Some(account) => account,
        None => {
            let account = Account {
                account_id: Account::generate_id(),
                name: ACCOUNT_NAME.into(),
                daily_quota: DEFAULT_DAILY_QUOTA,
                rate_limit: None,
            };
            let key = NewKey::generate(KeyKind::Account);
            store.create_account(&account, &stored(&key), now).await?;
            credentials = Credentials {
                account_id: account.account_id.clone(),
                api_key: key.secret,
                ..Default::default()
            };
            account
        }
    };
    let key_works = credentials.account_id == account.account_id
        && store
            .account_by_key_hash(&waylink_core::keys::hash_key(&credentials.api_key))
            .await?
            .is_some_and(|a| a.account_id == account.account_id);
    if !key_works {
        let key = NewKey::generate(KeyKind::Account);
        store
            .add_account_key(&account.account_id, &stored(&key), now)
            .await?;
        credentials = Credentials {
            account_id: account.account_id.clone(),
            api_key: key.secret,
            ..Default::default()
        };
    }
    let id = &account.account_id;
    for (body, slot) in [
        (
            json!({"platform": "android", "app_id": "com.feedme.app"}),
            &mut credentials.android_sdk_key,
        ),
        (
            json!({"platform": "ios", "app_id": "id1234567890", "bundle_id": "com.feedme.app", "team_id": "ABCDE12345"}),
            &mut credentials.ios_sdk_key,
        ),
    ] {
        let app = App::from_create_body(body)?;
        if store.get_app(id, &app.app_id).await?.is_none() {
            let key = NewKey::generate(KeyKind::Sdk);
            store
                .create_app(id, &app, &stored(&key), now)
                .await
                .with_context(|| format!("cannot register the demo app {}", app.app_id))?;
            *slot = Some(key.secret);
        }
    }
    let template = Template::from_create_body(json!({
        "id": TEMPLATE_ID, "subdomain": "feedme",
        "android_app_id": "com.feedme.app", "ios_app_id": "id1234567890",
        "uri_scheme": "feedme", "desktop_url": "https://feedme.example/",
        "allowed_redirect_domains": ["feedme.example"],
        "og_title": "Feed Me", "og_description": "Groceries at your door in 30 minutes",
    }))?;
    if !store.update_template(id, &template).await? {
        store
            .create_template(id, &template, now)
            .await
            .context("cannot create the demo template H5hv (is its id or subdomain taken by another account?)")?;
    }
    let tid = TemplateId::from_stored(TEMPLATE_ID.into());
    for sid in TUTORIAL_LINKS.iter().chain([&EXAMPLE_LINK]) {
        store
            .delete_link(&tid, &ShortlinkId::from_stored((*sid).into()), now)
            .await?;
    }
    let data = LinkData::from_json(&json!({
        "pid": "sms", "c": "bananas", "deep_link_value": "bananas",
        "deep_link_sub1": "user42", "af_dp": "feedme://offers/bananas", "fruit_name": "bananas",
    }))?;
    let write = LinkWrite {
        data,
        ttl: Ttl::default(),
        renew_ttl: true,
        brand_domain: None,
    };
    store
        .create_link(&Link::new(
            tid,
            ShortlinkId::from_stored(EXAMPLE_LINK.into()),
            write,
            now,
        ))
        .await?;
    write_credentials(&config.data_dir, &credentials)?;
    Ok(Seeded {
        api_key: credentials.api_key,
        android_sdk_key: credentials.android_sdk_key,
        ios_sdk_key: credentials.ios_sdk_key,
        template,
    })
}

/// Prints the keys, the example link and curl commands that work as printed.
pub fn print_banner(seeded: &Seeded, address: SocketAddr, public: &PublicUrls) {
    let api = format!("http://{address}");
    let auth = format!("-H 'authorization: {}'", seeded.api_key);
    let json = "-H 'content-type: application/json'";
    let link = public.short_url(
        &seeded.template,
        None,
        &ShortlinkId::from_stored(EXAMPLE_LINK.into()),
    );
    let unknown = "(shown when the demo first created the app)";
    let sdk = seeded.android_sdk_key.as_deref().unwrap_or(unknown);
    let ios_sdk = seeded.ios_sdk_key.as_deref().unwrap_or(unknown);
    let host_url = format!(
        "{}://{}",
        public.scheme,
        public.template_host(&seeded.template)
    );
    let long = format!(
        "{host_url}/{}?pid=sms&c=bananas&af_force_deeplink=true&af_dp=feedme%3A%2F%2Foffers%2Fbananas",
        seeded.template.id
    );
    println!(
        "
Waylink demo: the Feed Me grocery app of the spec.

  Dashboard:               {api}/dashboard  (sign in with the API key below)
  API key (account):       {key}
  SDK key (Android app):   {sdk}
  SDK key (iOS app):       {ios_sdk}
  Template:                {tid} on {host}
  Example short link:      {link}

Try the OneLink v1 API (create, read, update, delete):

  curl -s -X POST {api}/shortlink/v1/{tid} {auth} {json} -d '{{\"shortlink_id\": \"try-v1\", \"data\": {{\"pid\": \"sms\", \"c\": \"bananas\", \"deep_link_value\": \"bananas\"}}}}'
  curl -s '{api}/shortlink/v1/{tid}?id=try-v1' {auth}
  curl -s -X PUT '{api}/shortlink/v1/{tid}?id=try-v1' {auth} {json} -d '{{\"data\": {{\"pid\": \"email\", \"c\": \"apples\"}}, \"ttl\": \"7d\"}}'
  curl -s -X DELETE '{api}/shortlink/v1/{tid}?id=try-v1' {auth}

The v2 API (same operations, JSON objects), a QR code and the quota:

  curl -s -X POST {api}/api/v2.0/shortlinks/{tid} {auth} {json} -d '{{\"shortlink_id\": \"try-v2\", \"data\": {{\"pid\": \"sms\", \"c\": \"bananas\"}}, \"ttl\": \"14d\"}}'
  curl -s {api}/api/v2.0/shortlinks/{tid}/try-v2 {auth}
  curl -s -X PUT {api}/api/v2.0/shortlinks/{tid}/try-v2 {auth} {json} -d '{{\"data\": {{\"pid\": \"email\", \"c\": \"apples\"}}}}'
  curl -s -o bananas7.png -H 'accept: image/png' '{api}/api/v2.0/shortlinks/{tid}/{example}/qr?size=300' {auth}
  curl -s -X DELETE {api}/api/v2.0/shortlinks/{tid}/try-v2 {auth}
  curl -s {api}/api/v2.0/shortlinks-quota {auth}

Many links at once, and the template's live links:

  curl -s -X POST {api}/api/v1/templates/{tid}/links:batch {auth} {json} -d '[{{\"data\": {{\"pid\": \"sms\", \"c\": \"pears\"}}}}, {{\"data\": {{\"pid\": \"sms\", \"c\": \"plums\"}}}}]'
  curl -s '{api}/api/v1/templates/{tid}/links?pid=sms&limit=10' {auth}

Click the example link as each device would (the answer shows where each goes):

  curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}\\n' -A '{android}' {link}
  curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}\\n' -A '{iphone}' {link}
  curl -s -o /dev/null -w '%{{http_code}} %{{redirect_url}}\\n' -A '{desktop}' {link}
  curl -s -A 'facebookexternalhit/1.1' {link}
  curl -s -A '{iphone}' '{long}'

The last one is a long link that forces the app open on iOS (a page that tries the app, then the App Store).
The well-known files that let the installed apps open these links directly:

  curl -s {host_url}/.well-known/assetlinks.json
  curl -s {host_url}/.well-known/apple-app-site-association

Play the Feed Me story as phones, with the real SDK (in another terminal):

  cargo run --release -- simulate click {link} --device android
  cargo run --release -- simulate launch --device android --server {api} --app-id com.feedme.app --app-key {sdk}
  cargo run --release -- simulate launch --device android --server {api} --app-id com.feedme.app --app-key {sdk}
  cargo run --release -- simulate click {link} --device iphone
  cargo run --release -- simulate launch --device iphone --server {api} --app-id id1234567890 --app-key {ios_sdk}
  cargo run --release -- stats --server {api} --api-key {key} --template {tid} --group-by pid,c,platform

The first launch is the install: it gets the campaign and the deferred deep link; the second is not.
Each simulated device keeps its state in ./waylink-sim/DEVICE; delete it (or pass --state-dir) for a new phone.

Restarting the demo resets the example and tutorial links; the rest is kept in the data directory.
",
        key = seeded.api_key,
        tid = seeded.template.id,
        host = public.template_host(&seeded.template),
        example = EXAMPLE_LINK,
        android = ANDROID_UA,
        iphone = IPHONE_UA,
        desktop = DESKTOP_UA,
        long = long,
        host_url = host_url,
    );
}
