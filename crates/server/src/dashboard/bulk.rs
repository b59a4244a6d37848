//! Links from a CSV file: one row per link, a column per parameter. The
//! rows go to the batch API as one batch, so each row gets its own result
//! and a bad row never stops the others; the results can be downloaded as
//! CSV, the uploaded columns followed by `shortlink_url` and `error`.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use waylink_core::template::Template;

use super::form::{CSRF_FIELD, csrf_rejected};
use super::layout::{Nav, csrf_field, error_box, page};
use super::links::template_heading;
use super::session::{OnTemplate, Session};
use crate::error::ApiError;
use crate::routes::batch::{self, MAX_BATCH};
use crate::state::AppState;

/// Columns that set the link rather than a parameter.
const LINK_COLUMNS: [&str; 3] = ["shortlink_id", "ttl", "brand_domain"];
/// The largest file accepted: 10000 rows of well over 500 bytes.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;

/// `GET /dashboard/templates/{tid}/bulk`.
pub async fn show(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
) -> Response {
    upload_page(&state, &session, &template, StatusCode::OK, None, html! {})
}

fn upload_page(
    state: &AppState,
    session: &Session,
    template: &Template,
    status: StatusCode,
    error: Option<&ApiError>,
    results: Markup,
) -> Response {
    let sample = "pid,c,deep_link_value,af_dp,shortlink_id,ttl\r\nsms,bananas,bananas,feedme://offers/bananas,bananas-sms,14d\r\nemail,apples,apples,feedme://offers/apples,,\r\n";
    let body = html! {
        (template_heading(state, template, "Upload CSV"))
        p { "One row per link. The first row names the columns: any link parameter ("
            code { "pid" } ", " code { "c" } ", " code { "deep_link_value" } ", " code { "af_dp" } ", your own), and "
            code { "shortlink_id" } ", " code { "ttl" } " and " code { "brand_domain" } " for the link itself. Empty cells are left out. At most "
            (MAX_BATCH) " rows." }
        p { a href=(data_url(sample)) download="waylink-links-sample.csv" { "Download a sample file" } }
        (error_box(error))
        form method="post" enctype="multipart/form-data" action={"/dashboard/templates/" (template.id) "/bulk"} {
            (csrf_field(session))
            label for="file" { "CSV file" }
            input id="file" name="file" type="file" accept=".csv,text/csv" required;
            button type="submit" { "Create links" }
        }
        (results)
    };
    page(status, "Upload CSV", Some(session), Nav::Templates, body)
}

fn data_url(csv: &str) -> String {
    format!(
        "data:text/csv;charset=utf-8;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(csv)
    )
}

/// `POST /dashboard/templates/{tid}/bulk`: a multipart upload of one file.
pub async fn upload(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
    multipart: Multipart,
) -> Response {
    let (token, file) = match read_upload(multipart).await {
        Ok(parts) => parts,
        Err(e) => {
            return upload_page(&state, &session, &template, e.status(), Some(&e), html! {});
        }
    };
    if !session.csrf_matches(&token) {
        return csrf_rejected(Some(&session));
    }
    let (header, rows) = match parse(&file) {
        Ok(parsed) => parsed,
        Err(e) => {
            return upload_page(&state, &session, &template, e.status(), Some(&e), html! {});
        }
    };
    let items: Vec<Value> = rows.iter().map(|row| item(&header, row)).collect();
    let outcome = batch::create_batch(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path(template.id.as_str().to_owned()),
        Bytes::from(Value::Array(items).to_string()),
    )
    .await;
    match outcome {
        Ok(axum::Json(results)) => {
            let shown = results_markup(&header, &rows, &results);
            upload_page(&state, &session, &template, StatusCode::OK, None, shown)
        }
        Err(e) => upload_page(&state, &session, &template, e.status(), Some(&e), html! {}),
    }
}

async fn read_upload(mut multipart: Multipart) -> Result<(String, Bytes), ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(
            "file",
            format!("the upload could not be read ({e}); choose the file again"),
        )
    };
    let mut token = String::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some(CSRF_FIELD) => token = field.text().await.map_err(unreadable)?,
            Some("file") => {
                let named = field.file_name().is_some_and(|n| !n.is_empty());
                file = Some((named, field.bytes().await.map_err(unreadable)?));
            }
            _ => {}
        }
    }
    match file {
        // A browser sends an empty part, without a file name, when no file
        // was chosen; a chosen file of no bytes says so.
        Some((true, f)) if f.is_empty() => Err(ApiError::invalid(
            "file",
            "the file is empty; its first row must name the columns",
        )),
        Some((_, f)) if !f.is_empty() => Ok((token, f)),
        _ => Err(ApiError::invalid("file", "choose a CSV file to upload")),
    }
}

