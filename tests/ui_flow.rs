//! Flow tests: the real console `App` against a real in-process API server over HTTP.
//!
//! Each test starts its own server on a loopback port with a fresh SQLite database in a
//! temporary directory, mints tokens straight into its store, files reports through the API and
//! then drives the console with key presses. A small driver runs every `Effect` the app returns
//! with `triage::tui::effects::Runner` (the console's own effect runner), feeds the resulting
//! messages back into `App::update`, and repeats until no effect is outstanding. What the
//! console did is then checked on the server through `ApiClient`.
//!
//! Nothing here depends on timing: the driver waits for the exact number of answers it expects;
//! the timeout only keeps a broken build from hanging.

use chrono::{Days, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::VecDeque;
use std::time::Duration;
use tempfile::TempDir;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use triage::client::ApiClient;
use triage::domain::action::ActionStatus;
use triage::domain::assessment::Risk;
use triage::domain::{
    Classification, Determination, Incident, IncidentPatch, NewReport, Role, Severity, Status,
    Subtype,
};
use triage::server::{RunningServer, ServerConfig};
use triage::tui::app::{App, EditorFor, Pane, Popup, PromptFor};
use triage::tui::effects::Runner;
use triage::tui::form::{FIELDS, Field};
use triage::tui::keymap::{Keymap, load_keymap};
use triage::tui::msg::Link;
use triage::tui::msg::{Effect, Msg};
use triage::tui::outbox::{Op, OutboxFile, Write};
use triage::tui::theme::load_theme;

/// How long one answer may take before the test is declared hung (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);

/// A server on a loopback port with its own database.
struct Server {
    running: Option<RunningServer>,
    url: String,
    addr: std::net::SocketAddr,
    dir: TempDir,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let running = Self::serve(&dir, "127.0.0.1:0".parse().unwrap()).await;
        Server {
            url: running.url(),
            addr: running.addr,
            running: Some(running),
            dir,
        }
    }

    async fn serve(dir: &TempDir, listen: std::net::SocketAddr) -> RunningServer {
        let config = ServerConfig {
            listen,
            db: dir.path().join("t.db").display().to_string(),
            ..Default::default()
        };
        triage::server::start(config, None).await.unwrap()
    }

    /// Starts the server again on the same address and database after `stop`.
    async fn restart(&mut self) {
        assert!(self.running.is_none(), "stop it first");
        self.running = Some(Self::serve(&self.dir, self.addr).await);
    }

    /// A client for a new token of `user` with `role`.
    async fn client(&self, user: &str, role: Role) -> ApiClient {
        let (secret, record) = triage::server::auth::new_token(user, role, None);
        self.running
            .as_ref()
            .expect("server running")
            .state
            .store
            .insert_token(record, "test", Utc::now())
            .await
            .unwrap();
        ApiClient::new(&self.url, &secret).unwrap()
    }

    /// Stops the server and waits until it no longer answers.
    async fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
    }
}

/// Files a report and returns the new incident.
async fn report(client: &ApiClient, title: &str) -> Incident {
    client
        .report(&NewReport {
            title: title.into(),
            description: format!("{title}: reported by the flow tests."),
            site: "North Campus".into(),
            ..Default::default()
        })
        .await
        .unwrap()
}

/// The console and its effect loop.
struct Console {
    app: App,
    client: ApiClient,
    runner: Runner,
    tx: tokio::sync::mpsc::UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
}

impl Console {
    /// A console for `user` over `client` with a built-in keymap, the queue loaded.
    async fn open(client: ApiClient, user: &str, role: Role, keymap: &str) -> Console {
        let (keymap, errors) = load_keymap(keymap, None);
        assert!(errors.is_empty(), "{errors:?}");
        Console::open_with(client, user, role, keymap).await
    }

    /// A console for `user` over `client` with `keymap`, the queue loaded.
    async fn open_with(client: ApiClient, user: &str, role: Role, keymap: Keymap) -> Console {
        let (theme, _) = load_theme("mono", None, false);
        let app = App::new(
            user.into(),
            role,
            client.base().to_string(),
            keymap,
            theme,
            Utc::now().date_naive(),
        );
        let (tx, rx) = unbounded_channel();
        let mut console = Console {
            app,
            runner: Runner::new(client.clone(), None, tx.clone()),
            client,
            tx,
            rx,
        };
        console.run(vec![Effect::Load { since: None }]).await;
        assert!(!console.app.loading);
        console
    }

