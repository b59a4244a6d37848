//! The table a run prints and writes: one row per measurement, each with
//! its target and whether the run met it.

use std::fmt::Write as _;

/// One measurement.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// What was measured.
    pub scenario: String,
    /// `SQLite`, `PostgreSQL` or `baseline`.
    pub store: String,
    /// The headline number with its unit.
    pub value: String,
    /// The same throughput as a share of the baseline's, when there is one.
    pub vs_baseline: Option<f64>,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Responses that were not what the scenario expects, and clicks lost.
    pub failures: Option<String>,
    /// The target, in words.
    pub target: String,
    /// Whether the target was met (`None`: no target).
    pub met: Option<bool>,
}

/// A whole run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The machine and settings the run had.
    pub context: Vec<String>,
    /// The measurements, in the order they were taken.
    pub rows: Vec<Row>,
}

impl Report {
    /// The report as Markdown: the context lines, then the table.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for line in &self.context {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
        out.push_str("| scenario | store | result | vs baseline | p50 ms | p99 ms | failures | target | met |\n");
        out.push_str("|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.scenario,
                r.store,
                r.value,
                r.vs_baseline.map_or(String::new(), |x| format!("{x:.2}×")),
                r.p50_ms.map_or(String::new(), |x| format!("{x:.2}")),
                r.p99_ms.map_or(String::new(), |x| format!("{x:.2}")),
                r.failures.clone().unwrap_or_default(),
                r.target,
                match r.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "",
                }
            );
        }
        out
    }
}

/// `n` with thousands separated by commas.
pub fn thousands(n: f64) -> String {
    let whole = n.round() as u64;
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_with_thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1_000.0), "1,000");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }

    #[test]
    fn a_missed_target_stands_out_in_the_table() {
        let report = Report {
            context: vec!["machine: test".into()],
            rows: vec![Row {
                scenario: "redirect".into(),
                store: "SQLite".into(),
                value: "1,000 req/s".into(),
                vs_baseline: Some(0.5),
                target: "≥ 0.8× baseline".into(),
                met: Some(false),
                ..Row::default()
            }],
        };
        let text = report.markdown();
        assert!(
            text.contains("| redirect | SQLite | 1,000 req/s | 0.50× |"),
            "{text}"
        );
        assert!(text.contains("**no**"), "{text}");
    }
}
