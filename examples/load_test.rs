//! Load test on loopback: concurrent readers and writers and one live-event subscriber per
//! simulated console, bounded in time; reports requests per second, p50/p99 latency and whether
//! every console received every event.
//!
//! `cargo run --release --example load_test -- [--seconds 10] [--consoles 100] [--readers 16]
//! [--writers 8] [--db postgres://… --nodes 2]` (SQLite in a temp dir when `--db` is absent).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use triage::client::ApiClient;
use triage::domain::{NewReport, Role};
use triage::server::{self, RunningServer, ServerConfig};

struct Args {
    seconds: u64,
    consoles: usize,
    readers: usize,
    writers: usize,
    db: Option<String>,
    nodes: usize,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 10,
        consoles: 100,
        readers: 16,
        writers: 8,
        db: None,
        nodes: 1,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let val = v[i + 1].clone();
        match v[i].as_str() {
            "--seconds" => a.seconds = val.parse().unwrap_or(a.seconds).min(120),
            "--consoles" => a.consoles = val.parse().unwrap_or(a.consoles).min(1000),
            "--readers" => a.readers = val.parse().unwrap_or(a.readers).min(256),
            "--writers" => a.writers = val.parse().unwrap_or(a.writers).min(256),
            "--db" => a.db = Some(val),
            "--nodes" => a.nodes = val.parse().unwrap_or(1).clamp(1, 4),
            _ => {}
        }
        i += 2;
    }
    a
}

fn pct(v: &mut [f64], p: usize) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) * p) / 100]
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("triage-load-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let db =
        a.db.clone()
            .unwrap_or_else(|| dir.join("load.db").to_string_lossy().into_owned());
    let mut nodes: Vec<RunningServer> = Vec::new();
    for _ in 0..a.nodes {
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().expect("address"),
            db: db.clone(),
            max_connections: 16,
            ..Default::default()
        };
        nodes.push(server::start(config, None).await.expect("server starts"));
    }
    let (secret, record) = server::auth::new_token("load", Role::Lead, None);
    nodes[0]
        .state
        .store
        .insert_token(record, "load-test", chrono::Utc::now())
        .await
        .expect("token");
    let clients: Vec<ApiClient> = nodes
        .iter()
        .map(|n| ApiClient::new(&n.url(), &secret).expect("client"))
        .collect();
    let mut ids = Vec::new();
    for n in 0..500 {
        let r = NewReport {
            title: format!("Seed near miss {n}: fax to wrong clinic"),
            site: "North".into(),
            ..Default::default()
        };
        ids.push(
            clients[n % clients.len()]
                .report(&r)
                .await
                .expect("seed")
                .id,
        );
    }
    let ids = Arc::new(ids);
    let start_seq = nodes[0].state.store.latest_seq().await.unwrap_or(0);

    // Consoles: one event stream each, counting what arrives.
    let newest: Vec<Arc<AtomicI64>> = (0..a.consoles)
        .map(|_| Arc::new(AtomicI64::new(start_seq)))
        .collect();
    let received: Vec<Arc<AtomicI64>> = (0..a.consoles)
        .map(|_| Arc::new(AtomicI64::new(0)))
        .collect();
    for c in 0..a.consoles {
        let client = clients[c % clients.len()].clone();
        let (newest, received) = (newest[c].clone(), received[c].clone());
        let mut stream = client.events(Some(start_seq)).await.expect("event stream");
        tokio::spawn(async move {
            while let Some(Ok(ev)) = stream.next().await {
                received.fetch_add(1, Ordering::Relaxed);
                newest.fetch_max(ev.seq, Ordering::Relaxed);
            }
        });
    }

    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(Mutex::new(Vec::<f64>::new()));
    let writes = Arc::new(Mutex::new(Vec::<f64>::new()));
    let errors = Arc::new(AtomicI64::new(0));
    let mut tasks = Vec::new();
    for r in 0..a.readers {
        let (client, ids, stop, reads, errors) = (
            clients[r % clients.len()].clone(),
            ids.clone(),
            stop.clone(),
            reads.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = r;
            let mut local = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                n = n.wrapping_mul(31).wrapping_add(7);
                let t = Instant::now();
                if client.incident(&ids[n % ids.len()]).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                local.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            reads.lock().await.extend(local);
        }));
    }
    for w in 0..a.writers {
        let (client, stop, writes, errors) = (
            clients[w % clients.len()].clone(),
            stop.clone(),
            writes.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            let mut local = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let r = NewReport {
                    title: format!("Load writer {w} report {n}"),
                    site: "South".into(),
                    ..Default::default()
                };
                let t = Instant::now();
                if client.report(&r).await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                local.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            writes.lock().await.extend(local);
        }));
    }
    let began = Instant::now();
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = began.elapsed().as_secs_f64();
    let final_seq = nodes[0].state.store.latest_seq().await.unwrap_or(0);
    let expected = final_seq - start_seq;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && newest.iter().any(|n| n.load(Ordering::Relaxed) < final_seq)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let complete = newest
        .iter()
        .filter(|n| n.load(Ordering::Relaxed) >= final_seq)
        .count();
    let exact = received
        .iter()
        .filter(|r| r.load(Ordering::Relaxed) == expected)
        .count();
    let mut r = reads.lock().await.clone();
    let mut w = writes.lock().await.clone();
    let backend = if db.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "{} node(s) on {backend}, {} s, {} readers, {} writers, {} consoles",
        a.nodes, a.seconds, a.readers, a.writers, a.consoles
    );
    println!(
        "reads:  {:.0}/s  p50 {:.1} ms  p99 {:.1} ms  ({} requests)",
        r.len() as f64 / elapsed,
        pct(&mut r, 50),
        pct(&mut r, 99),
        r.len()
    );
    println!(
        "writes: {:.0}/s  p50 {:.1} ms  p99 {:.1} ms  ({} requests)",
        w.len() as f64 / elapsed,
        pct(&mut w, 50),
        pct(&mut w, 99),
        w.len()
    );
    println!("errors: {}", errors.load(Ordering::Relaxed));
    println!(
        "events: {expected} changes; {complete}/{} consoles reached the last one, {exact}/{} received exactly {expected}",
        a.consoles, a.consoles
    );
    for n in nodes {
        n.stop().await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
