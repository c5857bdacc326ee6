//! Redaction in the SQL store: one transaction scrubs the record's text and every audit copy of
//! it, and appends the redaction's own entry. On SQLite the file is then rewritten (`VACUUM`)
//! and the write-ahead log emptied, so the removed bytes are not left in free pages or old log
//! frames of the database files.

use super::{
    Backend, Committed, RedactRequest, SqlStore, StoreError, WriteTx, append_audit, corrupt,
    rewrite_incident, row_audit, row_incident,
};
use crate::domain::audit::{Claims, StoredAuditRow, scrub_row};
use crate::domain::redact::{
    REDACT_ACTION, RedactTarget, Redaction, RedactionRecord, Scrub, scrub_at, scrub_json_text,
};
use crate::store::Change;
use chrono::{DateTime, Utc};
use sqlx::{Any, Row, Transaction};

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field: field.to_string(),
        message: message.into(),
    }
}

impl SqlStore {
    /// Carries out [`crate::store::Store::redact`].
    pub(super) async fn redact_text(
        &self,
        req: RedactRequest,
        at: DateTime<Utc>,
    ) -> Result<Committed<Redaction>, StoreError> {
        let mut w = self.begin_write().await?;
        let outcome = scrub_in(&mut w.tx, &req, at).await;
        let WriteTx { tx, _guard } = w;
        match outcome {
            Ok(value) => {
                tx.commit().await?;
                // Still holding the write lock: nothing is written while the file is rewritten.
                self.purge_old_bytes().await;
                drop(_guard);
                let seq = value.seq;
                Ok(Committed { value, seq })
            }
            Err(e) => {
                tx.rollback().await?;
                drop(_guard);
                match e {
                    StoreError::Conflict(_) => Err(StoreError::Conflict(Box::new(
                        self.current_json(&req.incident_id).await,
                    ))),
                    other => Err(other),
                }
            }
        }
    }

    /// Rewrites the SQLite file and empties its write-ahead log, so the scrubbed text survives
    /// in no free page and no old log frame. The redaction is committed either way; a failure
    /// here is logged for an operator to repeat (`VACUUM`). PostgreSQL keeps old row versions
    /// until its own vacuum reuses the space; see the README.
    async fn purge_old_bytes(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        if let Err(e) = sqlx::query("VACUUM").execute(&self.pool).await {
            tracing::warn!(error = %e, "after a redaction: VACUUM failed; run it by hand");
            return;
        }
        match sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.pool)
            .await
        {
            Ok(row) if row.try_get::<i64, _>(0).unwrap_or(1) == 0 => {}
            Ok(_) => tracing::warn!("after a redaction: the write-ahead log is still in use"),
            Err(e) => tracing::warn!(error = %e, "after a redaction: checkpoint failed"),
        }
    }
}

/// The transaction's work: the current text, the audit copies, the version, the entry.
async fn scrub_in(
    tx: &mut Transaction<'static, Any>,
    req: &RedactRequest,
    at: DateTime<Utc>,
) -> Result<Redaction, StoreError> {
    let id = req.incident_id.as_str();
    let row = sqlx::query("SELECT seq, doc, version, updated_at FROM incidents WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
    let (_, mut incident) = row_incident(&row)?;
    if incident.version != req.expected_version {
        return Err(StoreError::Conflict(Box::new(serde_json::Value::Null)));
    }

    // The current text.
    let mut current_changed = false;
    match &req.target {
        RedactTarget::Field(field) => {
            let mut doc = serde_json::to_value(&incident).map_err(corrupt)?;
            if scrub_at(&mut doc, field.path(), &req.scrub) {
                incident = serde_json::from_value(doc).map_err(corrupt)?;
                current_changed = true;
            }
        }
        RedactTarget::Note(note_id) => {
            let note = sqlx::query("SELECT text FROM notes WHERE id = $1 AND incident_id = $2")
                .bind(note_id.clone())
                .bind(id.to_string())
                .fetch_optional(&mut **tx)
                .await?
                .ok_or_else(|| {
                    invalid(
                        "note_id",
                        format!("{note_id} is not a note of incident {id}"),
                    )
                })?;
            let text: String = note.try_get("text")?;
            if let Some(scrubbed) = req.scrub.apply(&text) {
                sqlx::query("UPDATE notes SET text = $1 WHERE id = $2")
                    .bind(scrubbed)
                    .bind(note_id.clone())
                    .execute(&mut **tx)
                    .await?;
                current_changed = true;
            }
        }
    }

    // Every copy the trail keeps of it: the entries of the incident (or of the note).
    let rows = sqlx::query("SELECT * FROM audit WHERE incident_id = $1 ORDER BY seq")
        .bind(id.to_string())
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(row_audit)
        .collect::<Result<Vec<StoredAuditRow>, StoreError>>()?;
    let claims = Claims::collect(&rows);
    let entity = req.target.entity(id);
    let mut scrubbed = Vec::new();
    let mut rewritten = Vec::new();
    for original in rows {
        if original.action == REDACT_ACTION || original.entity_id != entity {
            continue;
        }
        let mut row = original.clone();
        let texts = scrub_row(&mut row, |text| {
            scrub_json_text(text, req.target.path(), &req.scrub)
        });
        if texts.is_empty() {
            continue;
        }
        // Scrubbing an entry that was already tampered with would launder the tampering.
        if let Err(why) = original.check(&claims) {
            return Err(StoreError::Integrity(format!(
                "audit entry {} does not verify ({why}); nothing was redacted: run `triage audit verify`",
                original.seq
            )));
        }
        scrubbed.extend(texts);
        rewritten.push(row);
    }
    if !current_changed && scrubbed.is_empty() {
        let field = match (&req.target, &req.scrub) {
            (_, Scrub::Phrase(_)) => "text",
            (RedactTarget::Field(_), _) => "field",
            (RedactTarget::Note(_), _) => "note_id",
        };
        return Err(invalid(
            field,
            format!(
                "nothing to redact: {} holds no such text, now or in its audit trail",
                req.target.describe()
            ),
        ));
    }

    // A new version, so every console reloads the record.
    incident.version = req.expected_version + 1;
    incident.updated_at = at;
    if rewrite_incident(tx, &incident, req.expected_version).await? == 0 {
        return Err(StoreError::Conflict(Box::new(serde_json::Value::Null)));
    }
    let (field, note_id) = match &req.target {
        RedactTarget::Field(f) => (Some(*f), None),
        RedactTarget::Note(n) => (None, Some(n.clone())),
    };
    let record = RedactionRecord {
        field,
        note_id,
        scope: req.scrub.scope(),
        reason: req.reason.clone(),
        version: incident.version,
        scrubbed,
    };
    let change = Change {
        actor: req.actor.clone(),
        action: REDACT_ACTION.into(),
        incident_id: Some(id.to_string()),
        entity_id: entity.to_string(),
        before: serde_json::json!({}),
        after: serde_json::to_value(&record).map_err(corrupt)?,
    };
    // The entry goes first: the database lets an entry's text change only while a redaction of
    // its incident is the newest entry.
    let seq = append_audit(tx, &change, at).await?;
    for row in &rewritten {
        sqlx::query("UPDATE audit SET before_json = $1, after_json = $2, before_salt = $3, after_salt = $4 WHERE seq = $5")
            .bind(row.before.clone())
            .bind(row.after.clone())
            .bind(row.before_salt.clone())
            .bind(row.after_salt.clone())
            .bind(row.seq)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Redaction {
        incident_id: id.to_string(),
        seq,
        actor: req.actor.clone(),
        at,
        record,
    })
}
