//! Popups: help (generated from the keymap), command palette, prompts, the note editor, the
//! version-conflict dialog and as-you-type search with highlighted matches.

use super::super::app::{App, EditorFor, Popup, PromptFor};
use super::super::command::Command;
use super::fit;
use crate::domain::text::safe_line;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Commands whose name or description contains every typed word.
pub fn palette_matches(text: &str) -> Vec<Command> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    Command::ALL
        .iter()
        .copied()
        .filter(|c| {
            let hay = format!("{} {}", c.name(), c.description()).to_lowercase();
            words.iter().all(|w| hay.contains(w))
        })
        .collect()
}

/// The lines of the help popup: every section a key is looked up in on this pane (pane, list,
/// global), then those of the popups, with their bindings.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for section in [
        app.pane.section(),
        "list",
        "global",
        "popup",
        "conflict",
        "outbox",
        "editor",
    ] {
        lines.push(Line::from(Span::styled(
            format!("[{section}]"),
            app.theme.style("title"),
        )));
        for b in app.keymap.bindings(section) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<14}", b.keys), app.theme.style("key")),
                Span::raw(format!("{:<22} {}", b.command.name(), b.desc)),
            ]));
        }
    }
    lines
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn frame_block<'a>(app: &App, title: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, app.theme.style("title")))
        .border_style(app.theme.style("border.focused"))
}

/// Draws the open popup, if any.
pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let Some(popup) = &app.popup else { return };
    match popup {
        Popup::Help => {
            let r = centered(area, 90, area.height.saturating_sub(2));
            let lines = help_lines(app);
            let visible = r.height.saturating_sub(2) as usize;
            app.help_rows
                .set(u16::try_from(visible).unwrap_or(u16::MAX));
            let last = lines.len().saturating_sub(visible);
            let first = (app.help_scroll as usize).min(last);
            let title = if lines.len() > visible {
                format!(
                    " Keys {}–{} of {} · ↓↑ scroll · Esc closes ",
                    first + 1,
                    (first + visible).min(lines.len()),
                    lines.len()
                )
            } else {
                " Keys (from the active keymap) — Esc closes ".to_string()
            };
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines)
                    .scroll((u16::try_from(first).unwrap_or(u16::MAX), 0))
                    .block(frame_block(app, title)),
                r,
            );
        }
        Popup::Palette { input, selected } => {
            let matches = palette_matches(input.text());
            let r = centered(area, 70, 16);
            let mut lines = vec![Line::from(format!(": {}", input.text())), Line::from("")];
            for (n, c) in matches
                .iter()
                .enumerate()
                .take(r.height.saturating_sub(4) as usize)
            {
                let style = if n == *selected {
                    app.theme.style("row.selected")
                } else {
                    app.theme.style("text")
                };
                lines.push(Line::from(Span::styled(
                    format!("{:<22} {}", c.name(), c.description()),
                    style,
                )));
            }
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).block(frame_block(app, " Command palette ".into())),
                r,
            );
            frame.set_cursor_position((r.x + 3 + input.cursor_width(), r.y + 1));
        }
        Popup::Prompt {
            purpose,
            input,
            error,
        } => {
            let (title, hint) = match purpose {
                PromptFor::Filter => (
                    "Filter the queue".to_string(),
                    "words, status:new site:north sev:high owner:kim det:breach, all = include closed",
                ),
                PromptFor::Field(f) => (
                    format!("Edit {}", f.label()),
                    "Enter keeps it (then save), Esc cancels",
                ),
                PromptFor::NewReport => ("New report".into(), "title | site"),
                PromptFor::AddAction => {
                    ("New corrective action".into(), "title | owner | YYYY-MM-DD")
                }
                PromptFor::Reassign(id, _) => (format!("Reassign {id}"), "new owner"),
                PromptFor::Redate(id, _) => {
                    (format!("Re-date {id}"), "YYYY-MM-DD | reason (required)")
                }
                PromptFor::AssignIncident => ("Assign the incident".into(), "owner"),
                PromptFor::Factors => (
                    "Contributing factors".into(),
                    "comma-separated, e.g. auto-complete, time pressure",
                ),
            };
            let r = centered(area, 76, 6);
            let mut lines = vec![
                Line::from(Span::styled(hint, app.theme.style("text.dim"))),
                Line::from(format!("> {}", input.text())),
            ];
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(
                    safe_line(e).into_owned(),
                    app.theme.style("banner.error"),
                )));
            }
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines).block(frame_block(app, format!(" {title} "))),
                r,
            );
            frame.set_cursor_position((r.x + 3 + input.cursor_width(), r.y + 2));
        }
        Popup::Editor {
            purpose,
            area: text,
            saving,
        } => {
            let r = centered(area, 90, area.height.saturating_sub(4).min(20));
            let what = match purpose {
                EditorFor::Note => "New note",
                EditorFor::RootCause => "Root-cause summary",
            };
            let state = if *saving { " · saving…" } else { "" };
            let title = format!(" {what}{state} — Ctrl-S saves, Esc cancels ");
            frame.render_widget(Clear, r);
            let block = frame_block(app, title);
            let inner = block.inner(r);
            frame.render_widget(block, r);
            frame.render_widget(&**text, inner);
        }
        Popup::Outbox { selected } => draw_outbox(frame, app, area, *selected),
        Popup::Conflict { patch, current } => {
            let r = centered(area, 80, 14);
            let mine = serde_json::to_value(patch).unwrap_or_default();
            let fields: Vec<String> = mine
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default();
            let lines = vec![
                Line::from(Span::styled(
                    format!(
                        "{} was changed by someone else (now version {}).",
                        current.id, current.version
                    ),
                    app.theme.style("banner.error"),
                )),
                Line::from(""),
                Line::from(format!(
                    "Your unsaved change touches: {}",
                    fields.join(", ")
                )),
                Line::from(format!(
                    "Now: status {} · determination {} · owner {}",
                    current.status,
                    current.determination,
                    current.owner.as_deref().map(safe_line).unwrap_or_default()
                )),
                Line::from(format!("Title: {}", fit(&safe_line(&current.title), 60))),
                Line::from(""),
                Line::from("R  reload: take the current version, drop your change"),
                Line::from("A  re-apply: apply your change on top of the current version"),
                Line::from("Esc keep editing"),
            ];
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(frame_block(
                        app,
                        " Version conflict — nothing was overwritten ".into(),
                    )),
                r,
            );
        }
        Popup::Search {
            input,
            hits,
            selected,
        } => {
            let r = centered(
                area,
                area.width.saturating_sub(4).min(130),
                area.height.saturating_sub(2),
            );
            frame.render_widget(Clear, r);
            let block = frame_block(
                app,
                format!(
                    " Search · {} match(es) in {} · Enter opens · Esc closes · site: cat: status: det: owner: after: before: ",
                    app.search_total,
                    app.cache.len()
                ),
            );
            let inner = block.inner(r);
            frame.render_widget(block, r);
            let wide = inner.width >= 100;
            let (list_area, preview_area) = if wide {
                let [a, b] =
                    Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
                        .areas(inner);
                (a, Some(b))
            } else {
                (inner, None)
            };
            let mut lines = vec![Line::from(format!("/ {}", input.text())), Line::from("")];
            let height = list_area.height.saturating_sub(2) as usize;
            let offset = super::queue::scroll_offset(*selected, height, hits.len());
            for (n, hit) in hits.iter().enumerate().skip(offset).take(height) {
                let Some(inc) = app.cache.get(&hit.id) else {
                    continue;
                };
                let base = if n == *selected {
                    app.theme.style("row.selected")
                } else {
                    app.theme.style("text")
                };
                let mut spans = vec![Span::styled(format!("{:<16} ", inc.id), base)];
                let title = safe_line(&inc.title);
                let width = list_area.width.saturating_sub(17) as usize;
                for (ci, ch) in fit(&title, width).chars().enumerate() {
                    let style = if hit.positions.contains(&ci) && title.chars().nth(ci) == Some(ch)
                    {
                        app.theme.style("match")
                    } else {
                        base
                    };
                    spans.push(Span::styled(ch.to_string(), style));
                }
                lines.push(Line::from(spans));
            }
            frame.render_widget(Paragraph::new(lines), list_area);
            frame.set_cursor_position((list_area.x + 2 + input.cursor_width(), list_area.y));
            if let (Some(p), Some(hit)) = (preview_area, hits.get(*selected))
                && let Some(inc) = app.cache.get(&hit.id)
            {
                let text = vec![
                    Line::from(Span::styled(
                        safe_line(&inc.title).into_owned(),
                        app.theme.style("title"),
                    )),
                    Line::from(format!(
                        "{} · {} · {} · {}",
                        inc.status,
                        inc.determination,
                        safe_line(&inc.site),
                        inc.discovered_at
                    )),
                    Line::from(safe_line(&inc.classification.category_words()).into_owned()),
                    Line::from(""),
                    Line::from(crate::domain::text::sanitize(&inc.description, false)),
                ];
                frame.render_widget(
                    Paragraph::new(text)
                        .wrap(Wrap { trim: false })
                        .block(Block::default().borders(Borders::LEFT)),
                    p,
                );
            }
        }
    }
}

