//! The short-link operations both API versions and the batch route share:
//! reading a request body into domain values, and create, update, delete.

use std::sync::Arc;

use serde_json::{Map, Value};
use waylink_core::ids::ShortlinkId;
use waylink_core::link::{Link, LinkWrite};
use waylink_core::link_data::LinkData;
use waylink_core::template::{Template, host_name};
use waylink_core::ttl::{ApiVersion, Ttl};
use waylink_store::{Changed, LinkUpdate, StoreError};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// Attempts at a fresh generated id before giving up: with 62^8 ids a
/// second collision in a row is already beyond belief.
const ID_ATTEMPTS: usize = 8;

/// A create or update request, read and validated.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    /// The link's data.
    pub data: LinkData,
    /// Its TTL, capped for the API version.
    pub ttl: Ttl,
    /// The id the client chose, if any.
    pub shortlink_id: Option<ShortlinkId>,
    /// The brand domain asked for, as sent.
    pub brand_domain: Option<String>,
    /// `renew_ttl` if the request has it.
    pub renew_ttl: Option<bool>,
}

/// Parses a request body that must be a JSON object.
pub fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid(
            "body",
            "Invalid/no data in request: the body must be a JSON object such as {\"data\": {\"pid\": \"sms\"}}",
        )),
        Err(e) => Err(ApiError::invalid(
            "body",
            format!("Invalid/no data in request: the body is not valid JSON ({e})"),
        )),
    }
}

/// Reads `{"data", "ttl", "shortlink_id", "brand_domain", "renew_ttl"}`.
pub fn read_link_request(
    body: &Map<String, Value>,
    version: ApiVersion,
) -> Result<LinkRequest, ApiError> {
    let data = match body.get("data") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid(
                "data",
                "Invalid/no data in request: the body needs \"data\", an object of link parameters",
            ));
        }
        Some(value) => LinkData::from_json(value)?,
    };
    let ttl = Ttl::from_json(body.get("ttl"), version)?;
    let shortlink_id = match body.get("shortlink_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(ShortlinkId::parse(id)?),
        Some(_) => {
            return Err(ApiError::invalid(
                "shortlink_id",
                "shortlink_id must be a string of 1 to 50 characters of A-Z, a-z, 0-9, _ and -",
            ));
        }
    };
    let brand_domain = match body.get("brand_domain") {
        None | Some(Value::Null) => None,
        Some(Value::String(domain)) => Some(domain.clone()),
        Some(_) => {
            return Err(ApiError::invalid(
                "brand_domain",
                "brand_domain must be a string, one of the template's brand domains",
            ));
        }
    };
    let renew_ttl = match body.get("renew_ttl") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s == "true" || s == "false" => Some(s == "true"),
        Some(_) => {
            return Err(ApiError::invalid(
                "renew_ttl",
                "renew_ttl must be true or false",
            ));
        }
    };
    Ok(LinkRequest {
        data,
        ttl,
        shortlink_id,
        brand_domain,
        renew_ttl,
    })
}

