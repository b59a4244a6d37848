//! The link form: every parameter marketers use, the API body it makes,
//! and the preview of where each kind of device goes.

use maud::{Markup, html};
use serde_json::{Map, Value, json};
use waylink_core::link_data::LinkData;
use waylink_core::routing::{self, Destination, LinkSource};
use waylink_core::template::Template;
use waylink_core::user_agent::DeviceKind;

use super::form::Fields;
use crate::state::AppState;

/// A parameter with a field of its own: name, label, hint.
pub type Field = (&'static str, &'static str, &'static str);

/// A group of fields: its title, whether it is shown open even when
/// empty (the others fold away until used), and its fields.
pub type Section = (&'static str, bool, &'static [Field]);

/// The parameters the form has a field for, by section.
pub const SECTIONS: &[Section] = &[
    (
        "Campaign",
        true,
        &[
            ("pid", "Media source", "sms, email, facebook_ads"),
            ("c", "Campaign", "bananas"),
            ("af_adset", "Ad set", ""),
            ("af_ad", "Ad", ""),
            ("af_channel", "Channel", ""),
        ],
    ),
    (
        "Deep link: what the app opens",
        true,
        &[
            (
                "deep_link_value",
                "Deep link value",
                "the screen or content: bananas",
            ),
            ("deep_link_sub1", "deep_link_sub1", "a user id, a coupon"),
            ("af_dp", "App URI (af_dp)", "feedme://offers/bananas"),
        ],
    ),
    (
        "Sub-parameters and site",
        false,
        &[
            ("af_siteid", "Site", ""),
            ("af_sub1", "Sub-parameter 1", ""),
            ("af_sub2", "Sub-parameter 2", ""),
            ("af_sub3", "Sub-parameter 3", ""),
            ("af_sub4", "Sub-parameter 4", ""),
            ("af_sub5", "Sub-parameter 5", ""),
        ],
    ),
    (
        "More deep link values",
        false,
        &[
            ("deep_link_sub2", "deep_link_sub2", ""),
            ("deep_link_sub3", "deep_link_sub3", ""),
            ("deep_link_sub4", "deep_link_sub4", ""),
            ("deep_link_sub5", "deep_link_sub5", ""),
            ("deep_link_sub6", "deep_link_sub6", ""),
            ("deep_link_sub7", "deep_link_sub7", ""),
            ("deep_link_sub8", "deep_link_sub8", ""),
            ("deep_link_sub9", "deep_link_sub9", ""),
            ("deep_link_sub10", "deep_link_sub10", ""),
        ],
    ),
    (
        "Where each platform goes",
        false,
        &[
            ("af_android_url", "Android URL", "instead of Google Play"),
            ("af_ios_url", "iOS URL", "instead of the App Store"),
            ("af_web_dp", "Desktop URL", "instead of the template's"),
            ("af_r", "Every platform", "overrides all of the above"),
        ],
    ),
    (
        "Social preview",
        false,
        &[
            ("af_og_title", "Title", "shown when the link is shared"),
            ("af_og_description", "Description", ""),
            ("af_og_image", "Image URL", ""),
        ],
    ),
];

/// The parameters that are check boxes: checked is `true`.
pub const FLAGS: &[(&str, &str)] = &[
    ("af_force_deeplink", "Try the app first (af_force_deeplink)"),
    (
        "is_retargeting",
        "Retargeting: aimed at people who have the app",
    ),
];

/// Blank custom rows the form always offers.
const SPARE_CUSTOM_ROWS: usize = 3;

fn is_known(key: &str) -> bool {
    SECTIONS
        .iter()
        .flat_map(|(_, _, fields)| fields.iter())
        .any(|(name, _, _)| *name == key)
        || FLAGS.iter().any(|(name, _)| *name == key)
}

/// The link data of the form: known fields, checked flags, custom rows.
pub fn data_of(f: &Fields) -> Map<String, Value> {
    let mut data = Map::new();
    for (_, _, fields) in SECTIONS {
        for (name, _, _) in *fields {
            if let Some(v) = f.get(name) {
                data.insert((*name).into(), json!(v));
            }
        }
    }
    for (name, _) in FLAGS {
        if f.get(name).is_some() {
            data.insert((*name).into(), json!("true"));
        }
    }
    for (key, value) in f.all("custom_key").into_iter().zip(f.all("custom_value")) {
        if !key.trim().is_empty() {
            data.insert(key.trim().into(), json!(value.trim()));
        }
    }
    data
}

/// The API body of the form: `data`, and `ttl`, `shortlink_id` and
/// `brand_domain` when given.
pub fn body_of(f: &Fields) -> Value {
    let mut body = json!({"data": data_of(f)});
    for name in ["ttl", "shortlink_id", "brand_domain"] {
        if let Some(v) = f.get(name) {
            body[name] = json!(v);
        }
    }
    body
}

/// The form fields of stored link data.
pub fn fields_of(data: &LinkData) -> Fields {
    let mut pairs = Vec::new();
    for (key, value) in data.as_map() {
        // A flag set through the API to anything but `true` has no check
        // box that could show it: it stays a custom row, so saving keeps it.
        let unshowable_flag =
            FLAGS.iter().any(|(name, _)| name == key) && !value.eq_ignore_ascii_case("true");
        if is_known(key) && !unshowable_flag {
            pairs.push((key.clone(), value.clone()));
        } else {
            pairs.push(("custom_key".into(), key.clone()));
            pairs.push(("custom_value".into(), value.clone()));
        }
    }
    Fields(pairs)
}

/// The parameter fields of the form (the caller adds id, TTL, domain).
pub fn parameter_fields(f: &Fields) -> Markup {
    let keys = f.all("custom_key");
    let values = f.all("custom_value");
    html! {
        @for (section, open, fields) in SECTIONS {
            @let used = fields.iter().any(|(name, _, _)| f.get(name).is_some());
            details.section open[*open || used] {
                summary { (section) }
                div.fields {
                    @for (name, label, hint) in *fields {
                        div.field {
                            label for=(name) { (label) }
                            input id=(name) name=(name) value=(f.get(name).unwrap_or_default()) placeholder=(hint);
                        }
                    }
                }
            }
        }
        fieldset {
            legend { "Options" }
            @for (name, label) in FLAGS {
                label.check {
                    input type="checkbox" name=(name) value="true" checked[f.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))];
                    (label)
                }
            }
        }
        fieldset {
            legend { "Custom parameters, handed to the app as they are" }
            div.custom-rows {
                @for i in 0..(keys.len() + SPARE_CUSTOM_ROWS) {
                    div.custom-row {
                        input name="custom_key" aria-label="Parameter name" placeholder="fruit_name" value=(keys.get(i).copied().unwrap_or_default());
                        input name="custom_value" aria-label="Parameter value" placeholder="bananas" value=(values.get(i).copied().unwrap_or_default());
                    }
                }
            }
            button.secondary type="button" data-add-row="custom-row" { "Add a parameter" }
        }
    }
}

