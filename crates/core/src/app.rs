//! Apps: the Android and iOS apps a template opens.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::DomainError;
use crate::patch::{from_json_body, merge_patch};

/// The platform of an app or a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Google Android.
    Android,
    /// Apple iOS and iPadOS.
    Ios,
}

impl Platform {
    /// The lowercase name used in the API and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }

    /// Reads `android` or `ios`.
    pub fn parse(text: &str) -> Result<Platform, DomainError> {
        match text {
            "android" => Ok(Platform::Android),
            "ios" => Ok(Platform::Ios),
            _ => Err(DomainError::invalid(
                "platform",
                format!("platform must be \"android\" or \"ios\", not {text:?}"),
            )),
        }
    }
}

/// A validated app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct App {
    /// Its platform.
    pub platform: Platform,
    /// The Play package name, or `id` and the App Store id.
    pub app_id: String,
    /// Android signing certificate fingerprints, upper-case hex with colons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sha256_cert_fingerprints: Vec<String>,
    /// The iOS bundle id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<String>,
    /// The Apple developer team id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    /// How long after a click an install still gets its deferred deep
    /// link through UDL, in seconds (1 minute to 24 hours).
    #[serde(rename = "udl_window", serialize_with = "serialize_window")]
    pub udl_window_secs: i64,
}

/// The UDL window of an app registered without one: one hour.
pub const DEFAULT_UDL_WINDOW_SECS: i64 = 3600;

fn serialize_window<S: serde::Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&window_text(*secs))
}

/// `"1h"`, `"90m"`: how a UDL window is written.
pub fn window_text(secs: i64) -> String {
    if secs % 3600 == 0 {
        format!("{}h", secs / 3600)
    } else {
        format!("{}m", secs / 60)
    }
}

