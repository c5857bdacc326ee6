//! End-to-end tests: the real `triage` binary driven in tmux, as a person would drive it.
//!
//! Every test owns a temporary directory (HOME, XDG directories and `TRIAGE_DATA_DIR` all point
//! into it, every inherited `TRIAGE_*` variable is removed) and its own tmux server
//! (`tmux -L <unique socket>` on every call, started with a config file from the temp dir), so
//! the tests run in parallel and never touch a user's tmux or data. Guards kill the tmux server
//! and any API server child when a test ends, failures included.
//!
//! Tests wait for what a person would see: they poll `capture-pane -p` until the expected text
//! appears (or a generous deadline passes, then fail showing the last screen). Nothing asserts
//! on timing. The console runs as `sh -c 'triage …; echo CONSOLE-EXITED; …; sleep 30'` so that
//! leaving it, and the state of the terminal afterwards, can be seen in the pane.
//!
//! When tmux is not installed the tests print why and pass without running.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The binary under test.
const BIN: &str = env!("CARGO_BIN_EXE_triage");
/// How long to wait for something to appear on screen.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The demo imports the whole HHS file before the console opens: allow for a slow debug build
/// on a busy machine.
const DEMO_TIMEOUT: Duration = Duration::from_secs(120);
/// Pane size.
const COLS: u16 = 160;
const ROWS: u16 = 48;
/// Printed by the pane's shell once the console has returned.
const EXITED: &str = "CONSOLE-EXITED";

fn tmux_missing() -> bool {
    let missing = Command::new("tmux")
        .arg("-V")
        .output()
        .map(|o| !o.status.success())
        .unwrap_or(true);
    if missing {
        eprintln!("tmux is not installed: skipping the end-to-end console test");
    }
    missing
}

