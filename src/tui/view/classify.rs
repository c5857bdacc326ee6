//! Classification: the form (HHS type and location, subtype, severity, PHI, counts, D0, the four
//! factors, exception, safe harbour, determination, owner) beside the suggestion with reasons,
//! the computed clocks with days left and citations, and what was seen before.

use super::super::app::App;
use super::super::form::FIELDS;
use super::{block, days_left, deadline_role, fit};
use crate::domain::text::safe_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the classification pane.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(inc) = app.selected_incident() else {
        frame.render_widget(
            Paragraph::new("no incident selected").block(block(app, " Classify ".into(), true)),
            area,
        );
        return;
    };
    let dirty = app.form.as_ref().is_some_and(|f| f.dirty);
    let title = format!(
        " {} · v{}{} · {} ",
        inc.id,
        inc.version,
        if dirty { " · unsaved" } else { "" },
        fit(&safe_line(&inc.title), 60)
    );
    let outer = block(app, title, true);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let wide = inner.width >= 90;
    let (form_area, side) = if wide {
        let [a, b] = Layout::horizontal([Constraint::Length(44), Constraint::Min(30)]).areas(inner);
        (a, b)
    } else {
        let [a, b] = Layout::vertical([
            Constraint::Length(FIELDS.len() as u16 + 1),
            Constraint::Min(0),
        ])
        .areas(inner);
        (a, b)
    };
    if let Some(form) = &app.form {
        let lines: Vec<Line> = FIELDS
            .iter()
            .enumerate()
            .map(|(n, field)| {
                let focused = n == form.focus;
                let label = Span::styled(
                    format!("{:<22}", field.label()),
                    if focused {
                        app.theme.style("row.selected")
                    } else {
                        app.theme.style("text.dim")
                    },
                );
                let value = safe_line(&form.value(*field)).into_owned();
                let width = form_area.width.saturating_sub(23) as usize;
                Line::from(vec![
                    label,
                    Span::raw(" "),
                    Span::styled(fit(&value, width), app.theme.style("text")),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), form_area);
    }
    let mut lines: Vec<Line> = Vec::new();
    let draft = app.form.as_ref().filter(|f| f.id == inc.id).map(|f| {
        crate::domain::assessment::suggest(f.classification.phi_involved, Some(&f.assessment))
    });
    if let Some(s) = draft.as_ref().or(inc.suggestion.as_ref()) {
        let complete = if s.complete {
            ""
        } else {
            " (assessment incomplete)"
        };
        lines.push(Line::from(vec![
            Span::styled("Suggested: ", app.theme.style("title")),
            Span::styled(
                format!("{}{complete}", s.determination),
                app.theme.style("severity.high"),
            ),
        ]));
        for r in &s.reasons {
            lines.push(Line::from(format!("  · {r}")));
        }
        lines.push(Line::from(format!("Decided: {}", inc.determination)));
    }
    lines.push(Line::from(Span::styled(
        format!("Clocks (D0 {})", inc.discovered_at),
        app.theme.style("title"),
    )));
    if inc.deadlines.is_empty() {
        lines.push(Line::from("  none running"));
    }
    for d in &inc.deadlines {
        let left = d.days_left.unwrap_or(0);
        let state = d
            .state
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default();
        let status = d.status.map(|s| s.as_str()).unwrap_or("");
        lines.push(Line::from(vec![
            Span::raw(format!("  {:<16}", format!("{}{state}", d.kind))),
            Span::raw(format!("{} ", d.due)),
            Span::styled(
                format!("{:>6} ", days_left(left)),
                app.theme.style(if status.starts_with("met") {
                    "deadline.met"
                } else {
                    deadline_role(left)
                }),
            ),
            // "provisional" fills the column: the space keeps it apart from the citation.
            Span::styled(format!("{status:<11} "), app.theme.style("text.dim")),
            Span::styled(d.citation.clone(), app.theme.style("text.dim")),
        ]));
    }
    lines.push(Line::from(Span::styled(
        "Seen before",
        app.theme.style("title"),
    )));
    if let Some(r) = &inc.recurrence {
        lines.push(Line::from(format!("  {}", safe_line(r))));
    }
    if inc.similar.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (open with Enter to fetch similar past incidents)",
            app.theme.style("text.dim"),
        )));
    }
    for s in inc.similar.iter().take(6) {
        lines.push(Line::from(format!(
            "  {:>5.2} {} {}",
            s.score,
            s.id,
            fit(&safe_line(&s.title), 50)
        )));
        if !s.why.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("        {}", safe_line(&s.why.join(", "))),
                app.theme.style("text.dim"),
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), side);
}
