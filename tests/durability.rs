//! Nothing acknowledged is lost: the real server is killed with SIGKILL at varying moments while
//! concurrent writers file reports, 20 times over; after each restart every acknowledged report is
//! there, no incident is half-written, and the audit chain still verifies.

use std::collections::HashSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use triage::client::ApiClient;
use triage::domain::NewReport;
use triage::domain::audit::verify_chain;
use triage::store::{ListFilter, SqlStore, Store};

const BIN: &str = env!("CARGO_BIN_EXE_triage");
const CYCLES: u64 = 20;

fn triage(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("TRIAGE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("TRIAGE_LOG", "warn")
        .stdin(Stdio::null());
    cmd
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(home: &std::path::Path, db: &std::path::Path) -> (Killed, String) {
    for _ in 0..5 {
        let port = free_port();
        let child = triage(home)
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut child = Killed(child);
        let url = format!("http://127.0.0.1:{port}");
        let probe = ApiClient::new(&url, "tc_x_y").expect("client");
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if probe.healthy().await {
                return (child, url);
            }
            if child.0.try_wait().ok().flatten().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    panic!("serve did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    let db = home.join("t.db");
    let out = triage(home)
        .arg("--db")
        .arg(&db)
        .args(["token", "create", "--user", "w", "--role", "lead"])
        .output()
        .expect("token");
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let acknowledged: Arc<Mutex<HashSet<String>>> = Arc::new(Mutex::new(HashSet::new()));
    for cycle in 0..CYCLES {
        let (server, url) = start(home, &db).await;
        let mut writers = Vec::new();
        for w in 0..4 {
            let client = ApiClient::new(&url, &token).expect("client");
            let acknowledged = acknowledged.clone();
            writers.push(tokio::spawn(async move {
                for n in 0.. {
                    let report = NewReport {
                        title: format!("cycle {cycle} writer {w} report {n}"),
                        site: "North".into(),
                        ..Default::default()
                    };
                    match client.report(&report).await {
                        Ok(incident) => {
                            if let Ok(mut set) = acknowledged.lock() {
                                set.insert(incident.id);
                            }
                        }
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill at a different moment each cycle (50–650 ms into the writes).
        tokio::time::sleep(Duration::from_millis(50 + (cycle * 137) % 600)).await;
        drop(server);
        for w in writers {
            let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
        }
    }
    let acknowledged = acknowledged.lock().map(|s| s.clone()).unwrap_or_default();
    assert!(
        acknowledged.len() > 50,
        "the writers got work done: {}",
        acknowledged.len()
    );
    let store = SqlStore::open(&db.to_string_lossy(), 2)
        .await
        .expect("database opens after crashes");
    let mut stored = HashSet::new();
    let mut filter = ListFilter {
        limit: 1000,
        ..Default::default()
    };
    loop {
        let (page, next) = store
            .list_incidents(&filter)
            .await
            .expect("every stored incident reads back whole");
        for i in page {
            assert_eq!(i.version, 1, "{} was never changed", i.id);
            assert!(i.title.starts_with("cycle "), "{} is intact", i.id);
            stored.insert(i.id);
        }
        match next {
            Some(seq) => filter.after_seq = Some(seq),
            None => break,
        }
    }
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged reports were lost: {lost:?}",
        lost.len()
    );
    let rows = store.audit_rows().await.expect("audit");
    let creates = rows
        .iter()
        .filter(|r| r.action == "incident.create")
        .count();
    assert_eq!(
        creates,
        stored.len(),
        "one audit entry per stored incident, none without its incident"
    );
    let report = verify_chain(rows);
    assert_eq!(
        report.first_broken, None,
        "the audit chain verifies after {CYCLES} crashes"
    );
}
