//! Recurring patterns: incidents grouped by category × site, counted per period, with a trend,
//! so a team sees what keeps coming back and whether corrective actions bent the curve.

use super::clusters::near_identical;
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

/// What groups are counted by: `combination` (category × site, the subtype standing for the
/// category) or `near_duplicate` (near-identical descriptions).
pub const COMBINATION: &str = "combination";
/// See [`COMBINATION`].
pub const NEAR_DUPLICATE: &str = "near_duplicate";

/// The window and periods the patterns are counted in.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// Days per period.
    pub period_days: u64,
    /// The day the 90-day and one-year counts end.
    pub today: NaiveDate,
}

impl Window {
    fn periods(&self) -> usize {
        ((self.to - self.from).num_days().max(0) as u64 / self.period_days.max(1) + 1) as usize
    }

    fn slot(&self, day: NaiveDate) -> usize {
        ((day - self.from).num_days().max(0) as u64 / self.period_days.max(1)) as usize
    }

    fn holds(&self, day: NaiveDate) -> bool {
        day >= self.from && day <= self.to
    }
}

/// Counts one group of incidents (in the order given) as a pattern.
fn tally(label: String, kind: &str, members: &[&Incident], w: &Window) -> Pattern {
    let mut p = Pattern {
        label,
        kind: kind.to_string(),
        count: members.len() as u64,
        last_90_days: 0,
        last_year: 0,
        series: vec![0; w.periods()],
        trend: String::new(),
        after_actions: None,
        examples: members.iter().take(5).map(|i| i.id.clone()).collect(),
    };
    for i in members {
        let age = (w.today - i.discovered_at).num_days();
        if (0..=90).contains(&age) {
            p.last_90_days += 1;
        }
        if (0..=365).contains(&age) {
            p.last_year += 1;
        }
        if let Some(s) = p.series.get_mut(w.slot(i.discovered_at)) {
            *s += 1;
        }
    }
    p.trend = trend(&p.series).into();
    let first_action = members
        .iter()
        .flat_map(|i| i.actions.iter().map(|a| a.created_at.date_naive()))
        .min();
    if let Some(first) = first_action {
        p.after_actions = after_actions(&p.series, w.slot(first)).map(str::to_string);
    }
    p
}

/// The top `limit` of `patterns`: most incidents first, then by label.
fn best(mut patterns: Vec<Pattern>, limit: usize) -> Vec<Pattern> {
    patterns.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    patterns.truncate(limit);
    patterns
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
    let w = Window {
        from,
        to,
        period_days,
        today,
    };
    let mut groups: HashMap<(String, &str), Vec<&Incident>> = HashMap::new();
    for i in incidents.iter().filter(|i| w.holds(i.discovered_at)) {
        groups
            .entry((category_label(i), i.site.as_str()))
            .or_default()
            .push(i);
    }
    let found = groups
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .map(|((label, site), members)| {
            let label = format!("{label} · {}", crate::domain::text::safe_line(site));
            tally(label, COMBINATION, &members, &w)
        })
        .collect();
    best(found, limit)
}

/// The top `limit` groups of incidents in the window whose descriptions are near-identical
/// (see [`super::clusters`]), labelled with the title of the earliest report, whose id comes
/// first among the examples.
pub fn near_duplicates(incidents: &[&Incident], w: &Window, limit: usize) -> Vec<Pattern> {
    let mut in_window: Vec<&Incident> = incidents
        .iter()
        .copied()
        .filter(|i| w.holds(i.discovered_at))
        .collect();
    in_window.sort_by(|a, b| {
        (a.discovered_at, a.reported_at, &a.id).cmp(&(b.discovered_at, b.reported_at, &b.id))
    });
    let texts: Vec<&str> = in_window.iter().map(|i| i.description.as_str()).collect();
    let found = near_identical(&texts)
        .into_iter()
        .map(|group| {
            let members: Vec<&Incident> = group.iter().map(|m| in_window[*m]).collect();
            let label = crate::domain::text::safe_line(&members[0].title).into_owned();
            tally(label, NEAR_DUPLICATE, &members, w)
        })
        .collect();
    best(found, limit)
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

    fn report(id: &str, day: &str, description: &str) -> Incident {
        let day: NaiveDate = day.parse().unwrap();
        let at = day.and_hms_opt(9, 0, 0).unwrap().and_utc();
        let mut i = Incident::minimal(id, &format!("Report {id}"), "North", day, at);
        i.description = description.into();
        i
    }

    #[test]
    fn near_duplicates_are_counted_like_patterns() {
        let text = |n: u32| {
            format!(
                "Wristband printed for the wrong patient because the label printer queue mixed                  up two orders at {n}:15; the nurse caught it at the bedside and reprinted it."
            )
        };
        let incidents = [
            report("C", "2026-03-20", &text(3)),
            report("A", "2026-01-05", &text(1)),
            report("B", "2026-02-11", &text(2)),
            report("OLD", "2025-06-01", &text(4)),
            report(
                "X",
                "2026-02-12",
                "Badge door to the server room was propped open.",
            ),
        ];
        let refs: Vec<&Incident> = incidents.iter().collect();
        let w = Window {
            from: "2026-01-01".parse().unwrap(),
            to: "2026-03-31".parse().unwrap(),
            period_days: 30,
            today: "2026-04-10".parse().unwrap(),
        };
        let found = near_duplicates(&refs, &w, 10);
        assert_eq!(found.len(), 1, "{found:?}");
        let p = &found[0];
        assert_eq!(p.kind, NEAR_DUPLICATE);
        assert_eq!(p.label, "Report A", "titled by the earliest report");
        assert_eq!(
            p.examples,
            vec!["A", "B", "C"],
            "outside the window left out"
        );
        assert_eq!((p.count, p.last_90_days, p.last_year), (3, 2, 3));
        assert_eq!(p.series, vec![1, 1, 1]);
        assert_eq!(p.trend, "flat");
        assert!(
            patterns(&refs, w.from, w.to, 30, w.today, 10)
                .iter()
                .all(|p| p.kind == COMBINATION)
        );
    }
}
