//! Who is asking: a crawler, or a person on Android, iOS or a desktop, read
//! from the `user-agent` header, with the OS version and device model when
//! the header tells them.

/// The kind of device a person clicks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// Android phones and tablets.
    Android,
    /// iPhone, iPad and iPod (iPadOS that poses as a Mac counts as desktop).
    Ios,
    /// Everything else.
    Desktop,
}

impl DeviceKind {
    /// The lowercase name used in storage and statistics.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Android => "android",
            DeviceKind::Ios => "ios",
            DeviceKind::Desktop => "desktop",
        }
    }

    /// Reads a name written by [`DeviceKind::as_str`].
    pub fn parse(text: &str) -> Option<DeviceKind> {
        match text {
            "android" => Some(DeviceKind::Android),
            "ios" => Some(DeviceKind::Ios),
            "desktop" => Some(DeviceKind::Desktop),
            _ => None,
        }
    }
}

/// A person's device as the user agent describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Android, iOS or desktop.
    pub kind: DeviceKind,
    /// `14` for Android 14, `17.1` for iOS 17.1.
    pub os_version: Option<String>,
    /// `Pixel 8`, `SM-S911B`, `iPhone`, `iPad`.
    pub device_model: Option<String>,
}

/// What sent the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visitor {
    /// A link unfurler or search bot: it gets a preview and is never a click.
    Crawler,
    /// A person.
    Person(Device),
}

/// Tokens of link unfurlers and search bots, lower-case. Matching is on a
/// substring of the lower-cased user agent.
const CRAWLER_TOKENS: &[&str] = &[
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "slackbot",
    "slack-imgproxy",
    "linkedinbot",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "googlebot",
    "google-inspectiontool",
    "adsbot-google",
    "bingbot",
    "bingpreview",
    "applebot",
    "pinterest",
    "skypeuripreview",
    "redditbot",
    "embedly",
    "iframely",
    "vkshare",
    "yandexbot",
    "duckduckbot",
    "baiduspider",
    "mastodon",
    "snapchat",
    "viber",
    "line-poker",
    "kakaotalk-scrap",
    "qwantify",
    "petalbot",
];

/// Classifies a user agent.
pub fn classify(user_agent: &str) -> Visitor {
    let lower = user_agent.to_ascii_lowercase();
    if CRAWLER_TOKENS.iter().any(|t| lower.contains(t)) {
        return Visitor::Crawler;
    }
    if lower.contains("android") {
        return Visitor::Person(Device {
            kind: DeviceKind::Android,
            os_version: version_after(user_agent, "Android "),
            device_model: android_model(user_agent),
        });
    }
    for model in ["iPhone", "iPad", "iPod"] {
        if user_agent.contains(model) {
            let version = version_after(user_agent, " OS ").map(|v| v.replace('_', "."));
            let model = if model == "iPod" { "iPod touch" } else { model };
            return Visitor::Person(Device {
                kind: DeviceKind::Ios,
                os_version: version,
                device_model: Some(model.to_owned()),
            });
        }
    }
    Visitor::Person(Device {
        kind: DeviceKind::Desktop,
        os_version: None,
        device_model: None,
    })
}

/// The run of digits, `.` and `_` that follows `marker`.
fn version_after(ua: &str, marker: &str) -> Option<String> {
    let start = ua.find(marker)? + marker.len();
    let version: String = ua[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '_')
        .take(20)
        .collect();
    let version = version.trim_end_matches(['.', '_']).to_owned();
    (!version.is_empty()).then_some(version)
}

/// The model in `(Linux; Android 14; Pixel 8 Build/...; wv)`: the part after
/// the Android version, up to `Build/`, `;` or `)`. Chrome's reduced user
/// agent says `K` for every model, which tells nothing.
fn android_model(ua: &str) -> Option<String> {
    let start = ua.find("Android")?;
    let rest = &ua[start..];
    // The group ends at the `)` that closes it; models may hold parentheses.
    let mut depth = 1;
    let end = rest
        .char_indices()
        .find(|(_, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth == 0
        })
        .map_or(rest.len(), |(i, _)| i);
    let rest = &rest[..end];
    let mut parts = rest.split(';').map(str::trim);
    parts.next()?;
    let model = parts.find(|p| {
        !p.is_empty()
            && !matches!(*p, "wv" | "Mobile" | "Tablet" | "U" | "K")
            && !p.starts_with("rv:")
            && !is_locale(p)
    })?;
    let model = model.split(" Build/").next().unwrap_or(model).trim();
    (!model.is_empty() && model.len() <= 64).then(|| model.to_owned())
}

