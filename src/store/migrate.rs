//! Schema migrations embedded in the binary. One portable schema for both back ends; the few
//! statements that differ (triggers) come in a per-back-end file of the same step.

use super::{Backend, StoreError};
use sqlx::{AnyPool, AssertSqlSafe, Row};

/// One migration step: shared SQL plus optional back-end specific SQL.
struct Step {
    version: i64,
    name: &'static str,
    shared: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const STEPS: &[Step] = &[
    Step {
        version: 1,
        name: "initial",
        shared: include_str!("migrations/0001_initial.sql"),
        sqlite: "",
        postgres: "",
    },
    Step {
        version: 2,
        name: "append-only",
        shared: "",
        sqlite: include_str!("migrations/0002_append_only_sqlite.sql"),
        postgres: include_str!("migrations/0002_append_only_postgres.sql"),
    },
    Step {
        version: 3,
        name: "content-digests-and-redaction",
        shared: include_str!("migrations/0003_content_digests.sql"),
        sqlite: include_str!("migrations/0003_redaction_sqlite.sql"),
        postgres: include_str!("migrations/0003_redaction_postgres.sql"),
    },
    Step {
        version: 4,
        name: "idempotency-keys",
        shared: include_str!("migrations/0004_idempotency.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// Splits a script into statements. Semicolons inside `$$ … $$` bodies or `BEGIN … END` trigger
/// bodies do not end a statement.
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_dollar = false;
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") || trimmed.is_empty() {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        in_dollar ^= line.matches("$$").count() % 2 == 1;
        let statement = current.to_ascii_uppercase();
        // A SQLite trigger body (BEGIN … END;) holds semicolons of its own.
        let in_trigger_body = statement.trim_start().starts_with("CREATE TRIGGER")
            && statement
                .lines()
                .any(|l| l.trim_start().starts_with("BEGIN"))
            && !trimmed.to_ascii_uppercase().ends_with("END;");
        if trimmed.ends_with(';') && !in_dollar && !in_trigger_body {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Applies every step not yet applied; safe to run again and again.
pub async fn migrate(pool: &AnyPool, backend: Backend) -> Result<Vec<i64>, StoreError> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let mut applied_now = Vec::new();
    for step in STEPS {
        let mut tx = pool.begin().await?;
        if backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(7878001)")
                .execute(&mut *tx)
                .await?;
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(step.version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            tx.rollback().await?;
            continue;
        }
        let specific = match backend {
            Backend::Sqlite => step.sqlite,
            Backend::Postgres => step.postgres,
        };
        for stmt in statements(step.shared)
            .into_iter()
            .chain(statements(specific))
        {
            sqlx::query(AssertSqlSafe(stmt)).execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(step.version)
        .bind(step.name)
        .bind(chrono::Utc::now().to_rfc3339())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        applied_now.push(step.version);
    }
    Ok(applied_now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_triggers_and_dollar_bodies_whole() {
        let sqlite = statements(include_str!("migrations/0002_append_only_sqlite.sql"));
        assert_eq!(sqlite.len(), 3);
        let pg = statements(include_str!("migrations/0002_append_only_postgres.sql"));
        assert_eq!(pg.len(), 3, "{pg:#?}");
        assert!(statements(include_str!("migrations/0001_initial.sql")).len() >= 10);
        assert_eq!(
            statements(include_str!("migrations/0003_content_digests.sql")).len(),
            4
        );
        let sqlite = statements(include_str!("migrations/0003_redaction_sqlite.sql"));
        assert_eq!(sqlite.len(), 2, "{sqlite:#?}");
        let pg = statements(include_str!("migrations/0003_redaction_postgres.sql"));
        assert_eq!(pg.len(), 3, "{pg:#?}");
    }
}
