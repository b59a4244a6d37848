//! `waylink simulate`: a device on the command line, built on the SDK.
//!
//! `click` opens a link as a phone's or a desktop's browser would and
//! prints where it leads; on Android it keeps the install referrer the Play
//! Store would hand the app. `launch` and `open` then run the real SDK as
//! the app would, printing every callback with its payload. Each simulated
//! device keeps its state (the SDK's file and the click's referrer) in its
//! own directory, so several devices can be played side by side.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use waylink_sdk::{DeepLinkResult, Platform, WaylinkListener, WaylinkSdk};

use crate::devices::Device;

/// `waylink simulate ...`.
#[derive(Debug, Subcommand)]
pub enum Simulate {
    /// Open a link in the device's browser and print the redirect chain.
    Click {
        /// The link, e.g. http://feedme.localhost:8080/H5hv/bananas7.
        url: String,
        #[command(flatten)]
        device: DeviceArgs,
        /// Append this advertising id to the URL, as an ad network would
        /// (`gaid` on Android, `idfa` on iPhone); the SDK reports it too.
        #[arg(long)]
        advertising_id: Option<String>,
    },
    /// Start the app (the first start is its install) and print the callbacks.
    Launch {
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        app: AppArgs,
        /// The link that started the app, if one did.
        #[arg(long)]
        deep_link: Option<String>,
    },
    /// Bring the running app to the front through a link.
    Open {
        /// The link.
        url: String,
        #[command(flatten)]
        device: DeviceArgs,
        #[command(flatten)]
        app: AppArgs,
    },
}

/// Which device, and where it keeps its state.
#[derive(Debug, Args)]
pub struct DeviceArgs {
    /// The device to act as.
    #[arg(long, value_enum, default_value = "android")]
    device: Device,
    /// Its state directory [default: ./waylink-sim/{device}].
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

/// The app under test.
#[derive(Debug, Args)]
pub struct AppArgs {
    /// The server's address.
    #[arg(long, env = "WAYLINK_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The app's id: com.feedme.app, id1234567890.
    #[arg(long)]
    app_id: String,
    /// The app's SDK key.
    #[arg(long, env = "WAYLINK_APP_KEY", hide_env_values = true)]
    app_key: String,
}

impl DeviceArgs {
    fn dir(&self) -> PathBuf {
        self.state_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("waylink-sim").join(self.device.name()))
    }
}

/// What a click left on the device for the app to find.
#[derive(Debug, Default, Serialize, Deserialize)]
struct DeviceState {
    install_referrer: Option<String>,
    advertising_id: Option<String>,
}

const DEVICE_FILE: &str = "device.json";

fn load(dir: &Path) -> DeviceState {
    std::fs::read_to_string(dir.join(DEVICE_FILE))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn save(dir: &Path, state: &DeviceState) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(dir.join(DEVICE_FILE), serde_json::to_vec_pretty(state)?)
        .context("cannot save the device state")
}

/// Runs a simulation step.
pub async fn run(command: Simulate) -> anyhow::Result<()> {
    match command {
        Simulate::Click {
            url,
            device,
            advertising_id,
        } => click(&url, &device, advertising_id).await,
        Simulate::Launch {
            device,
            app,
            deep_link,
        } => {
            let sdk = sdk(&device, &app)?;
            println!(
                "launching {} on the simulated {} (device id {})",
                app.app_id,
                device.device.name(),
                sdk.device_id()
            );
            match deep_link {
                Some(url) => sdk.start_with_url(&url).await,
                None => sdk.start().await,
            };
            Ok(())
        }
        Simulate::Open { url, device, app } => {
            let sdk = sdk(&device, &app)?;
            println!(
                "opening {url} in {} on the simulated {}",
                app.app_id,
                device.device.name()
            );
            sdk.handle_url(&url).await;
            // Local links report the open in the background; give it a moment.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Ok(())
        }
    }
}

fn sdk(device: &DeviceArgs, app: &AppArgs) -> anyhow::Result<WaylinkSdk> {
    let platform = match device.device {
        Device::Android => Platform::Android,
        Device::Iphone => Platform::Ios,
        Device::Desktop => bail!("--device: apps run on android or iphone"),
    };
    let dir = device.dir();
    let state = load(&dir);
    let (os, model) = device.device.sdk_info();
    let mut builder = WaylinkSdk::builder(&app.server, &app.app_id, &app.app_key)
        .platform(platform)
        .state_dir(&dir)
        .device_info(os, model, device.device.user_agent())
        .listener(Arc::new(Printer));
    if let Some(referrer) = state
        .install_referrer
        .filter(|_| platform == Platform::Android)
    {
        builder = builder.install_referrer(referrer);
    }
    if let Some(id) = state.advertising_id {
        builder = builder.advertising_id(id);
    }
    builder.build().context("cannot set up the SDK")
}

