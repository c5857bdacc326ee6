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
        // One pane at a time on small terminals: a scrolling window of the form above the
        // suggestion, clocks and "seen before".
        let rows = (FIELDS.len() as u16 + 1).min((inner.height / 2).max(6));
        let [a, b] = Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(inner);
        (a, b)
    };
    if let Some(form) = &app.form {
        let visible = usize::from(form_area.height);
        let offset = super::queue::scroll_offset(form.focus, visible, FIELDS.len());
        let lines: Vec<Line> = FIELDS
            .iter()
            .enumerate()
            .skip(offset)
            .take(visible)
            .map(|(n, field)| {
                let focused = n == form.focus;
                let marker = if focused { "▶" } else { " " };
                let label = Span::styled(
                    format!("{marker}{:<22}", field.label()),
                    if focused {
                        app.theme.style("row.selected")
                    } else {
                        app.theme.style("text.dim")
                    },
                );
                let value = safe_line(&form.value(*field)).into_owned();
                let width = form_area.width.saturating_sub(24) as usize;
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
    let narrow = side.width < 80;
    for d in &inc.deadlines {
        let left = d.days_left.unwrap_or(0);
        let state = d
            .state
            .as_deref()
            .map(|s| format!(" {s}"))
            .unwrap_or_default();
        let status = d.status.map(|s| s.as_str()).unwrap_or("");
        let role = match status {
            "met" | "met_late" => "deadline.met",
            "closed" => "text.dim",
            _ => deadline_role(left),
        };
        let mut spans = vec![
            Span::raw(format!("  {:<16}", format!("{}{state}", d.kind))),
            Span::raw(format!("{} ", d.due)),
            Span::styled(format!("{:>6} ", days_left(left)), app.theme.style(role)),
            Span::styled(format!("{status:<11} "), app.theme.style("text.dim")),
        ];
        if narrow {
            lines.push(Line::from(spans));
            lines.push(Line::from(Span::styled(
                format!("    {}", d.citation),
                app.theme.style("text.dim"),
            )));
        } else {
            spans.push(Span::styled(
                d.citation.clone(),
                app.theme.style("text.dim"),
            ));
            lines.push(Line::from(spans));
        }
    }
    lines.push(Line::from(Span::styled(
        "Seen before",
        app.theme.style("title"),
    )));
    if let Some(r) = &inc.recurrence {
        lines.push(Line::from(format!(
            "  {}",
            fit(&safe_line(r), side.width.saturating_sub(3) as usize)
        )));
    }
    if inc.similar.is_empty() {
        lines.push(Line::from(Span::styled(
            "  (open with Enter to fetch similar past incidents)",
            app.theme.style("text.dim"),
        )));
    }
    for s in inc.similar.iter().take(6) {
        let width = side.width.saturating_sub(25) as usize;
        lines.push(Line::from(format!(
            "  {:>4.2} {} {}",
            s.score,
            s.id,
            fit(&safe_line(&s.title), width.max(8))
        )));
        if !s.why.is_empty() {
            lines.push(Line::from(Span::styled(
                format!(
                    "       {}",
                    fit(
                        &safe_line(&s.why.join("; ")),
                        side.width.saturating_sub(8) as usize
                    )
                ),
                app.theme.style("text.dim"),
            )));
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), side);
}