    /// Runs effects and every effect their results lead to, until nothing is outstanding.
    async fn run(&mut self, effects: Vec<Effect>) {
        let mut todo: VecDeque<Effect> = effects.into();
        let mut outstanding = 0usize;
        for _round in 0..1000 {
            while let Some(effect) = todo.pop_front() {
                if effect.answers() {
                    outstanding += 1;
                }
                self.runner.run(effect);
            }
            if outstanding == 0 {
                return;
            }
            let msg = tokio::time::timeout(PATIENCE, self.rx.recv())
                .await
                .expect("an effect never answered")
                .expect("channel open");
            outstanding -= 1;
            todo.extend(self.app.update(msg));
        }
        panic!("the console never went quiet");
    }

    async fn key_event(&mut self, key: KeyEvent) {
        let effects = self.app.update(Msg::Key(key));
        self.run(effects).await;
    }

    async fn press(&mut self, code: KeyCode) {
        self.key_event(KeyEvent::new(code, KeyModifiers::NONE))
            .await;
    }

    async fn ctrl(&mut self, c: char) {
        self.key_event(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
            .await;
    }

    /// Types text one key press at a time (`\n` is Enter).
    async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => self.press(KeyCode::Enter).await,
                c if c.is_ascii_uppercase() => {
                    self.key_event(KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT))
                        .await
                }
                c => self.press(KeyCode::Char(c)).await,
            }
        }
    }

    /// Moves the queue cursor onto `id` with `j`, then opens it with Enter.
    async fn open_incident(&mut self, id: &str) {
        self.press(KeyCode::Char('1')).await;
        self.press(KeyCode::Home).await;
        for _ in 0..self.app.view.len() {
            if self.selected_id() == id {
                break;
            }
            self.press(KeyCode::Char('j')).await;
        }
        assert_eq!(self.selected_id(), id, "{id} not in the queue");
        self.press(KeyCode::Enter).await;
        assert_eq!(self.app.pane, Pane::Classify);
        assert_eq!(
            self.app.detail.as_ref().map(|d| d.id.as_str()),
            Some(id),
            "opening fetches the incident in full"
        );
    }

    /// A sender into this console's message loop (for a runner with an outbox file).
    fn runner_tx(&self) -> tokio::sync::mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    fn selected_id(&self) -> String {
        self.app
            .selected_incident()
            .map(|i| i.id.clone())
            .unwrap_or_default()
    }

    /// Moves the form's focus to `field` with `]`.
    async fn focus_field(&mut self, field: Field) {
        let target = FIELDS.iter().position(|f| *f == field).unwrap();
        for _ in 0..FIELDS.len() {
            if self.app.form.as_ref().unwrap().focus == target {
                return;
            }
            self.press(KeyCode::Char(']')).await;
        }
        panic!("could not reach {field:?}");
    }

    /// The status-line banner, if it is an error.
    fn error_banner(&self) -> Option<String> {
        self.app
            .banner
            .as_ref()
            .filter(|b| b.error)
            .map(|b| b.text.clone())
    }

    fn no_error(&self) {
        assert_eq!(self.error_banner(), None);
    }
}

fn editor_text(app: &App) -> Option<String> {
    match &app.popup {
        Some(Popup::Editor { area, .. }) => Some(area.lines().join("\n")),
        _ => None,
    }
}

