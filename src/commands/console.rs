//! Starting the console: against a configured API, or with an embedded server in-process on
//! SQLite under the data directory (the console still speaks HTTP to it).

use crate::client::ApiClient;
use crate::config::Settings;
use crate::domain::Role;
use crate::server::{self, RunningServer, ServerConfig};
use crate::tui::{self, ConsoleOptions};
use anyhow::{Context, Result};
use chrono::Utc;
use std::path::Path;

/// The local user's name, for the embedded server's token.
fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "analyst".into())
}

/// Reuses the embedded server's token from `path`, or mints one (file mode 0600).
async fn local_token(server: &RunningServer, path: &Path) -> Result<String> {
    if let Ok(saved) = std::fs::read_to_string(path) {
        let saved = saved.trim().to_string();
        if let Ok(client) = ApiClient::new(&server.url(), &saved)
            && client.whoami().await.is_ok()
        {
            return Ok(saved);
        }
    }
    let (secret, record) = server::auth::new_token(&local_user(), Role::Admin, None);
    server
        .state
        .store
        .insert_token(record, "console:embedded", Utc::now())
        .await?;
    write_private(path, &secret)?;
    Ok(secret)
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// Starts an embedded server on an ephemeral loopback port.
pub async fn start_embedded(settings: &Settings, db: String) -> Result<RunningServer> {
    let config = ServerConfig {
        listen: "127.0.0.1:0".parse()?,
        db,
        body_limit: settings.body_limit,
        rules: settings.clock_rules(),
        max_connections: settings.max_connections,
        tls: None,
    };
    server::start(config, None)
        .await
        .context("starting the embedded server")
}

/// Runs the console.
pub async fn run(settings: &Settings, demo: bool) -> Result<()> {
    let options = ConsoleOptions {
        keymap: settings.keymap.clone(),
        theme: settings.theme.clone(),
        config_dir: settings.config_dir.clone(),
        no_color: std::env::var_os("NO_COLOR").is_some(),
        server_label: None,
        outbox: Some(settings.data_dir.join("outbox")),
    };
    if settings.url.is_some() && !demo {
        let client = super::api_client(settings)?;
        let outbox = options.outbox.clone();
        return match tui::run(client, options).await {
            Err(tui::ConsoleError::Api(e)) if e.is_network() => {
                let waiting = outbox.as_deref().map(tui::outbox::pending_in).unwrap_or(0);
                let kept = if waiting > 0 {
                    format!(
                        "; {waiting} change(s) from an earlier session wait in the outbox and are sent when the console next reaches the server"
                    )
                } else {
                    String::new()
                };
                Err(anyhow::anyhow!(
                    "console: the server is unreachable: {e}{kept}"
                ))
            }
            other => other.context("console"),
        };
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    let db = if demo {
        let path = settings.data_dir.join("demo.db");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        path.to_string_lossy().into_owned()
    } else {
        settings.database()
    };
    let mut options = options;
    if demo {
        // The demo database is new on every start: so is its outbox.
        let dir = settings.data_dir.join("outbox-demo");
        let _ = std::fs::remove_dir_all(&dir);
        options.outbox = Some(dir);
    }
    options.server_label = Some(format!(
        "embedded · {}",
        if demo { "demo database" } else { db.as_str() }
    ));
    let running = start_embedded(settings, db).await?;
    let token_file = settings
        .data_dir
        .join(if demo { "demo-token" } else { "console-token" });
    let token = local_token(&running, &token_file).await?;
    let client = ApiClient::new(&running.url(), &token)?;
    if demo {
        eprintln!("preparing the demo database…");
        match crate::demo::find_hhs_csv() {
            Some(path) => match crate::demo::import_hhs(&client, &path).await {
                Ok((created, _, rejected)) => eprintln!(
                    "imported {created} past breaches from the HHS portal ({rejected} rows rejected)"
                ),
                Err(e) => eprintln!("could not import past breaches: {e}"),
            },
            None => eprintln!(
                "HHS breach CSV not found (set TRIAGE_DEMO_CSV); starting with fresh incidents only"
            ),
        }
        let n = crate::demo::seed_live(&client, chrono::Local::now().date_naive())
            .await
            .context("seeding demo incidents")?;
        eprintln!("created {n} fresh near misses and incidents");
    }
    let outcome = tui::run(client, options).await;
    running.stop().await;
    outcome.context("console")
}

/// Prints the active key bindings.
pub fn print_keys(settings: &Settings) -> Result<()> {
    let (keymap, errors) = tui::keymap::load_keymap(&settings.keymap, Some(&settings.config_dir));
    for e in &errors {
        eprintln!("warning: {e}");
    }
    for section in keymap.all_sections() {
        let bindings = keymap.bindings(&section);
        if bindings.is_empty() {
            continue;
        }
        println!("[{section}]");
        for b in bindings {
            println!("  {:<16} {:<22} {}", b.keys, b.command.name(), b.desc);
        }
    }
    Ok(())
}
