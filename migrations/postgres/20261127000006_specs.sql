-- Specs (DataHQ's specstore): datasets, their revisions and each revision's pipelines, the
-- outbox of revisions still to hand to the pipeline runner, and per-owner dataset counts.

-- One row per owner: how many datasets it has, so the plan limit is checked and raised in one
-- guarded UPDATE (two concurrent uploads at the limit cannot both pass).
CREATE TABLE spec_owners (
    owner TEXT PRIMARY KEY,
    datasets BIGINT NOT NULL
);

CREATE TABLE spec_datasets (
    id TEXT PRIMARY KEY,                 -- owner/dataset
    owner TEXT NOT NULL REFERENCES spec_owners (owner),
    name TEXT NOT NULL,
    spec TEXT NOT NULL,                  -- the latest uploaded spec (JSON)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    schedule TEXT,                       -- as written in the spec, e.g. "every 1d"
    schedule_seconds BIGINT,
    next_run_at TEXT,                    -- when the schedule next re-submits the spec
    last_revision BIGINT NOT NULL        -- revision numbers are taken from here under a row lock
);

CREATE INDEX spec_datasets_by_owner ON spec_datasets (owner, name);
CREATE INDEX spec_datasets_by_next_run ON spec_datasets (next_run_at);

CREATE TABLE spec_revisions (
    dataset_id TEXT NOT NULL REFERENCES spec_datasets (id),
    revision BIGINT NOT NULL,
    spec TEXT NOT NULL,                  -- the spec this revision runs (JSON)
    state TEXT NOT NULL,                 -- QUEUED, INPROGRESS, SUCCEEDED, FAILED
    cause TEXT NOT NULL,                 -- upload, schedule, rerun
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    logs TEXT NOT NULL,                  -- JSON array of lines
    error_log TEXT NOT NULL,             -- JSON array of lines
    stats TEXT NOT NULL,                 -- JSON object
    PRIMARY KEY (dataset_id, revision)
);

CREATE INDEX spec_revisions_by_state ON spec_revisions (dataset_id, state, revision);

CREATE TABLE spec_pipelines (
    dataset_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    pipeline_id TEXT NOT NULL,           -- owner/dataset:kind, or owner/dataset for the package
    position BIGINT NOT NULL,            -- the planned order, dependencies first
    title TEXT NOT NULL,
    status TEXT NOT NULL,                -- pending, running, success, failed
    dependencies TEXT NOT NULL,          -- JSON array of pipeline ids
    stats TEXT NOT NULL,                 -- JSON object
    error_log TEXT NOT NULL,             -- JSON array
    log TEXT NOT NULL,                   -- JSON array
    updated_at TEXT NOT NULL,
    PRIMARY KEY (dataset_id, revision, pipeline_id),
    FOREIGN KEY (dataset_id, revision) REFERENCES spec_revisions (dataset_id, revision)
);

-- Revisions to hand to the pipeline runner (DPP_URL). A row is claimed for a short lease while
-- it is being sent, so several processes never send the same one at once, and is marked
-- delivered once the runner accepted it.
CREATE TABLE spec_dispatches (
    flow_id TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_until TEXT,
    delivered_at TEXT,
    last_error TEXT
);

CREATE INDEX spec_dispatches_due ON spec_dispatches (delivered_at, next_attempt_at);