#[tokio::test]
async fn loads_the_queue() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let a = report(&lead, "Lab results faxed to wrong clinic").await;
    let b = report(&lead, "Badge tailgating into the records room").await;
    let c = report(&lead, "Shredding bin left unlocked").await;
    lead.patch_incident(
        &c.id,
        c.version,
        &IncidentPatch {
            status: Some(Status::Triaged),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    let console = Console::open(lead, "lee", Role::Lead, "default").await;
    console.no_error();
    assert_eq!(console.app.cache.len(), 3);
    let mut shown: Vec<&str> = console
        .app
        .view
        .iter()
        .map(|&i| console.app.cache.items()[i].id.as_str())
        .collect();
    shown.sort();
    let mut expected = vec![a.id.as_str(), b.id.as_str(), c.id.as_str()];
    expected.sort();
    assert_eq!(shown, expected);
    let triaged = console.app.cache.get(&c.id).unwrap();
    assert_eq!((triaged.status, triaged.version), (Status::Triaged, 2));
    assert!(console.app.last_sync.is_some());
}

#[tokio::test]
async fn classifies_with_keys_and_saves() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let analyst = server.client("kim", Role::Analyst).await;
    let mut c = Console::open(analyst, "kim", Role::Analyst, "default").await;
    c.open_incident(&inc.id).await;

    // Type of breach: first value; location: first value.
    c.press(KeyCode::Char('l')).await;
    c.press(KeyCode::Char(']')).await;
    c.press(KeyCode::Char('l')).await;
    // Subtype: misdirected fax is the first.
    c.press(KeyCode::Char(']')).await;
    c.press(KeyCode::Char('l')).await;
    // Severity: low, medium.
    c.press(KeyCode::Char(']')).await;
    c.press(KeyCode::Char('l')).await;
    c.press(KeyCode::Char('l')).await;
    // PHI involved: yes.
    c.press(KeyCode::Char(']')).await;
    c.press(KeyCode::Char('l')).await;
    // Individuals: typed after `e`.
    c.press(KeyCode::Char(']')).await;
    assert_eq!(c.app.form.as_ref().unwrap().field(), Field::Individuals);
    c.press(KeyCode::Char('e')).await;
    assert!(matches!(
        c.app.popup,
        Some(Popup::Prompt {
            purpose: PromptFor::Field(Field::Individuals),
            ..
        })
    ));
    c.type_text("12\n").await;
    assert!(c.app.popup.is_none(), "Enter keeps the value");
    // Residents by state: Enter opens the text input too.
    c.press(KeyCode::Char(']')).await;
    c.press(KeyCode::Enter).await;
    c.type_text("ca=9, NV=3\n").await;
    assert!(c.app.popup.is_none());
    assert!(c.app.form.as_ref().unwrap().dirty);
    c.ctrl('s').await;
    c.no_error();

    let saved = c.client.incident(&inc.id).await.unwrap();
    assert_eq!(saved.version, 2);
    let cls = &saved.classification;
    assert_eq!(cls.breach_type, vec![triage::domain::BreachType::Hacking]);
    assert_eq!(cls.location, vec![triage::domain::Location::NetworkServer]);
    assert_eq!(cls.subtype, Some(Subtype::MisdirectedFax));
    assert_eq!(cls.severity, Some(Severity::Medium));
    assert_eq!(cls.phi_involved, Some(true));
    assert_eq!(cls.individuals_affected, Some(12));
    assert_eq!(
        cls.residents_by_state.iter().collect::<Vec<_>>(),
        vec![(&"CA".to_string(), &9), (&"NV".to_string(), &3)]
    );
    let form = c.app.form.as_ref().unwrap();
    assert_eq!((form.version, form.dirty), (2, false));
    assert_eq!(c.app.selected_incident().unwrap().version, 2);
}

#[tokio::test]
async fn a_bad_value_keeps_the_prompt_open_with_the_reason() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead, "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    c.focus_field(Field::Individuals).await;
    c.press(KeyCode::Char('e')).await;
    c.type_text("a dozen\n").await;
    let Some(Popup::Prompt { error: Some(e), .. }) = &c.app.popup else {
        panic!("the prompt should stay open");
    };
    assert!(e.contains("not a whole number"), "{e}");
    c.press(KeyCode::Esc).await;
    assert!(c.app.popup.is_none());
    c.ctrl('s').await;
    assert_eq!(c.client.incident(&inc.id).await.unwrap().version, 1);
}

#[tokio::test]
async fn lead_assesses_four_factors_and_decides() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead, "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;

    c.focus_field(Field::Phi).await;
    c.press(KeyCode::Char('l')).await;
    for i in 0..4 {
        c.focus_field(Field::Factor(i)).await;
        c.press(KeyCode::Char('l')).await;
    }
    // Factor 4 (mitigation): low → medium makes the suggestion a breach.
    c.press(KeyCode::Char('l')).await;
    c.focus_field(Field::Conclusion).await;
    c.press(KeyCode::Enter).await;
    c.type_text("Fax retrieved, but mitigation was partial.\n")
        .await;
    c.key_event(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT))
        .await;
    c.no_error();

    let saved = c.client.incident(&inc.id).await.unwrap();
    assert_eq!(saved.determination, Determination::Breach);
    assert_eq!(saved.classification.phi_involved, Some(true));
    let a = saved.risk_assessment.expect("assessment saved");
    let risks: Vec<Risk> = a.factors().iter().map(|(_, f)| f.unwrap().risk).collect();
    assert_eq!(risks, [Risk::Low, Risk::Low, Risk::Low, Risk::Medium]);
    assert_eq!(a.conclusion, "Fax retrieved, but mitigation was partial.");
    assert_eq!(a.assessed_by.as_deref(), Some("lee"));
    assert_eq!(saved.version, 2);
    assert_eq!(
        c.app.selected_incident().unwrap().determination,
        Determination::Breach
    );
}

