//! The subcommands: each file runs one group. Output is plain text for people and `--json`
//! for scripts; errors go to standard error with a non-zero exit.

pub mod audit;
pub mod client_cmds;
pub mod console;
pub mod deadlines;
pub mod import;
pub mod logging;
pub mod redact;
pub mod serve;
pub mod token;

use crate::client::ApiClient;
use crate::config::Settings;
use anyhow::{Context, Result, bail};

/// A client from the settings' URL and token (both needed for API commands), trusting the
/// configured private CA when there is one.
pub fn api_client(settings: &Settings) -> Result<ApiClient> {
    let Some(url) = settings.url.as_deref() else {
        bail!("no API address: set TRIAGE_URL, `url` in the config file, or pass --url");
    };
    let Some(token) = settings.token.as_deref() else {
        bail!(
            "no API token: set TRIAGE_TOKEN, `token` in the config file, or pass --token (create one with `triage token create`)"
        );
    };
    match &settings.ca_cert {
        None => ApiClient::new(url, token).context("building the HTTP client"),
        Some(path) => {
            let pem = std::fs::read(path)
                .with_context(|| format!("cannot read the CA certificate {}", path.display()))?;
            ApiClient::with_ca_pem(url, token, &pem)
                .with_context(|| format!("using the CA certificate {}", path.display()))
        }
    }
}

/// Prints a value as pretty JSON.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `triage migrate`: applies pending migrations and says which.
pub async fn migrate(settings: &Settings) -> Result<()> {
    let store = crate::store::SqlStore::open(&settings.database(), 1)
        .await
        .context("opening the database")?;
    let applied = crate::store::migrate(store.pool(), crate::store::Store::backend(&store)).await?;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        println!("applied migrations {applied:?}");
    }
    Ok(())
}

/// `triage db copy`: moves every row into an empty database and verifies the audit chain there.
pub async fn db_copy(from: &str, to: &str, json: bool) -> Result<()> {
    let source = crate::store::SqlStore::open(from, 2)
        .await
        .with_context(|| format!("opening the source {}", crate::config::mask_url(from)))?;
    let target = crate::store::SqlStore::open(to, 2)
        .await
        .with_context(|| format!("opening the target {}", crate::config::mask_url(to)))?;
    let report = crate::store::copy_database(&source, &target).await?;
    if json {
        return print_json(&report);
    }
    for (table, rows) in &report.tables {
        println!("{table:<10} {rows} rows");
    }
    println!(
        "audit chain verified on the target: {} entries",
        report.audit_verified
    );
    Ok(())
}
