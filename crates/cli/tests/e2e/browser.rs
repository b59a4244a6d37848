//! A real headless Chromium driven over WebDriver (`chromedriver`), for the
//! dashboard's end-to-end tests.
//!
//! Without `chromedriver` on the machine the tests are skipped with a
//! `skipped:` line, unless `WAYLINK_REQUIRE_BROWSER=1` (which CI sets) makes
//! that a failure.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// A `chromedriver` process, killed when dropped.
pub struct Driver {
    child: Child,
    /// `http://127.0.0.1:{port}`.
    pub url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn found(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// Starts `chromedriver`, or answers `None` (after printing why) when the
/// machine has none and CI does not require it.
pub fn start_driver() -> Option<Driver> {
    let Some(program) = found("chromedriver") else {
        assert!(
            std::env::var("WAYLINK_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "WAYLINK_REQUIRE_BROWSER=1 but no chromedriver is on PATH; install Debian's chromium and chromium-driver"
        );
        eprintln!("skipped: no chromedriver on PATH (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(driver)
}

/// A headless Chromium session of a laptop-sized window.
pub async fn open_browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    let mut options = json!({"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,960"]});
    if let Some(binary) = found("chromium") {
        options["binary"] = json!(binary);
    }
    caps.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session")
}

/// The element of a CSS selector, waiting for it to appear.
pub async fn css(browser: &Client, selector: &str) -> Element {
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no {selector:?} on the page: {e}"))
}

/// Types `text` into the field of a CSS selector.
pub async fn fill(browser: &Client, selector: &str, text: &str) {
    let field = css(browser, selector).await;
    field.clear().await.expect("the field clears");
    field.send_keys(text).await.expect("the field takes keys");
}

/// Chooses the option with `value` in the select of a CSS selector.
pub async fn choose(browser: &Client, selector: &str, value: &str) {
    css(browser, selector)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("no option {value:?} in {selector:?}: {e}"));
}

/// Clicks the element of a CSS selector.
pub async fn click(browser: &Client, selector: &str) {
    css(browser, selector)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("{selector:?} cannot be clicked: {e}"));
}

/// The visible text of the element of a CSS selector.
pub async fn text(browser: &Client, selector: &str) -> String {
    css(browser, selector)
        .await
        .text()
        .await
        .expect("the element's text")
}

/// Saves a screenshot of the window as `{dir}/{name}.png`.
pub async fn screenshot(browser: &Client, dir: &Path, name: &str) {
    browser
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("the page scrolls");
    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    std::fs::create_dir_all(dir).expect("the screenshot directory");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
}
