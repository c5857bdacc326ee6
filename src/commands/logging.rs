//! Logging with `tracing`: to a file under the data directory for the console (never to the
//! terminal it draws on), to standard error for the other commands. Never incident text: only
//! ids, actors, counts and error kinds are logged anywhere in the code.

use crate::config::Settings;
use anyhow::Result;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Installs the subscriber; keep the guard alive for all of `main`.
pub fn init(settings: &Settings, to_file: bool) -> Result<Option<WorkerGuard>> {
    let filter = EnvFilter::try_from_env("TRIAGE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,hyper=warn"));
    if to_file {
        let dir = settings.data_dir.join("logs");
        std::fs::create_dir_all(&dir)?;
        let appender = tracing_appender::rolling::daily(dir, "triage.log");
        let (writer, guard) = tracing_appender::non_blocking(appender);
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(writer)
            .try_init()
            .ok();
        Ok(Some(guard))
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .try_init()
            .ok();
        Ok(None)
    }
}
