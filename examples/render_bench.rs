//! Console rendering benchmark (release build): frame time of a full 160×48 frame with 100,000
//! incidents loaded, time from an empty console to the first frame that shows them, and the
//! bytes written to the terminal for one cursor move in the queue.
//!
//! `cargo run --release --example render_bench [-- N]`

use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{CrosstermBackend, TestBackend};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use triage::domain::clocks::{ClockRules, incident_deadlines};
use triage::domain::{Incident, Role};
use triage::tui::keymap::load_keymap;
use triage::tui::msg::Msg;
use triage::tui::theme::load_theme;
use triage::tui::{app::App, view};

fn corpus(n: usize, today: NaiveDate) -> Vec<Incident> {
    let mut items = triage::corpus::synthetic(n, 7, today);
    for inc in &mut items {
        inc.deadlines = incident_deadlines(inc, &ClockRules::default(), today);
    }
    items
}

/// A writer that counts what the terminal would receive.
#[derive(Clone, Default)]
struct Counter(Arc<Mutex<usize>>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut n) = self.0.lock() {
            *n += buf.len();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
    let items: Vec<Incident> = corpus(n, today);
    let (keymap, _) = load_keymap("default", None);
    let (theme, _) = load_theme("dark", None, false);

    // Start to first frame with data, as the console loads: pages of 1,000 arrive one by one,
    // each is absorbed (cache, search index, queue order) and a frame is drawn.
    let mut pages: Vec<Vec<Incident>> = items.chunks(1000).map(|c| c.to_vec()).collect();
    let last = pages.pop().unwrap_or_default();
    let start = Instant::now();
    let mut app = App::new(
        "bench".into(),
        Role::Lead,
        "http://127.0.0.1:7878".into(),
        keymap,
        theme,
        today,
    );
    let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let empty_frame = start.elapsed();
    let mut first_data = None;
    let mut slowest_page = 0.0f64;
    for page in pages {
        let t = Instant::now();
        app.update(Msg::LoadedPage(page, false));
        term.draw(|f| view::draw(f, &app)).expect("draw");
        slowest_page = slowest_page.max(t.elapsed().as_secs_f64() * 1000.0);
        first_data.get_or_insert(start.elapsed());
    }
    app.update(Msg::Loaded(Ok(last), false));
    term.draw(|f| view::draw(f, &app)).expect("draw");
    let all_loaded = start.elapsed();
    let first_full = first_data.unwrap_or(all_loaded);

    // Frame time with N loaded, moving the cursor each frame.
    let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    let mut times = Vec::new();
    for _ in 0..300 {
        app.update(Msg::Key(down));
        let t = Instant::now();
        term.draw(|f| view::draw(f, &app)).expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut keystroke = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        app.update(Msg::Key(down));
        term.draw(|f| view::draw(f, &app)).expect("draw");
        keystroke.push(t.elapsed().as_secs_f64() * 1000.0);
    }

    // Bytes for one cursor move through a real crossterm backend.
    let counter = Counter::default();
    let mut real = Terminal::new(CrosstermBackend::new(counter.clone())).expect("terminal");
    let _ = real.resize(ratatui::layout::Rect::new(0, 0, 160, 48));
    real.draw(|f| view::draw(f, &app)).expect("draw");
    let before = counter.0.lock().map(|n| *n).unwrap_or(0);
    app.update(Msg::Key(down));
    real.draw(|f| view::draw(f, &app)).expect("draw");
    let after = counter.0.lock().map(|n| *n).unwrap_or(0);

    println!("incidents: {n}");
    println!(
        "empty console, first frame: {:.1} ms",
        empty_frame.as_secs_f64() * 1000.0
    );
    println!(
        "start to first frame showing data (first page of 1,000): {:.1} ms",
        first_full.as_secs_f64() * 1000.0
    );
    println!(
        "all {n} incidents absorbed page by page, drawing after each: {:.1} ms (slowest page + frame {:.1} ms)",
        all_loaded.as_secs_f64() * 1000.0,
        slowest_page
    );
    println!(
        "full 160x48 frame render, median of 300: {:.3} ms (p95 {:.3} ms)",
        median(times.clone()),
        {
            let mut t = times;
            t.sort_by(f64::total_cmp);
            t[t.len() * 95 / 100]
        }
    );
    println!(
        "keystroke to frame (update + render), median of 300: {:.3} ms",
        median(keystroke)
    );
    println!("bytes written for one cursor move: {}", after - before);
}
