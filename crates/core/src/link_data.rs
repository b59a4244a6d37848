//! Link data: the flat string-to-string map a link carries, and its limits.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::DomainError;

/// The longest key, in characters.
pub const MAX_KEY_CHARS: usize = 100;
/// The longest `pid` (media source), in characters.
pub const MAX_PID_CHARS: usize = 150;
/// The longest `c` (campaign), in characters.
pub const MAX_CAMPAIGN_CHARS: usize = 100;
/// The longest query string the data may make, in characters.
pub const MAX_QUERY_CHARS: usize = 2048;

/// A link's parameters: keys and values are exactly the text the client sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LinkData(BTreeMap<String, String>);

impl LinkData {
    /// Reads and validates the `data` of a request.
    ///
    /// Strings are kept as sent; numbers and booleans become their text.
    pub fn from_json(value: &Value) -> Result<Self, DomainError> {
        let Value::Object(object) = value else {
            return Err(DomainError::invalid(
                "data",
                "Invalid/no data in request: data must be a JSON object of parameter names to string values",
            ));
        };
        let mut map = BTreeMap::new();
        for (key, value) in object {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    return Err(DomainError::invalid(
                        format!("data.{key}"),
                        format!(
                            "Invalid/no data in request: the value of {key:?} must be a string, a number or a boolean"
                        ),
                    ));
                }
            };
            map.insert(key.clone(), text);
        }
        LinkData::from_map(map)
    }

    /// Validates a map of parameters.
    pub fn from_map(map: BTreeMap<String, String>) -> Result<Self, DomainError> {
        for (key, value) in &map {
            let chars = key.chars().count();
            if chars == 0 || chars > MAX_KEY_CHARS {
                return Err(DomainError::invalid(
                    "data",
                    format!(
                        "parameter names must be 1 to {MAX_KEY_CHARS} characters long; one has {chars}"
                    ),
                ));
            }
            let limit = match key.as_str() {
                "pid" => Some(MAX_PID_CHARS),
                "c" => Some(MAX_CAMPAIGN_CHARS),
                _ => None,
            };
            if let Some(limit) = limit
                && value.chars().count() > limit
            {
                return Err(DomainError::invalid(
                    format!("data.{key}"),
                    format!("{key} must be at most {limit} characters long"),
                ));
            }
        }
        let data = LinkData(map);
        let length = data.to_query_string().len();
        if length > MAX_QUERY_CHARS {
            return Err(DomainError::DataLimit {
                message: format!(
                    "the data makes a query string of {length} characters; at most {MAX_QUERY_CHARS} are allowed"
                ),
            });
        }
        Ok(data)
    }

    /// The data as a percent-encoded query string (`pid=sms&c=bananas`), the
    /// form whose length the 2048-character limit applies to.
    pub fn to_query_string(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.0.iter())
            .finish()
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// True when every `(key, value)` filter equals the data's value.
    pub fn matches(&self, filters: &[(String, String)]) -> bool {
        filters.iter().all(|(k, v)| self.get(k) == Some(v.as_str()))
    }

    /// The parameters, ordered by name.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// Number of parameters.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the link carries no parameter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_kept_and_numbers_and_booleans_become_text() {
        let data =
            LinkData::from_json(&json!({"pid": "sms", "n": 42, "f": 1.5, "b": false})).unwrap();
        assert_eq!(data.get("pid"), Some("sms"));
        assert_eq!(data.get("n"), Some("42"));
        assert_eq!(data.get("f"), Some("1.5"));
        assert_eq!(data.get("b"), Some("false"));
    }

    #[test]
    fn data_that_is_not_a_flat_object_of_scalars_is_refused() {
        for bad in [
            json!(null),
            json!("pid=sms"),
            json!([1]),
            json!({"a": {"b": "c"}}),
            json!({"a": [1]}),
            json!({"a": null}),
        ] {
            let err = LinkData::from_json(&bad).unwrap_err();
            assert!(
                err.to_string().starts_with("Invalid/no data in request"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn keys_must_be_1_to_100_characters() {
        assert!(LinkData::from_json(&json!({"": "x"})).is_err());
        assert!(LinkData::from_json(&json!({"é".repeat(100): "x"})).is_ok());
        assert!(LinkData::from_json(&json!({"k".repeat(101): "x"})).is_err());
    }

    #[test]
    fn pid_is_at_most_150_and_c_at_most_100_characters() {
        assert!(LinkData::from_json(&json!({"pid": "p".repeat(150)})).is_ok());
        let err = LinkData::from_json(&json!({"pid": "p".repeat(151)})).unwrap_err();
        assert!(
            matches!(err, DomainError::Invalid { ref parameter, .. } if parameter == "data.pid")
        );
        assert!(LinkData::from_json(&json!({"c": "ü".repeat(100)})).is_ok());
        assert!(LinkData::from_json(&json!({"c": "c".repeat(101)})).is_err());
    }

    #[test]
    fn data_whose_query_string_passes_2048_characters_exceeds_the_limit() {
        // "k=" + 2046 plain characters is exactly 2048.
        assert!(LinkData::from_json(&json!({"k": "v".repeat(2046)})).is_ok());
        let err = LinkData::from_json(&json!({"k": "v".repeat(2047)})).unwrap_err();
        assert!(matches!(err, DomainError::DataLimit { .. }));
        // Percent-encoding counts: "%" becomes "%25".
        let err = LinkData::from_json(&json!({"k": "%".repeat(700)})).unwrap_err();
        assert!(matches!(err, DomainError::DataLimit { .. }));
    }

    #[test]
    fn filters_match_only_equal_values() {
        let data = LinkData::from_json(&json!({"pid": "sms", "c": "bananas"})).unwrap();
        assert!(data.matches(&[("pid".into(), "sms".into())]));
        assert!(!data.matches(&[("pid".into(), "email".into())]));
        assert!(!data.matches(&[("af_adset".into(), "x".into())]));
    }
}
