//! Reading the dashboard's pages with plain string search: answers,
//! their headers and cookies, forms as a browser would post them, and
//! `maud`'s escaping.

use reqwest::header::HeaderMap;

use super::CSP;

/// An answer, read whole.
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    pub body: String,
}

impl Page {
    /// Reads an answer whole.
    pub async fn read(response: reqwest::Response) -> Page {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body").to_vec();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        Page {
            status,
            headers,
            bytes,
            body,
        }
    }

    /// A header as text, `""` when absent.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("a text header"))
            .unwrap_or("")
    }

    /// The `location` of a `303`.
    pub fn location(&self) -> &str {
        assert_eq!(self.status, 303, "not a 303: {}", self.body);
        self.header("location")
    }

    /// The whole `set-cookie` line of cookie `name`, if the answer sets it.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().expect("a text cookie").to_owned())
            .find(|line| line.starts_with(&format!("{name}=")))
    }

    /// The value of the first hidden `_csrf` field of the page.
    pub fn csrf(&self) -> String {
        let needle = "name=\"_csrf\" value=\"";
        let start = self.body.find(needle).expect("a _csrf field") + needle.len();
        let end = self.body[start..].find('"').expect("the value's end");
        self.body[start..start + end].to_owned()
    }

    /// Asserts an HTML page of the dashboard with `status`.
    pub fn assert_page(&self, status: u16) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), "text/html; charset=utf-8");
        assert_eq!(self.header("content-security-policy"), CSP);
        assert_eq!(self.header("cache-control"), "no-store");
        assert!(self.body.starts_with("<!DOCTYPE html>"), "{}", self.body);
    }

    /// Asserts the HTML 404 page of the dashboard.
    pub fn assert_not_found(&self, what: &str) {
        self.assert_page(404);
        assert!(self.body.contains("<h1>Not found</h1>"), "{}", self.body);
        assert!(
            self.body.contains(&format!("{what} was not found")),
            "{}",
            self.body
        );
    }

    /// Asserts the error box shows `message` (escaped as the page shows it).
    pub fn assert_error(&self, status: u16, message: &str) {
        self.assert_page(status);
        assert!(
            self.body.contains("role=\"alert\""),
            "no error box: {}",
            self.body
        );
        assert!(
            self.body.contains(&escape(message)),
            "{message:?} not shown: {}",
            self.body
        );
    }

    /// The fields a browser would post from the form whose action is
    /// `action`: inputs (checked boxes only), text areas, and the chosen
    /// option of each select.
    pub fn form(&self, action: &str) -> Form {
        self.form_with(&format!("action=\"{action}\""))
    }

    /// The fields of the first form whose opening tag holds `marker`.
    pub fn form_with(&self, marker: &str) -> Form {
        let at = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no form with {marker}: {}", self.body));
        let start = self.body[..at].rfind("<form").expect("the form's start");
        let end = at + self.body[at..].find("</form>").expect("the form's end");
        Form::read(&self.body[start..end])
    }

    /// The text of the element that starts with `open` (e.g.
    /// `<dd data-stat="clicks">`), up to its closing tag.
    pub fn text_after(&self, open: &str) -> String {
        let start = self
            .body
            .find(open)
            .unwrap_or_else(|| panic!("no {open}: {}", self.body))
            + open.len();
        let end = self.body[start..].find("</").expect("a closing tag");
        unescape(&self.body[start..start + end])
    }
}

/// The fields of a form, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    fn read(html: &str) -> Form {
        let mut fields = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find('<') {
            rest = &rest[at..];
            let tag_end = rest.find('>').expect("a tag's end");
            let tag = &rest[..=tag_end];
            let name = attr(tag, "name");
            if tag.starts_with("<input ") {
                let kind = attr(tag, "type").unwrap_or_default();
                let skipped = matches!(kind.as_str(), "file" | "submit")
                    || (kind == "checkbox" && !tag.contains(" checked"));
                if let (Some(name), false) = (name, skipped) {
                    fields.push((name, attr(tag, "value").unwrap_or_default()));
                }
            } else if tag.starts_with("<textarea ") {
                let close = rest.find("</textarea>").expect("a text area's end");
                if let Some(name) = name {
                    fields.push((name, unescape(&rest[tag_end + 1..close])));
                }
            } else if tag.starts_with("<select ") {
                let close = rest.find("</select>").expect("a select's end");
                let options = &rest[tag_end + 1..close];
                let mut first = None;
                let mut chosen = None;
                for option in options.split("<option ").skip(1) {
                    let option_tag = &option[..option.find('>').expect("an option's end")];
                    let value =
                        attr(&format!("<option {option_tag}>"), "value").unwrap_or_default();
                    first.get_or_insert(value.clone());
                    if option_tag.ends_with(" selected") || option_tag.contains(" selected ") {
                        chosen.get_or_insert(value);
                    }
                }
                if let Some(name) = name {
                    fields.push((name, chosen.or(first).unwrap_or_default()));
                }
            }
            rest = &rest[tag_end + 1..];
        }
        Form(fields)
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Sets the first field `name` to `value`, or adds it.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Form {
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value.to_owned(),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
        self
    }

    /// Sets the `n`th field `name` (from 0) to `value`; it must exist.
    pub fn set_nth(&mut self, name: &str, n: usize, value: &str) -> &mut Form {
        let field = self
            .0
            .iter_mut()
            .filter(|(k, _)| k == name)
            .nth(n)
            .unwrap_or_else(|| panic!("no field {name} number {n}"));
        field.1 = value.to_owned();
        self
    }

    /// Removes every field `name` (an unchecked box, a missing token).
    pub fn remove(&mut self, name: &str) -> &mut Form {
        self.0.retain(|(k, _)| k != name);
        self
    }

    /// The pairs, borrowed, for [`Browser::post`].
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// The value of attribute `name` in a tag, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}

/// Text as `maud` writes it.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text `maud` escaped.
pub fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Asserts that no hostile value shows raw and that each of `shown` is
/// on the page, escaped.
pub fn assert_escaped(page: &Page, shown: &[&str]) {
    assert_eq!(page.header("content-security-policy"), CSP);
    for raw in ["<script>", "<img src=x"] {
        assert!(!page.body.contains(raw), "{raw} raw in: {}", page.body);
    }
    for value in shown {
        assert!(
            page.body.contains(&escape(value)),
            "{value:?} not shown escaped in: {}",
            page.body
        );
    }
}
