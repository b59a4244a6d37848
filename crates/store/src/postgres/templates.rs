//! Templates and their brand domains.
//!
//! Creating and updating a template reads what is taken and then writes,
//! so those transactions run SERIALIZABLE: of two nodes claiming one brand
//! domain for two accounts at once, the database aborts one (and the store
//! runs it again, to find the domain taken). Ids and subdomains are also
//! held by unique constraints, whose violations answer the same conflicts.

use std::collections::HashMap;

use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::{IsolationLevel, Row};
use waylink_core::clock::Timestamp;
use waylink_core::ids::TemplateId;
use waylink_core::template::Template;

use super::changes;
use super::db::{execute, opt_text, query, query_opt, text};
use super::error::{Fail, conflict_on};
use super::text::{Txt, opt, txt};
use crate::StoreError;
use crate::changes::Changed;

const TEMPLATE_COLUMNS: &str = "id, subdomain, android_app_id, ios_app_id, uri_scheme, desktop_url, allowed_redirect_domains, og_title, og_description, og_image";

fn template(row: &Row) -> Result<Template, Fail> {
    let allowed = text(row, 6)?;
    Ok(Template {
        id: TemplateId::from_stored(text(row, 0)?),
        subdomain: text(row, 1)?,
        android_app_id: opt_text(row, 2)?,
        ios_app_id: opt_text(row, 3)?,
        uri_scheme: opt_text(row, 4)?,
        desktop_url: opt_text(row, 5)?,
        brand_domains: Vec::new(),
        allowed_redirect_domains: serde_json::from_str(&allowed)?,
        og_title: opt_text(row, 7)?,
        og_description: opt_text(row, 8)?,
        og_image: opt_text(row, 9)?,
    })
}

/// The templates of `rows`, each with its brand domains in order.
async fn read<C: GenericClient>(c: &C, rows: &[Row]) -> Result<Vec<Template>, Fail> {
    let mut templates = rows.iter().map(template).collect::<Result<Vec<_>, _>>()?;
    if templates.is_empty() {
        return Ok(templates);
    }
    let ids: Vec<Txt<'_>> = templates.iter().map(|t| txt(t.id.as_str())).collect();
    let mut domains: HashMap<String, Vec<String>> = HashMap::new();
    for row in query(
        c,
        "SELECT template_id, domain FROM brand_domains WHERE template_id = ANY($1) ORDER BY template_id, position",
        &[&ids],
    )
    .await?
    {
        domains
            .entry(text(&row, 0)?)
            .or_default()
            .push(text(&row, 1)?);
    }
    for t in &mut templates {
        t.brand_domains = domains.remove(t.id.as_str()).unwrap_or_default();
    }
    Ok(templates)
}

fn id_taken(t: &Template) -> String {
    format!("the template id {} is already in use", t.id)
}

fn subdomain_taken(t: &Template) -> String {
    format!("the subdomain {} is already in use", t.subdomain)
}

/// A unique violation of the template's id or subdomain, as the conflict
/// [`check_unique`] would have answered.
fn unique_conflict(f: Fail, t: &Template) -> Fail {
    match f {
        Fail::Pg(e) => match conflict_on(e, "templates_id_unique", id_taken(t)) {
            Fail::Pg(e) => conflict_on(e, "templates_subdomain_unique", subdomain_taken(t)),
            conflict => conflict,
        },
        other => other,
    }
}

/// Refuses a template whose id, subdomain or brand domains are taken by
/// another template (`exclude` is the template being updated).
async fn check_unique<C: GenericClient>(
    tx: &C,
    account_id: &str,
    t: &Template,
    exclude: Option<&str>,
) -> Result<(), Fail> {
    if exclude.is_none() {
        let sql = "SELECT 1 FROM templates WHERE id = $1";
        if query_opt(tx, sql, &[&txt(t.id.as_str())]).await?.is_some() {
            return Err(StoreError::Conflict(id_taken(t)).into());
        }
    }
    let sql = "SELECT 1 FROM templates WHERE subdomain = $1 AND id != $2";
    let other = txt(exclude.unwrap_or(""));
    if query_opt(tx, sql, &[&txt(&t.subdomain), &other])
        .await?
        .is_some()
    {
        return Err(StoreError::Conflict(subdomain_taken(t)).into());
    }
    for domain in &t.brand_domains {
        let sql = "SELECT 1 FROM brand_domains WHERE domain = $1 AND account_id != $2 LIMIT 1";
        if query_opt(tx, sql, &[&txt(domain), &txt(account_id)])
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict(format!(
                "the brand domain {domain} is already in use"
            ))
            .into());
        }
    }
    Ok(())
}

async fn write_brand_domains<C: GenericClient>(
    tx: &C,
    account_id: &str,
    t: &Template,
) -> Result<(), Fail> {
    let id = txt(t.id.as_str());
    execute(
        tx,
        "DELETE FROM brand_domains WHERE template_id = $1",
        &[&id],
    )
    .await?;
    for (position, domain) in (0i64..).zip(&t.brand_domains) {
        execute(
            tx,
            "INSERT INTO brand_domains (domain, template_id, account_id, position) VALUES ($1, $2, $3, $4)",
            &[&txt(domain), &id, &txt(account_id), &position],
        )
        .await?;
    }
    Ok(())
}