/// `en-us`, `de-DE`: old Android user agents carry the locale in the group.
fn is_locale(part: &str) -> bool {
    part.len() <= 5
        && part.contains('-')
        && part.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(ua: &str) -> Device {
        match classify(ua) {
            Visitor::Person(d) => d,
            Visitor::Crawler => panic!("{ua} taken for a crawler"),
        }
    }

    #[test]
    fn real_android_user_agents_give_version_and_model() {
        let table = [
            // Chrome
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
                "14",
                Some("Pixel 8"),
            ),
            // Chrome's reduced user agent
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
                "10",
                None,
            ),
            // Samsung Internet
            (
                "Mozilla/5.0 (Linux; Android 13; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
                "13",
                Some("SAMSUNG SM-S911B"),
            ),
            // Firefox
            (
                "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0",
                "14",
                None,
            ),
            // Facebook in-app browser
            (
                "Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/442.0.0.33.113;]",
                "13",
                Some("SM-G991B"),
            ),
            // Instagram in-app browser
            (
                "Mozilla/5.0 (Linux; Android 12; moto g(60) Build/S2RIS32.32-20-7; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.163 Mobile Safari/537.36 Instagram 309.1.0.41.113 Android (31/12; 400dpi; 1080x2220; motorola; moto g(60); hanoip; qcom; en_US; 541635863)",
                "12",
                Some("moto g(60)"),
            ),
            // Gmail's in-app web view
            (
                "Mozilla/5.0 (Linux; Android 11; Redmi Note 8 Build/RKQ1.201004.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/118.0.5993.111 Mobile Safari/537.36",
                "11",
                Some("Redmi Note 8"),
            ),
        ];
        for (ua, version, model) in table {
            let d = person(ua);
            assert_eq!(d.kind, DeviceKind::Android, "{ua}");
            assert_eq!(d.os_version.as_deref(), Some(version), "{ua}");
            assert_eq!(d.device_model.as_deref(), model, "{ua}");
        }
    }

    #[test]
    fn real_ios_user_agents_give_version_and_model() {
        let table = [
            // Safari on iPhone
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1.2 Mobile/15E148 Safari/604.1",
                "17.1.2",
                "iPhone",
            ),
            // Chrome on iPhone
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
                "17.2",
                "iPhone",
            ),
            // Safari on iPad (mobile mode)
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
                "16.6",
                "iPad",
            ),
            // Facebook in-app browser
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone12,1;FBMD/iPhone;FBSN/iOS;FBSV/16.7.2;FBSS/2;FBID/phone;FBLC/en_US;FBOP/5]",
                "16.7.2",
                "iPhone",
            ),
            // Instagram in-app browser
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 309.0.0.24.109 (iPhone14,5; iOS 17_1; en_US; en; scale=3.00; 1170x2532; 539495318)",
                "17.1",
                "iPhone",
            ),
            // Gmail on iPhone
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/290.0.582645197 Mobile/15E148 Safari/604.1",
                "17.0",
                "iPhone",
            ),
        ];
        for (ua, version, model) in table {
            let d = person(ua);
            assert_eq!(d.kind, DeviceKind::Ios, "{ua}");
            assert_eq!(d.os_version.as_deref(), Some(version), "{ua}");
            assert_eq!(d.device_model.as_deref(), Some(model), "{ua}");
        }
    }

    #[test]
    fn desktop_browsers_and_unknown_agents_are_desktop() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "curl/8.5.0",
            "",
        ] {
            assert_eq!(person(ua).kind, DeviceKind::Desktop, "{ua}");
        }
    }

    #[test]
    fn the_crawlers_of_the_spec_are_crawlers() {
        for ua in [
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Facebot)",
            "Twitterbot/1.0",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "WhatsApp/2.23.20.0 A",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
            "Pinterest/0.2 (+https://www.pinterest.com/bot.html)",
            "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
        ] {
            assert_eq!(classify(ua), Visitor::Crawler, "{ua}");
        }
    }
}
