//! Text that PostgreSQL can hold, whatever the caller stored.
//!
//! SQLite keeps any string, and so must this store; but PostgreSQL refuses
//! U+0000 in `TEXT` and in JSONB strings, and a visitor can put one in a
//! click's query string (`?x=%00`) or short-link path. Every string this
//! store writes goes through [`encode`], every string it reads through
//! [`decode`]:
//!
//! - a string without U+0000 that does not start with [`MARK`] (every
//!   string in practice) is stored as it is, byte for byte, so indexes,
//!   lookups and `data ->> 'pid'` see the plain text;
//! - any other string is stored as [`MARK`] followed by its JSON string
//!   literal (`"a\u0000b"`), which holds no U+0000.
//!
//! The encoding is one-to-one, so equality, uniqueness and grouping on
//! stored text mean what they mean on the original strings.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error;

use serde_json::{Map, Value};
use tokio_postgres::types::{FromSql, IsNull, Json, ToSql, Type, to_sql_checked};

use super::error::Fail;

/// The first character of an encoded string: a control character no
/// identifier, URL or parameter value of Waylink starts with.
pub const MARK: char = '\u{1}';

/// The stored form of `s`.
pub fn encode(s: &str) -> Cow<'_, str> {
    if s.contains('\0') || s.starts_with(MARK) {
        let literal = serde_json::to_string(s).unwrap_or_default();
        Cow::Owned(format!("{MARK}{literal}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The string whose stored form is `s`.
pub fn decode(s: String) -> Result<String, serde_json::Error> {
    match s.strip_prefix(MARK) {
        Some(literal) => serde_json::from_str(literal),
        None => Ok(s),
    }
}

/// A string parameter, encoded on the way in.
#[derive(Debug)]
pub struct Txt<'a>(Cow<'a, str>);

/// `s` as a parameter.
pub fn txt(s: &str) -> Txt<'_> {
    Txt(encode(s))
}

/// An optional string as a parameter.
pub fn opt(s: Option<&str>) -> Option<Txt<'_>> {
    s.map(txt)
}

impl ToSql for Txt<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut tokio_postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        self.0.as_ref().to_sql(ty, out)
    }

    fn accepts(ty: &Type) -> bool {
        <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

/// A string column, decoded on the way out.
pub struct Stored(pub String);

impl<'a> FromSql<'a> for Stored {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let text = <String as FromSql>::from_sql(ty, raw)?;
        Ok(Stored(decode(text)?))
    }

    fn accepts(ty: &Type) -> bool {
        <String as FromSql>::accepts(ty)
    }
}

/// A map of strings as a JSONB parameter, keys and values encoded.
pub fn json_map<'a, I>(pairs: I) -> Json<Value>
where
    I: IntoIterator<Item = (&'a String, &'a String)>,
{
    let object: Map<String, Value> = pairs
        .into_iter()
        .map(|(k, v)| {
            (
                encode(k).into_owned(),
                Value::String(encode(v).into_owned()),
            )
        })
        .collect();
    Json(Value::Object(object))
}

/// A JSONB map of strings read back, keys and values decoded.
pub fn read_map(stored: Json<BTreeMap<String, String>>) -> Result<BTreeMap<String, String>, Fail> {
    stored
        .0
        .into_iter()
        .map(|(k, v)| Ok((decode(k)?, decode(v)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_strings_are_stored_as_they_are() {
        for s in ["", "pid", "ünïcødé ✓ 🍌", "\"q\" \\ \n\t", "a\u{1}b"] {
            assert!(matches!(encode(s), Cow::Borrowed(b) if b == s));
        }
    }

    #[test]
    fn strings_postgresql_cannot_hold_round_trip_without_a_nul() {
        for s in ["\0", "a\0b", "\u{1}", "\u{1}\"x\"", "\u{1}plain"] {
            let stored = encode(s).into_owned();
            assert!(!stored.contains('\0'), "{stored:?}");
            assert!(stored.starts_with(MARK));
            assert_eq!(decode(stored).unwrap(), s);
        }
    }

    #[test]
    fn the_encoding_is_one_to_one() {
        let all = ["", "\0", "\u{1}", "\u{1}\"\\u0000\"", "\"\\u0000\"", "x"];
        let stored: std::collections::BTreeSet<String> =
            all.iter().map(|s| encode(s).into_owned()).collect();
        assert_eq!(stored.len(), all.len());
    }
}