/// Reads a UDL window: `"{n}m"` or `"{n}h"`, from 1 minute to 24 hours.
pub fn parse_window(text: &str) -> Result<i64, DomainError> {
    let refuse = || {
        DomainError::invalid(
            "udl_window",
            format!(
                "udl_window must be minutes or hours from \"1m\" to \"24h\", such as \"30m\" or \"1h\"; {text:?} is not"
            ),
        )
    };
    let (digits, unit) = text.split_at(text.len().checked_sub(1).ok_or_else(refuse)?);
    let n: i64 = digits
        .parse()
        .ok()
        .filter(|n| *n > 0 && digits.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(refuse)?;
    let secs = match unit {
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(refuse)?;
    if !(60..=86_400).contains(&secs) {
        return Err(refuse());
    }
    Ok(secs)
}

/// An app as a client writes it, before validation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppDraft {
    platform: Option<String>,
    app_id: Option<String>,
    sha256_cert_fingerprints: Option<Vec<String>>,
    bundle_id: Option<String>,
    team_id: Option<String>,
    udl_window: Option<String>,
}

impl App {
    /// Validates the body of `POST /api/v1/apps`.
    pub fn from_create_body(body: Value) -> Result<App, DomainError> {
        from_json_body::<AppDraft>(body)?.validate()
    }

    /// This app with a merge patch applied; platform and app id are fixed.
    pub fn patched(&self, patch: &Value) -> Result<App, DomainError> {
        merge_patch::<_, AppDraft>(self, patch, &["platform", "app_id"])?.validate()
    }
}

impl AppDraft {
    fn validate(self) -> Result<App, DomainError> {
        let platform = Platform::parse(self.platform.as_deref().ok_or_else(|| {
            DomainError::invalid("platform", "platform is required: \"android\" or \"ios\"")
        })?)?;
        let app_id = self
            .app_id
            .ok_or_else(|| DomainError::invalid("app_id", "app_id is required"))?;
        let udl_window_secs = self
            .udl_window
            .as_deref()
            .map_or(Ok(DEFAULT_UDL_WINDOW_SECS), parse_window)?;
        match platform {
            Platform::Android => {
                check_package_name(&app_id, "app_id")?;
                if self.bundle_id.is_some() || self.team_id.is_some() {
                    return Err(DomainError::invalid(
                        "bundle_id",
                        "bundle_id and team_id are for iOS apps; an Android app has sha256_cert_fingerprints",
                    ));
                }
                let fingerprints = self
                    .sha256_cert_fingerprints
                    .unwrap_or_default()
                    .iter()
                    .map(|f| normalize_fingerprint(f))
                    .collect::<Result<Vec<_>, _>>()?;
                if fingerprints.len() > 20 {
                    return Err(DomainError::invalid(
                        "sha256_cert_fingerprints",
                        "at most 20 certificate fingerprints are accepted",
                    ));
                }
                Ok(App {
                    platform,
                    app_id,
                    sha256_cert_fingerprints: fingerprints,
                    bundle_id: None,
                    team_id: None,
                    udl_window_secs,
                })
            }
            Platform::Ios => {
                let store_id = app_id.strip_prefix("id").unwrap_or("");
                if store_id.is_empty()
                    || store_id.len() > 15
                    || !store_id.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(DomainError::invalid(
                        "app_id",
                        format!(
                            "an iOS app_id is \"id\" followed by the App Store id, such as \"id1234567890\"; {app_id:?} is not"
                        ),
                    ));
                }
                if self.sha256_cert_fingerprints.is_some_and(|f| !f.is_empty()) {
                    return Err(DomainError::invalid(
                        "sha256_cert_fingerprints",
                        "sha256_cert_fingerprints are for Android apps; an iOS app has bundle_id and team_id",
                    ));
                }
                let bundle_id = self.bundle_id.ok_or_else(|| {
                    DomainError::invalid(
                        "bundle_id",
                        "bundle_id is required for an iOS app, such as \"com.feedme.app\"",
                    )
                })?;
                check_bundle_id(&bundle_id)?;
                let team_id = self.team_id.ok_or_else(|| {
                    DomainError::invalid(
                        "team_id",
                        "team_id is required for an iOS app: the 10-character Apple team id",
                    )
                })?;
                if team_id.len() != 10
                    || !team_id
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                {
                    return Err(DomainError::invalid(
                        "team_id",
                        format!(
                            "team_id must be 10 upper-case letters or digits, such as \"ABCDE12345\"; {team_id:?} is not"
                        ),
                    ));
                }
                Ok(App {
                    platform,
                    app_id,
                    sha256_cert_fingerprints: Vec::new(),
                    bundle_id: Some(bundle_id),
                    team_id: Some(team_id),
                    udl_window_secs,
                })
            }
        }
    }
}

/// An Android package name: two or more dot-separated segments, each a
/// letter followed by letters, digits or `_`.
fn check_package_name(name: &str, field: &str) -> Result<(), DomainError> {
    let segments: Vec<&str> = name.split('.').collect();
    let ok = name.len() <= 255
        && segments.len() >= 2
        && segments.iter().all(|s| {
            s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            format!(
                "an Android app_id is a Play package name such as \"com.feedme.app\"; {name:?} is not"
            ),
        ))
    }
}

fn check_bundle_id(bundle: &str) -> Result<(), DomainError> {
    let ok = !bundle.is_empty()
        && bundle.len() <= 155
        && bundle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "bundle_id",
            format!(
                "bundle_id must be letters, digits, '.' and '-', such as \"com.feedme.app\"; {bundle:?} is not"
            ),
        ))
    }
}

