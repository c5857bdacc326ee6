//! Snapshot tests of the console's rendering on `ratatui`'s `TestBackend`.
//!
//! Every pane (Queue, Classify, Notes, Board, Escalations, Dashboard) and every popup (help,
//! command palette, search with results, a prompt with an error, the version-conflict dialog,
//! the note editor) is drawn at 80×24 and 160×48 from fixed data: incidents with fixed ids,
//! dates and times, a fixed "today" (2026-12-04), a fixed server string, the default keymap and
//! the monochrome theme. The screens are stored as text under `tests/snapshots/`; nothing in them
//! depends on the clock or the machine.
//!
//! Besides the snapshots, the tests check that hostile incident text (OSC and CSI escape
//! sequences, BEL, a bidi override, wide CJK characters) reaches the screen only in inert caret
//! form, that wide characters keep columns aligned, and that `NO_COLOR` leaves every cell without
//! colour.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use reqwest::StatusCode;
use std::collections::BTreeMap;
use triage::client::ClientError;
use triage::domain::action::{Action, ActionStatus};
use triage::domain::assessment::{Factor, Risk, RiskAssessment, suggest};
use triage::domain::clocks::incident_deadlines;
use triage::domain::wire::{
    Board, BoardItem, DueBucket, ErrorBody, ErrorDetail, Pattern, PeriodCount, Stats,
};
use triage::domain::{
    BreachType, Classification, Determination, Incident, IncidentPatch, Location, Note, Role,
    RootCause, RootCauseCategory, Severity, SimilarRef, Source, Status, Subtype,
};
use triage::tui::app::{App, Pane, Popup};
use triage::tui::command::Command;
use triage::tui::keymap::load_keymap;
use triage::tui::msg::{Link, Msg};
use triage::tui::outbox::Write;
use triage::tui::theme::load_theme;
use triage::tui::view;

/// The two terminal sizes every screen is drawn at.
const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

/// The hostile incident's id.
const HOSTILE: &str = "INC-2026-000104";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn factor(risk: Risk, notes: &str) -> Option<Factor> {
    Some(Factor {
        risk,
        notes: notes.into(),
    })
}

/// A plain incident; the fixtures below change what matters to each.
fn base(id: &str, title: &str, reported: DateTime<Utc>, discovered: NaiveDate) -> Incident {
    Incident {
        id: id.into(),
        title: title.into(),
        description: String::new(),
        reported_by: "front-desk".into(),
        reported_at: reported,
        discovered_at: discovered,
        occurred_at: None,
        site: "North Campus".into(),
        department: None,
        source: Source::Web,
        status: Status::New,
        determination: Determination::Undetermined,
        classification: Classification::default(),
        risk_assessment: None,
        owner: None,
        escalation_level: 0,
        root_cause: RootCause::default(),
        notices: Vec::new(),
        hold: None,
        close_reason: None,
        entity: None,
        notes: Vec::new(),
        actions: Vec::new(),
        deadlines: Vec::new(),
        similar: Vec::new(),
        suggestion: None,
        recurrence: None,
        version: 1,
        created_at: reported,
        updated_at: reported,
    }
}

/// Computes the read-only parts the server would send: clocks and the suggestion.
fn decorate(mut inc: Incident) -> Incident {
    inc.deadlines = incident_deadlines(&inc, &Default::default(), today());
    inc.suggestion = Some(suggest(
        inc.classification.phi_involved,
        inc.risk_assessment.as_ref(),
    ));
    inc
}

fn action(
    id: &str,
    incident: &str,
    title: &str,
    owner: &str,
    due: NaiveDate,
    status: ActionStatus,
) -> Action {
    Action {
        id: id.into(),
        incident_id: incident.into(),
        title: title.into(),
        owner: owner.into(),
        due,
        status,
        escalation_level: 0,
        created_at: at(2026, 11, 1, 10, 0),
        completed_at: None,
        verified_by: None,
        redate_reason: None,
        version: 1,
    }
}

/// The hostile title: an OSC title-setting sequence with BEL, a screen-clearing CSI, a bidi
/// override and wide CJK characters.
fn hostile_title() -> String {
    "\x1b]0;pwned\x07Fax to 東京クリニック\x1b[2J sent \u{202E}fdp.exe".into()
}

