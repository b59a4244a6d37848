//! End-to-end tests of the real `waylink` binary: started as a user starts
//! it, driven over HTTP, killed, stopped and restarted.
//!
//! Every child process is held by a [`Running`] guard that kills it when the
//! test ends, whether it passed or not.

#[path = "e2e/support.rs"]
mod support;

use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    ADMIN, Api, LIMIT, has_curl_and_bash, printed_key, run, run_printed_curls, start, start_serve,
    wait_timeout,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_lives_through_v1_and_v2_and_is_gone_after_32_days_of_test_clock() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = start_serve(dir.path(), true);
    let api = Api::new(&server.base);
    let (status, _) = api
        .call(
            "POST",
            "/admin/v1/accounts",
            Some("Bearer wrong-token-0000000"),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, 401);
    let key = api.feedme().await;
    let key = Some(key.as_str());

    let v1 = "/shortlink/v1/H5hv";
    let create = json!({"shortlink_id": "bananas7", "data": {"pid": "sms", "c": "bananas"}});
    let (status, url) = api.call("POST", v1, key, Some(create)).await;
    assert_eq!(
        (status, url),
        (200, json!("https://feedme.links.test/H5hv/bananas7"))
    );
    let (status, data) = api
        .call("GET", &format!("{v1}?id=bananas7"), key, None)
        .await;
    assert_eq!((status, data), (200, json!({"pid": "sms", "c": "bananas"})));
    let (status, url) = api
        .call(
            "PUT",
            &format!("{v1}?id=bananas7"),
            key,
            Some(json!({"data": {"pid": "email"}})),
        )
        .await;
    assert_eq!(
        (status, url),
        (200, json!("https://feedme.links.test/H5hv/bananas7"))
    );

    let v2 = "/api/v2.0/shortlinks/H5hv";
    let (status, body) = api.call("GET", &format!("{v2}/bananas7"), key, None).await;
    assert_eq!(
        (status, &body["payload"]),
        (200, &json!({"pid": "email"})),
        "{body}"
    );
    let ttl = body["ttl"].as_i64().expect("a ttl");
    assert!((31 * 86_400 - 60..=31 * 86_400).contains(&ttl), "{body}");

    let create =
        json!({"shortlink_id": "apples2", "data": {"pid": "sms", "c": "apples"}, "ttl": "14d"});
    let (status, body) = api.call("POST", v2, key, Some(create)).await;
    assert_eq!(
        (status, &body["shortlink_url"]),
        (200, &json!("https://feedme.links.test/H5hv/apples2"))
    );
    let (status, body) = api
        .call(
            "PUT",
            &format!("{v2}/apples2"),
            key,
            Some(json!({"data": {"pid": "x"}})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.call("GET", &format!("{v2}/apples2"), key, None).await;
    assert_eq!((status, &body["payload"]), (200, &json!({"pid": "x"})));
    let (status, body) = api
        .call("DELETE", &format!("{v2}/apples2"), key, None)
        .await;
    assert_eq!((status, body), (200, json!("ok")));
    let (status, body) = api.call("GET", &format!("{v2}/apples2"), key, None).await;
    assert_eq!((status, &body["error_type"]), (404, &json!("not_found")));

    let (status, _) = api
        .call(
            "POST",
            &format!("{v1}?id=pears3"),
            key,
            Some(json!({"data": {"c": "pears"}})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = api
        .call("DELETE", &format!("{v1}?id=pears3"), key, None)
        .await;
    assert_eq!((status, body), (200, json!("ok")));
    let (status, body) = api.call("GET", &format!("{v1}?id=pears3"), key, None).await;
    assert_eq!((status, body), (404, json!("Not Found")));

    let admin = format!("Bearer {ADMIN}");
    let (status, body) = api
        .call(
            "POST",
            "/admin/v1/clock/advance",
            Some(&admin),
            Some(json!({"by": "32d"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api
        .call("GET", &format!("{v1}?id=bananas7"), key, None)
        .await;
    assert_eq!((status, body), (404, json!("Not Found")));
    let (status, _) = api.call("GET", &format!("{v2}/bananas7"), key, None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_write_survives_kill_9_and_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut first = start_serve(dir.path(), false);
    let api = Api::new(&first.base);
    let key = api.feedme().await;
    let v2 = "/api/v2.0/shortlinks/H5hv";
    for i in 0..10 {
        let (status, _) = api
            .call(
                "POST",
                v2,
                Some(&key),
                Some(json!({"shortlink_id": format!("upd{i}"), "data": {"pid": "sms"}})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = api
            .call(
                "PUT",
                &format!("{v2}/upd{i}"),
                Some(&key),
                Some(json!({"data": {"pid": "updated"}})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = api
            .call(
                "POST",
                v2,
                Some(&key),
                Some(json!({"shortlink_id": format!("del{i}"), "data": {"pid": "sms"}})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = api
            .call("DELETE", &format!("{v2}/del{i}"), Some(&key), None)
            .await;
        assert_eq!(status, 200);
    }
    // Writers that create links until the process dies under them.
    let acked: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (acked, key, base) = (Arc::clone(&acked), key.clone(), first.base.clone());
            tokio::spawn(async move {
                let api = Api::new(&base);
                for i in 0..100_000 {
                    let (sid, data) = (
                        format!("w{w}x{i}"),
                        json!({"i": i.to_string(), "v": "ü %&=+ \"\n"}),
                    );
                    let body = json!({"shortlink_id": sid, "data": data});
                    let sent = api
                        .client
                        .post(format!("{base}{v2}"))
                        .header("authorization", &key)
                        .json(&body)
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status() == 200 => acked.lock().expect("lock").push((sid, data)),
                        _ => break,
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + LIMIT;
    while acked.lock().expect("lock").len() < 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.child.kill().expect("SIGKILL is sent");
    first.child.wait().expect("the killed process is reaped");
    for writer in writers {
        writer.await.expect("a writer ends");
    }
    let acked = acked.lock().expect("lock").clone();
    assert!(
        acked.len() >= 200,
        "only {} links were written",
        acked.len()
    );
    eprintln!("{} links acknowledged before kill -9", acked.len());

    let second = start_serve(dir.path(), false);
    let api = Api::new(&second.base);
    for (sid, data) in &acked {
        let (status, body) = api
            .call("GET", &format!("{v2}/{sid}"), Some(&key), None)
            .await;
        assert_eq!(
            (status, &body["payload"]),
            (200, data),
            "{sid} was acknowledged, then lost"
        );
    }
    for i in 0..10 {
        let (status, body) = api
            .call("GET", &format!("{v2}/upd{i}"), Some(&key), None)
            .await;
        assert_eq!(
            (status, &body["payload"]),
            (200, &json!({"pid": "updated"}))
        );
        let (status, _) = api
            .call("GET", &format!("{v2}/del{i}"), Some(&key), None)
            .await;
        assert_eq!(status, 404, "del{i} was deleted, then came back");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_server_gracefully_with_success() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut server = start_serve(dir.path(), false);
    let api = Api::new(&server.base);
    let (status, _) = api.call("GET", "/health", None, None).await;
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    let kill = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(kill.success());
    let status = wait_timeout(&mut server.child, LIMIT).expect("waylink exits after SIGTERM");
    assert!(status.success(), "{status:?}; stderr:\n{}", server.stderr());
    let address = server.base.trim_start_matches("http://");
    assert!(
        TcpStream::connect(address).is_err(),
        "still listening after exit"
    );
}

#[test]
fn a_bad_setting_stops_the_start_with_one_line_naming_it() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().to_str().expect("a UTF-8 path");
    let cases = [
        ("serve --listen nope", None, "--listen"),
        (
            "serve",
            Some(("WAYLINK_LISTEN", "nope")),
            "--listen (WAYLINK_LISTEN)",
        ),
        ("serve --admin-token short", None, "--admin-token"),
        ("serve --base-domain links.test:+80", None, "--base-domain"),
        ("serve --public-scheme ftp", None, "--public-scheme"),
        ("serve --rate-limit 0", None, "--rate-limit"),
        ("demo --test-clock maybe", None, "--test-clock"),
        ("serve --database-url mysql://x", None, "--database-url"),
    ];
    for (args, env, setting) in cases {
        let args: Vec<&str> = args.split(' ').chain(["--data-dir", data]).collect();
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let (status, _, stderr) = run(&args, &env);
        assert!(!status.success(), "{args:?} started");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?}: {stderr}");
        assert!(
            lines[0].starts_with(&format!("error: {setting}")),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn a_taken_port_stops_the_start_with_one_line_naming_listen() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let other = tempfile::tempdir().expect("a temporary directory");
    let server = start_serve(dir.path(), false);
    let taken = server.base.trim_start_matches("http://");
    let data = other.path().to_str().expect("a UTF-8 path");
    let (status, _, stderr) = run(&["serve", "--listen", taken, "--data-dir", data], &[]);
    assert!(!status.success());
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("error: --listen"), "{stderr}");
}

#[test]
fn migrate_brings_a_new_data_dir_up_to_date_and_is_idempotent() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("nested").join("data");
    let data_arg = data.to_str().expect("a UTF-8 path");
    for _ in 0..2 {
        let (status, stdout, stderr) = run(&["migrate", "--data-dir", data_arg], &[]);
        assert!(status.success(), "{stderr}");
        assert!(stdout.contains("up to date"), "{stdout}");
    }
    drop(start_serve(&data, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_prints_curl_commands_that_work_and_restarts_the_same() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let work = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().to_str().expect("a UTF-8 path");
    let args = ["demo", "--listen", "127.0.0.1:0", "--data-dir", data];
    let curl = has_curl_and_bash();
    if !curl {
        eprintln!("note: curl or bash is missing: the printed curl commands are not run");
    }
    let mut keys = Vec::new();
    for _ in 0..2 {
        let demo = start(&args);
        let key = printed_key(&demo.stdout);
        if curl {
            run_printed_curls(&demo.stdout, work.path());
        }
        let api = Api::new(&demo.base);
        let (status, body) = api
            .call("GET", "/shortlink/v1/H5hv?id=bananas7", Some(&key), None)
            .await;
        assert_eq!((status, &body["pid"]), (200, &json!("sms")), "{body}");
        keys.push(key);
    }
    assert_eq!(keys[0], keys[1], "a restarted demo prints another key");
}
