//! The change log (see [`crate::changes`]): rows appended by link and
//! template writes, read by the nodes' caches.

use deadpool_postgres::{GenericClient, Pool};

use super::db::{execute, get, query, query_one, text};
use super::error::Fail;
use super::text::txt;
use crate::changes::{Change, ChangeBatch, Changed, KEEP_MS, READ_LIMIT};

/// The database's clock in milliseconds: the start of the transaction, the
/// same on every node, and written the same way on every supported engine.
const NOW_MS: &str = "(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT";

/// Appends `what` to the log, inside the caller's transaction.
pub async fn log<C: GenericClient>(c: &C, what: &Changed) -> Result<(), Fail> {
    let (kind, template, shortlink) = what.columns();
    execute(
        c,
        &format!(
            "INSERT INTO changes (kind, template_id, shortlink_id, changed_at) VALUES ($1, $2, $3, {NOW_MS})"
        ),
        &[&kind, &txt(template), &txt(shortlink)],
    )
    .await?;
    Ok(())
}

/// The rows written after `since`, and the database's time.
pub async fn since(pool: &Pool, since: Option<i64>) -> Result<ChangeBatch, Fail> {
    let c = pool.get().await?;
    let now: i64 = get(&query_one(&c, &format!("SELECT {NOW_MS}"), &[]).await?, 0)?;
    let Some(since) = since else {
        return Ok(ChangeBatch {
            now,
            changes: Vec::new(),
        });
    };
    let rows = query(
        &c,
        "SELECT id, changed_at, kind, template_id, shortlink_id FROM changes
         WHERE changed_at > $1 ORDER BY changed_at, id LIMIT $2",
        &[&since, &(READ_LIMIT as i64)],
    )
    .await?;
    let mut changes = Vec::with_capacity(rows.len());
    for row in &rows {
        let kind: String = get(row, 2)?;
        if let Some(what) = Changed::from_columns(&kind, text(row, 3)?, text(row, 4)?) {
            changes.push(Change {
                id: get(row, 0)?,
                at: get(row, 1)?,
                what,
            });
        }
    }
    Ok(ChangeBatch { now, changes })
}

/// Drops the rows older than [`KEEP_MS`].
pub async fn purge_old<C: GenericClient>(c: &C) -> Result<(), Fail> {
    execute(
        c,
        &format!("DELETE FROM changes WHERE changed_at < {NOW_MS} - $1"),
        &[&KEEP_MS],
    )
    .await?;
    Ok(())
}
