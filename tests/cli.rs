//! The real `triage` binary: tokens on a temporary database, `serve` on a free port, the
//! scripting commands against it (`report`, `list` across pages, `show`), `audit verify` before
//! and after an attacker edits the trail, `deadlines` against a table derived from HIPAA.md, and
//! `config show` keeping the token secret.

mod common;

use serde_json::Value;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary with an environment of its own (see `common::triage_command`).
fn triage(home: &Path) -> Command {
    common::triage_command(home)
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs and expects success; returns stdout parsed as JSON.
fn run_json(cmd: &mut Command) -> Value {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{cmd:?}: not JSON ({e}): {}", stdout(&out)))
}

/// A temporary home with a database path.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn db(&self) -> PathBuf {
        self.path().join("t.db")
    }

    fn cmd(&self) -> Command {
        let mut c = triage(self.path());
        c.arg("--db").arg(self.db());
        c
    }

    fn token(&self, user: &str, role: &str) -> String {
        let v = run_json(
            self.cmd()
                .args(["token", "create", "--user", user, "--role", role, "--json"]),
        );
        assert_eq!(v["user"], user);
        assert_eq!(v["role"], role);
        v["token"].as_str().expect("token").to_string()
    }
}

/// `triage serve` running in the background; killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

/// Whether `GET /healthz` answers 200.
fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

impl Home {
    /// Starts `serve` on a free port and waits for `/healthz`; retries on another port if the
    /// chosen one was taken meanwhile.
    fn serve(&self) -> Served {
        self.serve_logging("warn")
    }

    /// `serve` with `TRIAGE_LOG` at `level`, its standard error kept in `serve-N.log`.
    fn serve_logging(&self, level: &str) -> Served {
        for attempt in 0..5 {
            let port = free_port();
            let log = std::fs::File::create(self.path().join(format!("serve-{attempt}.log")))
                .expect("log file");
            let child = self
                .cmd()
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .env("TRIAGE_LOG", level)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("serve starts");
            let mut served = Served {
                child,
                url: format!("http://127.0.0.1:{port}"),
            };
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if healthy(port) {
                    return served;
                }
                if served.child.try_wait().ok().flatten().is_some() {
                    break; // exited: most likely the port was taken; try another
                }
                assert!(
                    Instant::now() < deadline,
                    "serve did not become healthy; see {}",
                    self.path().display()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("serve did not start on any of 5 ports");
    }

    /// A client command against a served API.
    fn api(&self, served: &Served, token: &str) -> Command {
        let mut c = self.cmd();
        c.args(["--url", &served.url, "--token", token]);
        c
    }
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON array")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn report_list_show_and_audit_through_the_binary() {
    let home = Home::new();
    let admin = home.token("adam", "admin");
    let reporter = home.token("rita", "reporter");
    let served = home.serve();

    let filed = run_json(home.api(&served, &reporter).args([
        "report",
        "Fax sent to the wrong clinic",
        "--site",
        "North Campus",
        "--description",
        "two pages, one patient",
        "--discovered",
        "2026-01-15",
        "--json",
    ]));
    let first = filed["id"].as_str().expect("id").to_string();
    assert_eq!(filed["source"], "cli");
    assert_eq!(filed["reported_by"], "rita");
    assert_eq!(filed["discovered_at"], "2026-01-15");
    assert_eq!(filed["status"], "new");

    // 1,050 more through the API.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let created: Vec<String> = runtime.block_on(async {
        let client = triage::client::ApiClient::new(&served.url, &admin).expect("client");
        let mut out = Vec::new();
        for chunk in (0..1050).collect::<Vec<_>>().chunks(10) {
            let reports: Vec<triage::domain::NewReport> = chunk
                .iter()
                .map(|n| triage::domain::NewReport {
                    title: format!("Misdirected fax {n}"),
                    site: "North".into(),
                    ..Default::default()
                })
                .collect();
            let batch = reports.iter().map(|r| client.report(r));
            for r in futures::future::join_all(batch).await {
                out.push(r.expect("report").id);
            }
        }
        out
    });
    assert_eq!(created.len(), 1050);

