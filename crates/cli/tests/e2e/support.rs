//! Running the real binary and talking to it: a guard that kills the
//! process when dropped, the wait for its listening line, an HTTP client.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_waylink");
pub const ADMIN: &str = "e2e-admin-token-0123456789";
/// How long a start or a stop may take.
pub const LIMIT: Duration = Duration::from_secs(60);
const FP: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

/// A running `waylink`, killed (SIGKILL) and reaped when dropped.
pub struct Running {
    pub child: Child,
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// What it printed on stdout up to and with the listening line.
    pub stdout: Vec<String>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// The binary with `args`, free of any `WAYLINK_*` of the environment.
fn command(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("WAYLINK_") {
            command.env_remove(name);
        }
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Reads `reader` to its end on a thread, into the shared text.
fn collect(reader: impl Read + Send + 'static) -> (Arc<Mutex<String>>, JoinHandle<()>) {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    let handle = thread::spawn(move || {
        for line in BufReader::new(reader).lines().map_while(Result::ok) {
            if let Ok(mut text) = sink.lock() {
                text.push_str(&line);
                text.push('\n');
            }
        }
    });
    (text, handle)
}

/// Starts the binary and waits for `waylink listening on http://...`.
pub fn start(args: &[&str]) -> Running {
    let mut child = command(args).spawn().expect("the waylink binary starts");
    let (stderr, _) = collect(child.stderr.take().expect("piped stderr"));
    let stdout = child.stdout.take().expect("piped stdout");
    let (lines, received) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut running = Running {
        child,
        base: String::new(),
        stdout: Vec::new(),
        stderr,
    };
    let deadline = Instant::now() + LIMIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = received.recv_timeout(left) else {
            panic!(
                "waylink {args:?} printed no listening line; stdout {:?}, stderr:\n{}",
                running.stdout,
                running.stderr()
            );
        };
        let address = line
            .strip_prefix("waylink listening on ")
            .map(str::to_owned);
        running.stdout.push(line);
        if let Some(address) = address {
            running.base = address;
            return running;
        }
    }
}

pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Runs the binary to its end: status, stdout, stderr.
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (ExitStatus, String, String) {
    let mut command = command(args);
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("the waylink binary starts");
    let (stdout, out_done) = collect(child.stdout.take().expect("piped stdout"));
    let (stderr, err_done) = collect(child.stderr.take().expect("piped stderr"));
    let Some(status) = wait_timeout(&mut child, LIMIT) else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("waylink {args:?} did not exit");
    };
    let _ = (out_done.join(), err_done.join());
    let text = |t: Arc<Mutex<String>>| t.lock().map(|s| s.clone()).unwrap_or_default();
    (status, text(stdout), text(stderr))
}

fn serve_args(data_dir: &Path, test_clock: bool) -> Vec<String> {
    let mut args: Vec<String> = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--admin-token",
        ADMIN,
        "--base-domain",
        "links.test",
        "--data-dir",
    ]
    .map(str::to_owned)
    .into();
    args.push(data_dir.display().to_string());
    if test_clock {
        args.push("--test-clock".into());
    }
    args
}

pub fn start_serve(data_dir: &Path, test_clock: bool) -> Running {
    let args = serve_args(data_dir, test_clock);
    start(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// An HTTP client of one server.
pub struct Api {
    pub client: reqwest::Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("an HTTP client"),
            base: base.to_owned(),
        }
    }

    /// Sends JSON; answers the status and the JSON body (`null` if none).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            request = request.header("authorization", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// An account with an Android app and template `H5hv`: its API key.
    pub async fn feedme(&self) -> String {
        let admin = format!("Bearer {ADMIN}");
        let (status, body) = self
            .call(
                "POST",
                "/admin/v1/accounts",
                Some(&admin),
                Some(json!({"name": "feedme"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let key = body["api_key"].as_str().expect("an api_key").to_owned();
        let app = json!({"platform": "android", "app_id": "com.feedme.app", "sha256_cert_fingerprints": [FP]});
        let (status, body) = self
            .call("POST", "/api/v1/apps", Some(&key), Some(app))
            .await;
        assert_eq!(status, 201, "{body}");
        assert!(
            body["sdk_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("wl_sdk_")),
            "{body}"
        );
        let template = json!({"id": "H5hv", "subdomain": "feedme", "android_app_id": "com.feedme.app", "uri_scheme": "feedme"});
        let (status, body) = self
            .call("POST", "/api/v1/templates", Some(&key), Some(template))
            .await;
        assert_eq!(status, 201, "{body}");
        key
    }
}

/// The API key the demo printed.
pub fn printed_key(stdout: &[String]) -> String {
    let line = stdout
        .iter()
        .find(|l| l.contains("API key (account):"))
        .expect("an API key line");
    line.split_whitespace().last().expect("a key").to_owned()
}

/// Runs every printed `curl` line as printed; each must answer 2xx, or,
/// for the clicks the demo prints (they set a user agent with `-A`), a
/// redirect or a page.
pub fn run_printed_curls(stdout: &[String], work_dir: &Path) {
    let curls: Vec<&str> = stdout
        .iter()
        .filter(|l| l.starts_with("  curl "))
        .map(|l| l.trim())
        .collect();
    assert!(curls.len() >= 10, "{stdout:#?}");
    let curls_run = curls.len();
    for curl in curls {
        let output = Command::new("bash")
            .arg("-c")
            .arg(format!("{curl} --max-time 20 -w '%{{http_code}}'"))
            .current_dir(work_dir)
            .output()
            .expect("bash runs");
        let out = String::from_utf8_lossy(&output.stdout);
        let code = out.get(out.len().saturating_sub(3)..).unwrap_or_default();
        let is_click = curl.contains(" -A ");
        let answered = code.starts_with('2') || (is_click && code.starts_with('3'));
        assert!(
            output.status.success() && answered,
            "{curl}\n -> {code}: {out}"
        );
    }
    eprintln!("{curls_run} printed curl commands answered as expected");
    let png = std::fs::read(work_dir.join("bananas7.png")).expect("the QR code was saved");
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
}

pub fn has_curl_and_bash() -> bool {
    let works = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    works("curl") && works("bash")
}
