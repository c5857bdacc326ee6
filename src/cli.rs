//! Command-line definitions of every subcommand (clap). Parsing only; `commands` runs them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// triage — HIPAA incident and near-miss handling from the keyboard.
#[derive(Debug, Parser)]
#[command(name = "triage", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (default: triage/config.toml in the XDG config directory).
    #[arg(long, global = true, env = "TRIAGE_CONFIG")]
    pub config: Option<PathBuf>,
    /// API base URL (default: start an embedded server).
    #[arg(long, global = true)]
    pub url: Option<String>,
    /// API token.
    #[arg(long, global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Also trust the CA certificate(s) in this PEM file for an https:// API URL (a private CA);
    /// the system's roots stay trusted.
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,
    /// Open the console on a fresh demo database (past HHS breaches plus live near misses).
    #[arg(long)]
    pub demo: bool,
    /// Keymap: default, vim, emacs, or a file name in the config directory.
    #[arg(long)]
    pub keymap: Option<String>,
    /// Theme: dark, light, high-contrast, mono, or a file name in the config directory.
    #[arg(long)]
    pub theme: Option<String>,
    /// Database for the embedded server (path or URL).
    #[arg(long, global = true)]
    pub db: Option<String>,
    /// What to do; the console when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the incident API.
    Serve(ServeArgs),
    /// Manage API tokens (acts on the database directly).
    #[command(subcommand)]
    Token(TokenCommand),
    /// File a one-line report.
    Report(ReportArgs),
    /// List incidents.
    List(ListArgs),
    /// Show one incident.
    Show(ShowArgs),
    /// My open corrective actions, nearest due first.
    Mine(JsonFlag),
    /// Notification clocks for a what-if case, without a server.
    Deadlines(DeadlinesArgs),
    /// Import past incidents through the API.
    Import(ImportArgs),
    /// Export incidents.
    Export(ExportArgs),
    /// Redact mistakenly entered text (a patient's name, an MRN) from an incident field or a
    /// note, everywhere it is stored; admin only, recorded in the audit trail.
    Redact(RedactArgs),
    /// The audit trail (acts on the database directly).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Apply database migrations (idempotent).
    Migrate,
    /// Database operations.
    #[command(subcommand)]
    Db(DbCommand),
    /// Settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Print the active key bindings.
    Keys,
}

/// `--json` alone.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `triage serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(long)]
    pub listen: Option<String>,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
}

/// Roles a token may have.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Create reports, read own.
    Reporter,
    /// Read all, triage, classify, notes, actions.
    Analyst,
    /// Assign, escalate, determine, close.
    Lead,
    /// Tokens and settings.
    Admin,
    /// Read everything including the audit trail; write nothing.
    Auditor,
}

/// `triage token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        /// User name.
        #[arg(long)]
        user: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Expire after this many days.
        #[arg(long)]
        expires_days: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Revoke every token of a user, or one token by id.
    Revoke {
        /// User name or token id.
        who: String,
    },
}

/// `triage report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// What happened, in a line.
    pub title: String,
    /// Site.
    #[arg(long)]
    pub site: String,
    /// More detail.
    #[arg(long)]
    pub description: Option<String>,
    /// Discovery date YYYY-MM-DD (default today).
    #[arg(long)]
    pub discovered: Option<String>,
    /// Department.
    #[arg(long)]
    pub department: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `triage list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Status filter (comma-separated).
    #[arg(long)]
    pub status: Option<String>,
    /// Determination filter.
    #[arg(long)]
    pub determination: Option<String>,
    /// Site filter.
    #[arg(long)]
    pub site: Option<String>,
    /// Owner filter.
    #[arg(long)]
    pub owner: Option<String>,
    /// Words to look for.
    #[arg(long)]
    pub q: Option<String>,
    /// At most this many (default: all).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `triage show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Incident id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `triage deadlines`.
#[derive(Debug, Args)]
pub struct DeadlinesArgs {
    /// Discovery date D0, YYYY-MM-DD.
    #[arg(long)]
    pub discovered: String,
    /// Individuals affected in total.
    #[arg(long)]
    pub individuals: u64,
    /// Residents per state, e.g. `--state NY=600` (repeatable).
    #[arg(long = "state")]
    pub states: Vec<String>,
    /// The organisation is a business associate.
    #[arg(long)]
    pub business_associate: bool,
    /// Individuals without contact details (substitute notice at 10 or more).
    #[arg(long, default_value_t = 0)]
    pub missing_contacts: u64,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Import formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    /// The HHS OCR breach-portal CSV.
    HhsCsv,
}

/// `triage import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Input format.
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// The file.
    pub file: PathBuf,
    /// Records per request.
    #[arg(long, default_value_t = 500)]
    pub batch: usize,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// One row per incident.
    Csv,
    /// A JSON array of full incidents.
    Json,
}

/// What to export besides plain incident lists.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportWhat {
    /// The audit evidence pack: summary.md, report.html, and CSVs (needs --out DIR).
    Evidence,
}

/// `triage export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// `evidence` for the audit evidence pack; plain incidents when absent.
    #[arg(value_enum)]
    pub what: Option<ExportWhat>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// First discovery date to include.
    #[arg(long)]
    pub from: Option<String>,
    /// Last discovery date to include.
    #[arg(long)]
    pub to: Option<String>,
    /// Write here instead of standard output.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `triage redact`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["field", "note"])))]
pub struct RedactArgs {
    /// Incident id.
    pub id: String,
    /// The field to redact (its JSON path), e.g. `description` or `root_cause.summary`.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(
        crate::domain::redact::RedactField::ALL.iter().map(|f| f.as_str())
    ))]
    pub field: Option<String>,
    /// Redact the text of this note instead of a field.
    #[arg(long)]
    pub note: Option<String>,
    /// Why (required; recorded for good, so name the kind of data, not the data).
    #[arg(long)]
    pub reason: String,
    /// Redact only a phrase, read from standard input (kept out of shell history), instead of
    /// the whole text.
    #[arg(long)]
    pub phrase_stdin: bool,
    /// The incident version the redaction is based on (default: the current one).
    #[arg(long)]
    pub expect_version: Option<i64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `triage audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; names the first broken entry.
    Verify {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `triage db …`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Copy an installation into a new, empty database (e.g. SQLite to PostgreSQL); the audit
    /// chain is verified on arrival.
    Copy {
        /// Source: a SQLite path, `sqlite:` URL or `postgres://` URL.
        #[arg(long)]
        from: String,
        /// Target: an empty database (migrations are applied first).
        #[arg(long)]
        to: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `triage config …`.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings (token masked).
    Show,
}