/// The header and the rows of a CSV file; a row of the wrong length is
/// kept and reported by the batch as its own error.
fn parse(file: &[u8]) -> Result<(Vec<String>, Vec<Vec<String>>), ApiError> {
    let text = std::str::from_utf8(file).map_err(|_| {
        ApiError::invalid(
            "file",
            "the file is not UTF-8 text; save it as \"CSV UTF-8\" and upload it again",
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let bad = |e: csv::Error| ApiError::invalid("file", format!("the file is not valid CSV: {e}"));
    let header: Vec<String> = match records.next() {
        Some(r) => r
            .map_err(bad)?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect(),
        None => {
            return Err(ApiError::invalid(
                "file",
                "the file is empty; its first row must name the columns",
            ));
        }
    };
    if header.iter().all(String::is_empty) {
        return Err(ApiError::invalid(
            "file",
            "the first row must name the columns, such as pid,c,deep_link_value",
        ));
    }
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(bad)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(record.iter().map(str::to_owned).collect());
    }
    if rows.is_empty() {
        return Err(ApiError::invalid(
            "file",
            "the file has no rows of links under its header",
        ));
    }
    if rows.len() > MAX_BATCH {
        return Err(ApiError::invalid(
            "file",
            format!(
                "the file has {} rows; at most {MAX_BATCH} can be uploaded at once, so split it",
                rows.len()
            ),
        ));
    }
    Ok((header, rows))
}

/// The batch item of a row: a row longer or shorter than the header is
/// sent as an item the batch refuses, with a message naming the row.
fn item(header: &[String], row: &[String]) -> Value {
    if row.len() != header.len() {
        return json!(format!(
            "this row has {} cells and the header {}; every row needs one cell per column",
            row.len(),
            header.len()
        ));
    }
    let mut data = Map::new();
    let mut item = Map::new();
    for (name, cell) in header.iter().zip(row) {
        let cell = cell.trim();
        if name.is_empty() || cell.is_empty() {
            continue;
        }
        if LINK_COLUMNS.contains(&name.as_str()) {
            item.insert(name.clone(), json!(cell));
        } else {
            data.insert(name.clone(), json!(cell));
        }
    }
    item.insert("data".into(), Value::Object(data));
    Value::Object(item)
}

fn outcome(result: &Value, row: &Value) -> (String, String) {
    if let Some(url) = result["shortlink_url"].as_str() {
        return (url.to_owned(), String::new());
    }
    let message = match row {
        // The batch's message for a non-object item is generic; say why.
        Value::String(why) => why.clone(),
        _ => result["message"]
            .as_str()
            .unwrap_or("not created")
            .to_owned(),
    };
    (String::new(), message)
}

fn results_markup(header: &[String], rows: &[Vec<String>], results: &[Value]) -> Markup {
    let outcomes: Vec<(String, String)> = rows
        .iter()
        .zip(results)
        .map(|(row, result)| outcome(result, &item(header, row)))
        .collect();
    let created = outcomes.iter().filter(|(url, _)| !url.is_empty()).count();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut head = header.to_vec();
    head.extend(["shortlink_url".to_owned(), "error".to_owned()]);
    let mut written = out.write_record(&head).is_ok();
    for (row, (url, error)) in rows.iter().zip(&outcomes) {
        let mut line = row.clone();
        // A row of the wrong length is cut or padded to the header's, so
        // that its error still lands in the error column (and the writer,
        // which refuses records of unequal length, writes it at all).
        line.resize(header.len(), String::new());
        line.extend([url.clone(), error.clone()]);
        written &= out.write_record(&line).is_ok();
    }
    let csv_text = out
        .into_inner()
        .ok()
        .filter(|_| written)
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    html! {
        section.results aria-live="polite" {
            h2 { (created) " of " (rows.len()) " links created" }
            p { a.button href=(data_url(&csv_text)) download="waylink-links-results.csv" { "Download the results as CSV" } }
            div.table-wrap { table {
                thead { tr { th { "#" } th { "Short URL" } th { "Error" } } }
                tbody {
                    @for (i, (url, error)) in outcomes.iter().enumerate() {
                        tr class=(if error.is_empty() { "ok" } else { "failed" }) {
                            td.num { (i + 1) }
                            td { @if !url.is_empty() { a href=(url) { (url) } } }
                            td { (error) }
                        }
                    }
                }
            } }
        }
    }
}
