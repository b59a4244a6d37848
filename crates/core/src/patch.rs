//! JSON merge patch (RFC 7386, one level deep) for the account resources.
//!
//! An update is the current resource written as its create body, with the
//! patch's members laid over it (`null` removes one), then validated as a
//! whole like a create. One set of rules serves both.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::DomainError;

/// Lays `patch` over `current` and reads the result as a draft `D`.
/// Members named in `immutable` may only be repeated with their current value.
pub fn merge_patch<T: Serialize, D: DeserializeOwned>(
    current: &T,
    patch: &Value,
    immutable: &[&str],
) -> Result<D, DomainError> {
    let Value::Object(changes) = patch else {
        return Err(DomainError::invalid(
            "body",
            "the request body must be a JSON object of the fields to change",
        ));
    };
    let mut merged =
        serde_json::to_value(current).map_err(|e| DomainError::invalid("body", e.to_string()))?;
    let Value::Object(fields) = &mut merged else {
        return Err(DomainError::invalid(
            "body",
            "the resource is not an object",
        ));
    };
    for (key, value) in changes {
        if immutable.contains(&key.as_str()) {
            if fields.get(key) != Some(value) {
                return Err(DomainError::invalid(
                    key.clone(),
                    format!("{key} cannot be changed; create a new resource instead"),
                ));
            }
            continue;
        }
        if value.is_null() {
            fields.remove(key);
        } else {
            fields.insert(key.clone(), value.clone());
        }
    }
    from_json_body(merged)
}

/// Reads a JSON value as a draft, turning serde's complaint (unknown field,
/// wrong type) into a 400 sentence.
pub fn from_json_body<D: DeserializeOwned>(value: Value) -> Result<D, DomainError> {
    serde_json::from_value(value)
        .map_err(|e| DomainError::invalid("body", format!("the request body is not valid: {e}")))
}
