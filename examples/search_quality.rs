//! "Seen before" quality on real data: imports the HHS breach-portal CSV, and for every record
//! with a description takes its top 5 similar incidents and counts how often they share the
//! record's Type of Breach and Location (precision@5), against picking at random.
//!
//! `cargo run --release --example search_quality [-- path/to/hhs-ocr-breaches-dev.csv]`

use chrono::{TimeZone, Utc};
use std::collections::HashMap;
use triage::domain::Incident;
use triage::search::SearchIndex;

fn main() {
    let path = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .or_else(triage::demo::find_hhs_csv);
    let Some(path) = path else {
        eprintln!("HHS CSV not found: pass its path or set TRIAGE_DEMO_CSV");
        std::process::exit(2);
    };
    let Ok(file) = std::fs::File::open(&path) else {
        eprintln!("cannot open {}", path.display());
        std::process::exit(2);
    };
    let parsed = triage::import::parse_hhs_csv(std::io::BufReader::new(file));
    let at = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let incidents: Vec<Incident> = parsed
        .records
        .iter()
        .enumerate()
        .map(|(n, (_, r))| {
            let mut i = Incident::minimal(
                &format!("HHS-{n:05}"),
                &r.title,
                &r.site,
                r.discovered_at,
                at,
            );
            i.description = r.description.clone();
            i.classification = r.classification.clone();
            i.entity = r.entity.clone();
            i
        })
        .collect();
    let index = SearchIndex::build(&incidents);
    let by_id: HashMap<&str, &Incident> = incidents.iter().map(|i| (i.id.as_str(), i)).collect();
    let key = |i: &Incident| {
        (
            i.classification.breach_type.clone(),
            i.classification.location.clone(),
        )
    };
    let (mut hits, mut shown, mut queries) = (0u64, 0u64, 0u64);
    let (mut type_hits, mut loc_hits) = (0u64, 0u64);
    for i in incidents
        .iter()
        .filter(|i| !i.description.trim().is_empty())
    {
        queries += 1;
        for s in index.similar(&i.id, 5) {
            let Some(other) = by_id.get(s.id.as_str()) else {
                continue;
            };
            shown += 1;
            if key(other) == key(i) {
                hits += 1;
            }
            if other.classification.breach_type == i.classification.breach_type {
                type_hits += 1;
            }
            if other.classification.location == i.classification.location {
                loc_hits += 1;
            }
        }
    }
    // Base rate: the chance that a record picked at random shares both (over all pairs).
    let mut groups: HashMap<_, u64> = HashMap::new();
    for i in &incidents {
        *groups.entry(key(i)).or_default() += 1;
    }
    let n = incidents.len() as f64;
    let base: f64 = groups
        .values()
        .map(|c| (*c as f64 / n) * ((*c as f64 - 1.0) / (n - 1.0)))
        .sum();
    let pct = |a: u64, b: u64| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    println!(
        "records: {} ({} with a description)",
        incidents.len(),
        queries
    );
    println!(
        "similar results shown: {shown} ({:.2} per record)",
        shown as f64 / queries.max(1) as f64
    );
    println!(
        "precision@5, same Type of Breach AND Location: {:.1}%",
        pct(hits, shown)
    );
    println!(
        "  same Type of Breach: {:.1}%   same Location: {:.1}%",
        pct(type_hits, shown),
        pct(loc_hits, shown)
    );
    println!("random base rate for both: {:.1}%", base * 100.0);
}