/// Upper-case `AB:CD:...`: 32 bytes of hex, colons optional on input.
fn normalize_fingerprint(text: &str) -> Result<String, DomainError> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(DomainError::invalid(
            "sha256_cert_fingerprints",
            format!(
                "a certificate fingerprint is 32 bytes of hex such as \"14:6D:E9:...\" (64 hex digits); {text:?} is not"
            ),
        ));
    }
    let upper = hex.to_ascii_uppercase();
    let pairs: Vec<&str> = (0..32).map(|i| &upper[i * 2..i * 2 + 2]).collect();
    Ok(pairs.join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FP: &str = "14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16:a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf:44:e5";

    #[test]
    fn an_android_app_is_its_package_and_normalised_fingerprints() {
        let app = App::from_create_body(json!({"platform": "android", "app_id": "com.feedme.app", "sha256_cert_fingerprints": [FP]})).unwrap();
        assert_eq!(app.platform, Platform::Android);
        assert_eq!(app.sha256_cert_fingerprints, vec![FP.to_ascii_uppercase()]);
    }

    #[test]
    fn an_ios_app_needs_an_id_prefixed_store_id_bundle_and_team() {
        let ok = json!({"platform": "ios", "app_id": "id1234567890", "bundle_id": "com.feedme.app", "team_id": "ABCDE12345"});
        assert!(App::from_create_body(ok).is_ok());
        for bad in [
            json!({"platform": "ios", "app_id": "1234567890", "bundle_id": "com.feedme.app", "team_id": "ABCDE12345"}),
            json!({"platform": "ios", "app_id": "id1234567890", "team_id": "ABCDE12345"}),
            json!({"platform": "ios", "app_id": "id1234567890", "bundle_id": "com.feedme.app"}),
            json!({"platform": "ios", "app_id": "id1234567890", "bundle_id": "com.feedme.app", "team_id": "abc"}),
        ] {
            assert!(App::from_create_body(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn malformed_apps_are_refused_with_the_field_named() {
        let cases = [
            (json!({"app_id": "com.feedme.app"}), "platform"),
            (json!({"platform": "windows", "app_id": "x.y"}), "platform"),
            (json!({"platform": "android"}), "app_id"),
            (json!({"platform": "android", "app_id": "feedme"}), "app_id"),
            (
                json!({"platform": "android", "app_id": "com.1feedme"}),
                "app_id",
            ),
            (
                json!({"platform": "android", "app_id": "com.feedme", "sha256_cert_fingerprints": ["AB:CD"]}),
                "sha256_cert_fingerprints",
            ),
            (
                json!({"platform": "android", "app_id": "com.feedme", "colour": "red"}),
                "body",
            ),
        ];
        for (body, field) in cases {
            match App::from_create_body(body.clone()) {
                Err(DomainError::Invalid { parameter, .. }) => {
                    assert_eq!(parameter, field, "{body}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn the_udl_window_is_one_hour_unless_set_between_a_minute_and_a_day() {
        let app = App::from_create_body(json!({"platform": "android", "app_id": "a.b"})).unwrap();
        assert_eq!(app.udl_window_secs, 3600);
        assert_eq!(json!(app)["udl_window"], json!("1h"));
        for (text, secs) in [("1m", 60), ("90m", 5400), ("24h", 86_400)] {
            let app = App::from_create_body(
                json!({"platform": "android", "app_id": "a.b", "udl_window": text}),
            )
            .unwrap();
            assert_eq!(app.udl_window_secs, secs);
            assert_eq!(app.patched(&json!({})).unwrap().udl_window_secs, secs);
        }
        for bad in ["0m", "25h", "1441m", "1d", "30", "", "-5m", "1.5h"] {
            assert!(
                App::from_create_body(
                    json!({"platform": "android", "app_id": "a.b", "udl_window": bad})
                )
                .is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_patch_changes_fields_but_never_the_platform_or_app_id() {
        let app = App::from_create_body(json!({"platform": "ios", "app_id": "id1", "bundle_id": "a.b", "team_id": "ABCDE12345"})).unwrap();
        let patched = app.patched(&json!({"team_id": "ZZZZZ99999"})).unwrap();
        assert_eq!(patched.team_id.as_deref(), Some("ZZZZZ99999"));
        assert!(app.patched(&json!({"app_id": "id2"})).is_err());
        assert!(app.patched(&json!({"app_id": "id1"})).is_ok());
        assert!(app.patched(&json!({"platform": "android"})).is_err());
    }
}
