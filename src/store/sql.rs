//! The SQL store over sqlx's `Any` driver: one implementation for SQLite and PostgreSQL.
//!
//! Writes are serialised: on SQLite by a process-wide lock and `BEGIN IMMEDIATE` (no upgrade
//! deadlocks), on PostgreSQL by a transaction-scoped advisory lock, so the audit chain never
//! forks. SQLite runs in WAL mode with `synchronous=FULL`: an acknowledged write is on disk.

use super::{
    Backend, Change, Committed, IDEMPOTENCY_DAYS, Idempotency, ListFilter, RedactRequest, Store,
    StoreError, TokenRecord, format_time, parse_time,
};
use crate::domain::audit::{self, AuditEvent, GENESIS_HASH, StoredAuditRow};
use crate::domain::redact::{REDACT_ACTION, Redaction};
use crate::domain::wire::{ImportOutcome, ServerEvent};
use crate::domain::{Action, ActionStatus, Incident, Note, Role};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

mod redact;

/// SQL store for SQLite or PostgreSQL.
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    write_lock: Mutex<()>,
}

/// A write transaction and, on SQLite, the guard that serialises it.
struct WriteTx<'a> {
    tx: Transaction<'static, Any>,
    _guard: Option<MutexGuard<'a, ()>>,
}

/// Inside a write: a key this actor used in the last [`IDEMPOTENCY_DAYS`] ends the write with
/// [`StoreError::Replayed`]; an older one is forgotten.
async fn check_idempotency(
    tx: &mut Transaction<'static, Any>,
    actor: &str,
    idem: Option<&Idempotency>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(idem) = idem else { return Ok(()) };
    let prior = sqlx::query(
        "SELECT entity_id, request, created_at FROM idempotency_keys WHERE actor = $1 AND key = $2",
    )
    .bind(actor.to_string())
    .bind(idem.key.clone())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = prior else { return Ok(()) };
    let made = row.try_get::<String, _>("created_at")?;
    let made = parse_time(&made).ok_or_else(|| corrupt(format!("idempotency time {made}")))?;
    if made < at - chrono::Duration::days(IDEMPOTENCY_DAYS) {
        // Expired (not yet pruned): the key is free again.
        sqlx::query("DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2")
            .bind(actor.to_string())
            .bind(idem.key.clone())
            .execute(&mut **tx)
            .await?;
        return Ok(());
    }
    Err(StoreError::Replayed {
        entity_id: row.try_get("entity_id")?,
        same_request: row.try_get::<String, _>("request")? == idem.request,
    })
}

/// Inside the same write: remembers the key with what it made, and now and then forgets keys
/// older than [`IDEMPOTENCY_DAYS`].
async fn remember_idempotency(
    tx: &mut Transaction<'static, Any>,
    actor: &str,
    idem: Option<&Idempotency>,
    entity_id: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(idem) = idem else { return Ok(()) };
    // Forgetting old keys is a round trip of its own: about one create in 64 does it.
    if rand::random::<u8>() < 4 {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(format_time(at - chrono::Duration::days(IDEMPOTENCY_DAYS)))
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO idempotency_keys (actor, key, request, entity_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor.to_string())
    .bind(idem.key.clone())
    .bind(idem.request.clone())
    .bind(entity_id.to_string())
    .bind(format_time(at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

/// Turns a path or URL into a database URL and its back end.
pub fn resolve_url(db: &str) -> (String, Backend) {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        (db.to_string(), Backend::Postgres)
    } else if db.starts_with("sqlite:") {
        let url = if db.contains('?') {
            db.to_string()
        } else {
            format!("{db}?mode=rwc")
        };
        (url, Backend::Sqlite)
    } else {
        (format!("sqlite://{db}?mode=rwc"), Backend::Sqlite)
    }
}

impl SqlStore {
    /// Opens (creating if needed) the database at `db` — a file path, `sqlite:` URL or
    /// `postgres://` URL — and applies migrations.
    pub async fn open(db: &str, max_connections: u32) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (url, backend) = resolve_url(db);
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA synchronous = FULL",
                        "PRAGMA busy_timeout = 10000",
                        "PRAGMA foreign_keys = ON",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            });
        }
        let pool = options.connect(&url).await?;
        super::migrate(&pool, backend).await?;
        Ok(SqlStore {
            pool,
            backend,
            write_lock: Mutex::new(()),
        })
    }

    /// The pool, for tests and tools that inspect the database directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    async fn begin_write(&self) -> Result<WriteTx<'_>, StoreError> {
        match self.backend {
            Backend::Sqlite => {
                let guard = self.write_lock.lock().await;
                let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
                Ok(WriteTx {
                    tx,
                    _guard: Some(guard),
                })
            }
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT pg_advisory_xact_lock(7878002)")
                    .execute(&mut *tx)
                    .await?;
                Ok(WriteTx { tx, _guard: None })
            }
        }
    }
}

