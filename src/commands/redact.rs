//! `triage redact`: an admin removes mistakenly entered text through the API. The phrase form
//! reads the phrase from standard input so it stays out of shell history and process lists.

use super::{api_client, print_json};
use crate::cli::RedactArgs;
use crate::config::Settings;
use crate::domain::redact::{NewRedaction, RedactField};
use anyhow::{Context, Result, bail};
use std::io::Read;

/// Redacts a field or note and reports the redaction's audit entry.
pub async fn run(settings: &Settings, args: &RedactArgs) -> Result<()> {
    let field = match args.field.as_deref() {
        Some(name) => {
            Some(RedactField::parse(name).with_context(|| format!("{name} cannot be redacted"))?)
        }
        None => None,
    };
    let text = if args.phrase_stdin {
        let mut phrase = String::new();
        std::io::stdin()
            .read_to_string(&mut phrase)
            .context("reading the phrase from standard input")?;
        let phrase = phrase.trim_end_matches(['\n', '\r']).to_string();
        if phrase.trim().is_empty() {
            bail!("--phrase-stdin: standard input holds no phrase");
        }
        Some(phrase)
    } else {
        None
    };
    let client = api_client(settings)?;
    let version = match args.expect_version {
        Some(v) => v,
        None => client.incident(&args.id).await?.version,
    };
    let request = NewRedaction {
        field,
        note_id: args.note.clone(),
        text,
        reason: args.reason.clone(),
        version: None,
    };
    let done = client.redact(&args.id, version, &request).await?;
    if args.json {
        return print_json(&done);
    }
    let what = match (&done.record.field, &done.record.note_id) {
        (Some(f), _) => f.as_str().to_string(),
        (None, Some(n)) => format!("note {n}"),
        (None, None) => "text".to_string(),
    };
    println!(
        "{} {what} redacted: audit entry {}, {} stored audit text(s) scrubbed, incident now at version {}",
        done.incident_id,
        done.seq,
        done.record.scrubbed.len(),
        done.record.version
    );
    Ok(())
}
