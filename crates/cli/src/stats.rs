//! `waylink stats`: a template's (or a link's) statistics as a table, read
//! from a running server through `/api/v1/templates/{tid}/stats`.

use anyhow::{Context, bail};
use clap::Args;
use serde_json::Value;

/// What `waylink stats` asks for.
#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The server's address.
    #[arg(long, env = "WAYLINK_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The account's API key.
    #[arg(long, env = "WAYLINK_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The template id.
    #[arg(long)]
    template: String,
    /// Only this short link.
    #[arg(long)]
    link: Option<String>,
    /// Start: a date (2026-11-01) or an RFC 3339 time [default: 30 days before `to`].
    #[arg(long)]
    from: Option<String>,
    /// End: a date (inclusive) or an RFC 3339 time [default: today].
    #[arg(long)]
    to: Option<String>,
    /// Group by any of pid, c, platform, day (comma-separated; empty for totals).
    #[arg(long, default_value = "day")]
    group_by: String,
    /// Print the server's JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Fetches and prints the statistics.
pub async fn run(args: StatsArgs) -> anyhow::Result<()> {
    let base = args.server.trim_end_matches('/');
    let path = match &args.link {
        Some(sid) => format!(
            "{base}/api/v1/templates/{}/links/{sid}/stats",
            args.template
        ),
        None => format!("{base}/api/v1/templates/{}/stats", args.template),
    };
    let mut query = vec![("group_by", args.group_by.clone())];
    if let Some(from) = &args.from {
        query.push(("from", from.clone()));
    }
    if let Some(to) = &args.to {
        query.push(("to", to.clone()));
    }
    let url = reqwest::Url::parse_with_params(&path, &query).context("--server is not a URL")?;
    let response = reqwest::Client::new()
        .get(url)
        .header("authorization", &args.api_key)
        .send()
        .await
        .with_context(|| format!("cannot reach {base}"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .context("the server's answer is not JSON")?;
    if !status.is_success() {
        bail!(
            "the server answered {status}: {}",
            body["message"].as_str().unwrap_or("no message")
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&body)?);
        return Ok(());
    }
    print!("{}", table(&body));
    Ok(())
}

const COUNT_COLUMNS: [&str; 9] = [
    "clicks", "expired", "referrer", "id_match", "probabil", "installs", "organic", "reengage",
    "rate",
];

fn counts(row: &Value) -> Vec<String> {
    let n = |v: &Value| v.as_u64().map_or_else(|| "-".to_owned(), |n| n.to_string());
    let rate = row["click_to_install_rate"]
        .as_f64()
        .map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0));
    vec![
        n(&row["clicks"]),
        n(&row["expired_clicks"]),
        n(&row["installs"]["referrer"]),
        n(&row["installs"]["id_matching"]),
        n(&row["installs"]["probabilistic"]),
        n(&row["installs"]["total"]),
        n(&row["organic_installs"]),
        n(&row["reengagements"]),
        rate,
    ]
}

/// The statistics answer as an aligned text table with a totals line.
fn table(body: &Value) -> String {
    let dims: Vec<String> = body["group_by"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut lines: Vec<Vec<String>> = vec![
        dims.iter()
            .cloned()
            .chain(COUNT_COLUMNS.iter().map(|c| (*c).to_owned()))
            .collect(),
    ];
    for row in body["rows"].as_array().into_iter().flatten() {
        let keys = dims
            .iter()
            .map(|d| row[d.as_str()].as_str().unwrap_or("(none)").to_owned());
        lines.push(keys.chain(counts(row)).collect());
    }
    let mut total: Vec<String> = vec![String::new(); dims.len()];
    if let Some(first) = total.first_mut() {
        *first = "total".into();
    }
    lines.push(total.into_iter().chain(counts(&body["totals"])).collect());
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "statistics of {} from {} to {}\n",
        body["template_id"].as_str().unwrap_or("?"),
        body["from"].as_str().unwrap_or("?"),
        body["to"].as_str().unwrap_or("?")
    );
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_has_a_header_a_row_per_group_and_totals() {
        let counts = json!({"clicks": 4, "expired_clicks": 1, "installs": {"referrer": 1, "id_matching": 0, "probabilistic": 1, "total": 2}, "organic_installs": 3, "reengagements": 0, "click_to_install_rate": 0.5});
        let mut row = counts.clone();
        row["pid"] = json!("sms");
        let body = json!({"template_id": "H5hv", "from": "a", "to": "b", "group_by": ["pid"], "rows": [row], "totals": counts});
        let text = table(&body);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[1].starts_with("pid") && lines[1].contains("installs"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("sms") && lines[2].ends_with("50.0%"),
            "{text}"
        );
        assert!(lines[3].starts_with("total"), "{text}");
    }
}
