-- Chain version 2: each new audit entry is hashed over salted digests of its before/after texts
-- instead of the texts, so an admin's redaction can scrub a text in place while the chain keeps
-- verifying. Older entries keep NULL digests and their first-version hash.
ALTER TABLE audit ADD COLUMN before_digest TEXT;
ALTER TABLE audit ADD COLUMN after_digest TEXT;
ALTER TABLE audit ADD COLUMN before_salt TEXT;
ALTER TABLE audit ADD COLUMN after_salt TEXT;