/// The outbox: every queued change in order, what is being sent, and why the queue stopped.
fn draw_outbox(frame: &mut Frame, app: &App, area: Rect, selected: usize) {
    let r = centered(area, 90, area.height.saturating_sub(4).max(8));
    let q = &app.outbox;
    let state = if let Some(stop) = q.stopped() {
        format!("stopped: {}", safe_line(&stop.reason))
    } else if q.waiting {
        "waiting for the server; retried every few seconds".to_string()
    } else if q.is_empty() {
        "empty: every change has reached the server".to_string()
    } else {
        "sending".to_string()
    };
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&state, usize::from(r.width.saturating_sub(4))),
            app.theme.style(if q.stopped().is_some() {
                "banner.error"
            } else {
                "text.dim"
            }),
        )),
        Line::from(""),
    ];
    let visible = usize::from(r.height.saturating_sub(6));
    let first = selected.saturating_sub(visible.saturating_sub(1));
    for (n, e) in q.entries().enumerate().skip(first).take(visible) {
        let mark = if q.stopped().is_some_and(|s| s.entry == e.id) {
            "✖"
        } else if q.in_flight() == Some(e.id) {
            "⇡"
        } else {
            "·"
        };
        let when = e.queued_at.format("%m-%d %H:%MZ");
        let text = format!(
            "{} {mark} {when}  {}",
            if n == selected { "▶" } else { " " },
            e.write.describe()
        );
        let style = if n == selected {
            app.theme.style("row.selected")
        } else {
            app.theme.style("text")
        };
        lines.push(Line::from(Span::styled(
            fit(&text, usize::from(r.width.saturating_sub(4))),
            style,
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let keys = app
        .keymap
        .bindings("outbox")
        .into_iter()
        .filter(|b| !matches!(b.command, Command::NavDown | Command::NavUp))
        .filter(|b| seen.insert(b.command))
        .map(|b| format!("{} {}", b.keys, b.desc))
        .collect::<Vec<_>>()
        .join(" · ");
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(keys, app.theme.style("text.dim"))));
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(frame_block(app, format!(" Outbox · {} pending ", q.len()))),
        r,
    );
}
