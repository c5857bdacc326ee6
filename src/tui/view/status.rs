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
    let loading = if app.loading { " · loading…" } else { "" };
    let mut spans = vec![
        Span::styled(
            format!(" {} · {} ({}) ", app.server, app.user, app.role),
            app.theme.style("statusbar"),
        ),
        Span::styled(format!(" {link} "), link_style),
        Span::styled(
            format!(
                " {} incidents · {new} new · {overdue} overdue{loading} ",
                app.cache.len()
            ),
            app.theme.style("statusbar"),
        ),
    ];
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
    let hints = app
        .keymap
        .bindings(app.pane.section())
        .into_iter()
        .chain(app.keymap.bindings("global"))
        .take(9)
        .flat_map(|b| {
            [
                Span::styled(format!(" {} ", b.keys), app.theme.style("key")),
                Span::styled(format!("{} ", short(&b.desc)), app.theme.style("text.dim")),
            ]
        })
        .collect::<Vec<_>>();
    let [top, bottom] =
        ratatui::layout::Layout::vertical([ratatui::layout::Constraint::Length(1); 2]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.style("statusbar")),
        top,
    );
    frame.render_widget(Paragraph::new(Line::from(hints)), bottom);
}

fn short(desc: &str) -> String {
    desc.split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}
