//! The simulated devices of `waylink simulate` and the demo's examples:
//! real user agents, and the OS version and model an SDK would report.

use clap::ValueEnum;

/// A device to act as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Device {
    /// A Pixel 8 on Android 14, in Chrome.
    Android,
    /// An iPhone 14 Pro on iOS 17.1, in Safari.
    Iphone,
    /// Chrome on Windows.
    Desktop,
}

/// Chrome on a Pixel 8.
pub const ANDROID_UA: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
/// Safari on an iPhone.
pub const IPHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
/// Chrome on Windows.
pub const DESKTOP_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

impl Device {
    /// The browser's user agent.
    pub fn user_agent(self) -> &'static str {
        match self {
            Device::Android => ANDROID_UA,
            Device::Iphone => IPHONE_UA,
            Device::Desktop => DESKTOP_UA,
        }
    }

    /// What the SDK reports: OS version and model (the iPhone's machine
    /// name, as iOS gives it to apps).
    pub fn sdk_info(self) -> (&'static str, &'static str) {
        match self {
            Device::Android => ("14", "Pixel 8"),
            Device::Iphone => ("17.1", "iPhone15,2"),
            Device::Desktop => ("", ""),
        }
    }

    /// The name used for its state directory.
    pub fn name(self) -> &'static str {
        match self {
            Device::Android => "android",
            Device::Iphone => "iphone",
            Device::Desktop => "desktop",
        }
    }
}
