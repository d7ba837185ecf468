-- Reloads of attached databases (POST /api/db/{db}/reload) that every replica follows: the
-- process that is asked bumps the generation, and each process reloads a database whose
-- generation moved past the one it has seen.
CREATE TABLE catalog_reloads (
    name TEXT PRIMARY KEY,
    generation BIGINT NOT NULL,
    requested_at TEXT NOT NULL
);
