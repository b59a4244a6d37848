//! Templates: the list, and the form that creates and edits one. Writes go
//! through the template API's own handlers, so the dashboard checks and
//! answers exactly what the API does.

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use waylink_core::app::{App, Platform};
use waylink_core::template::Template;

use super::form::{Fields, SignedForm};
use super::layout::{Nav, csrf_field, error_box, error_page, page};
use super::session::{OnTemplate, Session};
use crate::error::ApiError;
use crate::links::owned_template;
use crate::routes::templates as api;
use crate::state::AppState;

/// `GET /dashboard/templates`.
pub async fn list(State(state): State<Arc<AppState>>, session: Session) -> Response {
    let account = &session.caller.account.account_id;
    let templates = match state.store.list_templates(account).await {
        Ok(t) => t,
        Err(e) => return error_page(Some(&session), &e.into()),
    };
    let body = html! {
        div.heading {
            h1 { "Templates" }
            a.button href="/dashboard/templates/new" { "New template" }
        }
        @if templates.is_empty() {
            p { "No templates yet. A template holds your apps and domains; every link is made on one." }
        } @else {
            p.hint { "Choose a template to build a link on it, see its links or its statistics." }
            div.cards {
                @for t in &templates {
                    article.card {
                        h2 { a href={"/dashboard/templates/" (t.id) "/links"} { (t.id) } }
                        p { code { (state.public.template_host(t)) } }
                        @for d in &t.brand_domains { p { code { (d) } } }
                        p.apps {
                            @if let Some(a) = &t.android_app_id { span.tag { "Android " (a) } }
                            @if let Some(i) = &t.ios_app_id { span.tag { "iOS " (i) } }
                        }
                        p.actions {
                            a.button href={"/dashboard/templates/" (t.id) "/links/new"} { "Build a link" }
                            a href={"/dashboard/templates/" (t.id) "/links"} { "Links" }
                            a href={"/dashboard/templates/" (t.id) "/stats"} { "Statistics" }
                            a href={"/dashboard/templates/" (t.id) "/bulk"} { "Upload CSV" }
                            a href={"/dashboard/templates/" (t.id) "/edit"} { "Edit" }
                        }
                    }
                }
            }
        }
    };
    page(
        StatusCode::OK,
        "Templates",
        Some(&session),
        Nav::Templates,
        body,
    )
}

/// `GET /dashboard/templates/new`.
pub async fn new(State(state): State<Arc<AppState>>, session: Session) -> Response {
    form_page(&state, &session, None, &Fields::default(), None).await
}

/// `GET /dashboard/templates/{tid}/edit`.
pub async fn edit(
    State(state): State<Arc<AppState>>,
    OnTemplate { session, template }: OnTemplate,
) -> Response {
    form_page(
        &state,
        &session,
        Some(&template),
        &fields_of(&template),
        None,
    )
    .await
}

/// `POST /dashboard/templates`: creates through `POST /api/v1/templates`.
pub async fn create(State(state): State<Arc<AppState>>, form: SignedForm) -> Response {
    let SignedForm { session, fields } = form;
    let mut body = body_of(&fields, false);
    if let Some(id) = fields.get("id") {
        body.insert("id".into(), json!(id));
    }
    let outcome = api::create(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Bytes::from(Value::Object(body).to_string()),
    )
    .await;
    match outcome {
        Ok((_, axum::Json(t))) => {
            let id = t["id"].as_str().unwrap_or_default();
            Redirect::to(&format!("/dashboard/templates/{id}/links")).into_response()
        }
        Err(e) => form_page(&state, &session, None, &fields, Some(&e)).await,
    }
}

/// `POST /dashboard/templates/{tid}`: saves through the API's merge patch.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(tid): Path<String>,
    form: SignedForm,
) -> Response {
    let SignedForm { session, fields } = form;
    let outcome = api::update(
        State(Arc::clone(&state)),
        Extension(session.caller.clone()),
        Path(tid.clone()),
        Bytes::from(Value::Object(body_of(&fields, true)).to_string()),
    )
    .await;
    match outcome {
        Ok(_) => Redirect::to(&format!("/dashboard/templates/{tid}/links")).into_response(),
        Err(e) if e.status() == StatusCode::NOT_FOUND => error_page(Some(&session), &e),
        Err(e) => match owned_template(&state, &session.caller, &tid).await {
            Ok(t) => form_page(&state, &session, Some(&t), &fields, Some(&e)).await,
            Err(e) => error_page(Some(&session), &e),
        },
    }
}

const TEXT_FIELDS: [&str; 8] = [
    "subdomain",
    "android_app_id",
    "ios_app_id",
    "uri_scheme",
    "desktop_url",
    "og_title",
    "og_description",
    "og_image",
];
const LIST_FIELDS: [&str; 2] = ["brand_domains", "allowed_redirect_domains"];

