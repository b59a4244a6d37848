//! Reading rows back into domain values.

use rusqlite::Row;
use waylink_core::clock::Timestamp;
use waylink_core::ids::{ShortlinkId, TemplateId};
use waylink_core::link::Link;
use waylink_core::link_data::LinkData;
use waylink_core::ttl::Ttl;

use crate::StoreError;

/// The columns [`link`] reads, in order.
pub const LINK_COLUMNS: &str = "template_id, shortlink_id, data, brand_domain, ttl_secs, renew_ttl, created_at, updated_at, expires_at";

/// A `links` row selected with [`LINK_COLUMNS`].
pub fn link(row: &Row<'_>) -> rusqlite::Result<Result<Link, StoreError>> {
    let data: String = row.get(2)?;
    let data = match serde_json::from_str::<LinkData>(&data) {
        Ok(data) => data,
        Err(e) => return Ok(Err(e.into())),
    };
    Ok(Ok(Link {
        template_id: TemplateId::from_stored(row.get(0)?),
        shortlink_id: ShortlinkId::from_stored(row.get(1)?),
        data,
        brand_domain: row.get(3)?,
        ttl: Ttl::from_stored_seconds(row.get(4)?),
        renew_ttl: row.get(5)?,
        created_at: Timestamp::from_millis(row.get(6)?),
        updated_at: Timestamp::from_millis(row.get(7)?),
        expires_at: Timestamp::from_millis(row.get(8)?),
    }))
}

/// Flattens a row mapper's nested result.
pub fn flatten<T>(r: rusqlite::Result<Result<T, StoreError>>) -> Result<T, StoreError> {
    r.map_err(StoreError::from).and_then(|inner| inner)
}