/// Single-quotes `s` for `sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Names every tmux server uniquely: test name, process and a counter.
fn socket_name(test: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "triage-e2e-{test}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A test's private directory and the environment that confines the binary to it.
struct Sandbox {
    dir: tempfile::TempDir,
    /// Variables added for one test (e.g. the log level).
    extra: Vec<(String, String)>,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            dir: tempfile::Builder::new()
                .prefix("triage-e2e-")
                .tempdir()
                .expect("temp dir"),
            extra: Vec::new(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db(&self) -> String {
        self.path().join("t.db").to_string_lossy().into_owned()
    }

    fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    /// Variables every process of the test gets.
    fn env(&self) -> Vec<(String, String)> {
        let p = |sub: &str| self.path().join(sub).to_string_lossy().into_owned();
        let mut env = vec![
            ("HOME".into(), p("home")),
            ("XDG_CONFIG_HOME".into(), p("config")),
            ("XDG_DATA_HOME".into(), p("xdg-data")),
            ("XDG_STATE_HOME".into(), p("xdg-state")),
            ("XDG_CACHE_HOME".into(), p("xdg-cache")),
            ("TRIAGE_DATA_DIR".into(), p("data")),
        ];
        env.extend(self.extra.iter().cloned());
        env
    }

    /// A command whose environment holds no inherited `TRIAGE_*`, tmux or colour setting.
    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("TRIAGE_") || k == "TMUX" || k == "TMUX_PANE" || k == "NO_COLOR" {
                cmd.env_remove(&key);
            }
        }
        cmd.envs(self.env()).current_dir(self.path());
        cmd
    }

    /// Runs `triage ARGS` with extra variables; fails the test on a non-zero exit.
    fn triage(&self, extra: &[(&str, &str)], args: &[&str]) -> Output {
        let out = self
            .command(BIN)
            .envs(extra.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run triage");
        assert!(
            out.status.success(),
            "`triage {}` failed ({}):\nstdout: {}\nstderr: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Creates a token on the test database and returns it.
    fn token(&self, user: &str, role: &str) -> String {
        let db = self.db();
        let out = self.triage(
            &[],
            &[
                "--db", &db, "token", "create", "--user", user, "--role", role,
            ],
        );
        let token = String::from_utf8(out.stdout).expect("utf-8 token");
        let token = token.trim().to_string();
        assert!(
            token.starts_with("tc_"),
            "unexpected token output {token:?}"
        );
        token
    }
}

/// `triage serve` as a child process; killed when dropped.
struct ApiServer {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl ApiServer {
    /// Starts the API on a free loopback port and waits until `/healthz` answers.
    fn start(sandbox: &Sandbox) -> Self {
        let addr = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port");
        Self::start_at(sandbox, addr)
    }

    /// Starts the API on `addr` (a restart after a crash comes back on the same address).
    fn start_at(sandbox: &Sandbox, addr: SocketAddr) -> Self {
        let log = sandbox
            .path()
            .join(format!("serve-{}.log", std::process::id()));
        let log_file = std::fs::File::create(&log).expect("server log");
        let child = sandbox
            .command(BIN)
            .args([
                "--db",
                &sandbox.db(),
                "serve",
                "--listen",
                &addr.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("log handle"))
            .stderr(log_file)
            .spawn()
            .expect("start triage serve");
        let mut server = ApiServer { child, addr, log };
        server.wait_healthy();
        server
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "triage serve exited ({status}) before it was healthy:\n{}",
                    self.log()
                );
            }
            if healthz_ok(self.addr) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "triage serve did not answer /healthz on {} within {TIMEOUT:?}:\n{}",
                self.addr,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain HTTP/1.1 `GET /healthz`; true on a 200.
fn healthz_ok(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200")
}

/// A private tmux server with one session running a command; killed when dropped.
struct Tmux {
    socket: String,
    /// The socket file, removed with the server (tmux leaves it behind).
    socket_path: Option<PathBuf>,
    sandbox_env: Vec<(String, String)>,
    home: PathBuf,
}

const SESSION: &str = "e2e";

impl Tmux {
    /// Starts a server and a `COLS`×`ROWS` session running `sh -c script`, with `env` set in the
    /// pane (on top of the sandbox's variables).
    fn start(test: &str, sandbox: &Sandbox, env: &[(&str, &str)], script: &str) -> Self {
        let conf = sandbox.path().join("tmux.conf");
        // No status bar, so the pane is the whole window; the console sees a 256-colour xterm.
        std::fs::write(
            &conf,
            "set -g status off\nset -g default-terminal xterm-256color\nset -g history-limit 0\n",
        )
        .expect("tmux config");
        let mut tmux = Tmux {
            socket: socket_name(test),
            socket_path: None,
            sandbox_env: sandbox.env(),
            home: sandbox.path().to_path_buf(),
        };
        let mut cmd = sandbox.command("tmux");
        cmd.args(["-u", "-L", &tmux.socket, "-f"])
            .arg(&conf)
            .args(["new-session", "-d", "-s", SESSION, "-x"])
            .arg(COLS.to_string())
            .arg("-y")
            .arg(ROWS.to_string());
        for (k, v) in tmux.sandbox_env.iter() {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        for (k, v) in env {
            cmd.arg("-e").arg(format!("{k}={v}"));
        }
        cmd.args(["--", "sh", "-c", script]);
        let out = cmd.output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux.socket_path = Some(PathBuf::from(tmux.format("#{socket_path}")));
        tmux
    }

    /// Runs a tmux command on this server.
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("tmux");
        cmd.env_remove("TMUX")
            .env("HOME", &self.home)
            .args(["-u", "-L", &self.socket])
            .args(args);
        let out = cmd.output().expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Presses keys (tmux key names: `Enter`, `Escape`, `C-s`, `]`, …).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", SESSION];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", SESSION, "-l", text]);
    }

    /// The screen as text.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", SESSION]).stdout)
            .into_owned()
    }

    /// The screen with its escape sequences (colours and attributes).
    fn screen_with_escapes(&self) -> String {
        String::from_utf8_lossy(
            &self
                .run(&["capture-pane", "-p", "-e", "-t", SESSION])
                .stdout,
        )
        .into_owned()
    }

    /// Starts copying every byte the pane's program writes to its terminal into `path`.
    fn record(&self, path: &Path) {
        let command = format!("cat >> {}", sh_quote(&path.to_string_lossy()));
        self.run(&["pipe-pane", "-o", "-t", SESSION, &command]);
    }

    /// A tmux format evaluated for the pane, e.g. `#{pane_title}`.
    fn format(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", SESSION, format]);
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// Waits until `ready(screen)` holds; fails with `what` and the last screen otherwise.
    fn wait_until(&self, what: &str, timeout: Duration, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if Instant::now() >= deadline {
                panic!(
                    "waited {timeout:?} for {what}; the last screen was:\n{}\n{screen}{}",
                    "-".repeat(COLS as usize),
                    "-".repeat(COLS as usize)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `text` is on screen.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on screen"), TIMEOUT, |s| {
            s.contains(text)
        })
    }

    /// Waits until `text` is gone from the screen.
    fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} to leave the screen"), TIMEOUT, |s| {
            !s.contains(text)
        })
    }

    /// After `q`: waits for the shell line and checks the terminal was given back in order.
    fn assert_console_exited_cleanly(&self) {
        let screen = self.wait_until(
            "the console to quit and the shell to report",
            TIMEOUT,
            |s| s.contains(EXITED) && (s.contains("TTY-COOKED") || s.contains("TTY-RAW")),
        );
        assert!(
            screen.contains(&format!("{EXITED} status=0")),
            "the console did not exit with status 0:\n{screen}"
        );
        assert!(
            screen.contains("TTY-COOKED"),
            "the terminal was left in raw mode after the console quit:\n{screen}"
        );
        assert!(
            !screen.contains("1 Queue"),
            "the console's screen is still shown after it quit:\n{screen}"
        );
        assert_eq!(
            self.format("#{alternate_on}"),
            "0",
            "the alternate screen is still on after the console quit"
        );
        assert_eq!(
            self.format("#{cursor_flag}"),
            "1",
            "the cursor is still hidden after the console quit"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .env_remove("TMUX")
            .env("HOME", &self.home)
            .args(["-L", &self.socket, "kill-server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The pane script: the console, then whether it came back and left the tty cooked.
fn console_script(args: &[&str]) -> String {
    let mut line = sh_quote(BIN);
    for a in args {
        line.push(' ');
        line.push_str(&sh_quote(a));
    }
    format!(
        "{line}; echo {EXITED} status=$?; \
         if stty -a | grep -q -- -icanon; then echo TTY-RAW; else echo TTY-COOKED; fi; \
         sleep 30"
    )
}

/// The status line (server · user · link · counts · message).
fn status_line(screen: &str) -> &str {
    screen
        .lines()
        .find(|l| l.contains(" queue ") && l.contains(" · all "))
        .unwrap_or("")
}

/// The incident count of the status line.
fn incident_count(screen: &str) -> Option<u64> {
    let line = status_line(screen);
    let after = line.split(" · all ").nth(1)?;
    after.split_whitespace().next()?.parse().ok()
}

/// Whether a form line shows `label` with `value`.
fn field_shows(screen: &str, label: &str, value: &str) -> bool {
    screen.lines().any(|l| {
        l.split_once(label)
            .is_some_and(|(_, rest)| rest.trim_start().starts_with(value))
    })
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn console_sees_cli_report_and_classifies_it() {
    if tmux_missing() {
        return;
    }
    let sandbox = Sandbox::new();
    let lead = sandbox.token("lead1", "lead");
    let analyst = sandbox.token("analyst1", "analyst");
    let server = ApiServer::start(&sandbox);
    let url = server.url();

    let tmux = Tmux::start(
        "classify",
        &sandbox,
        &[("TRIAGE_URL", &url), ("TRIAGE_TOKEN", &lead)],
        &console_script(&[]),
    );
    let screen = tmux.wait_until("the empty queue, live", TIMEOUT, |s| {
        s.contains("nothing in the queue") && status_line(s).contains(" live ")
    });
    assert!(
        status_line(&screen).contains("lead1 (lead)"),
        "the status line does not name the lead:\n{screen}"
    );

    // A report from outside, by another user, reaches the open console through the event stream.
    let as_analyst = [
        ("TRIAGE_URL", url.as_str()),
        ("TRIAGE_TOKEN", analyst.as_str()),
    ];
    let reported = json(&sandbox.triage(
        &as_analyst,
        &[
            "report",
            "Fax sent to wrong clinic",
            "--site",
            "North",
            "--json",
        ],
    ));
    let id = reported["id"].as_str().expect("id").to_string();
    let version = reported["version"].as_i64().expect("version");
    let screen = tmux.wait_for("Fax sent to wrong clinic");
    let row = screen
        .lines()
        .find(|l| l.contains("Fax sent to wrong clinic"))
        .unwrap_or_default();
    assert!(
        row.contains('●'),
        "the live arrival is not marked as new: {row}"
    );

    // Narrow the queue to it, open it.
    tmux.keys(&["f"]);
    tmux.wait_for("Filter the queue");
    tmux.type_text("Fax");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter: Fax");
    tmux.keys(&["Enter"]);
    tmux.wait_for(&format!("{id} · v{version}"));

    // Severity is the fourth field, PHI involved the fifth (`FIELDS` in src/tui/form.rs).
    tmux.keys(&["]", "]", "]", "l", "l", "l"]);
    tmux.wait_until("severity high in the form", TIMEOUT, |s| {
        field_shows(s, "Severity", "high")
    });
    tmux.keys(&["]", "l"]);
    let screen = tmux.wait_until("PHI involved yes in the form", TIMEOUT, |s| {
        field_shows(s, "PHI involved", "yes")
    });
    assert!(
        screen.contains("unsaved"),
        "a changed draft is not marked unsaved:\n{screen}"
    );
    tmux.keys(&["C-s"]);
    let saved = format!("{id} saved");
    tmux.wait_until("the save confirmed in the status line", TIMEOUT, |s| {
        status_line(s).contains(&saved)
    });

    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();

    let shown = json(&sandbox.triage(&as_analyst, &["show", &id, "--json"]));
    assert_eq!(shown["classification"]["severity"], "high", "{shown:#}");
    assert_eq!(shown["classification"]["phi_involved"], true, "{shown:#}");
    let after = shown["version"].as_i64().expect("version");
    assert!(
        after > version,
        "the version did not go up: {version} -> {after}"
    );
    drop(tmux);
    drop(server);
}

#[test]
fn hostile_title_is_shown_inert() {
    if tmux_missing() {
        return;
    }
    let sandbox = Sandbox::new();
    let lead = sandbox.token("lead1", "lead");
    let server = ApiServer::start(&sandbox);
    let url = server.url();
    let api = [
        ("TRIAGE_URL", url.as_str()),
        ("TRIAGE_TOKEN", lead.as_str()),
    ];
    sandbox.triage(&api, &["report", "Benign neighbour row", "--site", "South"]);
    let hostile = json(&sandbox.triage(
        &api,
        &[
            "report",
            "evil \x1b]0;pwned\x07 \x1b[2J end",
            "--site",
            SITE_OSC52,
            "--department",
            DEPT_C1,
            "--description",
            "\x1b[31mred\x1b[0m and \u{202E}exe.txt",
            "--json",
        ],
    ));
    assert_eq!(
        hostile["title"], "evil \x1b]0;pwned\x07 \x1b[2J end",
        "the API did not store the title as sent"
    );

    let tmux = Tmux::start(
        "hostile",
        &sandbox,
        &[("TRIAGE_URL", &url), ("TRIAGE_TOKEN", &lead)],
        &console_script(&[]),
    );
    let bytes_path = sandbox.path().join("terminal-bytes");
    tmux.record(&bytes_path);
    let title_before = tmux.format("#{pane_title}");
    let screen = tmux.wait_until("both reports in the queue", TIMEOUT, |s| {
        s.contains("Benign neighbour row") && s.contains("pwned")
    });
    let row = screen
        .lines()
        .find(|l| l.contains("pwned"))
        .unwrap_or_default();
    assert!(
        row.contains("evil ^[]0;pwned^G ^[[2J end"),
        "the hostile title is not shown in inert caret form: {row}"
    );
    // Nothing was cleared: the chrome, the other row and the status line are all there.
    for still in ["1 Queue", "Benign neighbour row", "lead1 (lead)"] {
        assert!(
            screen.contains(still),
            "{still:?} is gone: the screen was cleared\n{screen}"
        );
    }
    let title = tmux.format("#{pane_title}");
    assert!(
        !title.contains("pwned"),
        "the pane title was changed to {title:?} (was {title_before:?})"
    );
    let raw = tmux.screen_with_escapes();
    assert!(
        !raw.contains("\x1b]0;") && !raw.contains("\x1b]"),
        "an OSC sequence reached the terminal: {raw:?}"
    );
    assert!(
        !raw.contains("\x1b[2J"),
        "a clear-screen reached the terminal"
    );

    // The description: colour codes shown, not applied; the bidi override removed.
    tmux.keys(&["f"]);
    tmux.wait_for("Filter the queue");
    tmux.type_text("evil");
    tmux.keys(&["Enter"]);
    tmux.wait_for("filter: evil");
    tmux.keys(&["Enter", "3"]);
    let screen = tmux.wait_for("^[[31mred^[[0m and exe.txt");
    assert!(
        !screen.contains('\u{202E}'),
        "the bidi override reached the screen:\n{screen}"
    );
    let raw = tmux.screen_with_escapes();
    assert!(
        !raw.contains("\x1b[31m"),
        "the description's colour code took effect: {raw:?}"
    );
    assert!(
        !tmux.format("#{pane_title}").contains("pwned"),
        "the pane title changed"
    );

    // The notes pane's heading shows the site and the department.
    let screen = tmux.wait_for("site North ^[]52;c;cHduZWQ=^G");
    assert!(screen.contains("Radiology "), "{screen}");

    // The bytes the console wrote while all of that was drawn: no hostile sequence among them.
    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();
    let written = std::fs::read(&bytes_path).expect("the recorded terminal bytes");
    let has = |needle: &[u8]| written.windows(needle.len()).any(|w| w == needle);
    assert!(
        has(b"^[]52;c;cHduZWQ=^G"),
        "the recording holds the hostile site in caret form ({} bytes)",
        written.len()
    );
    for (what, needle) in [
        ("the title OSC", &b"\x1b]0;pwned"[..]),
        ("the clipboard OSC 52", b"\x1b]52;"),
        ("the clear screen after the title", b"\x1b[2J end"),
        ("the colour code", b"\x1b[31mred"),
        ("the C1 CSI", "\u{9b}".as_bytes()),
        ("the bidi override", "\u{202E}".as_bytes()),
        ("a bell", b"\x07"),
    ] {
        assert!(!has(needle), "{what} reached the terminal as bytes");
    }
    drop(tmux);
    drop(server);
}

/// A site that would write to the analyst's clipboard (OSC 52) if printed raw.
const SITE_OSC52: &str = "North \x1b]52;c;cHduZWQ=\x07";

/// A department with a C1 control (8-bit CSI) that some terminals obey.
const DEPT_C1: &str = "Radiology \u{9b}2J";

#[test]
fn embedded_console_starts_without_configuration() {
    if tmux_missing() {
        return;
    }
    let sandbox = Sandbox::new();
    let tmux = Tmux::start(
        "embedded",
        &sandbox,
        &[("USER", "e2e-person")],
        &console_script(&[]),
    );
    let screen = tmux.wait_until("the empty queue of the embedded server", TIMEOUT, |s| {
        s.contains("nothing in the queue") && status_line(s).contains(" live ")
    });
    let status = status_line(&screen);
    assert!(
        status.contains("e2e-person (admin)"),
        "the status line does not name the local user: {status}"
    );
    assert!(
        status.contains("embedded · "),
        "the status line does not say the server is embedded: {status}"
    );
    assert_eq!(incident_count(&screen), Some(0), "{status}");
    // Everything it keeps is in the sandbox's data directory.
    let data = sandbox.data_dir();
    assert!(data.join("triage.db").exists(), "no database in {data:?}");
    assert!(data.join("console-token").exists(), "no token in {data:?}");

    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();
}

/// `shared/data/hhs-ocr-breaches-dev.csv` in the crate directory or one above it.
fn shared_hhs_csv() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("shared/data/hhs-ocr-breaches-dev.csv"))
        .find(|p| p.exists())
}

#[test]
fn demo_runs() {
    if tmux_missing() {
        return;
    }
    let Some(csv) = shared_hhs_csv() else {
        eprintln!(
            "shared/data/hhs-ocr-breaches-dev.csv not found above {}: skipping the demo test",
            env!("CARGO_MANIFEST_DIR")
        );
        return;
    };
    let sandbox = Sandbox::new();
    let csv = csv.to_string_lossy().into_owned();
    let tmux = Tmux::start(
        "demo",
        &sandbox,
        &[("TRIAGE_DEMO_CSV", &csv), ("USER", "e2e-person")],
        &console_script(&["--demo"]),
    );
    let screen = tmux.wait_until(
        "the demo queue with over 2,000 incidents",
        DEMO_TIMEOUT,
        |s| incident_count(s).is_some_and(|n| n > 2000) && !status_line(s).contains("loading"),
    );
    let fresh = screen.lines().filter(|l| l.contains(" today ")).count();
    assert!(
        fresh > 0,
        "no fresh (reported today) incidents in the queue:\n{screen}"
    );

    tmux.keys(&["/"]);
    tmux.wait_for("Esc closes");
    tmux.type_text("laptop");
    let screen = tmux.wait_until("search results for laptop", TIMEOUT, |s| {
        s.contains("/ laptop")
            && s.lines()
                .any(|l| l.contains("INC-") && l.to_lowercase().contains("laptop"))
    });
    assert!(
        screen.lines().any(|l| l.contains("Search ")),
        "no search popup:\n{screen}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_gone("Esc closes");

    tmux.keys(&["6"]);
    tmux.wait_until("the dashboard", TIMEOUT, |s| {
        s.contains("Dashboard ·") && s.contains("By category")
    });

    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();
}

/// A killed server shows as OFFLINE; when it is back the console reconnects by itself and
/// catches up with what happened meanwhile.
#[test]
fn console_reconnects_and_catches_up_after_the_server_dies() {
    if tmux_missing() {
        return;
    }
    let sandbox = Sandbox::new();
    let lead = sandbox.token("lead1", "lead");
    let server = ApiServer::start(&sandbox);
    let (url, addr) = (server.url(), server.addr);
    let tmux = Tmux::start(
        "reconnect",
        &sandbox,
        &[("TRIAGE_URL", &url), ("TRIAGE_TOKEN", &lead)],
        &console_script(&[]),
    );
    tmux.wait_until("the console, live", TIMEOUT, |s| {
        status_line(s).contains(" live ")
    });
    drop(server);
    tmux.wait_until("the OFFLINE banner", TIMEOUT, |s| {
        status_line(s).contains("OFFLINE")
    });
    let _server = ApiServer::start_at(&sandbox, addr);
    let env = [
        ("TRIAGE_URL", url.as_str()),
        ("TRIAGE_TOKEN", lead.as_str()),
    ];
    let out = sandbox.triage(
        &env,
        &[
            "report",
            "Filed while the console was away",
            "--site",
            "North",
        ],
    );
    assert!(
        out.status.success(),
        "report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = tmux.wait_until(
        "the console live again with the missed report",
        Duration::from_secs(60),
        |s| status_line(s).contains(" live ") && s.contains("Filed while the console was away"),
    );
    assert!(!status_line(&screen).contains("OFFLINE"), "{screen}");
    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();
}

/// The processes whose parent is `pid` (read from /proc, so no extra tool is needed).
fn children_of(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces, so split after its closing paren.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            found.push(child);
        }
    }
    found
}

#[test]
fn a_note_written_offline_survives_a_killed_console_and_is_sent_at_the_next_start() {
    if tmux_missing() {
        return;
    }
    let sandbox = Sandbox::new();
    let lead = sandbox.token("lead1", "lead");
    let server = ApiServer::start(&sandbox);
    let (url, addr) = (server.url(), server.addr);
    let env = [
        ("TRIAGE_URL", url.as_str()),
        ("TRIAGE_TOKEN", lead.as_str()),
    ];
    let reported = json(&sandbox.triage(
        &env,
        &[
            "report",
            "Wristband printed with the wrong name",
            "--site",
            "North",
            "--json",
        ],
    ));
    let id = reported["id"].as_str().expect("id").to_string();

    let tmux = Tmux::start("outbox", &sandbox, &env, &console_script(&[]));
    tmux.wait_until("the console, live, with the report", TIMEOUT, |s| {
        status_line(s).contains(" live ") && s.contains("Wristband printed")
    });
    drop(server);
    tmux.wait_until("the OFFLINE banner", TIMEOUT, |s| {
        status_line(s).contains("OFFLINE")
    });
    tmux.keys(&["Enter"]);
    tmux.keys(&["3"]);
    tmux.keys(&["n"]);
    tmux.wait_for("New note");
    let note = "Reprinted at the desk; old band shredded.";
    tmux.type_text(note);
    tmux.keys(&["C-s"]);
    tmux.wait_until("the note pending in the outbox", TIMEOUT, |s| {
        status_line(s).contains("1 pending")
    });

    // SIGKILL: no chance to say goodbye or flush anything.
    let shell: u32 = tmux.format("#{pane_pid}").parse().expect("pane pid");
    let console = children_of(shell);
    assert_eq!(console.len(), 1, "one console under the pane's shell");
    let killed = Command::new("kill")
        .args(["-KILL", &console[0].to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    tmux.wait_for(&format!("{EXITED} status=137"));
    let outbox: String = std::fs::read_dir(sandbox.data_dir().join("outbox"))
        .expect("the outbox directory")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".jsonl"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect();
    assert!(outbox.contains(note), "the note is on disk: {outbox:?}");

    // Started again while the server is still down: it says so, and that the note waits.
    let down = sandbox
        .command(BIN)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run triage");
    let said = String::from_utf8_lossy(&down.stderr);
    assert!(!down.status.success());
    assert!(
        said.contains("unreachable") && said.contains("1 change(s) from an earlier session wait"),
        "{said}"
    );

    let _server = ApiServer::start_at(&sandbox, addr);
    let again = Tmux::start("outbox-again", &sandbox, &env, &console_script(&[]));
    again.wait_until("the console, live, with nothing pending", TIMEOUT, |s| {
        status_line(s).contains(" live ") && !status_line(s).contains("pending")
    });
    let shown = json(&sandbox.triage(&env, &["show", &id, "--json"]));
    let notes: Vec<&str> = shown["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["text"].as_str())
        .collect();
    assert_eq!(notes, vec![note], "sent exactly once");
    again.keys(&["q"]);
    again.assert_console_exited_cleanly();
}

/// Incident text may be PHI: with the most verbose logging, neither the server's log nor the
/// console's log file holds any of it after a day's work on the incident in the console.
#[test]
fn incident_text_reaches_no_log_of_server_or_console() {
    if tmux_missing() {
        return;
    }
    let mut sandbox = Sandbox::new();
    sandbox.extra.push(("TRIAGE_LOG".into(), "trace".into()));
    let lead = sandbox.token("lead1", "lead");
    let server = ApiServer::start(&sandbox);
    let url = server.url();
    let env = [
        ("TRIAGE_URL", url.as_str()),
        ("TRIAGE_TOKEN", lead.as_str()),
    ];
    let marker = "PHIMARK-c0ffee";
    let reported = json(&sandbox.triage(
        &env,
        &[
            "report",
            &format!("Chart of {marker} faxed to wrong clinic"),
            "--site",
            "North",
            "--description",
            &format!("Patient {marker}, DOB 1970-01-01"),
            "--json",
        ],
    ));
    let id = reported["id"].as_str().expect("id").to_string();

    let tmux = Tmux::start("nophi", &sandbox, &env, &console_script(&[]));
    tmux.wait_until("the console, live, with the report", TIMEOUT, |s| {
        status_line(s).contains(" live ") && s.contains(marker)
    });
    tmux.keys(&["/"]);
    tmux.type_text(marker);
    tmux.wait_until("the search hit", TIMEOUT, |s| s.contains("1 match"));
    tmux.keys(&["Enter"]);
    tmux.keys(&["3"]);
    tmux.keys(&["n"]);
    tmux.wait_for("New note");
    tmux.type_text(&format!("Called {marker} to apologise."));
    tmux.keys(&["C-s"]);
    tmux.wait_for("note added");
    tmux.keys(&["q"]);
    tmux.assert_console_exited_cleanly();
    drop(server);

    let mut server_log = String::new();
    for entry in std::fs::read_dir(sandbox.path())
        .expect("sandbox")
        .flatten()
    {
        if entry.file_name().to_string_lossy().ends_with(".log") {
            server_log.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    let mut console_log = String::new();
    for entry in std::fs::read_dir(sandbox.data_dir().join("logs"))
        .expect("the console's log directory")
        .flatten()
    {
        console_log.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
    }
    assert!(
        server_log.contains(&id),
        "the server logged, naming the incident by id"
    );
    assert!(!console_log.is_empty(), "the console logged");
    for (name, log) in [("server", &server_log), ("console", &console_log)] {
        assert!(
            !log.contains(marker),
            "incident text reached the {name} log:\n{log}"
        );
    }
}