    let all = run_json(home.api(&served, &admin).args(["list", "--json"]));
    let listed = ids(&all);
    assert_eq!(listed.len(), 1051, "list follows every page");
    let unique: std::collections::BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), 1051, "no incident twice");
    assert!(created.iter().all(|id| unique.contains(id)));
    assert_eq!(listed[0], first);

    let five = run_json(
        home.api(&served, &admin)
            .args(["list", "--limit", "5", "--json"]),
    );
    assert_eq!(ids(&five), listed[..5].to_vec());

    // A reporter lists only their own.
    let own = run_json(home.api(&served, &reporter).args(["list", "--json"]));
    assert_eq!(ids(&own), vec![first.clone()]);

    let shown = run_json(home.api(&served, &admin).args(["show", &first, "--json"]));
    assert_eq!(shown["id"], first.as_str());
    assert_eq!(shown["title"], "Fax sent to the wrong clinic");
    let text = run(home.api(&served, &admin).args(["show", &first]));
    assert!(text.status.success(), "{}", stderr(&text));
    let text = stdout(&text);
    assert!(text.starts_with(&first), "{text}");
    assert!(text.contains("Fax sent to the wrong clinic"), "{text}");
    assert!(text.contains("discovered (D0) 2026-01-15"), "{text}");

    let missing = run(home.api(&served, &admin).args(["show", "INC-2026-999999"]));
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("not found"),
        "{}",
        stderr(&missing)
    );

    // The trail verifies while the server runs.
    let ok = run(home.cmd().args(["audit", "verify"]));
    assert!(ok.status.success(), "{}", stderr(&ok));
    // 2 tokens + 1051 reports.
    assert!(
        stdout(&ok).contains("1053 entries verified"),
        "{}",
        stdout(&ok)
    );
    drop(served);
}

/// Runs SQL on the database file as an attacker with file access would.
fn sql(db: &Path, statement: &str) -> Result<u64, String> {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = triage::store::SqlStore::open(&db.to_string_lossy(), 1)
            .await
            .map_err(|e| e.to_string())?;
        let done = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(store.pool())
            .await
            .map_err(|e| e.to_string())?;
        store.pool().close().await;
        Ok(done.rows_affected())
    })
}

/// A database with a few audited changes made through the served API.
fn audited_home() -> Home {
    let home = Home::new();
    let reporter = home.token("rita", "reporter");
    let served = home.serve();
    for title in [
        "Lost badge",
        "Tailgating at the loading dock",
        "Phishing email clicked",
    ] {
        run_json(
            home.api(&served, &reporter)
                .args(["report", title, "--site", "East", "--json"]),
        );
    }
    drop(served);
    let ok = run(home.cmd().args(["audit", "verify"]));
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("4 entries verified"),
        "{}",
        stdout(&ok)
    );
    home
}

#[test]
fn audit_verify_names_an_edited_entry() {
    let home = audited_home();
    // The database itself refuses the edit...
    let refused = sql(
        &home.db(),
        "UPDATE audit SET actor = 'mallory' WHERE seq = 3",
    );
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("append-only")),
        "{refused:?}"
    );
    // ...so the attacker drops the trigger first.
    sql(&home.db(), "DROP TRIGGER audit_no_update").expect("drop trigger");
    assert_eq!(
        sql(
            &home.db(),
            "UPDATE audit SET actor = 'mallory' WHERE seq = 3"
        ),
        Ok(1)
    );

    let broken = run(home.cmd().args(["audit", "verify"]));
    assert!(!broken.status.success(), "tampering must fail verification");
    let err = stderr(&broken);
    assert!(err.contains("broken at entry 3"), "{err}");
    assert!(err.contains("edited"), "{err}");

    let json = run(home.cmd().args(["audit", "verify", "--json"]));
    assert!(!json.status.success());
    let report: Value = serde_json::from_slice(&json.stdout).expect("JSON report");
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_broken"]["seq"], 3);
}

#[test]
fn audit_verify_names_a_deleted_entry() {
    let home = audited_home();
    assert!(sql(&home.db(), "DELETE FROM audit WHERE seq = 2").is_err());
    sql(&home.db(), "DROP TRIGGER audit_no_delete").expect("drop trigger");
    assert_eq!(sql(&home.db(), "DELETE FROM audit WHERE seq = 2"), Ok(1));
    let broken = run(home.cmd().args(["audit", "verify"]));
    assert!(!broken.status.success());
    let err = stderr(&broken);
    assert!(err.contains("entry 3"), "{err}");
    assert!(err.contains("missing"), "{err}");
}

/// One what-if case: D0, individuals, residents per state, business associate, missing
/// contacts, and the clocks expected as (kind, state, due, citation).
struct Clock {
    d0: &'static str,
    individuals: u64,
    states: &'static [&'static str],
    business_associate: bool,
    missing_contacts: u64,
    want: &'static [(
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    )],
}

