//! Templates and their brand domains.

use rusqlite::{Connection, OptionalExtension, Row, Savepoint, params};
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::template::Template;

use super::changes;
use crate::StoreError;
use crate::changes::Changed;

const TEMPLATE_COLUMNS: &str = "id, subdomain, android_app_id, ios_app_id, uri_scheme, desktop_url, allowed_redirect_domains, og_title, og_description, og_image";

fn template(row: &Row<'_>) -> rusqlite::Result<Result<Template, StoreError>> {
    let allowed: String = row.get(6)?;
    let allowed = match serde_json::from_str(&allowed) {
        Ok(list) => list,
        Err(e) => return Ok(Err(e.into())),
    };
    Ok(Ok(Template {
        id: TemplateId::from_stored(row.get(0)?),
        subdomain: row.get(1)?,
        android_app_id: row.get(2)?,
        ios_app_id: row.get(3)?,
        uri_scheme: row.get(4)?,
        desktop_url: row.get(5)?,
        brand_domains: Vec::new(),
        allowed_redirect_domains: allowed,
        og_title: row.get(7)?,
        og_description: row.get(8)?,
        og_image: row.get(9)?,
    }))
}

fn with_brand_domains(c: &Connection, mut t: Template) -> Result<Template, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT domain FROM brand_domains WHERE template_id = ?1 ORDER BY position",
    )?;
    t.brand_domains = stmt
        .query_map([t.id.as_str()], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(t)
}

/// Refuses a template whose id, subdomain or brand domains are taken by
/// another template (`exclude` is the template being updated).
fn check_unique(
    tx: &Savepoint<'_>,
    account_id: &str,
    t: &Template,
    exclude: Option<&str>,
) -> Result<(), StoreError> {
    let other = exclude.unwrap_or("");
    if exclude.is_none() {
        let taken = tx
            .query_row(
                "SELECT 1 FROM templates WHERE id = ?1",
                [t.id.as_str()],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if taken {
            return Err(StoreError::Conflict(format!(
                "the template id {} is already in use",
                t.id
            )));
        }
    }
    let taken = tx
        .query_row(
            "SELECT 1 FROM templates WHERE subdomain = ?1 AND id != ?2",
            [t.subdomain.as_str(), other],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if taken {
        return Err(StoreError::Conflict(format!(
            "the subdomain {} is already in use",
            t.subdomain
        )));
    }
    for domain in &t.brand_domains {
        let foreign = tx
            .query_row(
                "SELECT 1 FROM brand_domains WHERE domain = ?1 AND account_id != ?2",
                [domain.as_str(), account_id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if foreign {
            return Err(StoreError::Conflict(format!(
                "the brand domain {domain} is already in use"
            )));
        }
    }
    Ok(())
}

fn write_brand_domains(
    tx: &Savepoint<'_>,
    account_id: &str,
    t: &Template,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM brand_domains WHERE template_id = ?1",
        [t.id.as_str()],
    )?;
    for (position, domain) in t.brand_domains.iter().enumerate() {
        tx.execute(
            "INSERT INTO brand_domains (domain, template_id, account_id, position) VALUES (?1, ?2, ?3, ?4)",
            params![domain, t.id.as_str(), account_id, position as i64],
        )?;
    }
    Ok(())
}

pub fn create(
    c: &mut Connection,
    account_id: &str,
    t: &Template,
    now: Timestamp,
) -> Result<(), StoreError> {
    let tx = c.savepoint()?;
    check_unique(&tx, account_id, t, None)?;
    tx.execute(
        &format!("INSERT INTO templates ({TEMPLATE_COLUMNS}, account_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            t.id.as_str(),
            t.subdomain,
            t.android_app_id,
            t.ios_app_id,
            t.uri_scheme,
            t.desktop_url,
            serde_json::to_string(&t.allowed_redirect_domains)?,
            t.og_title,
            t.og_description,
            t.og_image,
            account_id,
            now.as_millis()
        ],
    )?;
    write_brand_domains(&tx, account_id, t)?;
    changes::log(&tx, &Changed::Template(t.id.clone()))?;
    tx.commit()?;
    Ok(())
}

pub fn get(c: &Connection, account_id: &str, id: &str) -> Result<Option<Template>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE account_id = ?1 AND id = ?2"
    ))?;
    match stmt.query_row([account_id, id], template).optional()? {
        Some(t) => Ok(Some(with_brand_domains(c, t?)?)),
        None => Ok(None),
    }
}

pub fn find(c: &Connection, id: &str) -> Result<Option<Template>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = ?1"
    ))?;
    match stmt.query_row([id], template).optional()? {
        Some(t) => Ok(Some(with_brand_domains(c, t?)?)),
        None => Ok(None),
    }
}

pub fn by_subdomain(c: &Connection, subdomain: &str) -> Result<Option<Template>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE subdomain = ?1"
    ))?;
    match stmt.query_row([subdomain], template).optional()? {
        Some(t) => Ok(Some(with_brand_domains(c, t?)?)),
        None => Ok(None),
    }
}

pub fn by_brand_domain(c: &Connection, domain: &str) -> Result<Vec<Template>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id IN (SELECT template_id FROM brand_domains WHERE domain = ?1) ORDER BY created_at, id"
    ))?;
    let rows: Vec<_> = stmt
        .query_map([domain], template)?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|t| with_brand_domains(c, t?))
        .collect()
}

pub fn list(c: &Connection, account_id: &str) -> Result<Vec<Template>, StoreError> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE account_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows: Vec<_> = stmt
        .query_map([account_id], template)?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|t| with_brand_domains(c, t?))
        .collect()
}

pub fn update(c: &mut Connection, account_id: &str, t: &Template) -> Result<bool, StoreError> {
    let tx = c.savepoint()?;
    let exists = tx
        .query_row(
            "SELECT 1 FROM templates WHERE account_id = ?1 AND id = ?2",
            [account_id, t.id.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !exists {
        return Ok(false);
    }
    check_unique(&tx, account_id, t, Some(t.id.as_str()))?;
    tx.execute(
        "UPDATE templates SET subdomain = ?2, android_app_id = ?3, ios_app_id = ?4, uri_scheme = ?5, desktop_url = ?6, allowed_redirect_domains = ?7, og_title = ?8, og_description = ?9, og_image = ?10 WHERE id = ?1",
        params![
            t.id.as_str(),
            t.subdomain,
            t.android_app_id,
            t.ios_app_id,
            t.uri_scheme,
            t.desktop_url,
            serde_json::to_string(&t.allowed_redirect_domains)?,
            t.og_title,
            t.og_description,
            t.og_image
        ],
    )?;
    write_brand_domains(&tx, account_id, t)?;
    changes::log(&tx, &Changed::Template(t.id.clone()))?;
    tx.commit()?;
    Ok(true)
}

pub fn delete(c: &mut Connection, account_id: &str, id: &str) -> Result<bool, StoreError> {
    let tx = c.savepoint()?;
    let n = tx.execute(
        "DELETE FROM templates WHERE account_id = ?1 AND id = ?2",
        [account_id, id],
    )?;
    if n == 1 {
        tx.execute("DELETE FROM links WHERE template_id = ?1", [id])?;
        let template = TemplateId::from_stored(id.to_owned());
        changes::log(&tx, &Changed::TemplateDeleted(template))?;
    }
    tx.commit()?;
    Ok(n == 1)
}
