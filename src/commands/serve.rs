//! `triage serve`: the API until SIGINT or SIGTERM.

use crate::config::Settings;
use crate::server::{self, ServerConfig};
use anyhow::{Context, Result};

/// The server configuration the settings describe.
pub fn server_config(settings: &Settings, listen: Option<&str>) -> Result<ServerConfig> {
    let listen = listen.unwrap_or(&settings.listen);
    Ok(ServerConfig {
        listen: listen
            .parse()
            .with_context(|| format!("--listen {listen} is not an address like 127.0.0.1:7878"))?,
        db: settings.database(),
        body_limit: settings.body_limit,
        rules: settings.clock_rules(),
        max_connections: settings.max_connections,
    })
}

/// Runs the server in the foreground.
pub async fn run(settings: &Settings, listen: Option<&str>) -> Result<()> {
    let config = server_config(settings, listen)?;
    if let Some(parent) = std::path::Path::new(&config.db)
        .parent()
        .filter(|_| !config.db.contains("://"))
    {
        std::fs::create_dir_all(parent).ok();
    }
    let running = server::start(config, None)
        .await
        .context("starting the server")?;
    eprintln!(
        "triage API listening on {} (database: {})",
        running.url(),
        running.state.store.backend().name()
    );
    let stop = running.stopper();
    tokio::spawn(async move {
        server::shutdown_signal().await;
        let _ = stop.send(true);
    });
    running.wait().await;
    eprintln!("triage API stopped");
    Ok(())
}
