//! Test helpers: [`TestApp`] spawns the real server in-process on port 0,
//! on a fresh embedded store in a temporary directory and on a clock that
//! stands still until the test moves it; fixtures create the Feed Me
//! account, apps and template of the spec's worked example.

use std::sync::Arc;

use serde_json::{Value, json};
use tempfile::TempDir;
use waylink_core::click::Click;
use waylink_core::clock::{AdjustableClock, Clock, DAY_MS, ManualClock, Timestamp};
use waylink_core::ids::TemplateId;
use waylink_server::state::AppState;
use waylink_server::{Application, ServerConfig};

/// The operator token of every test server.
pub const ADMIN_TOKEN: &str = "test-admin-token";
/// The base domain of every test server.
pub const BASE_DOMAIN: &str = "links.test";
/// Where test clocks start: 2026-11-22 12:00:00 UTC.
pub const START: Timestamp = Timestamp::from_millis(20_779 * DAY_MS + 12 * 3_600_000);

/// A running server with its own store and clock.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub address: String,
    /// The server's clock; advance it to make time pass.
    pub clock: Arc<ManualClock>,
    /// An HTTP client that follows no redirects.
    pub client: reqwest::Client,
    /// The server's shared state: its store, clock and click queue.
    pub state: Arc<AppState>,
    _data_dir: TempDir,
}

/// An account made through the operator API.
#[derive(Debug, Clone)]
pub struct TestAccount {
    /// Its id.
    pub account_id: String,
    /// Its API key.
    pub api_key: String,
}

impl TestApp {
    /// Spawns a server with the default test settings.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns a server after `adjust` has changed the test settings.
    pub async fn spawn_with(adjust: impl FnOnce(&mut ServerConfig)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = ServerConfig::with_defaults(data_dir.path().to_path_buf());
        config.listen = "127.0.0.1:0".parse().expect("a socket address");
        config.base_domain = Some(BASE_DOMAIN.into());
        config.admin_token = Some(ADMIN_TOKEN.into());
        config.test_clock = true;
        adjust(&mut config);
        let clock = Arc::new(ManualClock::new(START));
        let app = Application::build_with_clock(
            config,
            Some(Arc::clone(&clock) as Arc<dyn AdjustableClock>),
        )
        .await
        .expect("the test server builds");
        let address = format!("http://{}", app.address());
        let state = app.state();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        TestApp {
            address,
            clock,
            client,
            state,
            _data_dir: data_dir,
        }
    }

    /// The server's current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Moves the server's clock forward.
    pub fn advance(&self, millis: i64) {
        self.clock.advance(millis);
    }

    /// `http://127.0.0.1:{port}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Sends `method path` with `authorization: key` (if any) and a raw body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<String>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.client.request(method, self.url(path));
        if let Some(key) = key {
            request = request.header("authorization", key);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.send().await.expect("the server answers")
    }

    /// Sends JSON and answers the status and the JSON body (`null` if none).
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let response = self
            .send(method, path, key, body.map(|b| b.to_string()))
            .await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Waits until `count` clicks of template `tid` are stored (the click
    /// queue writes in the background), up to five seconds, and answers
    /// the clicks stored by then, oldest first.
    pub async fn stored_clicks(&self, tid: &str, count: usize) -> Vec<Click> {
        let template = TemplateId::from_stored(tid.to_owned());
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let clicks = self
                .state
                .store
                .list_clicks(&template, Timestamp::from_millis(0), 100_000)
                .await
                .expect("clicks can be listed");
            if clicks.len() >= count || tokio::time::Instant::now() >= deadline {
                return clicks;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    /// Creates an account through the operator API.
    pub async fn create_account(&self, name: &str, daily_quota: Option<u64>) -> TestAccount {
        let mut body = json!({"name": name});
        if let Some(q) = daily_quota {
            body["daily_quota"] = json!(q);
        }
        let (status, body) = self
            .json(
                "POST",
                "/admin/v1/accounts",
                Some(&format!("Bearer {ADMIN_TOKEN}")),
                Some(body),
            )
            .await;
        assert_eq!(status, 201, "account creation failed: {body}");
        TestAccount {
            account_id: body["account_id"]
                .as_str()
                .expect("an account id")
                .to_owned(),
            api_key: body["api_key"].as_str().expect("an api key").to_owned(),
        }
    }

    /// Creates an account with the Feed Me apps and a template `tid` on
    /// subdomain `subdomain`, with brand domain `go.{subdomain}.example`.
    pub async fn feedme(&self, tid: &str, subdomain: &str) -> TestAccount {
        let account = self.create_account(subdomain, None).await;
        let key = Some(account.api_key.as_str());
        let android = format!("com.{subdomain}.app");
        let ios_store_id = format!(
            "id{}",
            1_000_000 + u32::from_str_radix(&hex_of(subdomain), 16).unwrap_or(7) % 1_000_000
        );
        let (s, b) = self
            .json(
                "POST",
                "/api/v1/apps",
                key,
                Some(json!({"platform": "android", "app_id": android})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = self
            .json("POST", "/api/v1/apps", key, Some(json!({"platform": "ios", "app_id": ios_store_id, "bundle_id": android, "team_id": "ABCDE12345"})))
            .await;
        assert_eq!(s, 201, "{b}");
        let (s, b) = self
            .json(
                "POST",
                "/api/v1/templates",
                key,
                Some(json!({"id": tid, "subdomain": subdomain, "android_app_id": android, "ios_app_id": ios_store_id,
                    "uri_scheme": subdomain, "brand_domains": [format!("go.{subdomain}.example")]})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
        account
    }
}

fn hex_of(text: &str) -> String {
    text.bytes().take(3).map(|b| format!("{b:02x}")).collect()
}