#[tokio::test]
async fn an_analyst_cannot_decide() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let analyst = server.client("kim", Role::Analyst).await;
    let mut c = Console::open(analyst, "kim", Role::Analyst, "default").await;
    c.open_incident(&inc.id).await;
    c.focus_field(Field::Phi).await;
    c.press(KeyCode::Char('l')).await;
    c.press(KeyCode::Char('l')).await; // no PHI: near miss
    c.key_event(KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT))
        .await;
    let banner = c.error_banner().expect("the refusal is shown");
    assert!(
        banner.contains("not saved") && banner.contains("403"),
        "{banner}"
    );
    let server_side = lead.incident(&inc.id).await.unwrap();
    assert_eq!(server_side.determination, Determination::Undetermined);
    assert_eq!(server_side.version, 1);
    assert!(
        c.app.form.as_ref().unwrap().dirty,
        "the draft is kept after a refusal"
    );
}

#[tokio::test]
async fn adds_a_note_through_the_editor() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead, "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('3')).await;
    assert_eq!(c.app.pane, Pane::Notes);
    c.press(KeyCode::Char('n')).await;
    assert!(matches!(
        c.app.popup,
        Some(Popup::Editor {
            purpose: EditorFor::Note,
            ..
        })
    ));
    let text = "Called the clinic: fax shredded unread.\nAttestation requested.";
    c.type_text(text).await;
    assert_eq!(editor_text(&c.app).as_deref(), Some(text));
    c.ctrl('s').await;
    c.no_error();
    assert!(c.app.popup.is_none(), "the editor closes once saved");

    let saved = c.client.incident(&inc.id).await.unwrap();
    assert_eq!(saved.notes.len(), 1);
    assert_eq!(saved.notes[0].text, text);
    assert_eq!(saved.notes[0].author, "lee");
    let shown = c.app.selected_incident().unwrap();
    assert_eq!(
        shown.notes.len(),
        1,
        "the pane shows the note after the fetch"
    );
}

/// Keymaps may bind key sequences in the editor (the emacs keymap binds `ctrl-x ctrl-s`): the
/// first key waits for the second instead of going into the text.
#[tokio::test]
async fn key_sequences_work_in_the_editor() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("keymap.toml"),
        "[editor]\n\"ctrl-x k\" = \"editor.cancel\"\n",
    )
    .unwrap();
    let (keymap, errors) = load_keymap("emacs", Some(dir.path()));
    assert!(errors.is_empty(), "{errors:?}");
    let mut c = Console::open_with(lead, "lee", Role::Lead, keymap).await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('3')).await;

    c.press(KeyCode::Char('n')).await;
    c.type_text("Never mind.").await;
    c.ctrl('x').await;
    assert_eq!(editor_text(&c.app).as_deref(), Some("Never mind."));
    c.press(KeyCode::Char('k')).await;
    assert!(
        c.app.popup.is_none(),
        "ctrl-x k cancels: {:?}",
        editor_text(&c.app)
    );

    c.press(KeyCode::Char('n')).await;
    c.type_text("Saved the emacs way.").await;
    c.ctrl('x').await;
    c.ctrl('s').await;
    c.no_error();
    assert!(c.app.popup.is_none(), "ctrl-x ctrl-s saves and closes");

    // A started sequence that goes nowhere drops its prefix; the next key counts on its own.
    c.press(KeyCode::Char('n')).await;
    c.ctrl('x').await;
    c.type_text("ab").await;
    assert_eq!(editor_text(&c.app).as_deref(), Some("ab"));
    c.ctrl('x').await;
    c.press(KeyCode::Esc).await;
    assert!(
        c.app.popup.is_none(),
        "Esc still cancels after a dropped prefix"
    );

    let saved = c.client.incident(&inc.id).await.unwrap();
    assert_eq!(
        saved
            .notes
            .iter()
            .map(|n| n.text.as_str())
            .collect::<Vec<_>>(),
        ["Saved the emacs way."]
    );
}

