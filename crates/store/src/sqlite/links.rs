//! Short links: create (reusing expired ids), read, update, delete, list,
//! renew on click, and the purge of expired rows.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::link::Link;

use super::changes;
use super::rows::{LINK_COLUMNS, flatten, link};
use crate::changes::Changed;
use crate::{LinkCursor, LinkPage, LinkQuery, LinkUpdate, StoreError};

/// The message of the conflict on a live id, as the v1 API words it.
pub const ID_IN_USE: &str = "Shortlink ID already in use";

/// Rows the purge deletes per transaction, so that it never holds the
/// writer for long.
const PURGE_CHUNK: i64 = 5_000;

// An expired row with the same id is overwritten: the id is free again the
// moment the link expires, whether or not the purge has run yet.
const INSERT: &str = "INSERT INTO links (template_id, shortlink_id, data, brand_domain, ttl_secs, renew_ttl, created_at, updated_at, expires_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (template_id, shortlink_id) DO UPDATE SET
        data = excluded.data, brand_domain = excluded.brand_domain, ttl_secs = excluded.ttl_secs,
        renew_ttl = excluded.renew_ttl, created_at = excluded.created_at,
        updated_at = excluded.updated_at, expires_at = excluded.expires_at
     WHERE links.expires_at <= excluded.created_at";

fn insert(c: &Connection, l: &Link) -> Result<(), StoreError> {
    let mut stmt = c.prepare_cached(INSERT)?;
    let n = stmt.execute(params![
        l.template_id.as_str(),
        l.shortlink_id.as_str(),
        serde_json::to_string(&l.data)?,
        l.brand_domain,
        l.ttl.seconds(),
        l.renew_ttl,
        l.created_at.as_millis(),
        l.updated_at.as_millis(),
        l.expires_at.as_millis()
    ])?;
    if n == 0 {
        return Err(StoreError::Conflict(ID_IN_USE.into()));
    }
    Ok(())
}

pub fn create(c: &mut Connection, l: &Link) -> Result<(), StoreError> {
    insert(c, l)
}

pub fn create_many(
    c: &mut Connection,
    batch: &[Link],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let tx = c.savepoint()?;
    let mut results = Vec::with_capacity(batch.len());
    for l in batch {
        match insert(&tx, l) {
            Ok(()) => results.push(Ok(())),
            Err(StoreError::Conflict(m)) => results.push(Err(StoreError::Conflict(m))),
            Err(other) => return Err(other),
        }
    }
    tx.commit()?;
    Ok(results)
}

pub fn get(
    c: &Connection,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<Option<Link>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {LINK_COLUMNS} FROM links WHERE template_id = ?1 AND shortlink_id = ?2 AND expires_at > ?3"
    ))?;
    stmt.query_row(params![t.as_str(), s.as_str(), now.as_millis()], link)
        .optional()?
        .transpose()
}

pub fn update(
    c: &mut Connection,
    t: &TemplateId,
    s: &ShortlinkId,
    u: &LinkUpdate,
    now: Timestamp,
) -> Result<Option<Link>, StoreError> {
    let tx = c.savepoint()?;
    let mut stmt = tx.prepare_cached(&format!(
        "UPDATE links SET data = ?3, ttl_secs = ?4, renew_ttl = COALESCE(?5, renew_ttl),
            brand_domain = COALESCE(?6, brand_domain), updated_at = ?7, expires_at = ?8
         WHERE template_id = ?1 AND shortlink_id = ?2 AND expires_at > ?7
         RETURNING {LINK_COLUMNS}"
    ))?;
    let updated = stmt
        .query_row(
            params![
                t.as_str(),
                s.as_str(),
                serde_json::to_string(&u.data)?,
                u.ttl.seconds(),
                u.renew_ttl,
                u.brand_domain,
                now.as_millis(),
                now.plus_millis(u.ttl.millis()).as_millis()
            ],
            link,
        )
        .optional()?
        .transpose()?;
    drop(stmt);
    if updated.is_some() {
        changes::log(&tx, &Changed::Link(t.clone(), s.clone()))?;
    }
    tx.commit()?;
    Ok(updated)
}

