//! A node that starts on a store full of links reads them into its cache
//! in the background, so that a restart under load is served from memory.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use waylink_core::clock::{AdjustableClock, ManualClock};
use waylink_server::{Application, ServerConfig};
use waylink_test_utils::{ADMIN_TOKEN, BASE_DOMAIN, START};

fn config(dir: &std::path::Path) -> ServerConfig {
    let mut config = ServerConfig::with_defaults(dir.to_path_buf());
    config.listen = "127.0.0.1:0".parse().expect("an address");
    config.base_domain = Some(BASE_DOMAIN.into());
    config.admin_token = Some(ADMIN_TOKEN.into());
    config
}

async fn post(client: &reqwest::Client, url: String, key: &str, body: Value) -> Value {
    let response = client
        .post(url)
        .header("authorization", key)
        .json(&body)
        .send()
        .await
        .expect("the server answers");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn a_restarted_node_caches_the_stored_links_without_waiting_for_clicks() {
    let dir = tempfile::tempdir().expect("a directory");
    let clock = || Some(Arc::new(ManualClock::new(START)) as Arc<dyn AdjustableClock>);
    let client = reqwest::Client::new();

    let first = Application::build_with_clock(config(dir.path()), clock())
        .await
        .expect("builds");
    let base = format!("http://{}", first.address());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(first.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let account = post(
        &client,
        format!("{base}/admin/v1/accounts"),
        &admin,
        json!({"name": "warm"}),
    )
    .await;
    let key = account["api_key"].as_str().expect("a key").to_owned();
    let app = json!({"platform": "android", "app_id": "com.warm.app"});
    post(&client, format!("{base}/api/v1/apps"), &key, app).await;
    let template = json!({"id": "Warm1", "subdomain": "warm", "android_app_id": "com.warm.app"});
    post(&client, format!("{base}/api/v1/templates"), &key, template).await;
    let links: Vec<Value> = (0..12_000)
        .map(|i| json!({"shortlink_id": format!("w{i}"), "data": {"pid": "x"}}))
        .collect();
    for chunk in links.chunks(6_000) {
        let url = format!("{base}/api/v1/templates/Warm1/links:batch");
        post(&client, url, &key, Value::Array(chunk.to_vec())).await;
    }
    let _ = stop.send(());
    running.await.expect("joins").expect("stops cleanly");

    let second = Application::build_with_clock(config(dir.path()), clock())
        .await
        .expect("builds again");
    let state = second.state();
    assert_eq!(state.cache.links_cached(), 0);
    tokio::spawn(second.run_until_stopped(std::future::pending()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.cache.links_cached() < 12_000 {
        assert!(
            Instant::now() < deadline,
            "only {} of 12000 links cached after 30 s",
            state.cache.links_cached()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