#[tokio::test]
async fn adds_and_completes_an_action_from_the_board() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Badge tailgating into the records room").await;
    let mut c = Console::open(lead, "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('4')).await;
    assert_eq!(c.app.pane, Pane::Board);
    // Only the incident's own clocks (triage, assessment) are on the board so far.
    let before = c.app.board.as_ref().expect("board loaded");
    assert!(
        before.items.iter().all(|i| i.action_id.is_none()),
        "{before:?}"
    );

    let due = Utc::now().date_naive() + Days::new(30);
    c.press(KeyCode::Char('a')).await;
    assert!(matches!(
        c.app.popup,
        Some(Popup::Prompt {
            purpose: PromptFor::AddAction,
            ..
        })
    ));
    c.type_text(&format!(
        "Re-train front desk on tailgating | pat | {due}\n"
    ))
    .await;
    c.no_error();
    assert!(c.app.popup.is_none());

    let actions = c.client.incident(&inc.id).await.unwrap().actions;
    assert_eq!(actions.len(), 1);
    let a = &actions[0];
    assert_eq!(
        (a.title.as_str(), a.owner.as_str(), a.due, a.status),
        (
            "Re-train front desk on tailgating",
            "pat",
            due,
            ActionStatus::Open
        )
    );
    let board = c.app.board.as_ref().expect("board reloaded");
    let rows = triage::tui::view::board::order(board, false, c.app.board_by_owner);
    let row = rows
        .iter()
        .position(|&i| board.items[i].action_id.as_deref() == Some(a.id.as_str()))
        .expect("the new action is on the board");

    // Onto its row, then complete it.
    c.press(KeyCode::Home).await;
    for _ in 0..row {
        c.press(KeyCode::Char('j')).await;
    }
    assert_eq!(
        c.app.board_item().and_then(|b| b.action_id.clone()),
        Some(a.id.clone())
    );
    c.press(KeyCode::Char('c')).await;
    c.no_error();
    let done = c.client.incident(&inc.id).await.unwrap().actions;
    assert_eq!(done[0].status, ActionStatus::Done);
    assert!(done[0].completed_at.is_some());
    assert_eq!(done[0].version, a.version + 1);
    let open = c.client.actions(None).await.unwrap();
    assert!(
        open.items.iter().all(|x| x.id != a.id),
        "a done action is no longer open"
    );
    assert!(
        c.app
            .board
            .as_ref()
            .unwrap()
            .items
            .iter()
            .all(|i| i.action_id.as_deref() != Some(a.id.as_str())),
        "the board drops it"
    );
}

/// Sets severity to low in the app's form and saves.
async fn set_severity_low_and_save(c: &mut Console) {
    c.focus_field(Field::Severity).await;
    c.press(KeyCode::Char('l')).await;
    assert_eq!(
        c.app.form.as_ref().unwrap().classification.severity,
        Some(Severity::Low)
    );
    c.ctrl('s').await;
}

