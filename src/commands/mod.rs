//! The subcommands: each file runs one group. Output is plain text for people and `--json`
//! for scripts; errors go to standard error with a non-zero exit.

pub mod audit;
pub mod client_cmds;
pub mod console;
pub mod deadlines;
pub mod import;
pub mod logging;
pub mod serve;
pub mod token;

use crate::client::ApiClient;
use crate::config::Settings;
use anyhow::{Context, Result, bail};

/// A client from the settings' URL and token; both are needed for API commands.
pub fn api_client(settings: &Settings) -> Result<ApiClient> {
    let Some(url) = settings.url.as_deref() else {
        bail!("no API address: set TRIAGE_URL, `url` in the config file, or pass --url");
    };
    let Some(token) = settings.token.as_deref() else {
        bail!(
            "no API token: set TRIAGE_TOKEN, `token` in the config file, or pass --token (create one with `triage token create`)"
        );
    };
    ApiClient::new(url, token).context("building the HTTP client")
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
