//! The Lua scripts that tell wrk what to send. Each wrk thread seeds its
//! own random numbers, so that threads do not send the same sequence.

use std::path::{Path, PathBuf};

/// The user agent of every redirect: an Android phone, so that each
/// request is a click that is recorded.
pub const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";

const SEEDING: &str = r#"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + seed)
  counter = 0
end
"#;

/// GETs of `/{template}/{prefix}{i}` for `i` uniform in `0..links`.
pub fn redirects(
    dir: &Path,
    host: &str,
    template: &str,
    prefix: &str,
    links: usize,
) -> std::io::Result<PathBuf> {
    write(
        dir,
        "redirects.lua",
        &format!(
            r#"{SEEDING}
wrk.headers["Host"] = "{host}"
wrk.headers["User-Agent"] = "{ANDROID}"
function request()
  return wrk.format("GET", "/{template}/{prefix}" .. math.random(0, {last}))
end
"#,
            last = links.saturating_sub(1)
        ),
    )
}

/// POSTs of one new link each through API v1, the id made by the server.
pub fn v1_creates(dir: &Path, template: &str, api_key: &str) -> std::io::Result<PathBuf> {
    write(
        dir,
        "v1_creates.lua",
        &format!(
            r#"
wrk.method = "POST"
wrk.path = "/shortlink/v1/{template}"
wrk.headers["Authorization"] = "{api_key}"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"ttl": "31d", "data": {{"pid": "bench", "c": "creates", "af_dp": "feedme://bananas"}}}}'
"#
        ),
    )
}

/// SDK install launches, each from a new device whose advertising id is
/// that of one of the `clicks` stored clicks (see `seed::advertising_id`).
pub fn launches(dir: &Path, sdk_key: &str, clicks: u64) -> std::io::Result<PathBuf> {
    write(
        dir,
        "launches.lua",
        &format!(
            r#"{SEEDING}
wrk.method = "POST"
wrk.path = "/sdk/v1/launch"
wrk.headers["Authorization"] = "{sdk_key}"
wrk.headers["Content-Type"] = "application/json"
function request()
  counter = counter + 1
  local body = string.format('{{"device_id": "bench-%d-%d-%d", "platform": "android", "os_version": "14", "device_model": "Pixel 8", "user_agent": "{ANDROID}", "advertising_id": "00000000-0000-4000-8000-%012x"}}',
    os.time(), seed, counter, math.random(0, {last}))
  return wrk.format(nil, nil, nil, body)
end
"#,
            last = clicks.saturating_sub(1)
        ),
    )
}

/// GETs of one `path` with one header (a key or a session cookie).
pub fn get(
    dir: &Path,
    name: &str,
    path: &str,
    header: &str,
    value: &str,
) -> std::io::Result<PathBuf> {
    write(
        dir,
        name,
        &format!(
            r#"
wrk.path = "{path}"
wrk.headers["{header}"] = "{value}"
"#
        ),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}