#[tokio::test]
async fn conflict_shows_the_dialog_and_reapply_keeps_both_changes() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;

    // Someone else triages it after the console loaded it.
    let other = server.client("pat", Role::Lead).await;
    other
        .patch_incident(
            &inc.id,
            1,
            &IncidentPatch {
                status: Some(Status::Triaged),
                owner: Some("pat".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    set_severity_low_and_save(&mut c).await;
    let Some(Popup::Conflict { current, .. }) = &c.app.popup else {
        panic!("a conflict dialog, not {:?}", c.error_banner());
    };
    assert_eq!(current.version, 2);
    let untouched = lead.incident(&inc.id).await.unwrap();
    assert_eq!(untouched.version, 2, "nothing was overwritten");
    assert_eq!(untouched.classification.severity, None);
    assert_eq!(untouched.status, Status::Triaged);

    c.press(KeyCode::Char('a')).await;
    c.no_error();
    assert!(c.app.popup.is_none());
    let both = lead.incident(&inc.id).await.unwrap();
    assert_eq!(both.version, 3);
    assert_eq!(both.classification.severity, Some(Severity::Low), "mine");
    assert_eq!(both.status, Status::Triaged, "theirs");
    assert_eq!(both.owner.as_deref(), Some("pat"), "theirs");
    let form = c.app.form.as_ref().unwrap();
    assert_eq!((form.version, form.dirty), (3, false));
}

/// Two people classify the same incident, each changing a different field of the
/// classification: re-applying mine must not put back the values they replaced.
#[tokio::test]
async fn reapply_keeps_their_changes_to_other_fields_of_the_classification() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;

    let other = server.client("pat", Role::Analyst).await;
    other
        .patch_incident(
            &inc.id,
            1,
            &IncidentPatch {
                classification: Some(Classification {
                    individuals_affected: Some(40),
                    phi_involved: Some(true),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    set_severity_low_and_save(&mut c).await;
    assert!(matches!(c.app.popup, Some(Popup::Conflict { .. })));
    c.press(KeyCode::Char('a')).await;
    c.no_error();
    let both = lead.incident(&inc.id).await.unwrap();
    assert_eq!(both.classification.severity, Some(Severity::Low), "mine");
    assert_eq!(
        (
            both.classification.individuals_affected,
            both.classification.phi_involved
        ),
        (Some(40), Some(true)),
        "theirs"
    );
}

/// Root cause travels whole too: my category change re-applied keeps their summary.
#[tokio::test]
async fn reapply_keeps_their_root_cause_summary() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('3')).await;

    let other = server.client("pat", Role::Analyst).await;
    other
        .patch_incident(
            &inc.id,
            1,
            &IncidentPatch {
                root_cause: Some(triage::domain::RootCause {
                    summary: "Old fax numbers were never removed.".into(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    c.press(KeyCode::Char('c')).await; // next root-cause category: people
    assert!(matches!(c.app.popup, Some(Popup::Conflict { .. })));
    c.press(KeyCode::Char('a')).await;
    c.no_error();
    let both = lead.incident(&inc.id).await.unwrap();
    assert_eq!(
        both.root_cause.category,
        Some(triage::domain::RootCauseCategory::People),
        "mine"
    );
    assert_eq!(
        both.root_cause.summary, "Old fax numbers were never removed.",
        "theirs"
    );
}

#[tokio::test]
async fn conflict_reload_takes_theirs_and_drops_mine() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    lead.patch_incident(
        &inc.id,
        1,
        &IncidentPatch {
            status: Some(Status::Triaged),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    set_severity_low_and_save(&mut c).await;
    assert!(matches!(c.app.popup, Some(Popup::Conflict { .. })));
    c.press(KeyCode::Char('r')).await;
    assert!(c.app.popup.is_none());
    let form = c.app.form.as_ref().unwrap();
    assert_eq!((form.version, form.dirty), (2, false));
    assert_eq!(form.classification.severity, None);
    assert_eq!(c.app.selected_incident().unwrap().status, Status::Triaged);
    let server_side = lead.incident(&inc.id).await.unwrap();
    assert_eq!(
        (server_side.version, server_side.classification.severity),
        (2, None)
    );
}

/// Writes a note through the editor on the notes pane of the open incident.
async fn write_note(c: &mut Console, text: &str) {
    c.press(KeyCode::Char('3')).await;
    c.press(KeyCode::Char('n')).await;
    c.type_text(text).await;
    c.ctrl('s').await;
}

/// The link comes back: what the live-event follower reports after a reconnect.
async fn link_back(c: &mut Console) {
    let effects = c.app.update(Msg::Link(Link::Reconnecting(1)));
    c.run(effects).await;
    let effects = c.app.update(Msg::Link(Link::Live));
    c.run(effects).await;
}

#[tokio::test]
async fn offline_changes_wait_in_the_outbox_and_go_in_order_when_the_server_is_back() {
    let mut server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;

    server.stop().await;
    write_note(&mut c, "First, written while the server was down.").await;
    assert!(
        c.app.popup.is_none(),
        "the editor closes: the note is queued"
    );
    let banner = c.error_banner().expect("a banner");
    assert!(banner.contains("outbox"), "{banner}");
    c.press(KeyCode::Char('2')).await;
    set_severity_low_and_save(&mut c).await;
    c.focus_field(Field::Phi).await;
    c.press(KeyCode::Char('l')).await;
    c.ctrl('s').await;
    write_note(&mut c, "Second note, after both changes.").await;
    assert_eq!(c.app.outbox.len(), 4, "all four changes wait, in order");
    assert!(c.app.outbox.stopped().is_none());

    server.restart().await;
    link_back(&mut c).await;
    c.no_error();
    assert!(c.app.outbox.is_empty(), "every change was accepted");
    let saved = lead.incident(&inc.id).await.unwrap();
    let notes: Vec<&str> = saved.notes.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        notes,
        vec![
            "First, written while the server was down.",
            "Second note, after both changes."
        ]
    );
    assert_eq!(saved.classification.severity, Some(Severity::Low));
    assert_eq!(
        saved.classification.phi_involved,
        Some(true),
        "the second patch followed the version the first one made"
    );
    assert_eq!(saved.version, 3, "two patches, no conflict with itself");
}

#[tokio::test]
async fn a_conflict_on_replay_stops_the_queue_and_asks() {
    let mut server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;

    server.stop().await;
    set_severity_low_and_save(&mut c).await;
    write_note(&mut c, "Queued behind the change.").await;
    assert_eq!(c.app.outbox.len(), 2);

    // Someone else changes the incident while this console cannot reach the server.
    server.restart().await;
    let other = server.client("pat", Role::Lead).await;
    other
        .patch_incident(
            &inc.id,
            1,
            &IncidentPatch {
                status: Some(Status::Triaged),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    link_back(&mut c).await;
    assert!(
        matches!(c.app.popup, Some(Popup::Conflict { .. })),
        "a conflict dialog"
    );
    assert!(c.app.outbox.stopped().is_some());
    assert_eq!(c.app.outbox.len(), 2, "the note waits behind the stop");
    let untouched = lead.incident(&inc.id).await.unwrap();
    assert_eq!(
        untouched.classification.severity, None,
        "nothing overwritten"
    );
    assert!(untouched.notes.is_empty(), "nothing sent past the stop");

    c.press(KeyCode::Char('a')).await;
    c.no_error();
    assert!(c.app.outbox.is_empty());
    let both = lead.incident(&inc.id).await.unwrap();
    assert_eq!(both.classification.severity, Some(Severity::Low), "mine");
    assert_eq!(both.status, Status::Triaged, "theirs");
    assert_eq!(
        both.notes.len(),
        1,
        "the note went after the re-applied change"
    );
}

#[tokio::test]
async fn a_killed_console_loses_nothing_the_next_start_sends_it() {
    let mut server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let outbox_dir = tempfile::tempdir().unwrap();
    let key = triage::tui::outbox::key_for(lead.base(), "lee");
    {
        let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
        let (file, entries, _) = OutboxFile::open(outbox_dir.path(), &key).unwrap();
        assert!(entries.is_empty());
        c.runner = Runner::new(lead.clone(), Some(file), c.runner_tx());
        c.open_incident(&inc.id).await;
        server.stop().await;
        write_note(&mut c, "Written, then the console was killed.").await;
        c.press(KeyCode::Char('2')).await;
        set_severity_low_and_save(&mut c).await;
        assert_eq!(c.app.outbox.len(), 2);
        // The console ends here without any goodbye: only the file remains.
    }
    server.restart().await;
    let (file, entries, warnings) = OutboxFile::open(outbox_dir.path(), &key).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(entries.len(), 2, "both changes are on disk");
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.runner = Runner::new(lead.clone(), Some(file), c.runner_tx());
    c.app.outbox = triage::tui::outbox::Queue::restore(entries);
    let effects = c.app.update(Msg::Resize);
    c.run(effects).await;
    c.no_error();
    assert!(c.app.outbox.is_empty());
    let saved = lead.incident(&inc.id).await.unwrap();
    assert_eq!(saved.notes.len(), 1);
    assert_eq!(saved.notes[0].text, "Written, then the console was killed.");
    assert_eq!(saved.classification.severity, Some(Severity::Low));
    let (_file, left, _) = OutboxFile::open(outbox_dir.path(), &key).unwrap();
    assert!(
        left.is_empty(),
        "the outbox is empty once everything was accepted"
    );
}

#[tokio::test]
async fn a_refused_change_leaves_the_queue_and_the_prompt_keeps_the_text() {
    let server = Server::start().await;
    let analyst = server.client("ana", Role::Analyst).await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let mut c = Console::open(analyst, "ana", Role::Analyst, "default").await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('o')).await;
    c.type_text("kim\n").await;
    let Some(Popup::Prompt { input, error, .. }) = &c.app.popup else {
        panic!("the prompt stays open");
    };
    assert_eq!(input.text(), "kim");
    assert!(error.as_deref().unwrap_or("").contains("403"), "{error:?}");
    assert!(
        c.app.outbox.is_empty(),
        "a refused change does not block the queue"
    );
}

/// The console was killed after the server took its note but before the answer arrived: the
/// note is still in the outbox. The next start sends it with the same idempotency key, and the
/// server answers with the note it already has instead of adding it twice.
#[tokio::test]
async fn a_change_whose_answer_was_lost_is_not_made_twice() {
    let server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Lab results faxed to wrong clinic").await;
    let outbox_dir = tempfile::tempdir().unwrap();
    let key = triage::tui::outbox::key_for(lead.base(), "lee");
    let text = "Sent just before the console died.";
    let (mut file, _, _) = OutboxFile::open(outbox_dir.path(), &key).unwrap();
    let entry = triage::tui::outbox::Queue::default().push(
        Write::AddNote {
            id: inc.id.clone(),
            text: text.into(),
        },
        Utc::now(),
    );
    file.apply(&Op::Add {
        entry: entry.clone(),
    })
    .unwrap();
    // The earlier run's attempt, which the server took: same idempotency key.
    lead.add_note_keyed(&inc.id, text, &entry.key)
        .await
        .unwrap();
    drop(file);

    let (file, entries, _) = OutboxFile::open(outbox_dir.path(), &key).unwrap();
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.runner = Runner::new(lead.clone(), Some(file), c.runner_tx());
    c.app.outbox = triage::tui::outbox::Queue::restore(entries);
    let effects = c.app.update(Msg::Resize);
    c.run(effects).await;
    c.no_error();
    assert!(c.app.outbox.is_empty());
    let notes = lead.incident(&inc.id).await.unwrap().notes;
    assert_eq!(notes.len(), 1, "found on the server, not sent again");
}

#[tokio::test]
async fn an_action_changed_meanwhile_stops_the_outbox_and_reapply_keeps_both() {
    let mut server = Server::start().await;
    let lead = server.client("lee", Role::Lead).await;
    let inc = report(&lead, "Badge tailgating into the records room").await;
    let due = Utc::now().date_naive() + Days::new(30);
    let action = lead
        .add_action(
            &inc.id,
            &serde_json::from_value(serde_json::json!({
                "title": "Re-train front desk on tailgating",
                "owner": "pat",
                "due": due,
            }))
            .unwrap(),
        )
        .await
        .unwrap();
    let mut c = Console::open(lead.clone(), "lee", Role::Lead, "default").await;
    c.open_incident(&inc.id).await;
    c.press(KeyCode::Char('4')).await;
    let board = c.app.board.as_ref().expect("board loaded");
    let rows = triage::tui::view::board::order(board, false, c.app.board_by_owner);
    let row = rows
        .iter()
        .position(|&i| board.items[i].action_id.as_deref() == Some(action.id.as_str()))
        .expect("the action is on the board");
    c.press(KeyCode::Home).await;
    for _ in 0..row {
        c.press(KeyCode::Char('j')).await;
    }

    server.stop().await;
    c.press(KeyCode::Char('c')).await;
    assert_eq!(c.app.outbox.len(), 1, "the completion waits");

    server.restart().await;
    let later = due + Days::new(7);
    lead.patch_action(
        &action.id,
        action.version,
        &triage::domain::action::ActionPatch {
            due: Some(later),
            reason: Some("trainer on leave".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    link_back(&mut c).await;
    assert!(
        matches!(c.app.popup, Some(Popup::Outbox { .. })),
        "the outbox opens at the stopped change"
    );
    assert!(c.app.outbox.stopped().is_some());
    let theirs = lead.incident(&inc.id).await.unwrap().actions;
    assert_eq!(theirs[0].status, ActionStatus::Open, "nothing overwritten");

    c.press(KeyCode::Char('a')).await;
    assert!(c.app.outbox.is_empty(), "{:?}", c.error_banner());
    let both = lead.incident(&inc.id).await.unwrap().actions;
    assert_eq!(both[0].status, ActionStatus::Done, "mine");
    assert_eq!(both[0].due, later, "theirs");
}
