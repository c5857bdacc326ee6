//! Layered settings: built-in defaults < config file (XDG config dir, or `--config`) <
//! environment `TRIAGE_*` < command-line flags. Built with the `config` crate.

use crate::domain::clocks::ClockRules;
use crate::domain::deadlines::{ExtraRule, SlaSettings};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// A settings problem, naming where it came from.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file or environment could not be read or parsed.
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
}

/// Every setting of the binary.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// API base URL; absent means "start the embedded server".
    pub url: Option<String>,
    /// API token.
    pub token: Option<String>,
    /// Database path or URL for `serve` and database commands.
    pub db: Option<String>,
    /// Address `serve` binds.
    pub listen: String,
    /// Certificate chain (PEM) `serve` presents for HTTPS; needs `tls_key` too.
    pub tls_cert: Option<PathBuf>,
    /// Private key (PEM) of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// Extra CA certificate(s) (PEM) the clients trust besides the system's, for a server whose
    /// certificate a private CA issued.
    pub ca_cert: Option<PathBuf>,
    /// Keymap name (default, vim, emacs, or a user file).
    pub keymap: String,
    /// Theme name (dark, light, high-contrast, mono, or a user file).
    pub theme: String,
    /// Where the embedded database, logs and the outbox live.
    pub data_dir: PathBuf,
    /// Where user keymaps and themes live.
    pub config_dir: PathBuf,
    /// Largest request body the server accepts.
    pub body_limit: usize,
    /// Database pool size.
    pub max_connections: u32,
    /// Internal SLAs.
    pub sla: SlaSettings,
    /// Extra (state) deadline rules.
    pub deadline_rules: Vec<ExtraRule>,
    /// Escalation levels and when overdue work climbs them.
    pub escalation: crate::domain::escalation::EscalationRules,
}

impl Default for Settings {
    fn default() -> Self {
        let dirs = default_dirs();
        Settings {
            url: None,
            token: None,
            db: None,
            listen: "127.0.0.1:7878".into(),
            tls_cert: None,
            tls_key: None,
            ca_cert: None,
            keymap: "default".into(),
            theme: "dark".into(),
            data_dir: dirs.1,
            config_dir: dirs.0,
            body_limit: 1024 * 1024,
            max_connections: 8,
            sla: SlaSettings::default(),
            deadline_rules: Vec::new(),
            escalation: Default::default(),
        }
    }
}

/// The XDG config and data directories for `triage`.
fn default_dirs() -> (PathBuf, PathBuf) {
    use etcetera::BaseStrategy;
    match etcetera::choose_base_strategy() {
        Ok(s) => (s.config_dir().join("triage"), s.data_dir().join("triage")),
        Err(_) => (PathBuf::from(".triage"), PathBuf::from(".triage")),
    }
}

impl Settings {
    /// Loads the layers; `file` overrides the default config file location.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        let defaults = Settings::default();
        let path = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| defaults.config_dir.join("config.toml"));
        let built = config::Config::builder()
            .add_source(config::Config::try_from(&defaults)?)
            .add_source(
                config::File::from(path)
                    .format(config::FileFormat::Toml)
                    .required(file.is_some()),
            )
            .add_source(config::Environment::with_prefix("TRIAGE").try_parsing(true))
            .build()?;
        Ok(built.try_deserialize()?)
    }

    /// The clock rules these settings configure.
    pub fn clock_rules(&self) -> ClockRules {
        ClockRules {
            sla: self.sla.clone(),
            extra: self.deadline_rules.clone(),
            escalation: self.escalation.clone(),
        }
    }

    /// The database the server uses: the configured one or `triage.db` in the data dir.
    pub fn database(&self) -> String {
        self.db.clone().unwrap_or_else(|| {
            self.data_dir
                .join("triage.db")
                .to_string_lossy()
                .into_owned()
        })
    }

    /// The settings as TOML with the token masked, for `triage config show`.
    pub fn masked(&self) -> String {
        let mut shown = self.clone();
        shown.token = self.token.as_ref().map(|t| mask(t));
        if let Some(db) = &shown.db {
            shown.db = Some(mask_url_password(db));
        }
        toml::to_string_pretty(&shown).unwrap_or_default()
    }
}

/// Shows only the start of a secret.
pub fn mask(secret: &str) -> String {
    let visible: String = secret.chars().take(10).collect();
    format!("{visible}… (masked)")
}

/// A database URL safe to print (the password replaced).
pub fn mask_url(url: &str) -> String {
    mask_url_password(url)
}

fn mask_url_password(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_env_layers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(&file, "theme = \"light\"\nkeymap = \"vim\"\n[sla]\ntriage_business_days = 2\nassessment_days = 5\n[[deadline_rules]]\nname = \"Texas AG\"\nstate = \"TX\"\nmin_residents = 250\ndays = 30\nbasis = \"Tex. Bus. & Com. Code 521.053\"\n").unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.theme, "light");
        assert_eq!(s.keymap, "vim");
        assert_eq!(s.sla.triage_business_days, 2);
        assert_eq!(s.deadline_rules.len(), 1);
        assert!(Settings::load(Some(&dir.path().join("missing.toml"))).is_err());
    }

    #[test]
    fn secrets_are_masked() {
        let s = Settings {
            token: Some("tc_abcdef123456_supersecret".into()),
            db: Some("postgres://u:pw@h/db".into()),
            ..Default::default()
        };
        let shown = s.masked();
        assert!(!shown.contains("supersecret"));
        assert!(!shown.contains(":pw@"));
        assert!(shown.contains("postgres://u:***@h/db"));
    }
}
