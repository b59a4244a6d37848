//! `GET /api/v1/templates/{tid}/links`: the live links of a template,
//! newest first, filtered on their data, in pages with an opaque cursor.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Extension, Path, RawQuery, State};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use waylink_core::clock::Timestamp;
use waylink_store::{LinkCursor, LinkQuery};

use super::shortlinks_v1::data_object;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::links::{owned_template, query_pairs};
use crate::state::AppState;

/// Links in a page unless `limit` says otherwise, and the most it may say.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

/// Lists a page of the template's live links.
pub async fn list_links(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    Path(tid): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut limit = DEFAULT_LIMIT;
    let mut after = None;
    let mut filters = Vec::new();
    for (key, value) in query_pairs(query.as_deref()) {
        match key.as_str() {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|l| (1..=MAX_LIMIT).contains(l))
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "limit",
                            format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                        )
                    })?;
            }
            "cursor" => after = Some(decode_cursor(&value)?),
            _ => filters.push((key, value)),
        }
    }
    let template = owned_template(&state, &caller, &tid).await?;
    let now = state.clock.now();
    let page = state
        .store
        .list_links(&LinkQuery {
            template_id: template.id.clone(),
            filters,
            limit,
            after,
            now,
        })
        .await?;
    let links: Vec<Value> = page
        .links
        .iter()
        .map(|link| {
            json!({
                "shortlink_id": link.shortlink_id,
                "shortlink_url": state.public.short_url(&template, link.brand_domain.as_deref(), &link.shortlink_id),
                "data": data_object(&link.data),
                "expiry": link.expires_at.to_rfc3339(),
                "ttl": link.seconds_left(now),
                "renew_ttl": link.renew_ttl,
                "brand_domain": link.brand_domain,
                "created_at": link.created_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(Json(
        json!({"links": links, "next_cursor": page.next.map(|c| encode_cursor(&c))}),
    ))
}

fn encode_cursor(cursor: &LinkCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}:{}",
        cursor.created_at.as_millis(),
        cursor.shortlink_id
    ))
}

fn decode_cursor(text: &str) -> Result<LinkCursor, ApiError> {
    let bad = || {
        ApiError::invalid(
            "cursor",
            "cursor must be a next_cursor value from an earlier page, unchanged",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (millis, id) = text.split_once(':').ok_or_else(bad)?;
    Ok(LinkCursor {
        created_at: Timestamp::from_millis(millis.parse().map_err(|_| bad())?),
        shortlink_id: id.to_owned(),
    })
}
