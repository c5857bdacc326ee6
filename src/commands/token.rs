//! `triage token create|revoke`: acts on the database directly (it is how the first admin gets in).

use crate::cli::RoleArg;
use crate::config::Settings;
use crate::domain::Role;
use crate::domain::wire::IssuedToken;
use crate::server::auth::new_token;
use crate::store::{SqlStore, Store};
use anyhow::{Context, Result};
use chrono::Utc;

/// The domain role for a CLI role.
pub fn role_of(arg: RoleArg) -> Role {
    match arg {
        RoleArg::Reporter => Role::Reporter,
        RoleArg::Analyst => Role::Analyst,
        RoleArg::Lead => Role::Lead,
        RoleArg::Admin => Role::Admin,
        RoleArg::Auditor => Role::Auditor,
    }
}

/// Operator name recorded in the audit trail for database-level commands.
pub fn operator() -> String {
    format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    )
}

/// Creates a token and prints it once.
pub async fn create(
    settings: &Settings,
    user: &str,
    role: RoleArg,
    expires_days: Option<u32>,
    json: bool,
) -> Result<()> {
    let store = SqlStore::open(&settings.database(), 2)
        .await
        .context("opening the database")?;
    let now = Utc::now();
    let expires = expires_days.map(|d| now + chrono::Duration::days(i64::from(d)));
    let (secret, record) = new_token(user, role_of(role), expires);
    store.insert_token(record, &operator(), now).await?;
    let issued = IssuedToken {
        token: secret,
        user: user.to_string(),
        role: role_of(role),
    };
    if json {
        super::print_json(&issued)?;
    } else {
        println!("{}", issued.token);
        eprintln!(
            "token for {} ({}) — shown once; store it safely",
            issued.user, issued.role
        );
    }
    Ok(())
}

/// Revokes tokens.
pub async fn revoke(settings: &Settings, who: &str) -> Result<()> {
    let store = SqlStore::open(&settings.database(), 2)
        .await
        .context("opening the database")?;
    let n = store.revoke_tokens(who, &operator(), Utc::now()).await?;
    println!("revoked {n} token(s)");
    Ok(())
}