/// Where an Android phone, an iPhone and a desktop browser go when they
/// click a link with `data` on `template`, as sentences.
pub fn preview(
    state: &AppState,
    template: &Template,
    data: &LinkData,
) -> Vec<(&'static str, String)> {
    let own_hosts: Vec<String> = std::iter::once(state.public.template_host(template))
        .chain(template.brand_domains.iter().cloned())
        .collect();
    [
        ("Android phone", DeviceKind::Android),
        ("iPhone", DeviceKind::Ios),
        ("Desktop browser", DeviceKind::Desktop),
    ]
    .into_iter()
    .map(|(name, device)| {
        let click = routing::Click {
            template,
            device,
            link: LinkSource::Short(data),
            query: &[],
            click_id: None,
            own_hosts: &own_hosts,
        };
        (name, describe(&routing::decide(&click)))
    })
    .collect()
}

fn describe(destination: &Destination) -> String {
    match destination {
        Destination::Redirect(url) if url.starts_with("intent://") => {
            format!("Opens the app if it is installed, else Google Play ({url})")
        }
        Destination::Redirect(url) if url.starts_with("https://play.google.com/") => {
            format!("Google Play, where installing keeps the campaign ({url})")
        }
        Destination::Redirect(url) if url.starts_with("https://apps.apple.com/") => {
            format!("The App Store ({url})")
        }
        Destination::Redirect(url) => format!("Redirected to {url}"),
        Destination::OpenAppPage {
            deep_link,
            fallback,
        } => format!("A page that opens the app at {deep_link}, else goes to {fallback}"),
        Destination::DesktopPage => {
            "A page with the link's QR code, to open it on a phone".to_owned()
        }
    }
}
