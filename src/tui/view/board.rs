//! The owner and deadline board, and the escalations view (most urgent first).

use super::super::app::App;
use super::{block, days_left, deadline_role, fit, pad};
use crate::domain::text::safe_line;
use crate::domain::wire::Board;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The display order of board items: by bucket (or owner), or for escalations by level then due.
pub fn order(board: &Board, escalations: bool, by_owner: bool) -> Vec<usize> {
    order_for(board, escalations, by_owner, None)
}

/// [`order`], keeping only the items of `only_owner` when given ("my work").
pub fn order_for(
    board: &Board,
    escalations: bool,
    by_owner: bool,
    only_owner: Option<&str>,
) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..board.items.len())
        .filter(|&i| only_owner.is_none_or(|o| board.items[i].owner == o))
        .collect();
    if escalations {
        idx.retain(|&i| {
            board.items[i].escalation_level > 0
                || board.items[i].bucket == crate::domain::wire::DueBucket::Overdue
        });
        idx.sort_by(|&a, &b| {
            let (x, y) = (&board.items[a], &board.items[b]);
            y.escalation_level
                .cmp(&x.escalation_level)
                .then(x.due.cmp(&y.due))
        });
    } else if by_owner {
        idx.sort_by(|&a, &b| {
            board.items[a]
                .owner
                .cmp(&board.items[b].owner)
                .then(board.items[a].due.cmp(&board.items[b].due))
        });
    } else {
        idx.sort_by(|&a, &b| {
            board.items[a]
                .bucket
                .cmp(&board.items[b].bucket)
                .then(board.items[a].due.cmp(&board.items[b].due))
        });
    }
    idx
}

/// Draws the board or the escalations view.
pub fn draw(frame: &mut Frame, app: &App, area: Rect, escalations: bool) {
    let name = if escalations {
        "Escalations"
    } else if app.board_by_owner {
        "Board by owner"
    } else {
        "Board by due date"
    };
    let mine = format!("My work ({}) · {name}", app.user);
    let name = if app.board_mine { mine.as_str() } else { name };
    let Some(board) = &app.board else {
        frame.render_widget(
            Paragraph::new("loading the board…").block(block(app, format!(" {name} "), true)),
            area,
        );
        return;
    };
    let order = order_for(
        board,
        escalations,
        app.board_by_owner,
        app.board_mine.then_some(app.user.as_str()),
    );
    // Most urgent first (the map itself is in alphabetical order: later, overdue, …).
    use crate::domain::wire::DueBucket as B;
    let urgency = |k: &str| {
        [B::Overdue, B::Today, B::ThisWeek, B::Later]
            .iter()
            .position(|b| b.label() == k)
            .unwrap_or(usize::MAX)
    };
    let mut buckets: Vec<(&String, &usize)> = board.by_bucket.iter().collect();
    buckets.sort_by_key(|(k, _)| urgency(k));
    let counts: Vec<String> = buckets
        .iter()
        .map(|(k, v)| format!("{} {v}", safe_line(k)))
        .collect();
    let outer = block(app, format!(" {name} · {} ", counts.join(" · ")), true);
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let height = inner.height as usize;
    let offset =
        super::queue::scroll_offset(app.board_selected, height.saturating_sub(2), order.len());
    let mut lines = Vec::new();
    let mut last_group = String::new();
    for (n, &i) in order.iter().enumerate().skip(offset) {
        if lines.len() >= height {
            break;
        }
        let item = &board.items[i];
        let group = if escalations {
            format!("level {}", item.escalation_level)
        } else if app.board_by_owner {
            safe_line(&item.owner).into_owned()
        } else {
            item.bucket.label().to_string()
        };
        if group != last_group {
            lines.push(Line::from(Span::styled(
                format!("── {group} "),
                app.theme.style("title"),
            )));
            last_group = group;
        }
        let days = (item.due - board.today).num_days();
        let style = if n == app.board_selected {
            app.theme.style("row.selected")
        } else {
            app.theme.style("text")
        };
        let kind = if item.kind == "action" { "ACT" } else { "CLK" };
        let level = if item.escalation_level > 0 {
            format!("↑{}", item.escalation_level)
        } else {
            "  ".into()
        };
        let title_width = inner.width.saturating_sub(54) as usize;
        lines.push(
            Line::from(vec![
                Span::raw(format!(" {kind} {level} ")),
                Span::raw(format!("{} ", item.due)),
                Span::styled(
                    format!("{:>6} ", days_left(days)),
                    app.theme.style(deadline_role(days)),
                ),
                Span::raw(format!(
                    "{} {} ",
                    pad(&safe_line(&item.owner), 12),
                    pad(&safe_line(&item.status), 11)
                )),
                Span::raw(fit(&safe_line(&item.title), title_width.max(10))),
            ])
            .style(style),
        );
    }
    if order.is_empty() {
        lines.push(Line::from(Span::styled(
            if escalations {
                "nothing escalated or overdue"
            } else {
                "no open actions or deadlines"
            },
            app.theme.style("text.dim"),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