const INDIVIDUALS: &str = "45 CFR 164.404(b)";
const MEDIA: &str = "45 CFR 164.406";
const HHS_LARGE: &str = "45 CFR 164.408(b)";
const HHS_SMALL: &str = "45 CFR 164.408(c)";
const COVERED_ENTITY: &str = "45 CFR 164.410(b)";
const SUBSTITUTE: &str = "45 CFR 164.404(d)(2)";

/// Derived from HIPAA.md: individuals D0 + 60; media when more than 500 residents of one state;
/// HHS with the individual notice at 500 or more in total, else 60 days after the end of D0's
/// year; a business associate notifies only the covered entity, D0 + 60; substitute notice at 10
/// or more missing contacts, for 90 days after the individual deadline.
const CASES: &[Clock] = &[
    // 499 in total: small breach, annual log 2027-03-01 (2027 is not a leap year).
    Clock {
        d0: "2026-03-02",
        individuals: 499,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2027-03-01", HHS_SMALL),
        ],
    },
    // 500 in total: HHS with the individual notice.
    Clock {
        d0: "2026-03-02",
        individuals: 500,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2026-05-01", HHS_LARGE),
        ],
    },
    // 501 in one state: media for that state.
    Clock {
        d0: "2026-03-02",
        individuals: 501,
        states: &["CA=501"],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("media", Some("CA"), "2026-05-01", MEDIA),
            ("hhs", None, "2026-05-01", HHS_LARGE),
        ],
    },
    // Exactly 500 in each of two states: 1000 in total, but no state has more than 500.
    Clock {
        d0: "2026-03-02",
        individuals: 1000,
        states: &["CA=500", "NY=500"],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2026-05-01", HHS_LARGE),
        ],
    },
    // Several states: media per state over 500, not for the small one.
    Clock {
        d0: "2026-03-02",
        individuals: 1200,
        states: &["TX=99", "NY=600", "CA=501"],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("media", Some("CA"), "2026-05-01", MEDIA),
            ("media", Some("NY"), "2026-05-01", MEDIA),
            ("hhs", None, "2026-05-01", HHS_LARGE),
        ],
    },
    // 499 in one state and in total: nothing large.
    Clock {
        d0: "2026-03-02",
        individuals: 499,
        states: &["CA=499"],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2027-03-01", HHS_SMALL),
        ],
    },
    // Counts for one state given twice add up (300 + 201 = 501), lower case accepted.
    Clock {
        d0: "2026-03-02",
        individuals: 700,
        states: &["ca=300", "CA=201"],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("media", Some("CA"), "2026-05-01", MEDIA),
            ("hhs", None, "2026-05-01", HHS_LARGE),
        ],
    },
    // D0 in 2023: the annual log is due 29 February 2024 (leap year).
    Clock {
        d0: "2023-06-15",
        individuals: 10,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2023-08-14", INDIVIDUALS),
            ("hhs", None, "2024-02-29", HHS_SMALL),
        ],
    },
    // D0 in 2025: 1 March 2026.
    Clock {
        d0: "2025-01-10",
        individuals: 10,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2025-03-11", INDIVIDUALS),
            ("hhs", None, "2026-03-01", HHS_SMALL),
        ],
    },
    // D0 on 31 December before a leap year: both land on 29 February.
    Clock {
        d0: "2027-12-31",
        individuals: 499,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2028-02-29", INDIVIDUALS),
            ("hhs", None, "2028-02-29", HHS_SMALL),
        ],
    },
    // D0 on a leap day.
    Clock {
        d0: "2024-02-29",
        individuals: 1,
        states: &[],
        business_associate: false,
        missing_contacts: 0,
        want: &[
            ("individuals", None, "2024-04-29", INDIVIDUALS),
            ("hhs", None, "2025-03-01", HHS_SMALL),
        ],
    },
    // A business associate notifies the covered entity only, however large the breach.
    Clock {
        d0: "2026-03-02",
        individuals: 5000,
        states: &["CA=3000"],
        business_associate: true,
        missing_contacts: 0,
        want: &[("covered_entity", None, "2026-05-01", COVERED_ENTITY)],
    },
    Clock {
        d0: "2023-06-15",
        individuals: 10,
        states: &[],
        business_associate: true,
        missing_contacts: 50,
        want: &[("covered_entity", None, "2023-08-14", COVERED_ENTITY)],
    },
    // Ten without contact details: substitute notice running 90 days past the individual one.
    Clock {
        d0: "2026-03-02",
        individuals: 100,
        states: &[],
        business_associate: false,
        missing_contacts: 10,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2027-03-01", HHS_SMALL),
            ("substitute_notice", None, "2026-07-30", SUBSTITUTE),
        ],
    },
    // Nine: no substitute notice.
    Clock {
        d0: "2026-03-02",
        individuals: 100,
        states: &[],
        business_associate: false,
        missing_contacts: 9,
        want: &[
            ("individuals", None, "2026-05-01", INDIVIDUALS),
            ("hhs", None, "2027-03-01", HHS_SMALL),
        ],
    },
];

