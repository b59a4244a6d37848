//! A template's links: the builder, the list with filters and pages, and
//! each link's page (short URL, QR code, where devices go, statistics,
//! edit, delete). Writes go through the v2 short-link API's handlers, so
//! they are checked, counted against the quota and cached as the API's are.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::Value;
use waylink_core::link::Link;
use waylink_core::template::Template;

use super::builder::{self, fields_of, parameter_fields};
use super::form::{Fields, SignedForm};
use super::layout::{Nav, csrf_field, error_box, error_page, page};
use super::session::{OnTemplate, Session};
use crate::error::ApiError;
use crate::links::{owned_template, query_pairs};
use crate::routes::stats::StatsRequest;
use crate::routes::{listing, shortlinks_v2 as api};
use crate::state::AppState;

/// Links in a page of the list.
const PAGE_SIZE: usize = 25;

fn link_path(tid: &str, sid: &str) -> String {
    format!("/dashboard/templates/{tid}/links/{sid}")
}

/// `GET /dashboard/templates/{tid}/links?{key}={value}...&cursor=`: the
/// template's live links, newest first, filtered on any parameters.
pub async fn list(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
    RawQuery(query): RawQuery,
) -> Response {
    let tid = template.id.as_str();
    // The filter form sends key/value rows; the API takes `key=value`.
    let asked = Fields(query_pairs(query.as_deref()));
    let mut filters: Vec<(String, String)> = asked
        .all("key")
        .into_iter()
        .zip(asked.all("value"))
        .filter(|(k, _)| !k.trim().is_empty())
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut api_query: Vec<(String, String)> = filters.clone();
    api_query.push(("limit".into(), PAGE_SIZE.to_string()));
    if let Some(cursor) = asked.get("cursor") {
        api_query.push(("cursor".into(), cursor.to_owned()));
    }
    let encoded = encode_query(&api_query);
    let outcome = listing::list_links(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path(tid.to_owned()),
        RawQuery(Some(encoded)),
    )
    .await;
    let (links, next, error) = match outcome {
        Ok(axum::Json(v)) => (
            v["links"].as_array().cloned().unwrap_or_default(),
            v["next_cursor"].as_str().map(str::to_owned),
            None,
        ),
        Err(e) => (Vec::new(), None, Some(e)),
    };
    let shown_filters = filters.len();
    filters.resize(shown_filters.max(2) + 1, (String::new(), String::new()));
    let base = format!("/dashboard/templates/{tid}/links");
    let filter_query = encode_query(
        &filters
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .flat_map(|(k, v)| [("key".into(), k.clone()), ("value".into(), v.clone())])
            .collect::<Vec<_>>(),
    );
    let body = html! {
        (template_heading(&state, &template, "Links"))
        form.filters method="get" action=(base) {
            @for (k, v) in &filters {
                div.custom-row {
                    input name="key" aria-label="Filter parameter" placeholder="pid" value=(k) list="parameter-names";
                    input name="value" aria-label="Filter value" placeholder="sms" value=(v);
                }
            }
            datalist id="parameter-names" {
                @for (_, _, fields) in builder::SECTIONS { @for (name, _, _) in *fields { option value=(name) {} } }
            }
            button type="submit" { "Filter" }
            @if shown_filters > 0 { a href=(base) { "Clear filters" } }
        }
        @if let Some(e) = &error { (error_box(Some(e))) }
        @if links.is_empty() && error.is_none() {
            p { "No live links" @if shown_filters > 0 { " match these filters" } "." }
        } @else {
            div.table-wrap { table {
                thead { tr { th { "Short URL" } th { "Media source" } th { "Campaign" } th { "Deep link value" } th { "Created" } th { "Expires" } } }
                tbody {
                    @for link in &links {
                        @let sid = link["shortlink_id"].as_str().unwrap_or_default();
                        tr {
                            td { a href=(link_path(tid, sid)) { (link["shortlink_url"].as_str().unwrap_or_default()) } }
                            td { (text(&link["data"]["pid"])) }
                            td { (text(&link["data"]["c"])) }
                            td { (text(&link["data"]["deep_link_value"])) }
                            td { (text(&link["created_at"])) }
                            td { (text(&link["expiry"])) }
                        }
                    }
                }
            } }
        }
        nav.pager aria-label="Pages" {
            @if asked.get("cursor").is_some() { a href={(base) "?" (filter_query)} { "First page" } }
            @if let Some(next) = next {
                a href={(base) "?" (filter_query) "&cursor=" (next)} { "Next page" }
            }
        }
    };
    page(
        error.as_ref().map_or(StatusCode::OK, ApiError::status),
        &format!("Links of {tid}"),
        Some(&session),
        Nav::Templates,
        body,
    )
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("")
}

