//! End to end: `waylink demo` prints the Feed Me story as `simulate`
//! commands, and the real binary plays them against the running demo as
//! phones would: an Android click and two launches, an iPhone click and a
//! launch, then the statistics.

#[allow(dead_code)]
#[path = "e2e/support.rs"]
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{run, start};

const BIN: &str = env!("CARGO_BIN_EXE_waylink");
/// How the demo prints each step of the story.
const PRINTED_PREFIX: &str = "  cargo run --release -- ";

/// One printed step: its arguments for the binary, with the simulated
/// device's state kept in `{dir}/sim-{device}` rather than `./waylink-sim`.
fn step(line: &str, dir: &Path) -> Vec<String> {
    let rest = line.strip_prefix(PRINTED_PREFIX).expect("a printed step");
    let mut args: Vec<String> = rest.split_whitespace().map(str::to_owned).collect();
    if args.first().map(String::as_str) == Some("simulate") {
        let device = args
            .iter()
            .position(|a| a == "--device")
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| panic!("no --device in {line:?}"));
        args.push("--state-dir".into());
        args.push(dir.join(format!("sim-{device}")).display().to_string());
    }
    args
}

/// Runs the binary with `args`; it must succeed. Answers its stdout.
fn run_ok(args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (status, stdout, stderr) = run(&args, &[]);
    assert!(
        status.success(),
        "{BIN} {args:?} failed ({status}):\n{stdout}\n{stderr}"
    );
    stdout
}

/// The payload the `simulate` printer shows after the line `→ {header}`:
/// the pretty JSON up to the next blank line.
fn payload(stdout: &str, header: &str) -> Value {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == format!("→ {header}"))
        .unwrap_or_else(|| panic!("no {header:?} callback in:\n{stdout}"));
    let text: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    serde_json::from_str(&text.join("\n"))
        .unwrap_or_else(|e| panic!("the {header:?} payload is not JSON ({e}):\n{stdout}"))
}

/// The callbacks a launch printed, in order.
fn callbacks(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("→ "))
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect()
}

/// The `key: value` line a `simulate click` printed.
fn printed_value<'a>(stdout: &'a str, key: &str) -> &'a str {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("no {key:?} line in:\n{stdout}"))
}

/// Waits until the template's statistics count `clicks` clicks: the
/// server stores clicks in the background, and a script runs the launch
/// that follows a click sooner than a person could.
fn wait_for_clicks(stats: &[String], clicks: u64) {
    let mut args = stats.to_vec();
    let group_by = args
        .iter()
        .position(|a| a == "--group-by")
        .expect("a --group-by");
    args[group_by + 1] = String::new();
    args.push("--json".into());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body: Value = serde_json::from_str(&run_ok(&args)).expect("JSON statistics");
        if body["totals"]["clicks"] == json!(clicks) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{clicks} clicks were never counted: {body}"
        );
        thread::sleep(Duration::from_millis(50));
    }
}

