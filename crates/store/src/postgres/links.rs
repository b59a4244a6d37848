//! Short links: create (reusing expired ids), read, update, delete, list,
//! renew on click, and the purge of expired rows.

use std::collections::HashSet;

use deadpool_postgres::{GenericClient, Pool};
use serde_json::Value;
use tokio_postgres::Row;
use tokio_postgres::types::Json;
use tokio_postgres::types::ToSql;
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::link::Link;
use waylink_core::link_data::LinkData;
use waylink_core::ttl::Ttl;

use super::changes;
use super::db::{execute, get, limit, opt_text, query, query_opt, text, time};
use super::error::Fail;
use super::text::{Txt, json_map, opt, read_map, txt};
use crate::changes::Changed;
use crate::{LinkCursor, LinkPage, LinkQuery, LinkUpdate, StoreError};

/// The message of the conflict on a live id, as the v1 API words it.
pub const ID_IN_USE: &str = "Shortlink ID already in use";

/// Rows the purge deletes per statement, so that no statement holds many
/// locks for long.
const PURGE_CHUNK: i64 = 5_000;

/// The columns [`link`] reads, in order.
const LINK_COLUMNS: &str = "template_id, shortlink_id, data, brand_domain, ttl_secs, renew_ttl, created_at, updated_at, expires_at";

/// A `links` row selected with [`LINK_COLUMNS`].
fn link(row: &Row) -> Result<Link, Fail> {
    let data = read_map(get(row, 2)?)?;
    let data: LinkData = serde_json::from_value(serde_json::to_value(data)?)?;
    Ok(Link {
        template_id: TemplateId::from_stored(text(row, 0)?),
        shortlink_id: ShortlinkId::from_stored(text(row, 1)?),
        data,
        brand_domain: opt_text(row, 3)?,
        ttl: Ttl::from_stored_seconds(get(row, 4)?),
        renew_ttl: get(row, 5)?,
        created_at: time(row, 6)?,
        updated_at: time(row, 7)?,
        expires_at: time(row, 8)?,
    })
}

// An expired row with the same id is overwritten: the id is free again the
// moment the link expires, whether or not the purge has run yet. Of two
// concurrent creates of one id, the second waits for the first and then
// finds a live row, so it writes nothing.
const INSERT_INTO: &str = "INSERT INTO links (template_id, shortlink_id, data, brand_domain, ttl_secs, renew_ttl, created_at, updated_at, expires_at)";
/// What a single and a batch insert do with a row whose id is taken.
const TAKE_OVER_EXPIRED: &str = "ON CONFLICT (template_id, shortlink_id) DO UPDATE SET
        data = excluded.data, brand_domain = excluded.brand_domain, ttl_secs = excluded.ttl_secs,
        renew_ttl = excluded.renew_ttl, created_at = excluded.created_at,
        updated_at = excluded.updated_at, expires_at = excluded.expires_at
     WHERE links.expires_at <= excluded.created_at";

/// Stores `l`; a live link with its id answers a `Conflict`, which leaves
/// the transaction usable (nothing failed in the database).
async fn insert<C: GenericClient>(c: &C, l: &Link) -> Result<(), Fail> {
    let n = execute(
        c,
        &format!("{INSERT_INTO} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) {TAKE_OVER_EXPIRED}"),
        &[
            &txt(l.template_id.as_str()),
            &txt(l.shortlink_id.as_str()),
            &json_map(l.data.as_map()),
            &opt(l.brand_domain.as_deref()),
            &l.ttl.seconds(),
            &l.renew_ttl,
            &l.created_at.as_millis(),
            &l.updated_at.as_millis(),
            &l.expires_at.as_millis(),
        ],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::Conflict(ID_IN_USE.into()).into());
    }
    Ok(())
}

pub async fn create(pool: &Pool, l: &Link) -> Result<(), Fail> {
    let c = pool.get().await?;
    insert(&c, l).await
}