pub async fn create(
    pool: &Pool,
    account_id: &str,
    t: &Template,
    now: Timestamp,
) -> Result<(), Fail> {
    let allowed = serde_json::to_string(&t.allowed_redirect_domains)?;
    let mut c = pool.get().await?;
    let tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await?;
    check_unique(&tx, account_id, t, None).await?;
    execute(
        &tx,
        &format!("INSERT INTO templates ({TEMPLATE_COLUMNS}, account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"),
        &[
            &txt(t.id.as_str()),
            &txt(&t.subdomain),
            &opt(t.android_app_id.as_deref()),
            &opt(t.ios_app_id.as_deref()),
            &opt(t.uri_scheme.as_deref()),
            &opt(t.desktop_url.as_deref()),
            &txt(&allowed),
            &opt(t.og_title.as_deref()),
            &opt(t.og_description.as_deref()),
            &opt(t.og_image.as_deref()),
            &txt(account_id),
            &now.as_millis(),
        ],
    )
    .await
    .map_err(|f| unique_conflict(f, t))?;
    write_brand_domains(&tx, account_id, t).await?;
    changes::log(&tx, &Changed::Template(t.id.clone())).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn get(pool: &Pool, account_id: &str, id: &str) -> Result<Option<Template>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE account_id = $1 AND id = $2");
    let rows = query(&c, &sql, &[&txt(account_id), &txt(id)]).await?;
    Ok(read(&c, &rows).await?.pop())
}

pub async fn find(pool: &Pool, id: &str) -> Result<Option<Template>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1");
    let rows = query(&c, &sql, &[&txt(id)]).await?;
    Ok(read(&c, &rows).await?.pop())
}

pub async fn by_subdomain(pool: &Pool, subdomain: &str) -> Result<Option<Template>, Fail> {
    let c = pool.get().await?;
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE subdomain = $1");
    let rows = query(&c, &sql, &[&txt(subdomain)]).await?;
    Ok(read(&c, &rows).await?.pop())
}

pub async fn by_brand_domain(pool: &Pool, domain: &str) -> Result<Vec<Template>, Fail> {
    let c = pool.get().await?;
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id IN (SELECT template_id FROM brand_domains WHERE domain = $1) ORDER BY created_at, id"
    );
    let rows = query(&c, &sql, &[&txt(domain)]).await?;
    read(&c, &rows).await
}

pub async fn list(pool: &Pool, account_id: &str) -> Result<Vec<Template>, Fail> {
    let c = pool.get().await?;
    let sql = format!(
        "SELECT {TEMPLATE_COLUMNS} FROM templates WHERE account_id = $1 ORDER BY created_at, id"
    );
    let rows = query(&c, &sql, &[&txt(account_id)]).await?;
    read(&c, &rows).await
}

pub async fn update(pool: &Pool, account_id: &str, t: &Template) -> Result<bool, Fail> {
    let allowed = serde_json::to_string(&t.allowed_redirect_domains)?;
    let mut c = pool.get().await?;
    let tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await?;
    let sql = "SELECT 1 FROM templates WHERE account_id = $1 AND id = $2";
    if query_opt(&tx, sql, &[&txt(account_id), &txt(t.id.as_str())])
        .await?
        .is_none()
    {
        return Ok(false);
    }
    check_unique(&tx, account_id, t, Some(t.id.as_str())).await?;
    execute(
        &tx,
        "UPDATE templates SET subdomain = $2, android_app_id = $3, ios_app_id = $4, uri_scheme = $5, desktop_url = $6, allowed_redirect_domains = $7, og_title = $8, og_description = $9, og_image = $10 WHERE id = $1",
        &[
            &txt(t.id.as_str()),
            &txt(&t.subdomain),
            &opt(t.android_app_id.as_deref()),
            &opt(t.ios_app_id.as_deref()),
            &opt(t.uri_scheme.as_deref()),
            &opt(t.desktop_url.as_deref()),
            &txt(&allowed),
            &opt(t.og_title.as_deref()),
            &opt(t.og_description.as_deref()),
            &opt(t.og_image.as_deref()),
        ],
    )
    .await
    .map_err(|f| unique_conflict(f, t))?;
    write_brand_domains(&tx, account_id, t).await?;
    changes::log(&tx, &Changed::Template(t.id.clone())).await?;
    tx.commit().await?;
    Ok(true)
}

pub async fn delete(pool: &Pool, account_id: &str, id: &str) -> Result<bool, Fail> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let n = execute(
        &tx,
        "DELETE FROM templates WHERE account_id = $1 AND id = $2",
        &[&txt(account_id), &txt(id)],
    )
    .await?;
    if n == 1 {
        execute(&tx, "DELETE FROM links WHERE template_id = $1", &[&txt(id)]).await?;
        let template = TemplateId::from_stored(id.to_owned());
        changes::log(&tx, &Changed::TemplateDeleted(template)).await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// Template ids whose Android or iOS app is `app_id`.
pub async fn of_app(pool: &Pool, app_id: &str) -> Result<Vec<TemplateId>, Fail> {
    let c = pool.get().await?;
    let rows = query(
        &c,
        "SELECT id FROM templates WHERE android_app_id = $1 OR ios_app_id = $1 ORDER BY id",
        &[&txt(app_id)],
    )
    .await?;
    rows.iter()
        .map(|row| Ok(TemplateId::from_stored(text(row, 0)?)))
        .collect()
}