/// The template `id` if it belongs to the caller; 404 otherwise, worded the
/// same whether it exists elsewhere or not at all.
pub async fn owned_template(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> Result<Template, ApiError> {
    state
        .store
        .get_template(&caller.account.account_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("The template"))
}

/// The brand domain of a request, checked against the template: 403 when
/// it is not one of the template's brand domains.
pub fn checked_brand_domain(
    template: &Template,
    asked: Option<&str>,
) -> Result<Option<String>, ApiError> {
    let Some(asked) = asked else { return Ok(None) };
    match host_name(asked, true) {
        Some(host) if template.brand_domains.contains(&host) => Ok(Some(host)),
        _ => Err(ApiError::new(
            ErrorKind::WrongBrandDomain,
            format!(
                "Brand domain mismatch: {asked:?} is not a brand domain of template {}",
                template.id
            ),
        )),
    }
}

/// Builds the link a create stores, with a generated id when none was asked.
pub fn new_link(
    template: &Template,
    request: LinkRequest,
    now: waylink_core::clock::Timestamp,
) -> Result<(Link, bool), ApiError> {
    let brand_domain = checked_brand_domain(template, request.brand_domain.as_deref())?;
    let generated = request.shortlink_id.is_none();
    let id = request.shortlink_id.unwrap_or_else(ShortlinkId::generate);
    let write = LinkWrite {
        data: request.data,
        ttl: request.ttl,
        renew_ttl: request.renew_ttl.unwrap_or(true),
        brand_domain,
    };
    Ok((Link::new(template.id.clone(), id, write, now), generated))
}

/// Creates a link; answers its short URL.
pub async fn create(
    state: &AppState,
    template: &Template,
    request: LinkRequest,
) -> Result<String, ApiError> {
    let (mut link, generated) = new_link(template, request, state.clock.now())?;
    for _ in 0..ID_ATTEMPTS {
        let epoch = state.cache.epoch();
        match state.store.create_link(&link).await {
            Ok(()) => {
                let url = state.public.short_url(
                    template,
                    link.brand_domain.as_deref(),
                    &link.shortlink_id,
                );
                // A new campaign link is clicked at once: cache it now.
                state.cache.keep_link(epoch, Arc::new(link));
                return Ok(url);
            }
            Err(StoreError::Conflict(_)) if generated => {
                link.shortlink_id = ShortlinkId::generate()
            }
            Err(StoreError::Conflict(_)) => return Err(id_in_use()),
            Err(e) => return Err(e.into()),
        }
    }
    Err(id_in_use())
}

/// The 409 of a taken id.
pub fn id_in_use() -> ApiError {
    ApiError::new(ErrorKind::Conflict, "Shortlink ID already in use")
}

/// Replaces a live link's data and TTL; answers its short URL.
pub async fn update(
    state: &AppState,
    template: &Template,
    id: &str,
    request: LinkRequest,
) -> Result<String, ApiError> {
    let id = ShortlinkId::parse(id).map_err(|_| link_not_found())?;
    let brand_domain = checked_brand_domain(template, request.brand_domain.as_deref())?;
    let update = LinkUpdate {
        data: request.data,
        ttl: request.ttl,
        renew_ttl: request.renew_ttl,
        brand_domain,
    };
    let link = state
        .store
        .update_link(&template.id, &id, &update, state.clock.now())
        .await?
        .ok_or_else(link_not_found)?;
    state
        .cache
        .forget(&Changed::Link(template.id.clone(), id.clone()));
    Ok(state
        .public
        .short_url(template, link.brand_domain.as_deref(), &link.shortlink_id))
}

/// Deletes a live link.
pub async fn delete(state: &AppState, template: &Template, id: &str) -> Result<(), ApiError> {
    let id = ShortlinkId::parse(id).map_err(|_| link_not_found())?;
    if state
        .store
        .delete_link(&template.id, &id, state.clock.now())
        .await?
    {
        state.cache.forget(&Changed::Link(template.id.clone(), id));
        Ok(())
    } else {
        Err(link_not_found())
    }
}

/// Reads a live link.
pub async fn read(state: &AppState, template: &Template, id: &str) -> Result<Link, ApiError> {
    let id = ShortlinkId::parse(id).map_err(|_| link_not_found())?;
    state
        .store
        .get_link(&template.id, &id, state.clock.now())
        .await?
        .ok_or_else(link_not_found)
}

/// The 404 of an unknown, expired or deleted link.
pub fn link_not_found() -> ApiError {
    ApiError::not_found("The short link")
}

/// The pairs of a query string, decoded (invalid UTF-8 replaced).
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

/// The first value of `key` in a query string.
pub fn query_value(raw: Option<&str>, key: &str) -> Option<String> {
    query_pairs(raw)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}
