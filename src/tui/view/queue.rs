//! The inbound queue: open incidents with age, status, severity, nearest deadline; new arrivals
//! marked; rows built only for what is visible.

use super::super::app::App;
use super::super::cache::nearest_deadline;
use super::{block, days_left, deadline_role, fit};
use crate::domain::text::safe_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

/// The first visible row so that `selected` is on screen.
pub fn scroll_offset(selected: usize, height: usize, len: usize) -> usize {
    if height == 0 || len <= height {
        return 0;
    }
    let half = height / 2;
    selected.saturating_sub(half).min(len - height)
}

fn age(app: &App, i: &crate::domain::Incident) -> String {
    // Age counts from discovery (D0) or the report, whichever came first: what the clocks see.
    let since = i.discovered_at.min(i.reported_at.date_naive());
    let days = (app.today - since).num_days();
    match days {
        d if d <= 0 => "today".into(),
        d if d < 60 => format!("{d}d"),
        d if d < 730 => format!("{}mo", d / 30),
        d => format!("{}y", d / 365),
    }
}

/// Draws the queue.
pub fn draw(frame: &mut Frame, app: &App, area: Rect, full: bool) {
    let focused = app.pane == super::super::app::Pane::Queue;
    let filter = if app.filter.text.is_empty() {
        String::new()
    } else {
        format!(" filter: {}", safe_line(&app.filter.text))
    };
    let title = format!(
        " Queue {}/{} · sort {}{} ",
        app.view.len().min(app.selected + 1),
        app.view.len(),
        app.sort.label(),
        filter
    );
    let outer = block(app, title, focused);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let height = inner.height.saturating_sub(1) as usize;
    let offset = scroll_offset(app.selected, height, app.view.len());
    let wide = full && inner.width >= 100;
    let mut rows = Vec::with_capacity(height);
    for (row_no, &idx) in app.view.iter().enumerate().skip(offset).take(height) {
        let i = &app.cache.items()[idx];
        let selected = row_no == app.selected;
        let arrival = app.arrivals.contains(&i.id);
        let sev = i.classification.severity.map(|s| s.as_str()).unwrap_or("—");
        let deadline = nearest_deadline(i).map(|d| (d - app.today).num_days());
        let deadline_cell = match deadline {
            Some(d) => Cell::from(Span::styled(
                days_left(d),
                app.theme.style(deadline_role(d)),
            )),
            None => Cell::from("—"),
        };
        let mut cells = vec![
            Cell::from(format!(
                "{}{}",
                if selected { "▶" } else { " " },
                if app.outbox.touches(&i.id) {
                    "⇡"
                } else if arrival {
                    "●"
                } else {
                    " "
                }
            )),
            Cell::from(i.id.trim_start_matches("INC-").to_string()),
            Cell::from(age(app, i)),
            Cell::from(Span::styled(
                i.status.as_str(),
                app.theme.style(&format!("status.{}", i.status)),
            )),
            Cell::from(Span::styled(
                sev,
                app.theme.style(&format!("severity.{sev}")),
            )),
            deadline_cell,
        ];
        if wide {
            cells.push(Cell::from(
                i.determination.as_str().replace("undetermined", "—"),
            ));
            cells.push(Cell::from(fit(&safe_line(&i.site), 14)));
        }
        cells.push(Cell::from(safe_line(&i.title).into_owned()));
        let style = if selected {
            app.theme.style("row.selected")
        } else if arrival {
            app.theme.style("row.new_arrival")
        } else {
            app.theme.style("text")
        };
        rows.push(Row::new(cells).style(style));
    }
    let mut widths = vec![
        Constraint::Length(2),
        Constraint::Length(11),
        Constraint::Length(5),
        Constraint::Length(13),
        Constraint::Length(8),
        Constraint::Length(6),
    ];
    let mut header = vec!["", "id", "age", "status", "sev", "due"];
    if wide {
        widths.push(Constraint::Length(13));
        widths.push(Constraint::Length(14));
        header.push("determination");
        header.push("site");
    }
    widths.push(Constraint::Min(10));
    header.push("title");
    let empty = app.view.is_empty();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(app.theme.style("text.dim")))
        .column_spacing(1);
    frame.render_widget(table, inner);
    if empty {
        let msg = if app.loading {
            "loading incidents…"
        } else {
            "nothing in the queue — `/` searches everything, `f` filters (`all` shows closed)"
        };
        let area = Rect {
            y: inner.y + 1,
            height: 1,
            ..inner
        };
        frame.render_widget(
            Line::from(Span::styled(msg, app.theme.style("text.dim"))),
            area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_keeps_selection_visible() {
        assert_eq!(scroll_offset(0, 10, 5), 0);
        assert_eq!(scroll_offset(50, 10, 100), 45);
        assert_eq!(scroll_offset(99, 10, 100), 90);
        for sel in 0..100 {
            let off = scroll_offset(sel, 10, 100);
            assert!(sel >= off && sel < off + 10);
        }
    }
}

#[cfg(test)]
mod render_tests {
    use crate::domain::{Incident, Role};
    use crate::tui::app::App;
    use crate::tui::msg::Msg;
    use chrono::{NaiveDate, TimeZone, Utc};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    #[test]
    fn selected_new_arrival_shows_both_marks() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let (keymap, _) = crate::tui::keymap::load_keymap("default", None);
        let (theme, _) = crate::tui::theme::load_theme("mono", None, false);
        let mut app = App::new(
            "kim".into(),
            Role::Lead,
            "test".into(),
            keymap,
            theme,
            today,
        );
        app.update(Msg::Loaded(Ok(vec![]), false));
        let at = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
        let inc = Incident::minimal(
            "INC-2026-000001",
            "Fax sent to wrong clinic",
            "North",
            today,
            at,
        );
        app.update(Msg::Fetched(Ok(Box::new(inc))));
        assert!(app.arrivals.contains("INC-2026-000001"));
        let mut term = Terminal::new(TestBackend::new(120, 10)).unwrap();
        term.draw(|f| crate::tui::view::draw(f, &app)).unwrap();
        let text: String = term
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert!(text.contains("▶●"), "{text}");
    }
}
