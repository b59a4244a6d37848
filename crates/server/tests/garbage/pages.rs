//! The dashboard's side of the flood: signing in through the real forms,
//! the rules its answers keep, and what they show the flood reached.

use serde_json::json;
use waylink_test_utils::TestApp;

use crate::generator::{APP, DECOY, SID, TID};

/// True for the paths the dashboard's router serves.
pub fn is_dashboard(path: &str) -> bool {
    path == "/dashboard" || path.starts_with("/dashboard/")
}

/// What a dashboard answer shows it reached, to check the flood gets deep.
pub fn reached(path: &str, location: Option<&str>, body: &str) -> Option<&'static str> {
    if !is_dashboard(path) {
        None
    } else if body.contains("This form has expired") {
        Some("a form refused for its CSRF token")
    } else if body.contains("<section class=\"results\"") {
        Some("an upload's results")
    } else if body.contains("action=\"/dashboard/sign-out\"") {
        Some("a signed-in page")
    } else if location.is_some_and(|l| l != "/dashboard/sign-in") {
        Some("a redirect other than to sign in")
    } else {
        None
    }
}

/// The rules of dashboard answers: a redirect stays on the dashboard, as
/// a relative path; an HTML page runs only the dashboard's own script
/// files (no nonces), is never cached or sniffed, and shows hostile input
/// escaped.
pub fn check_dashboard_answer(
    status: reqwest::StatusCode,
    header: &dyn Fn(&str) -> Option<String>,
    body: &str,
) -> Result<(), String> {
    if let Some(location) = header("location") {
        let ours = location == "/dashboard"
            || ["/dashboard/", "/dashboard?"]
                .iter()
                .any(|p| location.starts_with(p));
        let clean = !location
            .bytes()
            .any(|b| b <= b' ' || b == 0x7f || b == b'\\');
        if !status.is_redirection() || !ours || !clean {
            return Err(format!(
                "{status}: a bad dashboard redirect to {location:?}"
            ));
        }
    }
    if !header("content-type").is_some_and(|t| t.starts_with("text/html")) {
        return Ok(());
    }
    let csp = header("content-security-policy").unwrap_or_default();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("script-src "));
    let nosniff = header("x-content-type-options").as_deref() == Some("nosniff");
    let no_store = header("cache-control").as_deref() == Some("no-store");
    let lower = body.to_ascii_lowercase();
    let scripts_ours = lower
        .match_indices("<script")
        .all(|(at, _)| lower[at..].starts_with("<script src=\"/dashboard/assets/"));
    let unescaped = ["<script>alert", "<img src=x onerror"]
        .iter()
        .any(|h| lower.contains(h));
    if script_src != Some("'self'") || !nosniff || !no_store || !scripts_ours || unescaped {
        return Err(format!(
            "{status}: an unsafe dashboard page: {csp:?} {body}"
        ));
    }
    Ok(())
}

/// The value of cookie `name` set by `response`.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> String {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.strip_prefix(&prefix))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_owned())
        .next()
        .unwrap_or_else(|| panic!("no {name} cookie: {:?}", response.headers()))
}

/// The value of the first hidden `_csrf` field of a page.
pub fn csrf_of(page: &str) -> String {
    let needle = "name=\"_csrf\" value=\"";
    let start = page.find(needle).expect("a _csrf field") + needle.len();
    let end = page[start..].find('"').expect("the value's end");
    page[start..start + end].to_owned()
}

/// Signs in through the dashboard's forms as a browser does, and answers
/// the session cookie and its CSRF token, read from the templates page.
pub async fn sign_in(app: &TestApp, key: &str) -> (String, String) {
    let form = app
        .client
        .get(app.url("/dashboard/sign-in"))
        .send()
        .await
        .expect("the sign-in page");
    assert_eq!(form.status(), 200);
    let token = set_cookie(&form, "waylink_sign_in");
    assert_eq!(csrf_of(&form.text().await.expect("a page")), token);
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("_csrf", &token)
        .append_pair("api_key", key)
        .finish();
    let signed_in = app
        .client
        .post(app.url("/dashboard/sign-in"))
        .header("cookie", format!("waylink_sign_in={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("the sign-in answer");
    assert_eq!(signed_in.status(), 303);
    let session = set_cookie(&signed_in, "waylink_session");
    let page = templates_page(app, &session).await;
    (session, csrf_of(&page))
}

/// The templates page of a session, asserted to show the flood's template.
pub async fn templates_page(app: &TestApp, session: &str) -> String {
    let answer = app
        .client
        .get(app.url("/dashboard/templates"))
        .header("cookie", format!("waylink_session={session}"))
        .send()
        .await
        .expect("the templates page");
    assert_eq!(answer.status(), 200);
    let page = answer.text().await.expect("a page");
    let link = format!("href=\"/dashboard/templates/{TID}/links\"");
    assert!(page.contains(&link), "{page}");
    page
}

/// The dashboard still signs in, shows the templates, and the link the
/// API made after the flood; the flood's session still works.
pub async fn assert_dashboard_still_serves(app: &TestApp, key: &str, old_session: &str) {
    let (session, _) = sign_in(app, key).await;
    templates_page(app, old_session).await;
    let answer = app
        .client
        .get(app.url(&format!("/dashboard/templates/{TID}/links/after2")))
        .header("cookie", format!("waylink_session={session}"))
        .send()
        .await
        .expect("the link's page");
    assert_eq!(answer.status(), 200);
    let page = answer.text().await.expect("a page");
    assert!(page.contains(&format!("/{TID}/after2")), "{page}");
}

/// The path literals of `source`'s `.route(` calls; every call has one.
pub fn routed_paths(source: &str) -> Vec<&str> {
    source
        .split(".route(")
        .skip(1)
        .map(|call| {
            let call = call.trim_start();
            let literal = call.strip_prefix('"').expect("a route path is a literal");
            &literal[..literal.find('"').expect("the literal's end")]
        })
        .collect()
}

/// Makes the decoy template the dashboard's destructive forms aim at,
/// with a link `SID`, and signs in: the session cookie and CSRF token.
pub async fn prepare_dashboard(app: &TestApp, api_key: &str) -> (String, String) {
    let key = Some(api_key);
    let decoy = json!({"id": DECOY, "subdomain": "garbagedecoy", "android_app_id": APP});
    let (status, body) = app
        .json("POST", "/api/v1/templates", key, Some(decoy))
        .await;
    assert_eq!(status, 201, "{body}");
    let link = json!({"shortlink_id": SID, "data": {"pid": "sms"}});
    let path = format!("/api/v2.0/shortlinks/{DECOY}");
    let (status, body) = app.json("POST", &path, key, Some(link)).await;
    assert_eq!(status, 200, "{body}");
    sign_in(app, api_key).await
}
