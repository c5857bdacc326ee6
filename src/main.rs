//! The `triage` binary: parse the command line, set up logging, dispatch. Nothing else.

use anyhow::Result;
use clap::Parser;
use triage::cli::{AuditCommand, Cli, Command, ConfigCommand, DbCommand, TokenCommand};
use triage::commands;
use triage::config::Settings;

fn settings_from(cli: &Cli) -> Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.url {
        settings.url = Some(url.clone());
    }
    if let Some(token) = &cli.token {
        settings.token = Some(token.clone());
    }
    if let Some(db) = &cli.db {
        settings.db = Some(db.clone());
    }
    if let Some(ca) = &cli.ca_cert {
        settings.ca_cert = Some(ca.clone());
    }
    if let Some(Command::Serve(serve)) = &cli.command {
        if let Some(cert) = &serve.tls_cert {
            settings.tls_cert = Some(cert.clone());
        }
        if let Some(key) = &serve.tls_key {
            settings.tls_key = Some(key.clone());
        }
    }
    if let Some(k) = &cli.keymap {
        settings.keymap = k.clone();
    }
    if let Some(t) = &cli.theme {
        settings.theme = t.clone();
    }
    Ok(settings)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let outcome = run(cli).await;
    if let Err(e) = outcome {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let settings = settings_from(&cli)?;
    let _log =
        commands::logging::init(&settings, matches!(cli.command, None | Some(Command::Keys)))?;
    match &cli.command {
        None => commands::console::run(&settings, cli.demo).await,
        Some(Command::Serve(a)) => commands::serve::run(&settings, a.listen.as_deref()).await,
        Some(Command::Token(TokenCommand::Create {
            user,
            role,
            expires_days,
            json,
        })) => commands::token::create(&settings, user, *role, *expires_days, *json).await,
        Some(Command::Token(TokenCommand::Revoke { who })) => {
            commands::token::revoke(&settings, who).await
        }
        Some(Command::Report(a)) => commands::client_cmds::report(&settings, a).await,
        Some(Command::List(a)) => commands::client_cmds::list(&settings, a).await,
        Some(Command::Show(a)) => commands::client_cmds::show(&settings, a).await,
        Some(Command::Mine(a)) => commands::client_cmds::mine(&settings, a.json).await,
        Some(Command::Deadlines(a)) => commands::deadlines::run(a, &settings.clock_rules()),
        Some(Command::Import(a)) => commands::import::run(&settings, a).await,
        Some(Command::Export(a)) => commands::client_cmds::export(&settings, a).await,
        Some(Command::Redact(a)) => commands::redact::run(&settings, a).await,
        Some(Command::Audit(AuditCommand::Verify { json })) => {
            commands::audit::verify(&settings, *json).await
        }
        Some(Command::Migrate) => commands::migrate(&settings).await,
        Some(Command::Db(DbCommand::Copy { from, to, json })) => {
            commands::db_copy(from, to, *json).await
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            print!("{}", settings.masked());
            Ok(())
        }
        Some(Command::Keys) => commands::console::print_keys(&settings),
    }
}