fn encode_query(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The heading of a template's pages, with its sections.
pub fn template_heading(state: &AppState, t: &Template, section: &str) -> Markup {
    let base = format!("/dashboard/templates/{}", t.id);
    html! {
        p.crumbs { a href="/dashboard/templates" { "Templates" } " / " (t.id) " · " code { (state.public.template_host(t)) } }
        h1 { (section) }
        nav.tabs aria-label="Template" {
            a href={(base) "/links/new"} aria-current=[(section == "Build a link").then_some("page")] { "Build a link" }
            a href={(base) "/links"} aria-current=[(section == "Links").then_some("page")] { "Links" }
            a href={(base) "/stats"} aria-current=[(section == "Statistics").then_some("page")] { "Statistics" }
            a href={(base) "/bulk"} aria-current=[(section == "Upload CSV").then_some("page")] { "Upload CSV" }
            a href={(base) "/edit"} { "Edit template" }
        }
    }
}

fn builder_page(
    state: &AppState,
    session: &Session,
    template: &Template,
    f: &Fields,
    error: Option<&ApiError>,
) -> Response {
    let body = html! {
        (template_heading(state, template, "Build a link"))
        (error_box(error))
        form.builder method="post" action={"/dashboard/templates/" (template.id) "/links"} {
            (csrf_field(session))
            (parameter_fields(f))
            (link_options(template, f, true))
            div.actions { button type="submit" { "Create short link" } }
        }
    };
    let status = error.map_or(StatusCode::OK, ApiError::status);
    page(status, "Build a link", Some(session), Nav::Templates, body)
}

fn link_options(template: &Template, f: &Fields, creating: bool) -> Markup {
    let chosen = f.get("brand_domain").unwrap_or_default();
    html! {
        fieldset {
            legend { "The short link" }
            div.fields {
                @if creating {
                    div.field {
                        label for="shortlink_id" { "Custom id" }
                        input id="shortlink_id" name="shortlink_id" value=(f.get("shortlink_id").unwrap_or_default()) placeholder="bananas7 (blank: generated)";
                    }
                }
                div.field {
                    label for="ttl" { "Lives for" }
                    input id="ttl" name="ttl" value=(f.get("ttl").unwrap_or_default()) placeholder="31d (also 10m, 20h, 14d)";
                    @if !creating { small { "From now when saved, as the API's update: blank is 31 days" } }
                }
                div.field {
                    label for="brand_domain" { "Domain" }
                    select id="brand_domain" name="brand_domain" {
                        option value="" { "The template's domain" }
                        @for d in &template.brand_domains { option value=(d) selected[d == chosen] { (d) } }
                    }
                }
            }
        }
    }
}

/// `GET /dashboard/templates/{tid}/links/new`: the link builder.
pub async fn new(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
) -> Response {
    builder_page(&state, &session, &template, &Fields::default(), None)
}

/// `POST /dashboard/templates/{tid}/links`: creates through the v2 API.
pub async fn create(
    State(state): State<Arc<AppState>>,
    Path(tid): Path<String>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let template = match owned_template(&state, &session.caller, &tid).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(&session), &e),
    };
    let outcome = api::create(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path(tid.clone()),
        Bytes::from(builder::body_of(&fields).to_string()),
    )
    .await;
    match outcome {
        Ok(axum::Json(v)) => {
            let url = v["shortlink_url"].as_str().unwrap_or_default();
            let sid = url.rsplit('/').next().unwrap_or_default();
            Redirect::to(&link_path(&tid, sid)).into_response()
        }
        Err(e) => builder_page(&state, &session, &template, &fields, Some(&e)),
    }
}

/// `GET /dashboard/templates/{tid}/links/{sid}`: the link's page.
pub async fn show(
    State(state): State<Arc<AppState>>,
    session: Session,
    Path((tid, sid)): Path<(String, String)>,
) -> Response {
    link_page(&state, &session, &tid, &sid, None, None).await
}

/// The account's live link `sid` of its template `tid`, with the template.
pub async fn owned_link(
    state: &AppState,
    session: &Session,
    tid: &str,
    sid: &str,
) -> Result<(Template, Link), ApiError> {
    let template = owned_template(state, &session.caller, tid).await?;
    let link = crate::links::read(state, &template, sid).await?;
    Ok((template, link))
}

