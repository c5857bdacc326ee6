//! Recurring patterns: incidents grouped by category × site, counted per period, with a trend,
//! so a team sees what keeps coming back and whether corrective actions bent the curve.

use super::index::category_label;
use crate::domain::Incident;
use crate::domain::wire::Pattern;
use chrono::{Days, NaiveDate};
use std::collections::HashMap;

/// The direction of a series: compares the last third with the first third.
pub fn trend(series: &[u64]) -> &'static str {
    let third = (series.len() / 3).max(1);
    if series.len() < 3 {
        return "flat";
    }
    let first: u64 = series[..third].iter().sum();
    let last: u64 = series[series.len() - third..].iter().sum();
    match (first, last) {
        (f, l) if l * 4 > f * 5 + 1 => "rising",
        (f, l) if l * 5 + 1 < f * 4 => "falling",
        _ => "flat",
    }
}

/// The top `limit` recurring patterns among incidents discovered in `from..=to`, counted per
/// `period_days` and as of `today` for the 90-day and one-year counts.
pub fn patterns(
    incidents: &[&Incident],
    from: NaiveDate,
    to: NaiveDate,
    period_days: u64,
    today: NaiveDate,
    limit: usize,
) -> Vec<Pattern> {
    let periods = ((to - from).num_days().max(0) as u64 / period_days.max(1) + 1) as usize;
    let mut groups: HashMap<(String, String), Pattern> = HashMap::new();
    for i in incidents
        .iter()
        .filter(|i| i.discovered_at >= from && i.discovered_at <= to)
    {
        let label = category_label(i);
        let key = (label.clone(), i.site.clone());
        let p = groups.entry(key).or_insert_with(|| Pattern {
            label: format!("{label} · {}", crate::domain::text::safe_line(&i.site)),
            count: 0,
            last_90_days: 0,
            last_year: 0,
            series: vec![0; periods],
            trend: String::new(),
            examples: Vec::new(),
        });
        p.count += 1;
        let age = (today - i.discovered_at).num_days();
        if (0..=90).contains(&age) {
            p.last_90_days += 1;
        }
        if (0..=365).contains(&age) {
            p.last_year += 1;
        }
        let slot =
            ((i.discovered_at - from).num_days().max(0) as u64 / period_days.max(1)) as usize;
        if let Some(s) = p.series.get_mut(slot) {
            *s += 1;
        }
        if p.examples.len() < 5 {
            p.examples.push(i.id.clone());
        }
    }
    let mut out: Vec<Pattern> = groups.into_values().filter(|p| p.count >= 2).collect();
    for p in &mut out {
        p.trend = trend(&p.series).into();
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    out.truncate(limit);
    out
}

/// The first day of the window that ends at `to` and spans `days`.
pub fn window_start(to: NaiveDate, days: u64) -> NaiveDate {
    to.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends() {
        assert_eq!(trend(&[5, 5, 5, 1, 1, 1]), "falling");
        assert_eq!(trend(&[1, 1, 1, 5, 5, 5]), "rising");
        assert_eq!(trend(&[3, 3, 3, 3, 3, 3]), "flat");
        assert_eq!(trend(&[9]), "flat");
    }
}