#[test]
fn deadlines_match_the_rules_of_hipaa_md() {
    let home = Home::new();
    for (n, case) in CASES.iter().enumerate() {
        let mut cmd = triage(home.path());
        cmd.args([
            "deadlines",
            "--discovered",
            case.d0,
            "--individuals",
            &case.individuals.to_string(),
            "--missing-contacts",
            &case.missing_contacts.to_string(),
            "--json",
        ]);
        for st in case.states {
            cmd.args(["--state", st]);
        }
        if case.business_associate {
            cmd.arg("--business-associate");
        }
        let out = run_json(&mut cmd);
        let got: Vec<(String, Option<String>, String, String)> = out["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .map(|d| {
                (
                    d["kind"].as_str().expect("kind").to_string(),
                    d["state"].as_str().map(str::to_string),
                    d["due"].as_str().expect("due").to_string(),
                    d["citation"].as_str().expect("citation").to_string(),
                )
            })
            .collect();
        let want: Vec<(String, Option<String>, String, String)> = case
            .want
            .iter()
            .map(|(k, s, d, c)| {
                (
                    k.to_string(),
                    s.map(str::to_string),
                    d.to_string(),
                    c.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got, want,
            "case {n}: D0 {} {} individuals {:?}",
            case.d0, case.individuals, case.states
        );
        for d in out["deadlines"].as_array().expect("deadlines") {
            assert!(
                d["basis"].as_str().is_some_and(|b| !b.is_empty()),
                "case {n}: every clock says why: {d}"
            );
        }
    }
    // The plain form shows each clock with its citation.
    let out = run(triage(home.path()).args([
        "deadlines",
        "--discovered",
        "2026-03-02",
        "--individuals",
        "600",
        "--state",
        "NY=600",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("media (NY)"), "{text}");
    assert!(text.contains("due 2026-05-01"), "{text}");
    assert!(text.contains("45 CFR 164.406"), "{text}");
}

#[test]
fn deadlines_refuse_bad_input_with_a_clear_message() {
    let home = Home::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--discovered", "2026-02-30", "--individuals", "10"],
            "--discovered 2026-02-30 is not a date YYYY-MM-DD",
        ),
        (
            &["--discovered", "March 2", "--individuals", "10"],
            "is not a date YYYY-MM-DD",
        ),
        (
            &[
                "--discovered",
                "2026-03-02",
                "--individuals",
                "10",
                "--state",
                "CAL=5",
            ],
            "not a two-letter state code",
        ),
        (
            &[
                "--discovered",
                "2026-03-02",
                "--individuals",
                "10",
                "--state",
                "CA",
            ],
            "expected XX=N",
        ),
        (
            &[
                "--discovered",
                "2026-03-02",
                "--individuals",
                "10",
                "--state",
                "CA=lots",
            ],
            "is not a count",
        ),
        (
            &[
                "--discovered",
                "2026-03-02",
                "--individuals",
                "500",
                "--state",
                "CA=600",
            ],
            "add up to 600, more than --individuals 500",
        ),
        (&["--discovered", "2026-03-02", "--individuals", "-1"], "-1"),
        (&["--individuals", "10"], "--discovered"),
    ];
    for (args, message) in cases {
        let out = run(triage(home.path())
            .arg("deadlines")
            .args(*args)
            .arg("--json"));
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        let err = stderr(&out);
        assert!(err.contains(message), "{args:?}: '{message}' not in: {err}");
    }
}

#[test]
fn config_show_masks_the_token() {
    let home = Home::new();
    let secret = "tc_0123456789ab_thisisthesecretpartofthetoken";
    let out = run(triage(home.path()).args(["--token", secret, "config", "show"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("thisisthesecretpartofthetoken"), "{text}");
    assert!(text.contains("masked"), "{text}");

    let out = run(triage(home.path()).env("TRIAGE_TOKEN", secret).args([
        "--db",
        "postgres://triage:hunter2@db.internal/triage",
        "config",
        "show",
    ]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!text.contains("thisisthesecretpartofthetoken"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("masked"), "{text}");
}

#[test]
fn api_commands_without_a_server_fail_clearly() {
    let home = Home::new();
    let out = run(triage(home.path()).args(["list", "--json"]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no API address"), "{}", stderr(&out));
    let out = run(triage(home.path()).args(["--url", "http://127.0.0.1:9", "list", "--json"]));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no API token"), "{}", stderr(&out));
}

/// Incident text may be PHI: it must reach no log, even at the most verbose level.
#[test]
fn incident_text_reaches_no_log() {
    let home = Home::new();
    let lead = home.token("lead1", "lead");
    let served = home.serve_logging("trace");
    let marker = "PHIMARKER-7f3a9c";
    let reported = run_json(home.api(&served, &lead).args([
        "report",
        &format!("Chart of {marker} faxed to wrong clinic"),
        "--site",
        &format!("Site {marker}"),
        "--description",
        &format!("Patient {marker}, DOB 1970-01-01"),
        "--json",
    ]));
    let id = reported["id"].as_str().expect("id").to_string();
    run(home.api(&served, &lead).args(["list", "--json"]));
    run(home.api(&served, &lead).args(["show", &id, "--json"]));
    run(home
        .api(&served, &lead)
        .args(["list", "--q", marker, "--json"]));
    // A refused write with the marker in it, and a search for it, are logged too if anything is.
    let _ = run(home.api(&served, &lead).args([
        "report",
        &format!("{marker}\u{1b}[2J"),
        "--site",
        "",
        "--json",
    ]));
    let mut logs = String::new();
    for entry in std::fs::read_dir(home.path()).expect("home").flatten() {
        if entry.file_name().to_string_lossy().ends_with(".log") {
            logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    let data_logs = home.path().join("data").join("triage").join("logs");
    if let Ok(dir) = std::fs::read_dir(&data_logs) {
        for entry in dir.flatten() {
            logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    assert!(
        logs.contains(&id),
        "the logs are written and name the incident by id: {logs}"
    );
    assert!(
        !logs.contains(marker),
        "incident text reached a log:\n{logs}"
    );
}

/// The shared HHS breach-portal CSV, found by walking up from the crate (absent: `None`).
fn hhs_csv() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|d| d.join("shared/data/hhs-ocr-breaches-dev.csv"))
        .find(|p| p.exists())
}

/// `triage import` accounts for every row of the real file, and a second import adds nothing.
#[test]
fn hhs_import_accounts_for_every_row_and_is_idempotent() {
    let Some(csv) = hhs_csv() else {
        eprintln!("skipped: shared/data/hhs-ocr-breaches-dev.csv not found");
        return;
    };
    let rows = {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&csv)
            .expect("csv");
        reader.byte_records().count() as u64
    };
    let home = Home::new();
    let lead = home.token("lead1", "lead");
    let served = home.serve();
    let first = run_json(
        home.api(&served, &lead)
            .args(["import", "--format", "hhs-csv", "--json"])
            .arg(&csv),
    );
    let count = |v: &Value, k: &str| {
        v[k].as_u64()
            .unwrap_or_else(|| v[k].as_array().map_or(0, |a| a.len() as u64))
    };
    assert_eq!(first["rows"].as_u64(), Some(rows), "{first}");
    assert_eq!(
        count(&first, "created") + count(&first, "duplicates") + count(&first, "rejected"),
        rows,
        "every row imported or reported: {first}"
    );
    assert!(count(&first, "created") > 2_600, "{first}");
    let second = run_json(
        home.api(&served, &lead)
            .args(["import", "--format", "hhs-csv", "--json"])
            .arg(&csv),
    );
    assert_eq!(
        count(&second, "created"),
        0,
        "a second import adds nothing: {second}"
    );
    assert_eq!(
        count(&second, "duplicates") + count(&second, "rejected"),
        rows,
        "{second}"
    );
    let listed = run_json(
        home.api(&served, &lead)
            .args(["list", "--status", "closed", "--json"]),
    );
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(count(&first, "created") as usize),
        "imported as closed incidents"
    );
    let one = &listed[0];
    assert_eq!(one["determination"], "breach");
    assert_eq!(one["source"], "import");
}
