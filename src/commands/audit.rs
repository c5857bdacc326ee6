//! `triage audit verify`: walks the hash chain and names the first broken entry.

use crate::config::Settings;
use crate::domain::audit::verify_chain;
use crate::store::{SqlStore, Store};
use anyhow::{Context, Result, bail};

/// Verifies the chain; fails (non-zero exit) when it is broken.
pub async fn verify(settings: &Settings, json: bool) -> Result<()> {
    let store = SqlStore::open(&settings.database(), 2)
        .await
        .context("opening the database")?;
    let report = verify_chain(store.audit_rows().await?);
    if json {
        super::print_json(&serde_json::json!({
            "checked": report.checked,
            "redacted": report.redacted,
            "ok": report.first_broken.is_none(),
            "first_broken": report.first_broken.as_ref().map(|(seq, why)| serde_json::json!({"seq": seq, "reason": why})),
        }))?;
    }
    match report.first_broken {
        None => {
            if !json {
                if report.redacted > 0 {
                    println!(
                        "audit trail intact: {} entries verified ({} redacted, as their redaction entries record)",
                        report.checked, report.redacted
                    );
                } else {
                    println!("audit trail intact: {} entries verified", report.checked);
                }
            }
            Ok(())
        }
        Some((seq, why)) => bail!("audit trail broken at entry {seq}: {why}"),
    }
}
