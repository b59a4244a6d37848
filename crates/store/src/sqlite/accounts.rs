//! Accounts and their API keys.

use rusqlite::{Connection, OptionalExtension, Row, params};
use waylink_core::account::Account;
use waylink_core::clock::Timestamp;

use crate::{KeyInfo, StoreError, StoredKey};

const ACCOUNT_COLUMNS: &str = "account_id, name, daily_quota, rate_limit";

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        account_id: row.get(0)?,
        name: row.get(1)?,
        daily_quota: row.get(2)?,
        rate_limit: row.get(3)?,
    })
}

pub fn create(
    c: &mut Connection,
    a: &Account,
    key: &StoredKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    let tx = c.savepoint()?;
    tx.execute(
        "INSERT INTO accounts (account_id, name, daily_quota, rate_limit, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![a.account_id, a.name, a.daily_quota, a.rate_limit, now.as_millis()],
    )?;
    insert_key(&tx, &a.account_id, key, now)?;
    tx.commit()?;
    Ok(())
}

fn insert_key(
    c: &Connection,
    account_id: &str,
    key: &StoredKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO api_keys (key_hash, account_id, hint, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![key.hash, account_id, key.hint, now.as_millis()],
    )?;
    Ok(())
}

pub fn list(c: &Connection) -> Result<Vec<Account>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY created_at, account_id"
    ))?;
    let rows = stmt.query_map([], account)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn get(c: &Connection, id: &str) -> Result<Option<Account>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE account_id = ?1"
    ))?;
    Ok(stmt.query_row([id], account).optional()?)
}

pub fn find_by_name(c: &Connection, name: &str) -> Result<Option<Account>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE name = ?1 ORDER BY created_at LIMIT 1"
    ))?;
    Ok(stmt.query_row([name], account).optional()?)
}

pub fn update(c: &mut Connection, a: &Account) -> Result<bool, StoreError> {
    let n = c.execute(
        "UPDATE accounts SET name = ?2, daily_quota = ?3, rate_limit = ?4 WHERE account_id = ?1",
        params![a.account_id, a.name, a.daily_quota, a.rate_limit],
    )?;
    Ok(n == 1)
}

pub fn add_key(
    c: &mut Connection,
    account_id: &str,
    key: &StoredKey,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let tx = c.savepoint()?;
    let exists = tx
        .query_row(
            "SELECT 1 FROM accounts WHERE account_id = ?1",
            [account_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists {
        insert_key(&tx, account_id, key, now)?;
    }
    tx.commit()?;
    Ok(exists)
}

pub fn list_keys(c: &Connection, account_id: &str) -> Result<Vec<KeyInfo>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT substr(key_hash, 1, 12), hint, created_at, revoked_at FROM api_keys WHERE account_id = ?1 ORDER BY created_at, key_hash",
    )?;
    let keys = stmt
        .query_map([account_id], |row| {
            Ok(KeyInfo {
                key_id: row.get(0)?,
                hint: row.get(1)?,
                created_at: Timestamp::from_millis(row.get(2)?),
                revoked_at: row.get::<_, Option<i64>>(3)?.map(Timestamp::from_millis),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(keys)
}

pub fn revoke_key(
    c: &mut Connection,
    account_id: &str,
    key_id: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    // Key ids are a 12-hex-digit prefix of the hash; anything else matches nothing.
    if key_id.len() != 12 || !key_id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(false);
    }
    let n = c.execute(
        "UPDATE api_keys SET revoked_at = ?3 WHERE account_id = ?1 AND substr(key_hash, 1, 12) = ?2 AND revoked_at IS NULL",
        params![account_id, key_id.to_ascii_lowercase(), now.as_millis()],
    )?;
    Ok(n > 0)
}

pub fn by_key_hash(c: &Connection, hash: &str) -> Result<Option<Account>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT a.account_id, a.name, a.daily_quota, a.rate_limit FROM api_keys k JOIN accounts a ON a.account_id = k.account_id WHERE k.key_hash = ?1 AND k.revoked_at IS NULL",
    )?;
    Ok(stmt.query_row([hash], account).optional()?)
}
