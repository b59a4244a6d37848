//! Small helpers every entity module uses: cached statements, typed
//! columns, and integers that must fit both Rust's and PostgreSQL's types.

use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, ToSql};
use waylink_core::clock::Timestamp;

use super::error::{Fail, out_of_range, too_large};
use super::text::Stored;

/// Statement parameters.
pub type Params<'a> = [&'a (dyn ToSql + Sync)];

/// The rows `sql` answers, through the connection's statement cache.
pub async fn query<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Vec<Row>, Fail> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query(&stmt, params).await?)
}

/// The row `sql` answers, if any.
pub async fn query_opt<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Option<Row>, Fail> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_opt(&stmt, params).await?)
}

/// The one row `sql` answers.
pub async fn query_one<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &Params<'_>,
) -> Result<Row, Fail> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.query_one(&stmt, params).await?)
}

/// Runs `sql`; answers the rows it touched.
pub async fn execute<C: GenericClient>(c: &C, sql: &str, params: &Params<'_>) -> Result<u64, Fail> {
    let stmt = c.prepare_cached(sql).await?;
    Ok(c.execute(&stmt, params).await?)
}

/// Column `i` of `row`.
pub fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, Fail> {
    Ok(row.try_get(i)?)
}

/// A text column, decoded (see [`super::text`]).
pub fn text(row: &Row, i: usize) -> Result<String, Fail> {
    Ok(row.try_get::<_, Stored>(i)?.0)
}

/// A nullable text column, decoded.
pub fn opt_text(row: &Row, i: usize) -> Result<Option<String>, Fail> {
    Ok(row.try_get::<_, Option<Stored>>(i)?.map(|s| s.0))
}

/// A time column (milliseconds since the epoch).
pub fn time(row: &Row, i: usize) -> Result<Timestamp, Fail> {
    Ok(Timestamp::from_millis(row.try_get(i)?))
}

/// A count or other non-negative integer column.
pub fn unsigned(row: &Row, i: usize, what: &str) -> Result<u64, Fail> {
    let value: i64 = row.try_get(i)?;
    u64::try_from(value).map_err(|_| out_of_range(what, value))
}

/// A non-negative integer as a BIGINT parameter.
pub fn bigint(value: u64, what: &str) -> Result<i64, Fail> {
    i64::try_from(value).map_err(|_| too_large(what, value))
}

/// A row limit as a BIGINT parameter: anything beyond is as good as no limit.
pub fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The UTC day (days since the epoch, rounded toward zero like SQLite's
/// integer division) of the millisecond column `column`, written so that
/// engines whose `/` on integers answers a decimal (CockroachDB) agree.
pub fn day_of(column: &str) -> String {
    format!(
        "(({column} - {column} % {day}) / {day})::BIGINT",
        day = waylink_core::clock::DAY_MS
    )
}
