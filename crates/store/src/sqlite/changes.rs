//! The change log (see [`crate::changes`]): rows appended by link and
//! template writes, read by the nodes' caches.

use rusqlite::{Connection, params};

use crate::StoreError;
use crate::changes::{Change, ChangeBatch, Changed, KEEP_MS, READ_LIMIT};

/// The database's clock in milliseconds: the process's wall clock, as
/// SQLite reads it.
const NOW_MS: &str = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";

/// Appends `what` to the log, inside the caller's transaction.
pub fn log(c: &Connection, what: &Changed) -> Result<(), StoreError> {
    let (kind, template, shortlink) = what.columns();
    c.prepare_cached(&format!(
        "INSERT INTO changes (kind, template_id, shortlink_id, changed_at) VALUES (?1, ?2, ?3, {NOW_MS})"
    ))?
    .execute(params![kind, template, shortlink])?;
    Ok(())
}

/// The rows written after `since`, and the database's time.
pub fn since(c: &Connection, since: Option<i64>) -> Result<ChangeBatch, StoreError> {
    let now: i64 = c.query_row(&format!("SELECT {NOW_MS}"), [], |row| row.get(0))?;
    let Some(since) = since else {
        return Ok(ChangeBatch {
            now,
            changes: Vec::new(),
        });
    };
    let mut stmt = c.prepare_cached(
        "SELECT id, changed_at, kind, template_id, shortlink_id FROM changes
         WHERE changed_at > ?1 ORDER BY changed_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![since, READ_LIMIT as i64], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, String>(4)?,
        ))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (id, at, kind, template, shortlink) = row?;
        if let Some(what) = Changed::from_columns(&kind, template, shortlink) {
            changes.push(Change { id, at, what });
        }
    }
    Ok(ChangeBatch { now, changes })
}

/// Drops the rows older than [`KEEP_MS`].
pub fn purge_old(c: &Connection) -> Result<(), StoreError> {
    c.execute(
        &format!("DELETE FROM changes WHERE changed_at < {NOW_MS} - ?1"),
        [KEEP_MS],
    )?;
    Ok(())
}