async fn link_page(
    state: &Arc<AppState>,
    session: &Session,
    tid: &str,
    sid: &str,
    edited: Option<&Fields>,
    error: Option<&ApiError>,
) -> Response {
    let (template, link) = match owned_link(state, session, tid, sid).await {
        Ok(found) => found,
        Err(e) => return error_page(Some(session), &e),
    };
    // The link's statistics over the API's default range, on the template
    // and link already read.
    let asked = StatsRequest::parse(state, Some(sid.to_owned()), None);
    let totals = match asked {
        Ok(asked) => match asked.rows(state, &template).await {
            Ok(rows) => asked.view(&template, &[], &rows)["totals"].clone(),
            Err(_) => Value::Null,
        },
        Err(_) => Value::Null,
    };
    let fields = edited.cloned().unwrap_or_else(|| {
        // The domain select shows the link's own domain, not the template's.
        let mut fields = fields_of(&link.data);
        if let Some(domain) = &link.brand_domain {
            fields.0.push(("brand_domain".into(), domain.clone()));
        }
        fields
    });
    let status = error.map_or(StatusCode::OK, ApiError::status);
    let body = link_body(state, session, &template, &link, &totals, &fields, error);
    page(status, sid, Some(session), Nav::Templates, body)
}

fn link_body(
    state: &AppState,
    session: &Session,
    template: &Template,
    link: &Link,
    totals: &Value,
    fields: &Fields,
    error: Option<&ApiError>,
) -> Markup {
    let url = state
        .public
        .short_url(template, link.brand_domain.as_deref(), &link.shortlink_id);
    let path = link_path(template.id.as_str(), link.shortlink_id.as_str());
    let now = state.clock.now();
    html! {
        (template_heading(state, template, "Short link"))
        section.result {
            div {
                p.short-url { a href=(url) id="short-url" { (url) } }
                button type="button" data-copy=(url) { "Copy link" }
                p.hint { "Expires " (link.expires_at.to_rfc3339()) " (" (link.seconds_left(now) / 86_400) " days left)" }
                h2 { "Where it goes" }
                dl.preview {
                    @for (device, destination) in builder::preview(state, template, &link.data) {
                        dt { (device) } dd { (destination) }
                    }
                }
                p.hint { "On a phone with the app installed, the app opens at once with the link's deep link value." }
            }
            figure.qr {
                img src={(path) "/qr.svg"} alt={"QR code of " (url)} width="240" height="240";
                figcaption {
                    a href={(path) "/qr.png"} download={(link.shortlink_id) ".png"} { "Download PNG" } " · "
                    a href={(path) "/qr.svg"} download={(link.shortlink_id) ".svg"} { "Download SVG" }
                }
            }
        }
        h2 { "Statistics" }
        (super::stats::totals_line(totals))
        p { a href={"/dashboard/templates/" (template.id) "/stats?shortlink_id=" (link.shortlink_id)} { "Statistics of this link by day" } }
        h2 { "Edit" }
        (error_box(error))
        form.builder method="post" action=(path) {
            (csrf_field(session))
            (parameter_fields(fields))
            (link_options(template, fields, false))
            div.actions { button type="submit" { "Save changes" } }
        }
        form.danger method="post" action={(path) "/delete"} {
            (csrf_field(session))
            button.danger type="submit" { "Delete this link" }
        }
    }
}

/// `POST /dashboard/templates/{tid}/links/{sid}`: saves through the v2 API.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path((tid, sid)): Path<(String, String)>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let outcome = api::update(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path((tid.clone(), sid.clone())),
        Bytes::from(builder::body_of(&fields).to_string()),
    )
    .await;
    match outcome {
        Ok(_) => Redirect::to(&link_path(&tid, &sid)).into_response(),
        Err(e) if e.status() == StatusCode::NOT_FOUND => error_page(Some(&session), &e),
        Err(e) => link_page(&state, &session, &tid, &sid, Some(&fields), Some(&e)).await,
    }
}

/// `POST /dashboard/templates/{tid}/links/{sid}/delete`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    Path((tid, sid)): Path<(String, String)>,
    form: SignedForm,
) -> Response {
    let session = form.session;
    let outcome = api::delete(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path((tid.clone(), sid)),
    )
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/dashboard/templates/{tid}/links")).into_response(),
        Err(e) => error_page(Some(&session), &e),
    }
}
