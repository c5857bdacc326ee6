//! `triage serve`: the API until SIGINT or SIGTERM.

use crate::config::Settings;
use crate::server::tls::TlsFiles;
use crate::server::{self, ServerConfig};
use anyhow::{Context, Result, bail};

/// The server configuration the settings describe.
pub fn server_config(settings: &Settings, listen: Option<&str>) -> Result<ServerConfig> {
    let listen = listen.unwrap_or(&settings.listen);
    let tls = match (&settings.tls_cert, &settings.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None) => None,
        (Some(_), None) => bail!(
            "--tls-cert needs --tls-key too (or TRIAGE_TLS_KEY / `tls_key` in the config file): HTTPS needs both the certificate and its private key"
        ),
        (None, Some(_)) => bail!(
            "--tls-key needs --tls-cert too (or TRIAGE_TLS_CERT / `tls_cert` in the config file): HTTPS needs both the certificate and its private key"
        ),
    };
    Ok(ServerConfig {
        listen: listen
            .parse()
            .with_context(|| format!("--listen {listen} is not an address like 127.0.0.1:7878"))?,
        db: settings.database(),
        body_limit: settings.body_limit,
        rules: settings.clock_rules(),
        max_connections: settings.max_connections,
        tls,
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
