-- Artifacts (CDAP's artifact repository) and the apps created from them. Archive bytes live in
-- the blob store; a row names its blob only after the blob is completely written.

CREATE TABLE artifact_namespaces (
    name TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
INSERT INTO artifact_namespaces (name, created_at) VALUES ('default', '2026-11-27T00:00:00.000Z');
INSERT INTO artifact_namespaces (name, created_at) VALUES ('system', '2026-11-27T00:00:00.000Z');

CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL REFERENCES artifact_namespaces (name),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    blob TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    -- JSON: the parent ranges (Artifact-Extends), the classes (plugins, apps), the properties.
    parents TEXT NOT NULL,
    classes TEXT NOT NULL,
    properties TEXT NOT NULL,
    UNIQUE (namespace, name, version)
);

CREATE TABLE artifact_apps (
    namespace TEXT NOT NULL REFERENCES artifact_namespaces (name),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    artifact_namespace TEXT NOT NULL,
    artifact_name TEXT NOT NULL,
    artifact_version TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, name)
);

CREATE INDEX artifact_apps_by_artifact ON artifact_apps (artifact_namespace, artifact_name, artifact_version);

-- Every deploy, upgrade and rollback of an app, oldest first.
CREATE TABLE artifact_app_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace TEXT NOT NULL,
    app TEXT NOT NULL,
    action TEXT NOT NULL,
    artifact_namespace TEXT NOT NULL,
    artifact_name TEXT NOT NULL,
    artifact_version TEXT NOT NULL,
    config TEXT NOT NULL,
    by_actor TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX artifact_app_history_by_app ON artifact_app_history (namespace, app);
