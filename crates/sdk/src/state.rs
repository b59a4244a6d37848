//! The SDK's persistent state: the device id, whether the install launch
//! completed, and the last conversion data (the cache answered from when
//! the server cannot be reached).
//!
//! It lives in one small JSON file the SDK owns. Writes are atomic (a temp
//! file in the same directory, fsync, rename) so a crash or a full disk
//! mid-write leaves the old state, never half of the new one. Reads are
//! forgiving: a missing, oversized or corrupt file is a fresh install state,
//! because the alternative (refusing to start) would take the app down with
//! it.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A state file larger than this is not ours (or is damaged): the cached
/// conversion data is at most one answer, itself capped at 1 MiB.
const MAX_STATE_BYTES: u64 = 2 * 1024 * 1024;

/// The longest device id accepted from a state file.
const MAX_DEVICE_ID_CHARS: usize = 128;

/// What the SDK remembers between runs of the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SdkState {
    /// The id of this installation of the app on this device; a reinstall
    /// (which wipes app storage) makes a new one.
    pub device_id: String,
    /// Whether a launch was answered by the server with conversion data:
    /// the next launch is then not the install.
    #[serde(default)]
    pub install_launch_done: bool,
    /// The conversion data of the last answered launch, as the server gave
    /// it.
    #[serde(default)]
    pub last_conversion_data: Option<Map<String, Value>>,
}

impl SdkState {
    /// A fresh install state with a new random device id.
    pub fn fresh() -> Result<SdkState, getrandom::Error> {
        Ok(SdkState {
            device_id: new_device_id()?,
            install_launch_done: false,
            last_conversion_data: None,
        })
    }
}

/// A new device id: 122 random bits from the operating system's CSPRNG,
/// written like a version 4 UUID (`6f1c0a52-9d3e-4b7a-8c21-0e5f3a9b7d64`).
pub fn new_device_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    // The version and variant bits make it a well-formed v4 UUID, which is
    // what other SDKs and analytics tools expect a device id to look like.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, byte) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        // Writing to a String cannot fail.
        let _ = write!(id, "{byte:02x}");
    }
    Ok(id)
}

/// A device id as read from a state file is usable when the server accepts
/// it (1 to 128 letters, digits, `-`, `_`, `.` or `:`): anything else means
/// the file was damaged, and every launch with it would be refused.
fn usable_device_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_DEVICE_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// The state file of one app in a state directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// The state file of `app_id` in `dir`: `waylink-sdk-{app_id}.json`,
    /// with characters unsafe in a file name replaced, so two apps sharing a
    /// directory keep separate state.
    pub fn in_dir(dir: &Path, app_id: &str) -> StateFile {
        let safe: String = app_id
            .chars()
            .take(100)
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        StateFile {
            path: dir.join(format!("waylink-sdk-{safe}.json")),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored state, or `None` when the file is missing, unreadable,
    /// too large, not the expected JSON, or holds an unusable device id.
    pub fn load(&self) -> Option<SdkState> {
        let file = fs::File::open(&self.path).ok()?;
        let mut bytes = Vec::new();
        file.take(MAX_STATE_BYTES + 1)
            .read_to_end(&mut bytes)
            .ok()?;
        if bytes.len() as u64 > MAX_STATE_BYTES {
            return None;
        }
        let state: SdkState = serde_json::from_slice(&bytes).ok()?;
        usable_device_id(&state.device_id).then_some(state)
    }

    /// The stored state, or a fresh one written to the file first, so the
    /// device id is stable from the first launch on.
    pub fn load_or_create(&self) -> Result<SdkState, StateError> {
        if let Some(state) = self.load() {
            return Ok(state);
        }
        let state = SdkState::fresh().map_err(|e| StateError::Random(e.to_string()))?;
        self.save(&state).map_err(StateError::Io)?;
        Ok(state)
    }

    /// Replaces the file with `state` atomically: the new content goes to a
    /// temp file in the same directory (a rename is atomic only within one
    /// file system), is flushed to disk, and is renamed over the old file.
    pub fn save(&self, state: &SdkState) -> io::Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let json = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
        let suffix = new_device_id().map_err(|e| io::Error::other(e.to_string()))?;
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{name}.{suffix}.tmp"));
        let written = write_synced(&temp, &json).and_then(|()| fs::rename(&temp, &self.path));
        if written.is_err() {
            // Best effort: a leftover temp file is harmless (never read) but
            // untidy.
            let _ = fs::remove_file(&temp);
        }
        written?;
        sync_dir(dir);
        Ok(())
    }
}

/// Writes `bytes` to a new file at `path` and flushes it to disk.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Flushes the directory entry of a rename, so the new file survives a
/// power cut. Best effort: some platforms cannot open a directory.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Why the state could not be created.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file could not be written.
    #[error("{0}")]
    Io(#[source] io::Error),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_look_like_v4_uuids_and_differ() {
        let a = new_device_id().expect("random");
        let b = new_device_id().expect("random");
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert!(usable_device_id(&a));
    }

    #[test]
    fn unsafe_app_ids_make_safe_file_names() {
        let file = StateFile::in_dir(Path::new("/tmp/x"), "../com.feed me/app");
        assert_eq!(
            file.path(),
            Path::new("/tmp/x/waylink-sdk-.._com.feed_me_app.json")
        );
    }

    #[test]
    fn device_ids_with_control_characters_are_unusable() {
        assert!(!usable_device_id(""));
        assert!(!usable_device_id("a\nb"));
        assert!(!usable_device_id(&"x".repeat(200)));
        assert!(!usable_device_id("a b"));
        assert!(usable_device_id("android:6f1c.0a52_x"));
    }
}
