//! The operator API (`/admin/v1`): accounts, their keys and limits, and
//! the test clock.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};
use waylink_core::account::{Account, DEFAULT_DAILY_QUOTA, validate_limit, validate_name};
use waylink_core::clock::parse_clock_step;
use waylink_core::keys::{KeyKind, NewKey};
use waylink_core::patch::from_json_body;
use waylink_store::{KeyInfo, StoredKey};

use crate::error::ApiError;
use crate::links::json_object;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    name: String,
    daily_quota: Option<u64>,
    rate_limit: Option<u64>,
}

/// `PATCH` body: absent keeps, `rate_limit: null` returns to the default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountChanges {
    name: Option<String>,
    daily_quota: Option<u64>,
    #[serde(default, with = "double_option")]
    rate_limit: Option<Option<u64>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
        Option::<u64>::deserialize(d).map(Some)
    }
}

fn account_view(a: &Account) -> Value {
    json!({"account_id": a.account_id, "name": a.name, "daily_quota": a.daily_quota, "rate_limit": a.rate_limit})
}

fn key_view(k: &KeyInfo) -> Value {
    json!({"key_id": k.key_id, "hint": k.hint, "created_at": k.created_at.to_rfc3339(), "revoked_at": k.revoked_at.map(|t| t.to_rfc3339())})
}

fn not_found() -> ApiError {
    ApiError::not_found("The account")
}

fn stored(key: &NewKey) -> StoredKey {
    StoredKey {
        hash: key.hash.clone(),
        hint: key.hint.clone(),
    }
}

/// `POST /admin/v1/accounts`: answers the account with its API key, shown once.
pub async fn create_account(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new: NewAccount = from_json_body(Value::Object(json_object(&body)?))?;
    validate_name(&new.name)?;
    let daily_quota = new.daily_quota.unwrap_or(DEFAULT_DAILY_QUOTA);
    validate_limit("daily_quota", daily_quota)?;
    if let Some(rate) = new.rate_limit {
        validate_limit("rate_limit", rate)?;
    }
    let account = Account {
        account_id: Account::generate_id(),
        name: new.name,
        daily_quota,
        rate_limit: new.rate_limit,
    };
    let key = NewKey::generate(KeyKind::Account);
    state
        .store
        .create_account(&account, &stored(&key), state.clock.now())
        .await?;
    let mut body = account_view(&account);
    body["api_key"] = json!(key.secret);
    Ok((StatusCode::CREATED, Json(body)))
}

/// `GET /admin/v1/accounts`.
pub async fn list_accounts(State(state): State<Arc<AppState>>) -> Result<Json<Value>, ApiError> {
    let accounts: Vec<Value> = state
        .store
        .list_accounts()
        .await?
        .iter()
        .map(account_view)
        .collect();
    Ok(Json(json!({"accounts": accounts})))
}

/// `GET /admin/v1/accounts/{id}`.
pub async fn get_account(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let account = state.store.get_account(&id).await?.ok_or_else(not_found)?;
    Ok(Json(account_view(&account)))
}

/// `PATCH /admin/v1/accounts/{id}`: name, daily quota, rate limit.
pub async fn update_account(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let changes: AccountChanges = from_json_body(Value::Object(json_object(&body)?))?;
    let mut account = state.store.get_account(&id).await?.ok_or_else(not_found)?;
    if let Some(name) = changes.name {
        validate_name(&name)?;
        account.name = name;
    }
    if let Some(quota) = changes.daily_quota {
        validate_limit("daily_quota", quota)?;
        account.daily_quota = quota;
    }
    if let Some(rate) = changes.rate_limit {
        if let Some(rate) = rate {
            validate_limit("rate_limit", rate)?;
        }
        account.rate_limit = rate;
    }
    if !state.store.update_account(&account).await? {
        return Err(not_found());
    }
    state.keys.forget_account(&account.account_id);
    Ok(Json(account_view(&account)))
}

/// `POST /admin/v1/accounts/{id}/keys`: a new API key, shown once.
pub async fn create_key(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let key = NewKey::generate(KeyKind::Account);
    if !state
        .store
        .add_account_key(&id, &stored(&key), state.clock.now())
        .await?
    {
        return Err(not_found());
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"key_id": &key.hash[..12], "hint": key.hint, "api_key": key.secret})),
    ))
}

/// `GET /admin/v1/accounts/{id}/keys`: ids and hints, never the keys.
pub async fn list_keys(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state.store.get_account(&id).await?.ok_or_else(not_found)?;
    let keys: Vec<Value> = state
        .store
        .list_account_keys(&id)
        .await?
        .iter()
        .map(key_view)
        .collect();
    Ok(Json(json!({"keys": keys})))
}

/// `DELETE /admin/v1/accounts/{id}/keys/{key_id}`: revokes a key at once.
pub async fn revoke_key(
    State(state): State<Arc<AppState>>,
    Path((id, key_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    if state
        .store
        .revoke_account_key(&id, &key_id, state.clock.now())
        .await?
    {
        state.keys.forget_account(&id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("The key"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockStep {
    by: String,
}

/// `POST /admin/v1/clock/advance` `{"by": "31d"}`: only under `--test-clock`.
pub async fn advance_clock(
    State(state): State<Arc<AppState>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let Some(clock) = state.test_clock.as_ref() else {
        return Err(ApiError::not_found("The path"));
    };
    let step: ClockStep = from_json_body(Value::Object(json_object(&body)?))?;
    clock.advance(parse_clock_step(&step.by)?);
    Ok(Json(json!({"now": state.clock.now().to_rfc3339()})))
}