/// Stores a batch in one statement taking its rows as arrays. Each id is
/// written at most once: a repeat of an id earlier in the batch conflicts,
/// as it would if the links were created one by one; the ids the statement
/// wrote come back, and the rest of the batch met a live link.
pub async fn create_many(pool: &Pool, batch: &[Link]) -> Result<Vec<Result<(), StoreError>>, Fail> {
    let mut keys = HashSet::with_capacity(batch.len());
    let first: Vec<bool> = batch
        .iter()
        .map(|l| keys.insert((l.template_id.as_str(), l.shortlink_id.as_str())))
        .collect();
    let unique: Vec<&Link> = batch
        .iter()
        .zip(&first)
        .filter_map(|(l, &first)| first.then_some(l))
        .collect();
    let templates: Vec<Txt<'_>> = unique.iter().map(|l| txt(l.template_id.as_str())).collect();
    let ids: Vec<Txt<'_>> = unique
        .iter()
        .map(|l| txt(l.shortlink_id.as_str()))
        .collect();
    let data: Vec<Json<Value>> = unique.iter().map(|l| json_map(l.data.as_map())).collect();
    let brands: Vec<Option<Txt<'_>>> = unique
        .iter()
        .map(|l| opt(l.brand_domain.as_deref()))
        .collect();
    let ttls: Vec<i64> = unique.iter().map(|l| l.ttl.seconds()).collect();
    let renews: Vec<bool> = unique.iter().map(|l| l.renew_ttl).collect();
    let created: Vec<i64> = unique.iter().map(|l| l.created_at.as_millis()).collect();
    let updated: Vec<i64> = unique.iter().map(|l| l.updated_at.as_millis()).collect();
    let expires: Vec<i64> = unique.iter().map(|l| l.expires_at.as_millis()).collect();
    let c = pool.get().await?;
    let rows = query(
        &c,
        &format!(
            "{INSERT_INTO}
             SELECT * FROM UNNEST($1::TEXT[], $2::TEXT[], $3::JSONB[], $4::TEXT[], $5::BIGINT[], $6::BOOLEAN[], $7::BIGINT[], $8::BIGINT[], $9::BIGINT[])
             {TAKE_OVER_EXPIRED}
             RETURNING template_id, shortlink_id"
        ),
        &[&templates, &ids, &data, &brands, &ttls, &renews, &created, &updated, &expires],
    )
    .await?;
    let mut written = HashSet::with_capacity(rows.len());
    for row in &rows {
        written.insert((text(row, 0)?, text(row, 1)?));
    }
    Ok(batch
        .iter()
        .zip(first)
        .map(|(l, first)| {
            let key = (
                l.template_id.as_str().to_owned(),
                l.shortlink_id.as_str().to_owned(),
            );
            if first && written.contains(&key) {
                Ok(())
            } else {
                Err(StoreError::Conflict(ID_IN_USE.into()))
            }
        })
        .collect())
}

pub async fn get_link(
    pool: &Pool,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<Option<Link>, Fail> {
    let c = pool.get().await?;
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM links WHERE template_id = $1 AND shortlink_id = $2 AND expires_at > $3"
    );
    query_opt(
        &c,
        &sql,
        &[&txt(t.as_str()), &txt(s.as_str()), &now.as_millis()],
    )
    .await?
    .as_ref()
    .map(link)
    .transpose()
}