pub fn delete(
    c: &mut Connection,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let tx = c.savepoint()?;
    let n = tx
        .prepare_cached(
            "DELETE FROM links WHERE template_id = ?1 AND shortlink_id = ?2 AND expires_at > ?3",
        )?
        .execute(params![t.as_str(), s.as_str(), now.as_millis()])?;
    if n == 1 {
        changes::log(&tx, &Changed::Link(t.clone(), s.clone()))?;
    }
    tx.commit()?;
    Ok(n == 1)
}

pub fn list(c: &Connection, q: &LinkQuery) -> Result<LinkPage, StoreError> {
    let mut sql =
        format!("SELECT {LINK_COLUMNS} FROM links WHERE template_id = ?1 AND expires_at > ?2");
    let mut args: Vec<SqlValue> = vec![
        SqlValue::Text(q.template_id.as_str().to_owned()),
        SqlValue::Integer(q.now.as_millis()),
    ];
    if let Some(after) = &q.after {
        args.push(SqlValue::Integer(after.created_at.as_millis()));
        args.push(SqlValue::Text(after.shortlink_id.clone()));
        sql.push_str(&format!(
            " AND (created_at, shortlink_id) < (?{}, ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    // json_each matches any key exactly, with no JSON-path quoting to get wrong.
    for (key, value) in &q.filters {
        args.push(SqlValue::Text(key.clone()));
        args.push(SqlValue::Text(value.clone()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM json_each(links.data) WHERE json_each.key = ?{} AND json_each.value = ?{})",
            args.len() - 1,
            args.len()
        ));
    }
    // One row more than the limit tells whether a next page exists; a limit
    // beyond i64 (such as usize::MAX) must not wrap around to `LIMIT 0`.
    args.push(SqlValue::Integer(
        i64::try_from(q.limit).unwrap_or(i64::MAX).saturating_add(1),
    ));
    sql.push_str(&format!(
        " ORDER BY created_at DESC, shortlink_id DESC LIMIT ?{}",
        args.len()
    ));
    let mut stmt = c.prepare_cached(&sql)?;
    let mut links = stmt
        .query_map(params_from_iter(args), link)?
        .map(flatten)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if links.len() > q.limit {
        links.truncate(q.limit);
        links.last().map(|l| LinkCursor {
            created_at: l.created_at,
            shortlink_id: l.shortlink_id.as_str().to_owned(),
        })
    } else {
        None
    };
    Ok(LinkPage { links, next })
}

/// The rule of `waylink_core::link::renewed_expiry`, in one statement so
/// that concurrent clicks cannot race: a live link that renews gets
/// `now + ttl`, never less than it had.
pub fn renew(
    c: &mut Connection,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let mut stmt = c.prepare_cached(
        "UPDATE links SET expires_at = MAX(expires_at, ?3 + ttl_secs * 1000), updated_at = ?3
         WHERE template_id = ?1 AND shortlink_id = ?2 AND renew_ttl = 1 AND expires_at > ?3
         RETURNING expires_at",
    )?;
    let at: Option<i64> = stmt
        .query_row(params![t.as_str(), s.as_str(), now.as_millis()], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(at.map(Timestamp::from_millis))
}

pub fn purge_expired(c: &mut Connection, now: Timestamp) -> Result<u64, StoreError> {
    let mut total = 0u64;
    loop {
        let n = c.execute(
            "DELETE FROM links WHERE (template_id, shortlink_id) IN
               (SELECT template_id, shortlink_id FROM links WHERE expires_at <= ?1 LIMIT ?2)",
            params![now.as_millis(), PURGE_CHUNK],
        )?;
        total += n as u64;
        if (n as i64) < PURGE_CHUNK {
            break;
        }
    }
    super::usage::purge_old_counters(c, now)?;
    super::clicks::purge_old(c, now)?;
    changes::purge_old(c)?;
    Ok(total)
}
