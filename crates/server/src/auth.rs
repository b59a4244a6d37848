//! Who is calling: the operator (admin token) or an account (API key), and
//! the account's per-second rate limit and daily quota around each call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use waylink_core::account::Account;
use waylink_core::keys::{hash_key, key_from_authorization, secrets_match};
use waylink_core::quota::{Limits, Verdict, quota_resets_at};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// The authenticated account of a request, and the limits in force for it.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account.
    pub account: Account,
    /// Its quota and rate limit.
    pub limits: Limits,
    /// Quota units used today, as last seen; the handler's charge updates
    /// it and the middleware reports it in the `x-ratelimit-*` headers.
    quota_used: Arc<AtomicU64>,
}

fn presented_key(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(key_from_authorization)
}

/// Middleware of the operator routes: 404 when no admin token is set (the
/// operator API does not exist then), 401 without the right token.
pub async fn operator_guard(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(expected) = state.admin_token.as_deref() else {
        return ApiError::not_found("The path").into_response();
    };
    match presented_key(request.headers()) {
        Some(token) if secrets_match(token, expected) => next.run(request).await,
        _ => ApiError::unauthenticated().into_response(),
    }
}

/// Middleware of the account routes: authenticates the key, counts the
/// request against the per-second limit (429 past it), hands the
/// [`Caller`] to the handler, and writes the `x-ratelimit-*` headers.
pub async fn account_guard(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let account = match authenticate(&state, request.headers()).await {
        Ok(account) => account,
        Err(e) => return e.into_response(),
    };
    let limits = limits_of(&state, &account);
    let now = state.clock.now();
    let usage = match state.store.charge_request(&account.account_id, now).await {
        Ok(usage) => usage,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let quota_used = Arc::new(AtomicU64::new(usage.today));
    let mut response = if limits.judge(usage, false) == Verdict::RateLimited {
        let mut r = ApiError::new(
            ErrorKind::RateLimitExceeded,
            format!(
                "Rate limit exceeded: at most {} requests per second; retry in a second",
                limits.rate_limit
            ),
        )
        .into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        r
    } else {
        request.extensions_mut().insert(Caller {
            account,
            limits,
            quota_used: Arc::clone(&quota_used),
        });
        next.run(request).await
    };
    let used = quota_used.load(Ordering::Relaxed);
    let reset = now.whole_seconds_until(quota_resets_at(now)).max(1);
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limits.daily_quota));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(limits.remaining(used)),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    response
}

/// The quota and rate limit in force for `account`.
fn limits_of(state: &AppState, account: &Account) -> Limits {
    Limits {
        daily_quota: account.daily_quota,
        rate_limit: account.rate_limit.unwrap_or(state.default_rate_limit),
    }
}

impl Caller {
    /// The caller of a dashboard request: an account signed in with a key.
    pub fn new(state: &AppState, account: Account) -> Caller {
        Caller {
            limits: limits_of(state, &account),
            account,
            quota_used: Arc::new(AtomicU64::new(0)),
        }
    }
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Account, ApiError> {
    let key = presented_key(headers).ok_or_else(ApiError::unauthenticated)?;
    account_of_key(state, key).await
}

/// The account of an API key; 401 when no live key is `key`.
pub async fn account_of_key(state: &AppState, key: &str) -> Result<Account, ApiError> {
    // Keys are short; anything long is not a key and is not worth hashing.
    if key.len() > 200 {
        return Err(ApiError::unauthenticated());
    }
    account_of_key_hash(state, hash_key(key)).await
}

/// The account of the key whose hash is `hash`; 401 when that key is
/// unknown or revoked.
pub async fn account_of_key_hash(state: &AppState, hash: String) -> Result<Account, ApiError> {
    if let Some(account) = state.keys.get(&hash) {
        return Ok(account);
    }
    let account = state
        .store
        .account_by_key_hash(&hash)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    state.keys.keep(hash, account.clone());
    Ok(account)
}

/// Accounts by the hash of a key that authenticated them, for a second:
/// an API request then costs no database read for its key. A revoked key
/// or a changed account is forgotten at once on the node that changed it,
/// and on the others the entry runs out within [`KEY_CACHE_TTL`]. Unknown
/// keys are never kept, so a new key works everywhere at once.
pub struct KeyCache {
    entries: quick_cache::sync::Cache<String, (Account, Instant)>,
}

/// How long a node trusts what it read about a key.
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(1);

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            entries: quick_cache::sync::Cache::new(10_000),
        }
    }
}

impl KeyCache {
    fn get(&self, hash: &str) -> Option<Account> {
        let (account, at) = self.entries.get(hash)?;
        (at.elapsed() < KEY_CACHE_TTL).then_some(account)
    }

    fn keep(&self, hash: String, account: Account) {
        self.entries.insert(hash, (account, Instant::now()));
    }

    /// Forgets every key of `account_id`: its keys or limits changed.
    pub fn forget_account(&self, account_id: &str) {
        self.entries
            .retain(|_, (account, _)| account.account_id != account_id);
    }
}

/// Charges `units` against the caller's daily quota, for a create, update
/// or delete, whether it then succeeds or not. Answers the day's total, or
/// 429 when the quota is used up.
pub async fn charge_quota(state: &AppState, caller: &Caller, units: u64) -> Result<u64, ApiError> {
    let used = charge_quota_items(state, caller, units).await?;
    if used > caller.limits.daily_quota {
        return Err(quota_exceeded(caller));
    }
    Ok(used)
}

/// Charges the `items` of a batch against the caller's daily quota and
/// answers the day's total; the batch itself answers `quota_exceeded` for
/// the items past the quota, however many there are.
pub async fn charge_quota_items(
    state: &AppState,
    caller: &Caller,
    items: u64,
) -> Result<u64, ApiError> {
    let used = state
        .store
        .charge_quota(&caller.account.account_id, state.clock.now(), items)
        .await?;
    caller.quota_used.store(used, Ordering::Relaxed);
    Ok(used)
}

/// The 429 of a used-up quota.
pub fn quota_exceeded(caller: &Caller) -> ApiError {
    ApiError::new(
        ErrorKind::QuotaExceeded,
        format!(
            "Daily quota exceeded: {} link creates, updates and deletes per day; it resets at 00:00 UTC",
            caller.limits.daily_quota
        ),
    )
}