/// A fresh random salt for one text digest (hex).
fn new_salt() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// Appends one audit entry chained to the last one; returns its sequence number. The entry is
/// hashed over salted digests of its texts (chain version 2), so a redaction can later scrub a
/// text without breaking the chain.
async fn append_audit(
    tx: &mut Transaction<'static, Any>,
    change: &Change,
    at: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let last = sqlx::query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    let (prev_seq, prev_hash) = match last {
        Some(row) => (
            row.try_get::<i64, _>("seq")?,
            row.try_get::<String, _>("hash")?,
        ),
        None => (0, GENESIS_HASH.to_string()),
    };
    let seq = prev_seq + 1;
    let at = format_time(at);
    let before = change.before.to_string();
    let after = change.after.to_string();
    let (before_salt, after_salt) = (new_salt(), new_salt());
    let before_digest = audit::text_digest(&before_salt, &before);
    let after_digest = audit::text_digest(&after_salt, &after);
    let content = audit::EntryContent {
        at: &at,
        actor: &change.actor,
        action: &change.action,
        incident_id: change.incident_id.as_deref(),
        entity_id: &change.entity_id,
        before: &before,
        after: &after,
    };
    let hash = audit::entry_hash_v2(&prev_hash, seq, &content, &before_digest, &after_digest);
    sqlx::query("INSERT INTO audit (seq, at, actor, action, incident_id, entity_id, before_json, after_json, prev_hash, hash, before_digest, after_digest, before_salt, after_salt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)")
        .bind(seq)
        .bind(at)
        .bind(change.actor.clone())
        .bind(change.action.clone())
        .bind(change.incident_id.clone())
        .bind(change.entity_id.clone())
        .bind(before)
        .bind(after)
        .bind(prev_hash)
        .bind(hash)
        .bind(before_digest)
        .bind(after_digest)
        .bind(before_salt)
        .bind(after_salt)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// The document stored for an incident: everything but the parts kept in their own tables or
/// computed on read.
fn incident_doc(incident: &Incident) -> Result<String, StoreError> {
    let mut doc = incident.clone();
    doc.notes.clear();
    doc.actions.clear();
    doc.deadlines.clear();
    doc.similar.clear();
    serde_json::to_string(&doc).map_err(corrupt)
}

fn search_text(incident: &Incident) -> String {
    format!(
        "{} {} {} {} {}",
        incident.title,
        incident.description,
        incident.site,
        incident.entity.as_deref().unwrap_or(""),
        incident.department.as_deref().unwrap_or("")
    )
    .to_lowercase()
}

fn category_text(incident: &Incident) -> String {
    incident.classification.category_words().to_lowercase()
}

async fn insert_incident(
    tx: &mut Transaction<'static, Any>,
    incident: &mut Incident,
    import_key: Option<&str>,
) -> Result<i64, StoreError> {
    let seq = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM incidents")
        .fetch_one(&mut **tx)
        .await?
        .try_get::<i64, _>("next")?;
    incident.id = format!("INC-{}-{seq:06}", incident.reported_at.year());
    incident.version = 1;
    sqlx::query("INSERT INTO incidents (id, seq, version, status, determination, site, owner, reported_by, discovered_at, category, search_text, import_key, created_at, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
        .bind(incident.id.clone())
        .bind(seq)
        .bind(incident.version)
        .bind(incident.status.as_str())
        .bind(incident.determination.as_str())
        .bind(incident.site.clone())
        .bind(incident.owner.clone())
        .bind(incident.reported_by.clone())
        .bind(incident.discovered_at.to_string())
        .bind(category_text(incident))
        .bind(search_text(incident))
        .bind(import_key.map(str::to_string))
        .bind(format_time(incident.created_at))
        .bind(format_time(incident.updated_at))
        .bind(incident_doc(incident)?)
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// Rewrites an incident's row if it is still at `expected_version`; how many rows changed.
async fn rewrite_incident(
    tx: &mut Transaction<'static, Any>,
    incident: &Incident,
    expected_version: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query("UPDATE incidents SET version = $1, status = $2, determination = $3, site = $4, owner = $5, discovered_at = $6, category = $7, search_text = $8, updated_at = $9, doc = $10 WHERE id = $11 AND version = $12")
        .bind(incident.version)
        .bind(incident.status.as_str())
        .bind(incident.determination.as_str())
        .bind(incident.site.clone())
        .bind(incident.owner.clone())
        .bind(incident.discovered_at.to_string())
        .bind(category_text(incident))
        .bind(search_text(incident))
        .bind(format_time(incident.updated_at))
        .bind(incident_doc(incident)?)
        .bind(incident.id.clone())
        .bind(expected_version)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

async fn touch_incident(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE incidents SET updated_at = $1 WHERE id = $2")
        .bind(format_time(at))
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound(format!("incident {id}")));
    }
    Ok(())
}

fn row_incident(row: &AnyRow) -> Result<(i64, Incident), StoreError> {
    let doc: String = row.try_get("doc")?;
    let mut incident: Incident = serde_json::from_str(&doc).map_err(corrupt)?;
    incident.version = row.try_get("version")?;
    if let Some(t) = parse_time(&row.try_get::<String, _>("updated_at")?) {
        incident.updated_at = t;
    }
    Ok((row.try_get("seq")?, incident))
}

fn row_action(row: &AnyRow) -> Result<Action, StoreError> {
    let doc: String = row.try_get("doc")?;
    let mut action: Action = serde_json::from_str(&doc).map_err(corrupt)?;
    action.version = row.try_get("version")?;
    Ok(action)
}

fn row_note(row: &AnyRow) -> Result<Note, StoreError> {
    Ok(Note {
        id: row.try_get("id")?,
        author: row.try_get("author")?,
        at: parse_time(&row.try_get::<String, _>("at")?).ok_or_else(|| corrupt("note time"))?,
        text: row.try_get("text")?,
    })
}

fn row_audit(row: &AnyRow) -> Result<StoredAuditRow, StoreError> {
    Ok(StoredAuditRow {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        incident_id: row.try_get("incident_id")?,
        entity_id: row.try_get("entity_id")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        before_digest: row.try_get("before_digest")?,
        after_digest: row.try_get("after_digest")?,
        before_salt: row.try_get("before_salt")?,
        after_salt: row.try_get("after_salt")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn event_of(row: &StoredAuditRow) -> Option<ServerEvent> {
    let kind = match row.action.as_str() {
        "incident.create" | "incident.import" => "incident.created",
        "incident.update" | "note.create" | "incident.escalate" | REDACT_ACTION => {
            "incident.updated"
        }
        "action.create" | "action.update" | "action.escalate" => "action.updated",
        _ => return None,
    };
    let after: serde_json::Value = serde_json::from_str(&row.after).unwrap_or_default();
    Some(ServerEvent {
        kind: kind.to_string(),
        id: row.entity_id.clone(),
        incident_id: row.incident_id.clone().unwrap_or_default(),
        version: after
            .get("version")
            .and_then(serde_json::Value::as_i64)
            .unwrap_or(0),
        seq: row.seq,
        at: parse_time(&row.at).unwrap_or_default(),
    })
}

/// Binds a list of values into `$n` placeholders starting at `first`.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl SqlStore {
    /// Fills notes and actions of the given incidents in two queries.
    async fn attach_children(&self, incidents: &mut [Incident]) -> Result<(), StoreError> {
        if incidents.is_empty() {
            return Ok(());
        }
        let index: HashMap<String, usize> = incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| (inc.id.clone(), i))
            .collect();
        for chunk in incidents
            .iter()
            .map(|i| i.id.clone())
            .collect::<Vec<_>>()
            .chunks(500)
        {
            let list = placeholders(1, chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(format!(
                "SELECT id, incident_id, author, at, text FROM notes WHERE incident_id IN ({list}) ORDER BY seq"
            )));
            for id in chunk {
                q = q.bind(id.clone());
            }
            let notes = q.fetch_all(&self.pool).await?;
            let mut a = sqlx::query(AssertSqlSafe(format!(
                "SELECT doc, version FROM actions WHERE incident_id IN ({list}) ORDER BY seq"
            )));
            for id in chunk {
                a = a.bind(id.clone());
            }
            let actions = a.fetch_all(&self.pool).await?;
            let mut notes_by: Vec<(String, Note)> = Vec::with_capacity(notes.len());
            for row in &notes {
                notes_by.push((row.try_get("incident_id")?, row_note(row)?));
            }
            for (incident_id, note) in notes_by {
                if let Some(i) = index.get(&incident_id) {
                    incidents[*i].notes.push(note);
                }
            }
            for row in &actions {
                let action = row_action(row)?;
                if let Some(i) = index.get(&action.incident_id) {
                    incidents[*i].actions.push(action);
                }
            }
        }
        Ok(())
    }

    async fn current_json(&self, id: &str) -> serde_json::Value {
        self.get_incident(id)
            .await
            .ok()
            .and_then(|i| serde_json::to_value(i).ok())
            .unwrap_or_default()
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    async fn create_incident(
        &self,
        mut incident: Incident,
        actor: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Incident>, StoreError> {
        let mut w = self.begin_write().await?;
        check_idempotency(&mut w.tx, actor, idem, at).await?;
        insert_incident(&mut w.tx, &mut incident, None).await?;
        remember_idempotency(&mut w.tx, actor, idem, &incident.id, at).await?;
        let after = serde_json::to_value(&incident).map_err(corrupt)?;
        let change = Change {
            actor: actor.to_string(),
            action: "incident.create".into(),
            incident_id: Some(incident.id.clone()),
            entity_id: incident.id.clone(),
            before: serde_json::json!({}),
            after,
        };
        let seq = append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(Committed {
            value: incident,
            seq,
        })
    }

    async fn import(
        &self,
        records: Vec<(String, Incident)>,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(ImportOutcome, Vec<ServerEvent>), StoreError> {
        let mut w = self.begin_write().await?;
        let mut outcome = ImportOutcome::default();
        let mut events = Vec::new();
        for (key, mut incident) in records {
            let seen = sqlx::query("SELECT COUNT(*) AS n FROM incidents WHERE import_key = $1")
                .bind(key.clone())
                .fetch_one(&mut *w.tx)
                .await?
                .try_get::<i64, _>("n")?;
            if seen > 0 {
                outcome.duplicates += 1;
                continue;
            }
            insert_incident(&mut w.tx, &mut incident, Some(&key)).await?;
            let change = Change {
                actor: actor.to_string(),
                action: "incident.import".into(),
                incident_id: Some(incident.id.clone()),
                entity_id: incident.id.clone(),
                before: serde_json::json!({}),
                after: serde_json::json!({"import_key": key, "version": 1}),
            };
            let seq = append_audit(&mut w.tx, &change, at).await?;
            events.push(ServerEvent {
                kind: "incident.created".into(),
                id: incident.id.clone(),
                incident_id: incident.id.clone(),
                version: 1,
                seq,
                at,
            });
            outcome.created += 1;
        }
        w.tx.commit().await?;
        Ok((outcome, events))
    }

    async fn get_incident(&self, id: &str) -> Result<Incident, StoreError> {
        let row = sqlx::query("SELECT seq, doc, version, updated_at FROM incidents WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("incident {id}")))?;
        let mut one = [row_incident(&row)?.1];
        self.attach_children(&mut one).await?;
        let [incident] = one;
        Ok(incident)
    }

    async fn list_incidents(
        &self,
        f: &ListFilter,
    ) -> Result<(Vec<Incident>, Option<i64>), StoreError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        if !f.status.is_empty() {
            let start = binds.len() + 1;
            for s in &f.status {
                binds.push(s.as_str().to_string());
            }
            clauses.push(format!(
                "status IN ({})",
                placeholders(start, f.status.len())
            ));
        }
        let mut add = |clause: &str, value: String, binds: &mut Vec<String>| {
            binds.push(value);
            clauses.push(clause.replace("?", &format!("${}", binds.len())));
        };
        let like = |s: &str| {
            format!(
                "%{}%",
                s.to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        };
        if let Some(d) = &f.determination {
            add("determination = ?", d.clone(), &mut binds);
        }
        if let Some(c) = &f.category {
            add("category LIKE ? ESCAPE '\\'", like(c), &mut binds);
        }
        if let Some(o) = &f.owner {
            add("owner = ?", o.clone(), &mut binds);
        }
        if let Some(s) = &f.site {
            add("LOWER(site) LIKE ? ESCAPE '\\'", like(s), &mut binds);
        }
        if let Some(q) = &f.q {
            for word in q.split_whitespace() {
                add("search_text LIKE ? ESCAPE '\\'", like(word), &mut binds);
            }
        }
        if let Some(since) = f.since {
            add("updated_at > ?", format_time(since), &mut binds);
        }
        if let Some(r) = &f.reported_by {
            add("reported_by = ?", r.clone(), &mut binds);
        }
        let after = f.after_seq.unwrap_or(0);
        binds.push(after.to_string());
        clauses.push(format!("seq > ${}", binds.len()));
        let sql = format!(
            "SELECT seq, doc, version, updated_at FROM incidents WHERE {} ORDER BY seq LIMIT {}",
            clauses.join(" AND "),
            f.limit + 1
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        let last = binds.len() - 1;
        for (i, b) in binds.into_iter().enumerate() {
            if i == last {
                q = q.bind(after);
            } else {
                q = q.bind(b);
            }
        }
        let rows = q.fetch_all(&self.pool).await?;
        let more = rows.len() > f.limit;
        let mut seqs = Vec::with_capacity(rows.len());
        let mut items = Vec::with_capacity(rows.len());
        for row in rows.iter().take(f.limit) {
            let (seq, incident) = row_incident(row)?;
            seqs.push(seq);
            items.push(incident);
        }
        self.attach_children(&mut items).await?;
        let next = if more { seqs.last().copied() } else { None };
        Ok((items, next))
    }

    async fn update_incident(
        &self,
        updated: Incident,
        expected_version: i64,
        change: Change,
        at: DateTime<Utc>,
    ) -> Result<Committed<Incident>, StoreError> {
        let mut w = self.begin_write().await?;
        let mut incident = updated;
        incident.version = expected_version + 1;
        incident.updated_at = at;
        if rewrite_incident(&mut w.tx, &incident, expected_version).await? == 0 {
            let WriteTx { tx, _guard } = w;
            tx.rollback().await?;
            drop(_guard);
            let current = self.current_json(&incident.id).await;
            if current.is_null() {
                return Err(StoreError::NotFound(format!("incident {}", incident.id)));
            }
            return Err(StoreError::Conflict(Box::new(current)));
        }
        let mut change = change;
        if let Some(obj) = change.after.as_object_mut() {
            obj.insert("version".into(), incident.version.into());
        }
        let seq = append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(Committed {
            value: incident,
            seq,
        })
    }

    async fn add_note(
        &self,
        incident_id: &str,
        author: &str,
        text: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Note>, StoreError> {
        let mut w = self.begin_write().await?;
        check_idempotency(&mut w.tx, author, idem, at).await?;
        touch_incident(&mut w.tx, incident_id, at).await?;
        let seq = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM notes")
            .fetch_one(&mut *w.tx)
            .await?
            .try_get::<i64, _>("next")?;
        let note = Note {
            id: format!("N-{seq:06}"),
            author: author.to_string(),
            at,
            text: text.to_string(),
        };
        sqlx::query("INSERT INTO notes (id, incident_id, seq, author, at, text) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(note.id.clone())
            .bind(incident_id.to_string())
            .bind(seq)
            .bind(note.author.clone())
            .bind(format_time(at))
            .bind(note.text.clone())
            .execute(&mut *w.tx)
            .await?;
        let version = sqlx::query("SELECT version FROM incidents WHERE id = $1")
            .bind(incident_id.to_string())
            .fetch_one(&mut *w.tx)
            .await?
            .try_get::<i64, _>("version")?;
        let change = Change {
            actor: author.to_string(),
            action: "note.create".into(),
            incident_id: Some(incident_id.to_string()),
            entity_id: note.id.clone(),
            before: serde_json::json!({}),
            after: serde_json::json!({"text": note.text, "version": version}),
        };
        let seq = append_audit(&mut w.tx, &change, at).await?;
        remember_idempotency(&mut w.tx, author, idem, &note.id, at).await?;
        w.tx.commit().await?;
        Ok(Committed { value: note, seq })
    }

    async fn add_action(
        &self,
        mut action: Action,
        actor: &str,
        at: DateTime<Utc>,
        idem: Option<&Idempotency>,
    ) -> Result<Committed<Action>, StoreError> {
        let mut w = self.begin_write().await?;
        check_idempotency(&mut w.tx, actor, idem, at).await?;
        touch_incident(&mut w.tx, &action.incident_id, at).await?;
        let seq = sqlx::query("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM actions")
            .fetch_one(&mut *w.tx)
            .await?
            .try_get::<i64, _>("next")?;
        action.id = format!("ACT-{seq:06}");
        action.version = 1;
        let doc = serde_json::to_string(&action).map_err(corrupt)?;
        sqlx::query("INSERT INTO actions (id, incident_id, seq, version, owner, due, status, updated_at, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(action.id.clone())
            .bind(action.incident_id.clone())
            .bind(seq)
            .bind(action.version)
            .bind(action.owner.clone())
            .bind(action.due.to_string())
            .bind(action.status.as_str())
            .bind(format_time(at))
            .bind(doc)
            .execute(&mut *w.tx)
            .await?;
        let change = Change {
            actor: actor.to_string(),
            action: "action.create".into(),
            incident_id: Some(action.incident_id.clone()),
            entity_id: action.id.clone(),
            before: serde_json::json!({}),
            after: serde_json::to_value(&action).map_err(corrupt)?,
        };
        let seq = append_audit(&mut w.tx, &change, at).await?;
        remember_idempotency(&mut w.tx, actor, idem, &action.id, at).await?;
        w.tx.commit().await?;
        Ok(Committed { value: action, seq })
    }

    async fn get_action(&self, id: &str) -> Result<Action, StoreError> {
        let row = sqlx::query("SELECT doc, version FROM actions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("action {id}")))?;
        row_action(&row)
    }

    async fn update_action(
        &self,
        updated: Action,
        expected_version: i64,
        change: Change,
        at: DateTime<Utc>,
    ) -> Result<Committed<Action>, StoreError> {
        let mut w = self.begin_write().await?;
        let mut action = updated;
        action.version = expected_version + 1;
        let doc = serde_json::to_string(&action).map_err(corrupt)?;
        let done = sqlx::query("UPDATE actions SET version = $1, owner = $2, due = $3, status = $4, updated_at = $5, doc = $6 WHERE id = $7 AND version = $8")
            .bind(action.version)
            .bind(action.owner.clone())
            .bind(action.due.to_string())
            .bind(action.status.as_str())
            .bind(format_time(at))
            .bind(doc)
            .bind(action.id.clone())
            .bind(expected_version)
            .execute(&mut *w.tx)
            .await?;
        if done.rows_affected() == 0 {
            let WriteTx { tx, _guard } = w;
            tx.rollback().await?;
            drop(_guard);
            let current = self.get_action(&action.id).await?;
            return Err(StoreError::Conflict(Box::new(
                serde_json::to_value(current).map_err(corrupt)?,
            )));
        }
        touch_incident(&mut w.tx, &action.incident_id, at).await?;
        let mut change = change;
        if let Some(obj) = change.after.as_object_mut() {
            obj.insert("version".into(), action.version.into());
        }
        let seq = append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(Committed { value: action, seq })
    }

    async fn open_actions(&self) -> Result<Vec<Action>, StoreError> {
        let rows = sqlx::query(
            "SELECT doc, version FROM actions WHERE status IN ($1, $2) ORDER BY due, seq",
        )
        .bind(ActionStatus::Open.as_str())
        .bind(ActionStatus::InProgress.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_action).collect()
    }

    async fn audit(
        &self,
        incident_id: Option<&str>,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let limit = limit.clamp(1, 10_000);
        let rows = match incident_id {
            Some(id) => sqlx::query(AssertSqlSafe(format!(
                "SELECT * FROM audit WHERE incident_id = $1 AND seq > $2 ORDER BY seq LIMIT {limit}"
            )))
            .bind(id.to_string())
            .bind(after_seq)
            .fetch_all(&self.pool)
            .await?,
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT {limit}"
                )))
                .bind(after_seq)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|row| {
                let r = row_audit(row)?;
                Ok(AuditEvent {
                    seq: r.seq,
                    at: parse_time(&r.at).ok_or_else(|| corrupt("audit time"))?,
                    actor: r.actor,
                    action: r.action,
                    incident_id: r.incident_id,
                    entity_id: r.entity_id,
                    before: serde_json::from_str(&r.before).unwrap_or_default(),
                    after: serde_json::from_str(&r.after).unwrap_or_default(),
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                })
            })
            .collect()
    }

    async fn audit_rows(&self) -> Result<Vec<StoredAuditRow>, StoreError> {
        let rows = sqlx::query("SELECT * FROM audit ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(row_audit).collect()
    }

    async fn events_since(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<ServerEvent>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT * FROM audit WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(after_seq)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for row in &rows {
            if let Some(e) = event_of(&row_audit(row)?) {
                out.push(e);
            }
        }
        Ok(out)
    }

    async fn redact(
        &self,
        request: RedactRequest,
        at: DateTime<Utc>,
    ) -> Result<Committed<Redaction>, StoreError> {
        self.redact_text(request, at).await
    }

    async fn latest_seq(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM audit")
            .fetch_one(&self.pool)
            .await?
            .try_get::<i64, _>("n")?)
    }

    async fn record(&self, change: Change, at: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut w = self.begin_write().await?;
        let seq = append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(seq)
    }

    async fn insert_token(
        &self,
        token: TokenRecord,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut w = self.begin_write().await?;
        sqlx::query("INSERT INTO tokens (id, user_name, role, salt, hash, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)")
            .bind(token.id.clone())
            .bind(token.user.clone())
            .bind(token.role.as_str())
            .bind(token.salt)
            .bind(token.hash)
            .bind(format_time(at))
            .bind(token.expires_at.map(format_time))
            .execute(&mut *w.tx)
            .await?;
        let change = Change {
            actor: actor.to_string(),
            action: "token.create".into(),
            incident_id: None,
            entity_id: token.id,
            before: serde_json::json!({}),
            after: serde_json::json!({"user": token.user, "role": token.role.as_str(), "expires_at": token.expires_at}),
        };
        append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(())
    }

    async fn find_token(&self, id: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query("SELECT * FROM tokens WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let role: String = row.try_get("role")?;
        Ok(Some(TokenRecord {
            id: row.try_get("id")?,
            user: row.try_get("user_name")?,
            role: Role::parse(&role).ok_or_else(|| corrupt("token role"))?,
            salt: row.try_get("salt")?,
            hash: row.try_get("hash")?,
            expires_at: row
                .try_get::<Option<String>, _>("expires_at")?
                .as_deref()
                .and_then(parse_time),
            revoked_at: row
                .try_get::<Option<String>, _>("revoked_at")?
                .as_deref()
                .and_then(parse_time),
        }))
    }

    async fn revoke_tokens(
        &self,
        user_or_id: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut w = self.begin_write().await?;
        let done = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE (id = $2 OR user_name = $2) AND revoked_at IS NULL")
            .bind(format_time(at))
            .bind(user_or_id.to_string())
            .execute(&mut *w.tx)
            .await?;
        let change = Change {
            actor: actor.to_string(),
            action: "token.revoke".into(),
            incident_id: None,
            entity_id: user_or_id.to_string(),
            before: serde_json::json!({}),
            after: serde_json::json!({"revoked": done.rows_affected()}),
        };
        append_audit(&mut w.tx, &change, at).await?;
        w.tx.commit().await?;
        Ok(done.rows_affected())
    }
}
