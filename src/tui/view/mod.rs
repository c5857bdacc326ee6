//! Rendering: reads `&App`, draws, never blocks, never does I/O. Every piece of incident text
//! passes through `domain::text` first so nothing in it can reach the terminal as a control.

pub mod board;
pub mod classify;
pub mod dashboard;
pub mod notes;
pub mod popup;
pub mod queue;
pub mod status;

use super::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Width from which the queue stays beside the detail pane.
pub const SPLIT_WIDTH: u16 = 140;

/// Draws the whole console.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let [tabs, main, status_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    draw_tabs(frame, app, tabs);
    let split = app.split
        && area.width >= SPLIT_WIDTH
        && !matches!(app.pane, Pane::Queue | Pane::Dashboard);
    if split {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(42), Constraint::Percentage(58)])
                .areas(main);
        queue::draw(frame, app, left, false);
        draw_pane(frame, app, right);
    } else {
        draw_pane(frame, app, main);
    }
    status::draw(frame, app, status_area);
    popup::draw(frame, app, area);
}

fn draw_pane(frame: &mut Frame, app: &App, area: Rect) {
    match app.pane {
        Pane::Queue => queue::draw(frame, app, area, true),
        Pane::Classify => classify::draw(frame, app, area),
        Pane::Notes => notes::draw(frame, app, area),
        Pane::Board => board::draw(frame, app, area, false),
        Pane::Escalations => board::draw(frame, app, area, true),
        Pane::Dashboard => dashboard::draw(frame, app, area),
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let mut spans = vec![Span::styled(" triage ", app.theme.style("title"))];
    for (i, pane) in Pane::ALL.iter().enumerate() {
        let style = if *pane == app.pane {
            app.theme.style("tab.active")
        } else {
            app.theme.style("tab.inactive")
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(format!("{} {}", i + 1, pane.label()), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A block with the pane's title, focused or not.
pub fn block<'a>(app: &App, title: String, focused: bool) -> ratatui::widgets::Block<'a> {
    use ratatui::widgets::{Block, Borders};
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, app.theme.style("title")))
        .border_style(
            app.theme
                .style(if focused { "border.focused" } else { "border" }),
        )
}

/// Cuts text to `width` columns, ending with `…` when cut.
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Cuts text to `width` columns like [`fit`] and pads it with spaces to exactly `width` columns.
/// `format!("{:<w$}")` pads by characters, which misaligns columns after wide (CJK) text.
pub fn pad(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = fit(text, width);
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Days-left text: "3d", "today", "-2d".
pub fn days_left(days: i64) -> String {
    match days {
        0 => "today".into(),
        d => format!("{d}d"),
    }
}

/// The theme role for a deadline this many days away.
pub fn deadline_role(days: i64) -> &'static str {
    match days {
        d if d < 0 => "deadline.overdue",
        0 => "deadline.today",
        1..=7 => "deadline.soon",
        _ => "text",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pad_counts_columns_not_characters() {
        assert_eq!(pad("王医生", 8), "王医生  ");
        assert_eq!(pad("kim", 5), "kim  ");
        assert_eq!(pad("unassigned-owner", 8), "unassig…");
        assert_eq!(pad("東病棟東病棟", 5), "東病…");
    }
}
