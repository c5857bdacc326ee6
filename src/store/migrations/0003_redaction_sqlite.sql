-- Still append-only, with one exception: right after a redaction entry of the same incident is
-- appended (it is then the newest entry), an earlier entry of that incident may have its
-- before/after text replaced and the salt of a replaced text dropped. Nothing else may change.
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT (
    NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.actor = OLD.actor
    AND NEW.action = OLD.action AND NEW.incident_id IS OLD.incident_id
    AND NEW.entity_id = OLD.entity_id AND NEW.prev_hash = OLD.prev_hash
    AND NEW.hash = OLD.hash
    AND NEW.before_digest IS OLD.before_digest AND NEW.after_digest IS OLD.after_digest
    AND (NEW.before_salt IS OLD.before_salt OR NEW.before_salt IS NULL)
    AND (NEW.after_salt IS OLD.after_salt OR NEW.after_salt IS NULL)
    AND (NEW.before_json = OLD.before_json OR NEW.before_salt IS NULL)
    AND (NEW.after_json = OLD.after_json OR NEW.after_salt IS NULL)
    AND OLD.action <> 'incident.redact'
    AND OLD.incident_id IS NOT NULL
    AND EXISTS (
        SELECT 1 FROM audit AS r
        WHERE r.seq = (SELECT MAX(seq) FROM audit)
            AND r.seq > OLD.seq
            AND r.action = 'incident.redact'
            AND r.incident_id = OLD.incident_id
    )
)
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only: only a redaction may scrub text'); END;
