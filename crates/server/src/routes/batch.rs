//! `POST /api/v1/templates/{tid}/links:batch`: up to 10000 links at once,
//! one result per item, in order; a bad item never stops the others.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use serde_json::{Value, json};
use waylink_core::ids::ShortlinkId;
use waylink_core::link::Link;
use waylink_core::ttl::ApiVersion;
use waylink_store::StoreError;

use crate::auth::{Caller, charge_quota_items, quota_exceeded};
use crate::error::{ApiError, ErrorKind};
use crate::links::{id_in_use, new_link, owned_template, read_link_request};
use crate::state::AppState;

/// The most links one batch may hold.
pub const MAX_BATCH: usize = 10_000;
/// Rounds of fresh ids for generated ids that collided.
const ID_ROUNDS: usize = 8;

/// A link waiting to be stored: its position in the batch, and whether its
/// id was generated (and so may be drawn again on a collision).
struct Pending {
    index: usize,
    link: Link,
    generated: bool,
}

/// Creates every good item of the batch in one transaction.
pub async fn create_batch(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    body: Bytes,
) -> Result<Json<Vec<Value>>, ApiError> {
    let items = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return Err(ApiError::invalid(
                "body",
                "the body must be a JSON array of links such as [{\"data\": {\"pid\": \"sms\"}}]",
            ));
        }
        Err(e) => {
            return Err(ApiError::invalid(
                "body",
                format!("the body is not valid JSON ({e})"),
            ));
        }
    };
    if items.len() > MAX_BATCH {
        return Err(ApiError::new(
            ErrorKind::LimitExceeded,
            format!(
                "a batch holds at most {MAX_BATCH} links; this one has {}: split it",
                items.len()
            ),
        ));
    }
    let count = items.len() as u64;
    let used = charge_quota_items(&state, &caller, count).await?;
    let within_quota = caller.limits.items_within_quota(used, count) as usize;
    let template = owned_template(&state, &caller, &tid).await?;
    let now = state.clock.now();

    let mut results: Vec<Value> = vec![Value::Null; items.len()];
    let mut pending = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if index >= within_quota {
            results[index] = quota_exceeded(&caller).v2_body();
            continue;
        }
        let built = match item {
            Value::Object(map) => {
                read_link_request(map, ApiVersion::V2).and_then(|r| new_link(&template, r, now))
            }
            _ => Err(ApiError::invalid(
                "body",
                "each item must be an object such as {\"data\": {\"pid\": \"sms\"}}",
            )),
        };
        match built {
            Ok((link, generated)) => pending.push(Pending {
                index,
                link,
                generated,
            }),
            Err(e) => results[index] = e.v2_body(),
        }
    }

    for _ in 0..ID_ROUNDS {
        if pending.is_empty() {
            break;
        }
        let links: Vec<Link> = pending.iter().map(|p| p.link.clone()).collect();
        let epoch = state.cache.epoch();
        let outcomes = state.store.create_links(&links).await?;
        let mut retry = Vec::new();
        for (mut p, outcome) in pending.into_iter().zip(outcomes) {
            match outcome {
                Ok(()) => {
                    let url = state.public.short_url(
                        &template,
                        p.link.brand_domain.as_deref(),
                        &p.link.shortlink_id,
                    );
                    results[p.index] =
                        json!({"shortlink_url": url, "shortlink_id": p.link.shortlink_id});
                    state.cache.keep_link(epoch, Arc::new(p.link));
                }
                Err(StoreError::Conflict(_)) if p.generated => {
                    p.link.shortlink_id = ShortlinkId::generate();
                    retry.push(p);
                }
                Err(StoreError::Conflict(_)) => results[p.index] = id_in_use().v2_body(),
                Err(e) => results[p.index] = ApiError::from(e).v2_body(),
            }
        }
        pending = retry;
    }
    for p in pending {
        results[p.index] = id_in_use().v2_body();
    }
    Ok(Json(results))
}
