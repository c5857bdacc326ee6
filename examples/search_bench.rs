//! Search benchmark (release build): per-keystroke latency until the top 50 is ready for a query
//! typed one character at a time, at 100k and 1M synthetic records, with build time and peak
//! memory; and `fzf --filter` on the same corpus and queries as the yardstick when installed;
//! up to 200k records, the time to group near-identical descriptions.
//!
//! `cargo run --release --example search_bench [-- 100000 1000000] [--unique-entities]`

use chrono::NaiveDate;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;
use triage::search::{SearchIndex, Searcher};

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(mut v: Vec<f64>, p: usize) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) * p) / 100]
}

/// Times typing `query` one character at a time, `rounds` times; returns per-keystroke ms.
fn typing(index: &SearchIndex, query: &str, rounds: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        let mut searcher = Searcher::default();
        let mut typed = String::new();
        for c in query.chars() {
            typed.push(c);
            let t = Instant::now();
            let r = searcher.search(index, &typed, 50);
            out.push(t.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(r);
        }
    }
    out
}

fn fzf_ms(file: &std::path::Path, query: &str) -> Option<f64> {
    let t = Instant::now();
    let input = std::fs::File::open(file).ok()?;
    let out = Command::new("fzf")
        .args(["--filter", query])
        .stdin(input)
        .stdout(Stdio::piped())
        .output()
        .ok()?;
    std::hint::black_box(out.stdout.len());
    Some(t.elapsed().as_secs_f64() * 1000.0)
}

fn main() {
    // The worst case for the short-text tails: every record names its own covered entity.
    let unique_entities = std::env::args().any(|a| a == "--unique-entities");
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![100_000, 1_000_000]
    } else {
        sizes
    };
    let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap_or_default();
    let query = "fax lab resu";
    for n in sizes {
        let before = rss_kb("VmRSS:");
        // Generated and indexed in chunks, as a console fills its cache page by page: the whole
        // corpus never exists at once, so resident memory is the index's.
        let dir = std::env::temp_dir().join(format!("triage-search-bench-{n}"));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("corpus.txt");
        let mut out = std::fs::File::create(&file)
            .ok()
            .map(std::io::BufWriter::new);
        let (mut generated, mut built) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
        let mut index = SearchIndex::default();
        let chunk = 10_000;
        for start in (0..n).step_by(chunk) {
            let t = Instant::now();
            let mut part = triage::corpus::synthetic_range(start, chunk.min(n - start), 42, today);
            if unique_entities {
                for i in &mut part {
                    i.entity = Some(format!("Covered Entity of {}", i.id));
                }
            }
            generated += t.elapsed();
            let t = Instant::now();
            for i in &part {
                index.upsert(i);
            }
            built += t.elapsed();
            if let Some(f) = out.as_mut() {
                for i in &part {
                    let _ = writeln!(
                        f,
                        "{} | {} | {} | {}",
                        i.title,
                        i.classification.category_words(),
                        i.site,
                        i.description
                    );
                }
            }
        }
        drop(out);
        let t = Instant::now();
        index.ensure_sorted();
        index.compact();
        built += t.elapsed();
        let index_rss = rss_kb("VmRSS:").saturating_sub(before);
        println!(
            "== {n} records: generated in {:.0} ms, index built in {:.0} ms, index heap {} MB, resident growth {} MB, peak RSS {} MB",
            generated.as_secs_f64() * 1000.0,
            built.as_secs_f64() * 1000.0,
            index.heap_bytes() / (1024 * 1024),
            index_rss / 1024,
            rss_kb("VmHWM:") / 1024
        );
        let rounds = if n >= 1_000_000 { 3 } else { 10 };
        let times = typing(&index, query, rounds);
        println!(
            "typing {query:?} one key at a time ({rounds} sessions): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            pct(times.clone(), 50),
            pct(times.clone(), 95),
            pct(times, 100)
        );
        let mut per_prefix = Vec::new();
        let mut typed = String::new();
        let mut searcher = Searcher::default();
        for c in query.chars() {
            typed.push(c);
            let t = Instant::now();
            let r = searcher.search(&index, &typed, 50);
            per_prefix.push(format!(
                "{typed:?} {:.1} ms ({} matches)",
                t.elapsed().as_secs_f64() * 1000.0,
                r.total
            ));
        }
        println!("  per keystroke: {}", per_prefix.join(", "));
        for worst in ["re", "e"] {
            let t = Instant::now();
            let r = index.search(worst, 50);
            println!(
                "  fresh query {worst:?}: {:.1} ms ({} matches)",
                t.elapsed().as_secs_f64() * 1000.0,
                r.total
            );
        }
        let with_filter = "fax site:north after:2025-01-01";
        let t = Instant::now();
        let r = index.search(with_filter, 50);
        println!(
            "  fresh query {with_filter:?}: {:.1} ms ({} matches)",
            t.elapsed().as_secs_f64() * 1000.0,
            r.total
        );
        if let Some(base) = fzf_ms(&file, "zzqqxxjj") {
            let rows: Vec<String> = ["f", "fa", "fax", "fax la", "fax lab resu"]
                .iter()
                .filter_map(|q| {
                    fzf_ms(&file, q).map(|ms| format!("{q:?} {:.0} ms", (ms - base).max(0.0)))
                })
                .collect();
            println!(
                "  fzf --filter (full line, read time {base:.0} ms subtracted): {}",
                rows.join(", ")
            );
        } else {
            println!("  fzf not installed: no yardstick");
        }
        let _ = std::fs::remove_file(&file);
        if n <= 200_000 {
            // Recurring near-identical descriptions over the whole corpus (the stats endpoint
            // does this for its window), after the search figures so memory above is the index's.
            let corpus = triage::corpus::synthetic(n, 42, today);
            let refs: Vec<&triage::domain::Incident> = corpus.iter().collect();
            let window = triage::search::patterns::Window {
                from: today - chrono::Days::new(6 * 366),
                to: today,
                period_days: 30,
                today,
            };
            let t = Instant::now();
            let clusters = triage::search::patterns::near_duplicates(&refs, &window, 10);
            println!(
                "  near-identical descriptions over all {n}: {:.0} ms, {} groups shown, largest {}",
                t.elapsed().as_secs_f64() * 1000.0,
                clusters.len(),
                clusters.first().map_or(0, |c| c.count)
            );
        }
    }
}
