//! Starting the console: against a configured API, or with an embedded server in-process.

use crate::config::Settings;
use anyhow::{Result, bail};

/// Runs the console.
pub async fn run(_settings: &Settings, _demo: bool) -> Result<()> {
    bail!("the console is not available in this build yet")
}

/// Prints the active key bindings.
pub fn print_keys(_settings: &Settings) -> Result<()> {
    bail!("key bindings are not available in this build yet")
}
