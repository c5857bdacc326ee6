//! Moving an installation between databases (e.g. the embedded SQLite file to PostgreSQL): every
//! row of every table, as stored, so the audit chain arrives intact and verifies.

use super::{SqlStore, Store, StoreError};
use crate::domain::audit::verify_chain;
use sqlx::{AssertSqlSafe, Row};

/// A column to copy: its name and whether it holds an integer (otherwise text).
type Column = (&'static str, bool);

/// Every table with its columns and the column that orders it.
const TABLES: &[(&str, &str, &[Column])] = &[
    (
        "incidents",
        "seq",
        &[
            ("id", false),
            ("seq", true),
            ("version", true),
            ("status", false),
            ("determination", false),
            ("site", false),
            ("owner", false),
            ("reported_by", false),
            ("discovered_at", false),
            ("category", false),
            ("search_text", false),
            ("import_key", false),
            ("created_at", false),
            ("updated_at", false),
            ("doc", false),
        ],
    ),
    (
        "notes",
        "seq",
        &[
            ("id", false),
            ("incident_id", false),
            ("seq", true),
            ("author", false),
            ("at", false),
            ("text", false),
        ],
    ),
    (
        "actions",
        "seq",
        &[
            ("id", false),
            ("incident_id", false),
            ("seq", true),
            ("version", true),
            ("owner", false),
            ("due", false),
            ("status", false),
            ("updated_at", false),
            ("doc", false),
        ],
    ),
    (
        "audit",
        "seq",
        &[
            ("seq", true),
            ("at", false),
            ("actor", false),
            ("action", false),
            ("incident_id", false),
            ("entity_id", false),
            ("before_json", false),
            ("after_json", false),
            ("prev_hash", false),
            ("hash", false),
            ("before_digest", false),
            ("after_digest", false),
            ("before_salt", false),
            ("after_salt", false),
        ],
    ),
    (
        "tokens",
        "id",
        &[
            ("id", false),
            ("user_name", false),
            ("role", false),
            ("salt", false),
            ("hash", false),
            ("created_at", false),
            ("expires_at", false),
            ("revoked_at", false),
        ],
    ),
];

/// What a copy moved, per table, and whether the audit chain verified on arrival.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CopyReport {
    /// (table, rows copied).
    pub tables: Vec<(String, u64)>,
    /// Audit entries verified on the target.
    pub audit_verified: u64,
}

/// A copy that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds data.
    #[error("the target database is not empty ({0} has rows): copy only into a new database")]
    TargetNotEmpty(String),
    /// Rows differ after the copy.
    #[error(
        "after the copy {table} has {target_rows} rows on the target and {source_rows} on the source"
    )]
    Mismatch {
        /// Table.
        table: String,
        /// Rows on the source.
        source_rows: u64,
        /// Rows on the target.
        target_rows: u64,
    },
    /// The chain did not verify on the target.
    #[error("the audit chain does not verify on the target at entry {0}: {1}")]
    Chain(i64, String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn count(store: &SqlStore, table: &str) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {table}")))
        .fetch_one(store.pool())
        .await?
        .try_get("n")?;
    Ok(n.max(0) as u64)
}

/// Copies every table from `from` into the empty `to`, in one transaction on the target, then
/// checks row counts and verifies the audit chain there.
pub async fn copy_database(from: &SqlStore, to: &SqlStore) -> Result<CopyReport, CopyError> {
    for (table, _, _) in TABLES {
        if count(to, table).await? > 0 {
            return Err(CopyError::TargetNotEmpty((*table).to_string()));
        }
    }
    let mut report = CopyReport::default();
    let mut tx = to.pool().begin().await.map_err(StoreError::from)?;
    for (table, order, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|c| c.0).collect();
        let select = format!("SELECT {} FROM {table} ORDER BY {order}", names.join(", "));
        let rows = sqlx::query(AssertSqlSafe(select))
            .fetch_all(from.pool())
            .await
            .map_err(StoreError::from)?;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            placeholders.join(", ")
        );
        for row in &rows {
            let mut q = sqlx::query(AssertSqlSafe(insert.clone()));
            for (name, is_int) in *columns {
                q = if *is_int {
                    q.bind(
                        row.try_get::<Option<i64>, _>(*name)
                            .map_err(StoreError::from)?,
                    )
                } else {
                    q.bind(
                        row.try_get::<Option<String>, _>(*name)
                            .map_err(StoreError::from)?,
                    )
                };
            }
            q.execute(&mut *tx).await.map_err(StoreError::from)?;
        }
        report
            .tables
            .push(((*table).to_string(), rows.len() as u64));
    }
    tx.commit().await.map_err(StoreError::from)?;
    for (table, copied) in &report.tables {
        let (source, target) = (count(from, table).await?, count(to, table).await?);
        if target != source || target != *copied {
            return Err(CopyError::Mismatch {
                table: table.clone(),
                source_rows: source,
                target_rows: target,
            });
        }
    }
    let chain = verify_chain(to.audit_rows().await?);
    if let Some((seq, why)) = chain.first_broken {
        return Err(CopyError::Chain(seq, why));
    }
    report.audit_verified = chain.checked;
    Ok(report)
}
