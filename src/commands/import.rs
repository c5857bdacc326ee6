//! `triage import --format hhs-csv FILE`: parses locally, sends batches through the API (so the
//! import is authenticated and audited), and accounts for every row.

use super::{api_client, print_json};
use crate::cli::ImportArgs;
use crate::config::Settings;
use crate::domain::wire::{ImportBatch, ImportOutcome};
use crate::import::hhs::parse_hhs_csv;
use anyhow::{Context, Result, bail};
use std::io::Write;

/// What an import did, row by row accounted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportSummary {
    /// Data rows in the file.
    pub rows: usize,
    /// New incidents created.
    pub created: u64,
    /// Rows imported before (same key).
    pub duplicates: u64,
    /// Rows refused, with line and reason.
    pub rejected: Vec<RejectedRow>,
}

/// A row that could not be imported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RejectedRow {
    /// Line where the row starts.
    pub line: u64,
    /// Why.
    pub reason: String,
}

/// Runs the import.
pub async fn run(settings: &Settings, args: &ImportArgs) -> Result<()> {
    if args.batch == 0 || args.batch > crate::server::routes::import::MAX_BATCH {
        bail!(
            "--batch is 1 to {}",
            crate::server::routes::import::MAX_BATCH
        );
    }
    let client = api_client(settings)?;
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("opening {}", args.file.display()))?;
    let parsed = parse_hhs_csv(std::io::BufReader::new(file));
    let mut summary = ImportSummary {
        rows: parsed.rows,
        created: 0,
        duplicates: 0,
        rejected: parsed
            .errors
            .iter()
            .map(|e| RejectedRow {
                line: e.line,
                reason: e.reason.clone(),
            })
            .collect(),
    };
    let total = parsed.records.len();
    let mut done = 0;
    for chunk in parsed.records.chunks(args.batch) {
        let batch = ImportBatch {
            records: chunk.iter().map(|(_, r)| r.clone()).collect(),
        };
        match client.import(&batch).await {
            Ok(ImportOutcome { created, duplicates }) => {
                summary.created += created;
                summary.duplicates += duplicates;
            }
            Err(e) if e.status().is_some() => {
                // A refused batch: retry its rows one by one so one bad row costs only itself.
                for (line, record) in chunk {
                    match client.import(&ImportBatch { records: vec![record.clone()] }).await {
                        Ok(o) => {
                            summary.created += o.created;
                            summary.duplicates += o.duplicates;
                        }
                        Err(e) => summary.rejected.push(RejectedRow { line: *line, reason: e.to_string() }),
                    }
                }
            }
            Err(e) => return Err(e).context(format!("import stopped after {done} of {total} records; run it again to resume (already imported rows are skipped)")),
        }
        done += chunk.len();
        if !args.json {
            eprint!("\rimporting {done}/{total}");
            std::io::stderr().flush().ok();
        }
    }
    summary.rejected.sort_by_key(|r| r.line);
    if args.json {
        return print_json(&summary);
    }
    eprintln!();
    for r in &summary.rejected {
        eprintln!("line {}: {}", r.line, r.reason);
    }
    println!(
        "{} rows: {} imported, {} already present, {} rejected",
        summary.rows,
        summary.created,
        summary.duplicates,
        summary.rejected.len()
    );
    Ok(())
}