/// The totals line of a `stats` table, by column, aligned from the right
/// (the grouping columns of the totals line are blank).
fn totals(table: &str) -> BTreeMap<String, String> {
    let lines: Vec<&str> = table.lines().collect();
    let header = lines
        .iter()
        .find(|l| l.contains("installs"))
        .unwrap_or_else(|| panic!("no header line in:\n{table}"));
    let total = lines
        .iter()
        .find(|l| l.starts_with("total"))
        .unwrap_or_else(|| panic!("no total line in:\n{table}"));
    header
        .split_whitespace()
        .rev()
        .zip(total.split_whitespace().rev())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn the_feed_me_story_printed_by_the_demo_plays_as_printed_with_the_simulated_phones() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().display().to_string();
    let demo = start(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &data]);
    let steps: Vec<Vec<String>> = demo
        .stdout
        .iter()
        .filter(|l| l.starts_with(PRINTED_PREFIX))
        .map(|l| step(l, dir.path()))
        .collect();
    let kinds: Vec<String> = steps.iter().map(|s| s[..2].join(" ")).collect();
    assert_eq!(
        kinds,
        [
            "simulate click",
            "simulate launch",
            "simulate launch",
            "simulate click",
            "simulate launch",
            "stats --server",
        ],
        "{:#?}",
        demo.stdout
    );
    let stats = &steps[5];

    // The Android phone taps the SMS link: the Play Store, with the click
    // id in the referrer it keeps for the app.
    let out = run_ok(&steps[0]);
    let click_id = printed_value(&out, "click id").to_owned();
    assert_eq!(click_id.len(), 25, "{out}");
    let play = format!(
        "302 Found → https://play.google.com/store/apps/details?id=com.feedme.app&referrer=waylink_click_id%3D{click_id}%26pid%3Dsms%26c%3Dbananas"
    );
    assert!(
        out.contains(&play),
        "no Play Store redirect {play:?} in:\n{out}"
    );
    wait_for_clicks(stats, 1);

    // The app's first start is the install: the SMS campaign, matched by
    // the referrer, and the deferred deep link to the bananas.
    let out = run_ok(&steps[1]);
    assert_eq!(
        callbacks(&out),
        ["on_conversion_data_success", "on_deep_linking"],
        "{out}"
    );
    let data = payload(&out, "on_conversion_data_success");
    assert_eq!(data["is_first_launch"], json!(true), "{out}");
    assert_eq!(data["af_status"], json!("Non-organic"), "{out}");
    assert_eq!(data["media_source"], json!("sms"), "{out}");
    assert_eq!(data["campaign"], json!("bananas"), "{out}");
    assert_eq!(data["match_type"], json!("referrer"), "{out}");
    assert_eq!(data["shortlink"], json!("bananas7"), "{out}");
    assert_eq!(data["deep_link_value"], json!("bananas"), "{out}");
    assert_eq!(data["iscache"], json!(false), "{out}");
    let deep_link = payload(&out, "on_deep_linking: Found");
    assert_eq!(deep_link["deep_link_value"], json!("bananas"), "{out}");
    assert_eq!(deep_link["deep_link_sub1"], json!("user42"), "{out}");
    assert_eq!(deep_link["is_deferred"], json!(true), "{out}");
    assert_eq!(deep_link["match_type"], json!("referrer"), "{out}");

    // The second start: the same campaign, no longer the first launch.
    let out = run_ok(&steps[2]);
    assert_eq!(
        callbacks(&out),
        ["on_conversion_data_success", "on_deep_linking"],
        "{out}"
    );
    let again = payload(&out, "on_conversion_data_success");
    assert_eq!(again["is_first_launch"], json!(false), "{out}");
    let mut expected = data.clone();
    expected["is_first_launch"] = json!(false);
    assert_eq!(again, expected, "{out}");
    assert!(out.contains("\n→ on_deep_linking: NotFound\n"), "{out}");

    // An iPhone taps the same link, then installs: no referrer on iOS, so
    // the same address, OS version and a compatible model match it.
    let out = run_ok(&steps[3]);
    assert!(
        out.contains("302 Found → https://apps.apple.com/app/id1234567890"),
        "{out}"
    );
    wait_for_clicks(stats, 2);
    let out = run_ok(&steps[4]);
    assert_eq!(
        callbacks(&out),
        ["on_conversion_data_success", "on_deep_linking"],
        "{out}"
    );
    let data = payload(&out, "on_conversion_data_success");
    assert_eq!(data["is_first_launch"], json!(true), "{out}");
    assert_eq!(data["match_type"], json!("probabilistic"), "{out}");
    assert_eq!(data["media_source"], json!("sms"), "{out}");
    let deep_link = payload(&out, "on_deep_linking: Found");
    assert_eq!(deep_link["match_type"], json!("probabilistic"), "{out}");

    // The statistics: two clicks, two installs, one of each kind.
    let out = run_ok(stats);
    let totals = totals(&out);
    let expected: BTreeMap<String, String> = [
        ("clicks", "2"),
        ("expired", "0"),
        ("referrer", "1"),
        ("id_match", "0"),
        ("probabil", "1"),
        ("installs", "2"),
        ("organic", "0"),
        ("reengage", "0"),
        ("rate", "100.0%"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let counted: BTreeMap<String, String> = totals
        .into_iter()
        .filter(|(k, _)| expected.contains_key(k))
        .collect();
    assert_eq!(counted, expected, "{out}");
    let log = demo.stderr();
    assert!(!log.contains("ERROR"), "the demo logged an error:\n{log}");
}
