//! Root-cause notes: what was reported, the root cause (summary, category, factors) and the notes
//! timeline, wrapped to the pane and scrollable.

use super::super::app::App;
use super::block;
use crate::domain::text::{safe_line, sanitize};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the notes pane.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(inc) = app.selected_incident() else {
        frame.render_widget(
            Paragraph::new("no incident selected").block(block(app, " Notes ".into(), true)),
            area,
        );
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    let heading = |t: &str| Line::from(Span::styled(t.to_string(), app.theme.style("title")));
    lines.push(heading("Reported"));
    lines.push(Line::from(format!(
        "{} by {} · site {}{}",
        inc.reported_at.format("%Y-%m-%d %H:%M"),
        safe_line(&inc.reported_by),
        safe_line(&inc.site),
        inc.department
            .as_deref()
            .map(|d| format!(" · {}", safe_line(d)))
            .unwrap_or_default()
    )));
    for l in sanitize(&inc.description, true).lines() {
        lines.push(Line::from(l.to_string()));
    }
    lines.push(Line::from(""));
    lines.push(heading("Root cause"));
    let rc = &inc.root_cause;
    lines.push(Line::from(format!(
        "category: {}",
        rc.category.map(|c| c.as_str()).unwrap_or("—")
    )));
    if rc.summary.is_empty() {
        lines.push(Line::from(Span::styled(
            "no summary yet",
            app.theme.style("text.dim"),
        )));
    }
    for l in sanitize(&rc.summary, true).lines() {
        lines.push(Line::from(l.to_string()));
    }
    if !rc.factors.is_empty() {
        lines.push(Line::from(format!(
            "factors: {}",
            safe_line(&rc.factors.join(", "))
        )));
    }
    lines.push(Line::from(""));
    lines.push(heading(&format!("Notes ({})", inc.notes.len())));
    for n in &inc.notes {
        lines.push(Line::from(Span::styled(
            format!(
                "{} · {}",
                n.at.format("%Y-%m-%d %H:%M"),
                safe_line(&n.author)
            ),
            app.theme.style("text.dim"),
        )));
        for l in sanitize(&n.text, true).lines() {
            lines.push(Line::from(format!("  {l}")));
        }
    }
    if !inc.actions.is_empty() {
        lines.push(Line::from(""));
        lines.push(heading("Corrective actions"));
        for a in &inc.actions {
            lines.push(Line::from(format!(
                "{} [{}] {} — {} due {}",
                a.id,
                a.status,
                safe_line(&a.title),
                safe_line(&a.owner),
                a.due
            )));
        }
    }
    let title = format!(" Notes · {} ", inc.id);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.notes_scroll, 0))
            .block(block(app, title, true)),
        area,
    );
}