/// Six incidents covering every status, determination and clock state.
fn incidents() -> Vec<Incident> {
    let mut fax = base(
        "INC-2026-000101",
        "Lab results faxed to wrong clinic",
        at(2026, 12, 2, 8, 15),
        date(2026, 12, 1),
    );
    fax.description = "Outpatient lab results for one patient were faxed to the dermatology\n\
                       clinic instead of cardiology. The clinic called back the same day."
        .into();
    fax.reported_by = "r.alvarez".into();
    fax.department = Some("Cardiology".into());
    fax.classification = Classification {
        breach_type: vec![BreachType::UnauthorizedAccess],
        location: vec![Location::PaperFilms],
        subtype: Some(Subtype::MisdirectedFax),
        severity: Some(Severity::Medium),
        phi_involved: Some(true),
        individuals_affected: Some(1),
        ..Default::default()
    };
    fax.notes = vec![Note {
        id: "N-000001".into(),
        author: "kim".into(),
        at: at(2026, 12, 2, 9, 40),
        text: "Called dermatology: the fax was shredded unread.\nAsked for a written attestation."
            .into(),
    }];
    fax.recurrence = Some("misdirected fax · North Campus · 7 in 90 days, 19 in a year".into());
    fax.similar = vec![
        SimilarRef {
            id: "INC-2026-000061".into(),
            title: "Referral faxed to old clinic number".into(),
            score: 0.82,
            why: vec!["fax".into(), "same site".into(), "same category".into()],
        },
        SimilarRef {
            id: "INC-2026-000034".into(),
            title: "Discharge papers faxed to wrong nursing home".into(),
            score: 0.61,
            why: vec!["fax".into(), "same category".into()],
        },
    ];

    let mut laptop = base(
        "INC-2026-000102",
        "Unencrypted laptop stolen from staff car",
        at(2026, 10, 2, 14, 5),
        date(2026, 10, 1),
    );
    laptop.description = "A clinic laptop without disk encryption was stolen from a car \
                          parked at a gym. It held a spreadsheet of 812 patients."
        .into();
    laptop.status = Status::Investigating;
    laptop.determination = Determination::Breach;
    laptop.owner = Some("kim".into());
    laptop.escalation_level = 1;
    laptop.site = "South Clinic".into();
    laptop.classification = Classification {
        breach_type: vec![BreachType::Theft],
        location: vec![Location::Laptop],
        subtype: Some(Subtype::StolenDevice),
        severity: Some(Severity::Critical),
        phi_involved: Some(true),
        individuals_affected: Some(812),
        residents_by_state: BTreeMap::from([("CA".into(), 600), ("NV".into(), 212)]),
        ..Default::default()
    };
    laptop.risk_assessment = Some(RiskAssessment {
        nature_extent: factor(Risk::High, "names, dates of birth, diagnoses"),
        unauthorized_person: factor(Risk::High, "unknown thief"),
        acquired_viewed: factor(Risk::Medium, "cannot tell"),
        mitigation: factor(Risk::High, "device not recovered"),
        conclusion: "High probability of compromise.".into(),
        assessed_by: Some("kim".into()),
        assessed_at: Some(at(2026, 10, 5, 11, 0)),
        ..Default::default()
    });
    laptop.root_cause = RootCause {
        summary: "Encryption was never enabled on loaner laptops.".into(),
        factors: vec!["loaner pool outside MDM".into(), "no checkout audit".into()],
        category: Some(RootCauseCategory::Technology),
    };
    laptop.actions = vec![action(
        "ACT-000201",
        "INC-2026-000102",
        "Encrypt every loaner laptop",
        "kim",
        date(2026, 11, 28),
        ActionStatus::Open,
    )];
    laptop.version = 6;
    laptop.updated_at = at(2026, 11, 28, 16, 20);

    let mut email = base(
        "INC-2026-000103",
        "Discharge summary emailed to wrong patient",
        at(2026, 11, 24, 11, 0),
        date(2026, 11, 24),
    );
    email.status = Status::Triaged;
    email.determination = Determination::NearMiss;
    email.owner = Some("lee".into());
    email.site = "West Pavilion".into();
    email.classification = Classification {
        subtype: Some(Subtype::MisdirectedEmail),
        severity: Some(Severity::Low),
        phi_involved: Some(false),
        ..Default::default()
    };
    email.version = 3;

    let mut hostile = base(
        HOSTILE,
        &hostile_title(),
        at(2026, 12, 3, 22, 47),
        date(2026, 12, 3),
    );
    hostile.description =
        "Reported via webhook:\n\x1b]0;pwned\x07 \x1b[2J\x1b[31mred\x1b[0m and \u{202E}txt.exe\n\
         患者の記録が誤って送信されました。"
            .into();
    hostile.reported_by = "webhook\x1b[1m".into();
    hostile.site = "東病棟 East".into();
    hostile.source = Source::Webhook;
    hostile.classification = Classification {
        subtype: Some(Subtype::MisdirectedFax),
        severity: Some(Severity::High),
        ..Default::default()
    };

    let mut tailgate = base(
        "INC-2026-000105",
        "Badge tailgating into the records room",
        at(2026, 11, 10, 7, 30),
        date(2026, 11, 9),
    );
    tailgate.status = Status::Actions;
    tailgate.determination = Determination::Incident;
    tailgate.owner = Some("pat".into());
    tailgate.site = "North Campus".into();
    tailgate.classification = Classification {
        breach_type: vec![BreachType::UnauthorizedAccess],
        location: vec![Location::PaperFilms],
        subtype: Some(Subtype::Tailgating),
        severity: Some(Severity::High),
        phi_involved: Some(true),
        ..Default::default()
    };
    tailgate.risk_assessment = Some(RiskAssessment {
        nature_extent: factor(Risk::Low, ""),
        unauthorized_person: factor(Risk::Low, ""),
        acquired_viewed: factor(Risk::Low, ""),
        mitigation: factor(Risk::Low, ""),
        ..Default::default()
    });
    tailgate.actions = vec![action(
        "ACT-000202",
        "INC-2026-000105",
        "Re-train front desk on tailgating",
        "pat",
        date(2026, 12, 4),
        ActionStatus::InProgress,
    )];
    tailgate.version = 9;

    let mut shredding = base(
        "INC-2026-000099",
        "Shredding bin left unlocked overnight",
        at(2026, 9, 1, 9, 0),
        date(2026, 9, 1),
    );
    shredding.status = Status::Closed;
    shredding.determination = Determination::NearMiss;
    shredding.classification.phi_involved = Some(false);
    shredding.classification.subtype = Some(Subtype::ImproperDisposal);

    vec![fax, laptop, email, hostile, tailgate, shredding]
        .into_iter()
        .map(decorate)
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn item(
    kind: &str,
    incident: &str,
    action_id: Option<&str>,
    title: &str,
    owner: &str,
    due: NaiveDate,
    level: u32,
    status: &str,
) -> BoardItem {
    BoardItem {
        kind: kind.into(),
        incident_id: incident.into(),
        action_id: action_id.map(str::to_string),
        title: title.into(),
        owner: owner.into(),
        due,
        bucket: DueBucket::of(due, today()),
        escalation_level: level,
        status: status.into(),
        version: if action_id.is_some() { 2 } else { 0 },
        citation: (kind == "deadline").then(|| "45 CFR 164.404(b)".into()),
    }
}

/// Open work as the server would send it, including a CJK owner.
fn board() -> Board {
    let items = vec![
        item(
            "action",
            "INC-2026-000102",
            Some("ACT-000201"),
            "Encrypt every loaner laptop",
            "kim",
            date(2026, 11, 28),
            1,
            "open",
        ),
        item(
            "deadline",
            "INC-2026-000102",
            None,
            "Notify individuals (164.404)",
            "kim",
            date(2026, 11, 30),
            0,
            "overdue",
        ),
        item(
            "action",
            "INC-2026-000105",
            Some("ACT-000202"),
            "Re-train front desk on tailgating",
            "pat",
            date(2026, 12, 4),
            0,
            "in_progress",
        ),
        item(
            "action",
            "INC-2026-000101",
            Some("ACT-000203"),
            "Check every saved fax number at the front desk",
            "王医生",
            date(2026, 12, 9),
            2,
            "open",
        ),
        item(
            "action",
            "INC-2026-000103",
            Some("ACT-000204"),
            "Turn on the outbound email DLP rule",
            "unassigned",
            date(2027, 1, 15),
            0,
            "open",
        ),
    ];
    let mut by_owner: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut by_bucket: BTreeMap<String, usize> = BTreeMap::new();
    for (i, it) in items.iter().enumerate() {
        by_owner.entry(it.owner.clone()).or_default().push(i);
        *by_bucket.entry(it.bucket.label().to_string()).or_default() += 1;
    }
    Board {
        today: today(),
        items,
        by_owner,
        by_bucket,
    }
}

/// A year of statistics.
fn stats() -> Stats {
    let counts = [9, 11, 8, 14, 12, 10, 13, 15, 9, 12, 16, 4];
    Stats {
        from: date(2026, 1, 1),
        to: today(),
        by: "month".into(),
        total: counts.iter().sum(),
        by_category: BTreeMap::from([
            ("misdirected_fax".into(), 41),
            ("misdirected_email".into(), 28),
            ("ehr_snooping".into(), 17),
            ("lost_device".into(), 9),
            ("phishing".into(), 30),
            ("tailgating".into(), 8),
        ]),
        by_site: BTreeMap::from([
            ("North Campus".into(), 61),
            ("South Clinic".into(), 38),
            ("West Pavilion".into(), 24),
            ("東病棟 East".into(), 10),
        ]),
        by_determination: BTreeMap::from([
            ("near_miss".into(), 104),
            ("incident".into(), 16),
            ("breach".into(), 3),
            ("undetermined".into(), 10),
        ]),
        series: counts
            .iter()
            .enumerate()
            .map(|(m, &count)| PeriodCount {
                period: date(2026, m as u32 + 1, 1),
                count,
            })
            .collect(),
        near_miss_to_breach: Some(34.7),
        open_actions: 14,
        overdue_actions: 3,
        overdue_by_owner: BTreeMap::from([("kim".into(), 2), ("王医生".into(), 1)]),
        median_hours_to_triage: Some(5.0),
        median_hours_to_close: Some(212.0),
        p90_hours_to_triage: Some(30.0),
        median_hours_to_determination: Some(52.0),
        p90_hours_to_determination: Some(140.0),
        p90_hours_to_close: Some(610.0),
        clocks_met: 14,
        category_series: [
            (
                "misdirected_fax".to_string(),
                vec![3, 5, 2, 4, 6, 3, 2, 5, 4, 3, 2, 2],
            ),
            (
                "phishing".to_string(),
                vec![5, 4, 3, 3, 2, 2, 3, 2, 2, 1, 2, 1],
            ),
        ]
        .into_iter()
        .collect(),
        site_series: [(
            "North Campus".to_string(),
            vec![2, 3, 1, 2, 4, 2, 1, 3, 2, 2, 1, 2],
        )]
        .into_iter()
        .collect(),
        clocks_missed: 2,
        patterns: vec![
            Pattern {
                label: "misdirected fax · North Campus".into(),
                kind: "combination".into(),
                count: 19,
                last_90_days: 7,
                last_year: 19,
                series: vec![1, 2, 1, 0, 2, 1, 2, 3, 1, 2, 3, 1],
                trend: "rising".into(),
                after_actions: Some("not falling after actions".into()),
                examples: vec!["INC-2026-000101".into()],
            },
            Pattern {
                label: "phishing · South Clinic".into(),
                kind: "combination".into(),
                count: 11,
                last_90_days: 2,
                last_year: 11,
                series: vec![2, 2, 1, 1, 1, 1, 0, 1, 1, 0, 1, 0],
                trend: "falling".into(),
                after_actions: Some("falling after actions".into()),
                examples: vec![],
            },
        ],
        clusters: vec![
            Pattern {
                label: "Lab results faxed to wrong clinic".into(),
                kind: "near_duplicate".into(),
                count: 6,
                last_90_days: 3,
                last_year: 6,
                series: vec![0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 1, 1],
                trend: "rising".into(),
                after_actions: None,
                examples: vec!["INC-2026-000101".into(), "INC-2026-000117".into()],
            },
            Pattern {
                label: "Visitor badge door propped open".into(),
                kind: "near_duplicate".into(),
                count: 3,
                last_90_days: 0,
                last_year: 3,
                series: vec![1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                trend: "falling".into(),
                after_actions: Some("falling after actions".into()),
                examples: vec![],
            },
        ],
    }
}

/// A console as `kim` (lead) on the fixed data, on the Queue pane.
fn app_with(theme: &str, no_color: bool) -> App {
    let (keymap, errors) = load_keymap("default", None);
    assert!(errors.is_empty(), "{errors:?}");
    let (theme, errors) = load_theme(theme, None, no_color);
    assert!(errors.is_empty(), "{errors:?}");
    let mut app = App::new(
        "kim".into(),
        Role::Lead,
        "https://triage.example.test".into(),
        keymap,
        theme,
        today(),
    );
    app.update(Msg::Link(Link::Live));
    app.update(Msg::Loaded(Ok(incidents()), false));
    app.update(Msg::BoardLoaded(Ok(Box::new(board()))));
    app.update(Msg::StatsLoaded(Ok(Box::new(stats()))));
    app
}

fn app() -> App {
    app_with("mono", false)
}

fn press(app: &mut App, code: KeyCode) {
    app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// Puts the cursor on incident `id` in the queue.
fn select(app: &mut App, id: &str) {
    app.command(Command::PaneQueue);
    app.command(Command::NavTop);
    for _ in 0..app.view.len() {
        if app.selected_incident().map(|i| i.id.as_str()) == Some(id) {
            return;
        }
        app.command(Command::NavDown);
    }
    panic!("{id} is not in the queue");
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal
}

fn buffer(app: &App, width: u16, height: u16) -> Buffer {
    draw(app, width, height).backend().buffer().clone()
}

/// The buffer as text lines: cells hidden behind a wide character are skipped, trailing blanks
/// trimmed.
fn screen_text(buf: &Buffer) -> String {
    let width = buf.area.width as usize;
    let mut out = String::new();
    for row in buf.content.chunks(width) {
        let mut line = String::new();
        let mut skip = 0usize;
        for cell in row {
            if skip == 0 {
                line.push_str(cell.symbol());
            }
            skip = skip.max(unicode_width(cell.symbol())).saturating_sub(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn unicode_width(s: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    s.width()
}

/// Snapshots the screen at both sizes under `name_WxH`.
fn snap(name: &str, app: &App) {
    for (w, h) in SIZES {
        let text = screen_text(&buffer(app, w, h));
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn queue_pane() {
    let app = app();
    assert_eq!(app.pane, Pane::Queue);
    snap("queue", &app);
}

#[test]
fn classify_pane() {
    let mut app = app();
    select(&mut app, "INC-2026-000101");
    app.command(Command::PaneClassify);
    assert_eq!(app.pane, Pane::Classify);
    snap("classify", &app);
}

#[test]
fn classify_pane_with_a_full_assessment() {
    let mut app = app();
    select(&mut app, "INC-2026-000102");
    app.command(Command::PaneClassify);
    // Moves to the fourth factor so the focus marker is away from the top.
    for _ in 0..11 {
        press(&mut app, KeyCode::Char(']'));
    }
    snap("classify_breach", &app);
}

#[test]
fn notes_pane() {
    let mut app = app();
    select(&mut app, "INC-2026-000102");
    app.command(Command::PaneNotes);
    assert_eq!(app.pane, Pane::Notes);
    snap("notes", &app);
}

#[test]
fn board_pane() {
    let mut app = app();
    app.command(Command::PaneBoard);
    assert_eq!(app.pane, Pane::Board);
    snap("board", &app);
}

#[test]
fn board_pane_by_owner() {
    let mut app = app();
    app.command(Command::PaneBoard);
    press(&mut app, KeyCode::Char('g'));
    assert!(app.board_by_owner);
    snap("board_by_owner", &app);
}

#[test]
fn escalations_pane() {
    let mut app = app();
    app.command(Command::PaneEscalations);
    assert_eq!(app.pane, Pane::Escalations);
    snap("escalations", &app);
}

#[test]
fn dashboard_pane() {
    let mut app = app();
    app.command(Command::PaneDashboard);
    assert_eq!(app.pane, Pane::Dashboard);
    snap("dashboard", &app);
}

#[test]
fn help_popup() {
    let mut app = app();
    press(&mut app, KeyCode::Char('?'));
    assert!(matches!(app.popup, Some(Popup::Help)));
    snap("help", &app);
}

/// Help is longer than an 80×24 screen: it scrolls, and its end shows the last sections.
#[test]
fn help_popup_scrolled_to_the_end() {
    let mut app = app();
    press(&mut app, KeyCode::Char('?'));
    let top = screen_text(&buffer(&app, 80, 24));
    assert!(!top.contains("[editor]"), "{top}");
    press(&mut app, KeyCode::End);
    assert!(matches!(app.popup, Some(Popup::Help)));
    let end = screen_text(&buffer(&app, 80, 24));
    assert!(
        end.contains("[conflict]") && end.contains("[editor]"),
        "{end}"
    );
    press(&mut app, KeyCode::Char('k'));
    assert_ne!(
        screen_text(&buffer(&app, 80, 24)),
        end,
        "one line up from the end moves at once (no scrolling past the last screenful)"
    );
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(screen_text(&buffer(&app, 80, 24)), end, "up then down");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('k'));
    assert_ne!(
        screen_text(&buffer(&app, 80, 24)),
        end,
        "down at the end stays put"
    );
    insta::assert_snapshot!("help_end_80x24", end);
    press(&mut app, KeyCode::Home);
    assert_eq!(screen_text(&buffer(&app, 80, 24)), top);
}

#[test]
fn command_palette() {
    let mut app = app();
    press(&mut app, KeyCode::Char(':'));
    type_text(&mut app, "act");
    press(&mut app, KeyCode::Down);
    assert!(matches!(
        app.popup,
        Some(Popup::Palette { selected: 1, .. })
    ));
    snap("palette", &app);
}

#[test]
fn search_popup_with_results() {
    let mut app = app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "fax");
    let Some(Popup::Search { hits, .. }) = &app.popup else {
        panic!("search is not open");
    };
    assert!(hits.len() >= 2, "{hits:?}");
    snap("search", &app);
}

#[test]
fn prompt_with_an_error() {
    let mut app = app();
    app.command(Command::PaneBoard);
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "Encrypt the spare laptops | kim | next friday");
    press(&mut app, KeyCode::Enter);
    let Some(Popup::Prompt { error: Some(e), .. }) = &app.popup else {
        panic!("the prompt should stay open with an error");
    };
    assert!(e.contains("not a date"), "{e}");
    snap("prompt_error", &app);
}

fn conflict_error(current: &Incident) -> ClientError {
    ClientError::Api {
        status: StatusCode::CONFLICT,
        body: Box::new(ErrorBody {
            error: ErrorDetail {
                code: "conflict".into(),
                message: "the record changed since version 1".into(),
                field: None,
                current: Some(serde_json::to_value(current).unwrap()),
            },
        }),
    }
}

#[test]
fn conflict_dialog() {
    let mut app = app();
    select(&mut app, "INC-2026-000101");
    app.command(Command::PaneClassify);
    let mut theirs = app.selected_incident().unwrap().clone();
    theirs.version = 2;
    theirs.status = Status::Triaged;
    theirs.owner = Some("lee".into());
    let patch = IncidentPatch {
        classification: Some(Classification {
            severity: Some(Severity::High),
            ..theirs.classification.clone()
        }),
        ..Default::default()
    };
    answer_with_conflict(&mut app, patch, &theirs);
    assert!(matches!(app.popup, Some(Popup::Conflict { .. })));
    snap("conflict", &app);
}

/// Queues a patch of the selected incident at version 1, as a save does, and answers it with a
/// conflict against `theirs`.
fn answer_with_conflict(app: &mut App, patch: IncidentPatch, theirs: &Incident) {
    let write = Write::Patch {
        id: theirs.id.clone(),
        version: 1,
        patch,
    };
    app.outbox.push(write, chrono::Utc::now());
    let entry = app.outbox.next_to_send().expect("sent at once");
    app.update(Msg::Sent {
        entry: entry.id,
        result: Err(conflict_error(theirs)),
    });
}

#[test]
fn outbox_popup_while_offline() {
    let mut app = app();
    for (n, text) in [
        "Fax log checked; two more pages went out.",
        "Called the clinic.",
    ]
    .iter()
    .enumerate()
    {
        app.outbox.push(
            Write::AddNote {
                id: format!("INC-2026-00010{n}"),
                text: text.to_string(),
            },
            chrono::DateTime::parse_from_rfc3339("2026-03-02T09:15:00Z")
                .unwrap()
                .into(),
        );
    }
    let entry = app.outbox.next_to_send().unwrap();
    app.update(Msg::Sent {
        entry: entry.id,
        result: Err(ClientError::Network("connection refused".into())),
    });
    app.command(Command::AppOutbox);
    assert!(matches!(app.popup, Some(Popup::Outbox { .. })));
    snap("outbox", &app);
}

#[test]
fn note_editor() {
    let mut app = app();
    select(&mut app, "INC-2026-000101");
    app.command(Command::PaneNotes);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "Spoke with the dermatology manager.");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "Fax confirmed destroyed; attestation on file.");
    assert!(matches!(app.popup, Some(Popup::Editor { .. })));
    snap("note_editor", &app);
}

/// Every screen the hostile incident can appear on, at both sizes.
fn hostile_screens() -> Vec<(String, Buffer)> {
    let mut screens = Vec::new();
    let mut shoot = |name: &str, app: &App| {
        for (w, h) in SIZES {
            screens.push((format!("{name} {w}x{h}"), buffer(app, w, h)));
        }
    };
    let mut app = app();
    select(&mut app, HOSTILE);
    shoot("queue", &app);
    app.command(Command::PaneClassify);
    shoot("classify", &app);
    app.command(Command::PaneNotes);
    shoot("notes", &app);
    app.command(Command::PaneQueue);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "pwned");
    shoot("search", &app);
    app.command(Command::NavBack);
    select(&mut app, HOSTILE);
    app.command(Command::PaneClassify);
    let mut theirs = app.selected_incident().unwrap().clone();
    theirs.version = 2;
    answer_with_conflict(&mut app, IncidentPatch::default(), &theirs);
    shoot("conflict", &app);
    screens
}

#[test]
fn hostile_text_is_shown_inert() {
    for (name, buf) in hostile_screens() {
        for (i, cell) in buf.content.iter().enumerate() {
            let sym = cell.symbol();
            let (x, y) = buf.pos_of(i);
            assert!(
                !sym.chars()
                    .any(|c| c == '\x1b' || c == '\x07' || c == '\u{202E}' || c.is_control()),
                "{name}: cell ({x},{y}) holds {sym:?}"
            );
        }
        let text = screen_text(&buf);
        assert!(text.contains("^[]0;pwned^G"), "{name}:\n{text}");
        if !name.starts_with("queue 80") {
            assert!(text.contains("^[[2J"), "{name}:\n{text}");
        }
        // The notes pane shows the description (with its own CJK line) rather than the title.
        assert!(
            text.contains("東京") || text.contains("患者の記録"),
            "{name}:\n{text}"
        );
        assert!(!text.contains("pwned\x07"), "{name}");
    }
}

/// Search highlights the matched letters of the title as shown (escapes made visible), not the
/// letters at the same positions of the raw title.
#[test]
fn search_highlights_the_letters_that_match() {
    let mut app = app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "pwned");
    for (w, h) in SIZES {
        let buf = buffer(&app, w, h);
        let text = screen_text(&buf);
        let row = text
            .lines()
            .position(|l| l.contains(HOSTILE) && l.contains("pwned"))
            .unwrap_or_else(|| panic!("no hit row\n{text}"));
        let underlined: String = (0..w)
            .map(|x| &buf[(x, row as u16)])
            .filter(|c| c.modifier.contains(ratatui::style::Modifier::UNDERLINED))
            .map(|c| c.symbol())
            .collect();
        assert_eq!(underlined, "pwned", "{w}x{h}\n{text}");
    }
}

#[test]
fn hostile_incident_snapshots() {
    let mut app = app();
    select(&mut app, HOSTILE);
    app.command(Command::PaneNotes);
    snap("hostile_notes", &app);
}

/// Wide characters (a CJK owner on the board, a CJK site on the dashboard) do not push the
/// columns after them.
#[test]
fn wide_characters_keep_columns_aligned() {
    let mut app = app();
    app.command(Command::PaneBoard);
    for by_owner in [false, true] {
        app.board_by_owner = by_owner;
        for (w, h) in SIZES {
            let text = screen_text(&buffer(&app, w, h));
            let due_columns: Vec<usize> = text
                .lines()
                .filter(|l| l.contains(" ACT ") || l.contains(" CLK "))
                .map(|l| {
                    let status = ["in_progress", "open", "overdue"]
                        .iter()
                        .filter_map(|s| l.find(s))
                        .min()
                        .expect("a status on every row");
                    unicode_width(&l[..status])
                })
                .collect();
            assert!(
                due_columns.windows(2).all(|p| p[0] == p[1]),
                "status column moves ({w}x{h}, by owner {by_owner}): {due_columns:?}\n{text}"
            );
        }
    }
    app.command(Command::PaneDashboard);
    for (w, h) in SIZES {
        let text = screen_text(&buffer(&app, w, h));
        let counts: Vec<usize> = text
            .lines()
            .filter(|l| l.contains("North Campus ") || l.contains("東病棟 East "))
            .filter(|l| !l.contains('·'))
            .map(|l| {
                let site = l.find("North Campus").or_else(|| l.find("東病棟")).unwrap();
                let rest = &l[site..];
                let digit = rest.find(|c: char| c.is_ascii_digit()).unwrap();
                unicode_width(&l[..site + digit])
            })
            .collect();
        assert_eq!(counts.len(), 2, "{text}");
        assert_eq!(counts[0], counts[1], "counts misaligned ({w}x{h})\n{text}");
    }
}

/// The editor, prompts, palette and search put the terminal cursor after what was typed, even
/// when it holds wide characters.
#[test]
fn cursor_follows_wide_characters() {
    let mut app = app();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "東京");
    let mut narrow = app_with("mono", false);
    press(&mut narrow, KeyCode::Char('/'));
    type_text(&mut narrow, "abcd");
    for (w, h) in SIZES {
        let mut wide_term = draw(&app, w, h);
        let mut narrow_term = draw(&narrow, w, h);
        assert_eq!(
            wide_term.get_cursor_position().unwrap(),
            narrow_term.get_cursor_position().unwrap(),
            "two CJK characters are four columns wide ({w}x{h})"
        );
    }
}

/// With `NO_COLOR` semantics the console sets no colour anywhere: every pane and popup, a text
/// selection in the editor included.
#[test]
fn no_color_sets_no_colour() {
    let mut screens: Vec<(String, Buffer)> = Vec::new();
    let mut app = app_with("dark", true);
    let mut shoot = |name: &str, app: &App| {
        for (w, h) in SIZES {
            screens.push((format!("{name} {w}x{h}"), buffer(app, w, h)));
        }
    };
    select(&mut app, "INC-2026-000102");
    shoot("queue", &app);
    for (name, cmd) in [
        ("classify", Command::PaneClassify),
        ("notes", Command::PaneNotes),
        ("board", Command::PaneBoard),
        ("escalations", Command::PaneEscalations),
        ("dashboard", Command::PaneDashboard),
    ] {
        app.command(cmd);
        shoot(name, &app);
    }
    app.update(Msg::Link(Link::Reconnecting(5)));
    app.say("not saved: cannot reach the server", true);
    shoot("banner", &app);
    app.command(Command::AppHelp);
    shoot("help", &app);
    app.command(Command::NavBack);
    app.command(Command::AppPalette);
    shoot("palette", &app);
    app.command(Command::NavBack);
    app.command(Command::AppSearch);
    type_text(&mut app, "fax");
    shoot("search", &app);
    app.command(Command::NavBack);
    select(&mut app, "INC-2026-000101");
    app.command(Command::PaneNotes);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "selected text");
    for _ in 0..4 {
        app.update(Msg::Key(KeyEvent::new(KeyCode::Left, KeyModifiers::SHIFT)));
    }
    shoot("editor with selection", &app);
    for (name, buf) in screens {
        for (i, cell) in buf.content.iter().enumerate() {
            let (x, y) = buf.pos_of(i);
            assert!(
                cell.fg == Color::Reset && cell.bg == Color::Reset,
                "{name}: cell ({x},{y}) {:?} has fg {:?} bg {:?}",
                cell.symbol(),
                cell.fg,
                cell.bg
            );
        }
    }
}

/// The dark theme does colour the screen (so the check above is not vacuous).
#[test]
fn dark_theme_has_colour() {
    let app = app_with("dark", false);
    let buf = buffer(&app, 80, 24);
    assert!(
        buf.content
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    );
}
