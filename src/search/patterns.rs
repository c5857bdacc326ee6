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
    let mut firsts: HashMap<String, NaiveDate> = HashMap::new();
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
            after_actions: None,
            examples: Vec::new(),
        });
        if let Some(first) = i.actions.iter().map(|a| a.created_at.date_naive()).min() {
            firsts
                .entry(p.label.clone())
                .and_modify(|d: &mut NaiveDate| *d = (*d).min(first))
                .or_insert(first);
        }
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
        if let Some(first) = firsts.get(&p.label) {
            let split = ((*first - from).num_days().max(0) as u64 / period_days.max(1)) as usize;
            p.after_actions = after_actions(&p.series, split).map(str::to_string);
        }
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    out.truncate(limit);
    out
}

/// Whether the rate per period after `split` fell below the rate before it (by a fifth or more).
pub fn after_actions(series: &[u64], split: usize) -> Option<&'static str> {
    if split == 0 || split >= series.len() {
        return None;
    }
    let (before, after) = series.split_at(split);
    let rate = |s: &[u64]| s.iter().sum::<u64>() as f64 / s.len() as f64;
    Some(if rate(after) * 5.0 <= rate(before) * 4.0 {
        "falling after actions"
    } else {
        "not falling after actions"
    })
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
        assert_eq!(
            after_actions(&[4, 4, 4, 1, 0, 1], 3),
            Some("falling after actions")
        );
        assert_eq!(
            after_actions(&[1, 1, 1, 2, 2, 2], 3),
            Some("not falling after actions")
        );
        assert_eq!(after_actions(&[1, 2], 0), None);
    }
}