pub async fn update(
    pool: &Pool,
    t: &TemplateId,
    s: &ShortlinkId,
    u: &LinkUpdate,
    now: Timestamp,
) -> Result<Option<Link>, Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let sql = format!(
        "UPDATE links SET data = $3, ttl_secs = $4, renew_ttl = COALESCE($5, renew_ttl),
            brand_domain = COALESCE($6, brand_domain), updated_at = $7, expires_at = $8
         WHERE template_id = $1 AND shortlink_id = $2 AND expires_at > $7
         RETURNING {LINK_COLUMNS}"
    );
    let updated = query_opt(
        &tx,
        &sql,
        &[
            &txt(t.as_str()),
            &txt(s.as_str()),
            &json_map(u.data.as_map()),
            &u.ttl.seconds(),
            &u.renew_ttl,
            &opt(u.brand_domain.as_deref()),
            &now.as_millis(),
            &now.plus_millis(u.ttl.millis()).as_millis(),
        ],
    )
    .await?
    .as_ref()
    .map(link)
    .transpose()?;
    if updated.is_some() {
        changes::log(&tx, &Changed::Link(t.clone(), s.clone())).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

pub async fn delete(
    pool: &Pool,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<bool, Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let n = execute(
        &tx,
        "DELETE FROM links WHERE template_id = $1 AND shortlink_id = $2 AND expires_at > $3",
        &[&txt(t.as_str()), &txt(s.as_str()), &now.as_millis()],
    )
    .await?;
    if n == 1 {
        changes::log(&tx, &Changed::Link(t.clone(), s.clone())).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

pub async fn list(pool: &Pool, q: &LinkQuery) -> Result<LinkPage, Fail> {
    let mut sql =
        format!("SELECT {LINK_COLUMNS} FROM links WHERE template_id = $1 AND expires_at > $2");
    let mut args: Vec<Box<dyn ToSql + Sync + Send + '_>> = vec![
        Box::new(txt(q.template_id.as_str())),
        Box::new(q.now.as_millis()),
    ];
    if let Some(after) = &q.after {
        args.push(Box::new(after.created_at.as_millis()));
        args.push(Box::new(txt(&after.shortlink_id)));
        sql.push_str(&format!(
            " AND (created_at, shortlink_id) < (${}::BIGINT, ${}::TEXT)",
            args.len() - 1,
            args.len()
        ));
    }
    // Any key, matched exactly: the key is a parameter, never a JSON path.
    for (key, value) in &q.filters {
        args.push(Box::new(txt(key)));
        args.push(Box::new(txt(value)));
        sql.push_str(&format!(
            " AND (data ->> ${}::TEXT) = ${}::TEXT",
            args.len() - 1,
            args.len()
        ));
    }
    // One row more than the limit tells whether a next page exists.
    args.push(Box::new(limit(q.limit).saturating_add(1)));
    sql.push_str(&format!(
        " ORDER BY created_at DESC, shortlink_id DESC LIMIT ${}::BIGINT",
        args.len()
    ));
    let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| &**a as _).collect();
    let c = pool.get().await?;
    let mut links = query(&c, &sql, &params)
        .await?
        .iter()
        .map(link)
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
/// that concurrent clicks on any node cannot race: a live link that renews
/// gets `now + ttl`, never less than it had.
pub async fn renew<C: GenericClient>(
    c: &C,
    t: &str,
    s: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, Fail> {
    let row = query_opt(
        c,
        "UPDATE links SET expires_at = GREATEST(expires_at, $3 + ttl_secs * 1000), updated_at = $3
         WHERE template_id = $1 AND shortlink_id = $2 AND renew_ttl AND expires_at > $3
         RETURNING expires_at",
        &[&txt(t), &txt(s), &now.as_millis()],
    )
    .await?;
    row.as_ref().map(|r| time(r, 0)).transpose()
}

/// The renewals of a batch of clicks, in one statement: each link (given
/// once, in key order) that was live at its first click in the batch gets
/// `last click + ttl`, never less than it had. Equal to renewing click by
/// click unless one batch spans more than the link's TTL.
pub async fn renew_many<C: GenericClient>(
    c: &C,
    templates: &[Txt<'_>],
    shortlinks: &[Txt<'_>],
    first: &[i64],
    last: &[i64],
) -> Result<(), Fail> {
    execute(
        c,
        "UPDATE links SET expires_at = GREATEST(links.expires_at, r.last_at + links.ttl_secs * 1000), updated_at = r.last_at
         FROM UNNEST($1::TEXT[], $2::TEXT[], $3::BIGINT[], $4::BIGINT[]) AS r(template_id, shortlink_id, first_at, last_at)
         WHERE links.template_id = r.template_id AND links.shortlink_id = r.shortlink_id
           AND links.renew_ttl AND links.expires_at > r.first_at",
        &[&templates, &shortlinks, &first, &last],
    )
    .await?;
    Ok(())
}

pub async fn renew_link(
    pool: &Pool,
    t: &TemplateId,
    s: &ShortlinkId,
    now: Timestamp,
) -> Result<Option<Timestamp>, Fail> {
    let c = pool.get().await?;
    renew(&c, t.as_str(), s.as_str(), now).await
}

pub async fn purge_expired(pool: &Pool, now: Timestamp) -> Result<u64, Fail> {
    let c = pool.get().await?;
    let mut total = 0u64;
    loop {
        let n = execute(
            &c,
            "DELETE FROM links WHERE (template_id, shortlink_id) IN
               (SELECT template_id, shortlink_id FROM links WHERE expires_at <= $1 LIMIT $2)",
            &[&now.as_millis(), &PURGE_CHUNK],
        )
        .await?;
        total += n;
        if n < PURGE_CHUNK as u64 {
            break;
        }
    }
    super::usage::purge_old_counters(&c, now).await?;
    super::clicks::purge_old(&c, now).await?;
    changes::purge_old(&c).await?;
    Ok(total)
}
