//! Accounts and their API keys.

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;
use waylink_core::account::Account;
use waylink_core::clock::Timestamp;

use super::db::{bigint, execute, query, query_opt, text, time, unsigned};
use super::error::Fail;
use super::text::txt;
use crate::{KeyInfo, StoredKey};

const ACCOUNT_COLUMNS: &str = "account_id, name, daily_quota, rate_limit";

fn account(row: &Row) -> Result<Account, Fail> {
    let rate_limit: Option<i64> = row.try_get(3)?;
    Ok(Account {
        account_id: text(row, 0)?,
        name: text(row, 1)?,
        daily_quota: unsigned(row, 2, "daily quota")?,
        rate_limit: match rate_limit {
            Some(_) => Some(unsigned(row, 3, "rate limit")?),
            None => None,
        },
    })
}

pub async fn create(pool: &Pool, a: &Account, key: &StoredKey, now: Timestamp) -> Result<(), Fail> {
    let quota = bigint(a.daily_quota, "daily quota")?;
    let rate = a.rate_limit.map(|r| bigint(r, "rate limit")).transpose()?;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    execute(
        &tx,
        "INSERT INTO accounts (account_id, name, daily_quota, rate_limit, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[&txt(&a.account_id), &txt(&a.name), &quota, &rate, &now.as_millis()],
    )
    .await?;
    insert_key(&tx, &a.account_id, key, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_key<C: GenericClient>(
    c: &C,
    account_id: &str,
    key: &StoredKey,
    now: Timestamp,
) -> Result<(), Fail> {
    execute(
        c,
        "INSERT INTO api_keys (key_hash, account_id, hint, created_at) VALUES ($1, $2, $3, $4)",
        &[
            &txt(&key.hash),
            &txt(account_id),
            &txt(&key.hint),
            &now.as_millis(),
        ],
    )
    .await?;
    Ok(())
}

pub async fn list(pool: &Pool) -> Result<Vec<Account>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, account_id");
    query(&c, &sql, &[]).await?.iter().map(account).collect()
}

pub async fn get(pool: &Pool, id: &str) -> Result<Option<Account>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = $1");
    query_opt(&c, &sql, &[&txt(id)])
        .await?
        .as_ref()
        .map(account)
        .transpose()
}

pub async fn find_by_name(pool: &Pool, name: &str) -> Result<Option<Account>, Fail> {
    let c = pool.get().await?;
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = $1 ORDER BY created_at, account_id LIMIT 1"
    );
    query_opt(&c, &sql, &[&txt(name)])
        .await?
        .as_ref()
        .map(account)
        .transpose()
}

pub async fn update(pool: &Pool, a: &Account) -> Result<bool, Fail> {
    let quota = bigint(a.daily_quota, "daily quota")?;
    let rate = a.rate_limit.map(|r| bigint(r, "rate limit")).transpose()?;
    let c = pool.get().await?;
    let n = execute(
        &c,
        "UPDATE accounts SET name = $2, daily_quota = $3, rate_limit = $4 WHERE account_id = $1",
        &[&txt(&a.account_id), &txt(&a.name), &quota, &rate],
    )
    .await?;
    Ok(n == 1)
}

pub async fn add_key(
    pool: &Pool,
    account_id: &str,
    key: &StoredKey,
    now: Timestamp,
) -> Result<bool, Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let exists = query_opt(
        &tx,
        "SELECT 1 FROM accounts WHERE account_id = $1",
        &[&txt(account_id)],
    )
    .await?
    .is_some();
    if exists {
        insert_key(&tx, account_id, key, now).await?;
    }
    tx.commit().await?;
    Ok(exists)
}

pub async fn list_keys(pool: &Pool, account_id: &str) -> Result<Vec<KeyInfo>, Fail> {
    let c = pool.get().await?;
    let rows = query(
        &c,
        "SELECT substr(key_hash, 1, 12), hint, created_at, revoked_at FROM api_keys WHERE account_id = $1 ORDER BY created_at, key_hash",
        &[&txt(account_id)],
    )
    .await?;
    rows.iter()
        .map(|row| {
            let revoked_at: Option<i64> = row.try_get(3)?;
            Ok(KeyInfo {
                key_id: text(row, 0)?,
                hint: text(row, 1)?,
                created_at: time(row, 2)?,
                revoked_at: revoked_at.map(Timestamp::from_millis),
            })
        })
        .collect()
}

pub async fn revoke_key(
    pool: &Pool,
    account_id: &str,
    key_id: &str,
    now: Timestamp,
) -> Result<bool, Fail> {
    // Key ids are a 12-hex-digit prefix of the hash; anything else matches nothing.
    if key_id.len() != 12 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let c = pool.get().await?;
    let n = execute(
        &c,
        "UPDATE api_keys SET revoked_at = $3 WHERE account_id = $1 AND substr(key_hash, 1, 12) = $2 AND revoked_at IS NULL",
        &[&txt(account_id), &txt(&key_id.to_ascii_lowercase()), &now.as_millis()],
    )
    .await?;
    Ok(n > 0)
}

pub async fn by_key_hash(pool: &Pool, hash: &str) -> Result<Option<Account>, Fail> {
    let c = pool.get().await?;
    query_opt(
        &c,
        "SELECT a.account_id, a.name, a.daily_quota, a.rate_limit FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        &[&txt(hash)],
    )
    .await?
    .as_ref()
    .map(account)
    .transpose()
}
