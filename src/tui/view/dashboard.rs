//! Trends and recurring risks: reports per period, near-miss to breach ratio, counts by category
//! and site, follow-up health, the top recurring patterns and groups of near-identical
//! descriptions, with sparklines.

use super::super::app::App;
use super::{block, fit, pad};
use crate::domain::text::safe_line;
use crate::domain::wire::Pattern;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of counts.
pub fn spark(values: &[u64]) -> String {
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    values
        .iter()
        .map(|v| BARS[((*v * 7) / max) as usize])
        .collect()
}

/// Narrower than this, pattern rows leave out their sparkline so the label stays readable.
const SPARK_MIN_WIDTH: u16 = 60;

/// One row per pattern (at most `max`): its sparkline (when `width` allows), count, trend,
/// whether it fell after corrective actions, and its label cut to what is left of `width`.
fn pattern_lines<'a>(app: &App, patterns: &[Pattern], max: usize, width: u16) -> Vec<Line<'a>> {
    if patterns.is_empty() {
        return vec![Line::from(Span::styled(
            "none found in this window",
            app.theme.style("text.dim"),
        ))];
    }
    let with_spark = width >= SPARK_MIN_WIDTH;
    patterns
        .iter()
        .take(max)
        .map(|p| {
            let after = match p.after_actions.as_deref() {
                Some("falling after actions") => "↓",
                Some(_) => "=",
                None => " ",
            };
            let spark = if with_spark {
                format!("{} ", spark(&p.series))
            } else {
                String::new()
            };
            let used = spark.chars().count() + 14;
            Line::from(format!(
                "{spark}{:>4} {:<7}{after} {}",
                p.count,
                p.trend,
                fit(
                    &safe_line(&p.label),
                    (width as usize).saturating_sub(used + 3)
                )
            ))
        })
        .collect()
}

/// Draws the dashboard.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.stats else {
        frame.render_widget(
            Paragraph::new("loading statistics…").block(block(app, " Dashboard ".into(), true)),
            area,
        );
        return;
    };
    let outer = block(
        app,
        format!(
            " Dashboard · {} to {} · {} incidents ",
            s.from, s.to, s.total
        ),
        true,
    );
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [top, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(0)]).areas(inner);
    let series: Vec<u64> = s.series.iter().map(|p| p.count).collect();
    let [spark_area, facts] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(2)]).areas(top);
    frame.render_widget(
        Sparkline::default()
            .data(&series)
            .style(app.theme.style("match")),
        spark_area,
    );
    let ratio = s
        .near_miss_to_breach
        .map(|r| format!("{r:.1}"))
        .unwrap_or_else(|| "—".into());
    let hours = |h: Option<f64>| h.map(|h| format!("{h:.0}h")).unwrap_or_else(|| "—".into());
    let pair = |m: Option<f64>, p90: Option<f64>| format!("{} (p90 {})", hours(m), hours(p90));
    let facts_lines = vec![
        Line::from(format!(
            "near miss : breach {ratio} · open actions {} · overdue {} · clocks met {} · missed or late {}",
            s.open_actions, s.overdue_actions, s.clocks_met, s.clocks_missed
        )),
        Line::from(format!(
            "to triage {} · to determination {} · to close {}",
            pair(s.median_hours_to_triage, s.p90_hours_to_triage),
            pair(
                s.median_hours_to_determination,
                s.p90_hours_to_determination
            ),
            pair(s.median_hours_to_close, s.p90_hours_to_close)
        )),
    ];
    frame.render_widget(Paragraph::new(facts_lines), facts);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(rest);
    type Counts = std::collections::BTreeMap<String, u64>;
    type Series = std::collections::BTreeMap<String, Vec<u64>>;
    // Each row: name, total, a sparkline of its counts per period, and a bar.
    let bar_lines = |title: &str, map: &Counts, series: &Series, width: u16| {
        let mut v: Vec<(&String, &u64)> = map.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let max = v.first().map(|x| *x.1).unwrap_or(1).max(1);
        let spark_len = series.values().next().map_or(0, Vec::len) as u16;
        let bar_width = width.saturating_sub(31 + spark_len) as u64;
        let mut lines = vec![Line::from(Span::styled(
            title.to_string(),
            app.theme.style("title"),
        ))];
        for (k, n) in v.into_iter().take(8) {
            let len = (n * bar_width / max) as usize;
            let trend = series.get(k).map(|s| spark(s)).unwrap_or_default();
            lines.push(Line::from(format!(
                "{} {:>5} {trend} {}",
                pad(&safe_line(k), 20),
                n,
                "█".repeat(len)
            )));
        }
        lines
    };
    let mut l = bar_lines(
        "By category (per period, then total)",
        &s.by_category,
        &s.category_series,
        left.width,
    );
    l.push(Line::from(""));
    l.extend(bar_lines("By site", &s.by_site, &s.site_series, left.width));
    frame.render_widget(Paragraph::new(l), left);
    let mut r = vec![Line::from(Span::styled(
        "Recurring patterns (↓ falling since corrective actions)",
        app.theme.style("title"),
    ))];
    r.extend(pattern_lines(app, &s.patterns, 10, right.width));
    r.push(Line::from(""));
    let heading = if right.width >= SPARK_MIN_WIDTH {
        "Near-identical descriptions (title of the first report)"
    } else {
        "Near-identical descriptions"
    };
    r.push(Line::from(Span::styled(heading, app.theme.style("title"))));
    r.extend(pattern_lines(app, &s.clusters, 5, right.width));
    r.push(Line::from(""));
    r.push(Line::from(Span::styled(
        "Overdue actions by owner",
        app.theme.style("title"),
    )));
    for (owner, n) in s.overdue_by_owner.iter().take(6) {
        r.push(Line::from(format!("{} {n}", pad(&safe_line(owner), 20))));
    }
    frame.render_widget(Paragraph::new(r), right);
}

#[cfg(test)]
mod tests {
    #[test]
    fn sparkline_scales() {
        assert_eq!(super::spark(&[0, 7, 14]), "▁▄█");
        assert_eq!(super::spark(&[]), "");
    }
}
