-- Versioning (Dotmesh's data dots). A dot's files live in the blob store by content hash; the
-- tree of a commit is a content-addressed hash tree (dot_trees) shared between commits and
-- dots, so a commit stores only the nodes that changed.

CREATE TABLE dots (
    -- Also the id of the dot's master branch, as Dotmesh's Lookup answers it.
    id TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (namespace, name)
);

CREATE TABLE dot_branches (
    id TEXT PRIMARY KEY,
    dot_id TEXT NOT NULL REFERENCES dots (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- NULL until the branch's first commit (a new branch starts at its origin commit).
    head_commit TEXT,
    origin_branch TEXT,
    origin_commit TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (dot_id, name)
);

CREATE TABLE dot_commits (
    id TEXT PRIMARY KEY,
    dot_id TEXT NOT NULL REFERENCES dots (id) ON DELETE CASCADE,
    -- No foreign key: a deleted branch's commits stay, other branches may start from them.
    branch_id TEXT NOT NULL,
    -- Position on its branch; unique, so two concurrent commits cannot both be next.
    seq BIGINT NOT NULL,
    parent_id TEXT,
    root TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    file_count BIGINT NOT NULL,
    -- JSON object: author, message, timestamp and the caller's own fields.
    metadata TEXT NOT NULL,
    -- 1 once a rollback has taken the commit off its branch.
    dropped BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (branch_id, seq)
);

CREATE INDEX dot_commits_by_dot ON dot_commits (dot_id);

CREATE TABLE dot_trees (
    hash TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

-- A branch's working tree, as changes on top of its head commit: a written file (blob set) or
-- a deleted one (blob NULL). Committing folds them into a new tree and clears them.
CREATE TABLE dot_changes (
    branch_id TEXT NOT NULL REFERENCES dot_branches (id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    blob TEXT,
    size_bytes BIGINT NOT NULL,
    -- The file's size in the head commit (0 when it is new), so sizes need no tree walk.
    base_size_bytes BIGINT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (branch_id, path)
);