/// The API body of the form: blank fields are left out of a create and
/// cleared (`null`) by an edit.
fn body_of(fields: &Fields, clear_blanks: bool) -> Map<String, Value> {
    let mut body = Map::new();
    for name in TEXT_FIELDS {
        match fields.get(name) {
            Some(v) => drop(body.insert(name.into(), json!(v))),
            None if clear_blanks => drop(body.insert(name.into(), Value::Null)),
            None => {}
        }
    }
    for name in LIST_FIELDS {
        body.insert(name.into(), json!(fields.lines(name)));
    }
    body
}

/// The form's fields of a stored template.
fn fields_of(t: &Template) -> Fields {
    let mut pairs = vec![("subdomain".to_owned(), t.subdomain.clone())];
    for (name, value) in [
        ("android_app_id", &t.android_app_id),
        ("ios_app_id", &t.ios_app_id),
        ("uri_scheme", &t.uri_scheme),
        ("desktop_url", &t.desktop_url),
        ("og_title", &t.og_title),
        ("og_description", &t.og_description),
        ("og_image", &t.og_image),
    ] {
        if let Some(v) = value {
            pairs.push((name.to_owned(), v.clone()));
        }
    }
    pairs.push(("brand_domains".into(), t.brand_domains.join("\n")));
    pairs.push((
        "allowed_redirect_domains".into(),
        t.allowed_redirect_domains.join("\n"),
    ));
    Fields(pairs)
}

fn app_select(name: &str, label: &str, apps: &[App], platform: Platform, f: &Fields) -> Markup {
    let chosen = f.get(name).unwrap_or_default();
    html! {
        label for=(name) { (label) }
        select id=(name) name=(name) {
            option value="" { "None" }
            @for app in apps.iter().filter(|a| a.platform == platform) {
                option value=(app.app_id) selected[app.app_id == chosen] { (app.app_id) }
            }
        }
    }
}

fn text_input(name: &str, label: &str, hint: &str, f: &Fields) -> Markup {
    html! {
        label for=(name) { (label) }
        input id=(name) name=(name) value=(f.get(name).unwrap_or_default());
        @if !hint.is_empty() { small { (hint) } }
    }
}

async fn form_page(
    state: &AppState,
    session: &Session,
    editing: Option<&Template>,
    f: &Fields,
    error: Option<&ApiError>,
) -> Response {
    let apps = match state
        .store
        .list_apps(&session.caller.account.account_id)
        .await
    {
        Ok(apps) => apps,
        Err(e) => return error_page(Some(session), &e.into()),
    };
    let (title, action) = match editing {
        Some(t) => (
            format!("Template {}", t.id),
            format!("/dashboard/templates/{}", t.id),
        ),
        None => ("New template".to_owned(), "/dashboard/templates".to_owned()),
    };
    let status = error.map_or(StatusCode::OK, ApiError::status);
    let body = html! {
        h1 { (title) }
        @if let Some(t) = editing {
            p { "Domain " code { (state.public.template_host(t)) } " · "
                a href=(state.public.template_url(t, "/.well-known/apple-app-site-association")) { "apple-app-site-association" } " · "
                a href=(state.public.template_url(t, "/.well-known/assetlinks.json")) { "assetlinks.json" } }
        }
        (error_box(error))
        form.grid method="post" action=(action) {
            (csrf_field(session))
            @if editing.is_none() {
                (text_input("id", "Template id", "4 to 8 letters or digits; left blank, one is chosen for you", f))
            }
            (text_input("subdomain", "Subdomain", "Links are served on {subdomain}.{base domain}", f))
            (app_select("android_app_id", "Android app", &apps, Platform::Android, f))
            (app_select("ios_app_id", "iOS app", &apps, Platform::Ios, f))
            (text_input("uri_scheme", "App URI scheme", "feedme, for deep links such as feedme://offers/bananas", f))
            (text_input("desktop_url", "Desktop URL", "Where desktop browsers go", f))
            label for="brand_domains" { "Brand domains, one per line" }
            textarea id="brand_domains" name="brand_domains" rows="3" { (f.get("brand_domains").unwrap_or_default()) }
            label for="allowed_redirect_domains" { "Allowed redirect domains, one per line" }
            textarea id="allowed_redirect_domains" name="allowed_redirect_domains" rows="3" { (f.get("allowed_redirect_domains").unwrap_or_default()) }
            (text_input("og_title", "Social preview title", "", f))
            (text_input("og_description", "Social preview description", "", f))
            (text_input("og_image", "Social preview image URL", "", f))
            div.actions { button type="submit" { "Save template" } }
        }
    };
    page(status, &title, Some(session), Nav::Templates, body)
}
