-- The blob store's index: the object that holds each content hash. An object is written under
-- a name of its own (its hash is known only once the stream has ended, and S3 cannot rename),
-- so a hash finds its bytes here. Identical content is kept once: the second upload of a hash
-- deletes its own object and uses the first one's.
--
-- touched_at is the garbage collector's guard: every upload of a hash, and every commit that
-- stores a tree node, moves it to now, and `depot gc` removes only what no row names and was
-- not touched within its grace period — so a row being written right now never loses its blob.
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    location TEXT NOT NULL,
    touched_at TEXT NOT NULL
);

-- Objects being written right now (one row from the first byte until the object is in the index),
-- so the collector never takes an upload in flight, however long it runs, for an orphan.
CREATE TABLE blob_uploads (
    location TEXT PRIMARY KEY,
    started_at TEXT NOT NULL
);

ALTER TABLE dot_trees ADD COLUMN touched_at TEXT NOT NULL DEFAULT '1970-01-01T00:00:00.000Z';
