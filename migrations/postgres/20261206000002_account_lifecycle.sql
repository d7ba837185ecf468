-- A user can be disabled (kept, with their keys and history, but unable to sign in), and a key
-- says when it was last used (to the minute: see `credentials::KEY_USE_PRECISION`).
ALTER TABLE users ADD COLUMN disabled_at TEXT;
ALTER TABLE api_keys ADD COLUMN last_used_at TEXT;