/// Prints each callback as the app would receive it.
struct Printer;

fn pretty(value: &impl Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| "(unprintable)".into())
}

impl WaylinkListener for Printer {
    fn on_conversion_data_success(&self, data: &Map<String, Value>) {
        println!("\n→ on_conversion_data_success\n{}", pretty(data));
    }
    fn on_conversion_data_fail(&self, message: &str) {
        println!("\n→ on_conversion_data_fail: {message}");
    }
    fn on_app_open_attribution(&self, data: &std::collections::BTreeMap<String, String>) {
        println!("\n→ on_app_open_attribution\n{}", pretty(data));
    }
    fn on_attribution_failure(&self, message: &str) {
        println!("\n→ on_attribution_failure: {message}");
    }
    fn on_deep_linking(&self, result: &DeepLinkResult) {
        println!("\n→ on_deep_linking: {:?}", result.status);
        if let Some(link) = &result.deep_link {
            println!("{}", pretty(link.values()));
        }
        if let Some(error) = &result.error {
            println!("error: {error}");
        }
    }
}

async fn click(
    url: &str,
    device: &DeviceArgs,
    advertising_id: Option<String>,
) -> anyhow::Result<()> {
    let mut url = reqwest::Url::parse(url).context("the link is not a URL")?;
    if let Some(id) = &advertising_id {
        let key = if device.device == Device::Iphone {
            "idfa"
        } else {
            "gaid"
        };
        url.query_pairs_mut().append_pair(key, id);
    }
    let client = client_for(&url)?;
    let mut state = DeviceState {
        install_referrer: None,
        advertising_id,
    };
    let mut current = url;
    for _ in 0..5 {
        println!("GET {current}");
        let response = client
            .get(current.clone())
            .header("user-agent", device.device.user_agent())
            .send()
            .await
            .with_context(|| format!("cannot reach {current}"))?;
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| status.is_redirection()) else {
            let body = response.text().await.unwrap_or_default();
            println!("  {status}: {}", describe_page(&body));
            break;
        };
        println!("  {status} → {location}");
        match reqwest::Url::parse(&location) {
            Ok(next)
                if next.host_str() == current.host_str() && next.scheme().starts_with("http") =>
            {
                current = next
            }
            Ok(next) => {
                report_destination(&next, &mut state);
                break;
            }
            Err(_) => {
                println!("  (the browser would now hand {location} to the app, or its fallback)");
                break;
            }
        }
    }
    save(&device.dir(), &state)?;
    println!("device state saved in {}", device.dir().display());
    Ok(())
}

/// What the destination means for the device, and what it keeps.
fn report_destination(url: &reqwest::Url, state: &mut DeviceState) {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    if url.host_str() == Some("play.google.com") {
        if let Some(referrer) = get("referrer") {
            let click_id = form_urlencoded_value(&referrer, "waylink_click_id");
            println!(
                "  click id: {}",
                click_id.as_deref().unwrap_or("(none: the link is gone)")
            );
            println!("  the Play Store will hand the app the install referrer {referrer:?}");
            state.install_referrer = Some(referrer);
        }
    } else if let Some(id) = get("waylink_click_id") {
        println!("  click id: {id}");
    }
}

fn form_urlencoded_value(query: &str, key: &str) -> Option<String> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A one-line account of a page: its title, and its links.
fn describe_page(body: &str) -> String {
    let title = body
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("(no title)");
    let links: Vec<&str> = body
        .split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    if links.is_empty() {
        format!("page {title:?}")
    } else {
        format!("page {title:?} with links {links:?}")
    }
}

/// A client that sends `*.localhost` to the loopback address, as browsers
/// and curl do, and follows no redirect by itself.
fn client_for(url: &reqwest::Url) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(host) = url
        .host_str()
        .filter(|h| h.ends_with(".localhost") || *h == "localhost")
    {
        let port = url.port_or_known_default().unwrap_or(80);
        let addr: SocketAddr = ("127.0.0.1", port)
            .to_socket_addrs()?
            .next()
            .context("no loopback address")?;
        builder = builder.resolve(host, addr);
    }
    builder.build().context("cannot build an HTTP client")
}
