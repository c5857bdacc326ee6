//! The status bar (server, user, role, link, counts, messages) and the hints line generated
//! from the active keymap.

use super::super::app::App;
use super::super::msg::Link;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Draws the two bottom lines.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let (new, overdue) = app.counts;
    let link = match &app.link {
        Link::Connecting => "connecting…".to_string(),
        Link::Live => "live".to_string(),
        Link::Reconnecting(s) => format!("OFFLINE — reconnecting in {s}s"),
    };
    let link_style = if matches!(app.link, Link::Reconnecting(_)) {
        app.theme.style("banner.error")
    } else {
        app.theme.style("statusbar")
    };
    let loading = if app.loading {
        " · loading… (searching what has arrived)"
    } else {
        ""
    };
    let mut spans = vec![
        Span::styled(
            format!(" {} · {} ({}) ", app.server, app.user, app.role),
            app.theme.style("statusbar"),
        ),
        Span::styled(format!(" {link} "), link_style),
        Span::styled(
            format!(
                " queue {} · new {new} · overdue {overdue} · all {}{loading} ",
                app.view.len(),
                app.cache.len()
            ),
            app.theme.style("statusbar"),
        ),
    ];
    if !app.outbox.is_empty() {
        let stopped = if app.outbox.stopped().is_some() {
            " · STOPPED (P)"
        } else {
            ""
        };
        spans.push(Span::styled(
            format!(" ⇡ {} pending{stopped} ", app.outbox.len()),
            app.theme.style(if stopped.is_empty() {
                "banner.warning"
            } else {
                "banner.error"
            }),
        ));
    }
    if let Some(b) = &app.banner {
        spans.push(Span::styled(
            format!(" {} ", crate::domain::text::safe_line(&b.text)),
            app.theme.style(if b.error {
                "banner.error"
            } else {
                "banner.warning"
            }),
        ));
    }
    // As many hints as fit, pane keys first, each with its full description.
    let mut hints = Vec::new();
    let mut used = 0usize;
    let width = usize::from(area.width);
    let bindings = app
        .keymap
        .bindings(app.pane.section())
        .into_iter()
        .chain(app.keymap.bindings("global"));
    let mut seen = std::collections::HashSet::new();
    for b in bindings {
        if !seen.insert(b.command) {
            continue;
        }
        let text_len = b.keys.chars().count() + b.desc.chars().count() + 4;
        if used + text_len > width {
            break;
        }
        used += text_len;
        hints.push(Span::styled(
            format!(" {} ", b.keys),
            app.theme.style("key"),
        ));
        hints.push(Span::styled(
            format!("{} ", b.desc),
            app.theme.style("text.dim"),
        ));
    }
    let [top, bottom] =
        ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 2]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.style("statusbar")),
        top,
    );
    frame.render_widget(Paragraph::new(Line::from(hints)), bottom);
}
