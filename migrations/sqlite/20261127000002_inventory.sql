-- Inventory (clusto): entities, their typed attributes, and containment. Rows are versioned:
-- a change closes the old row (deleted_at) and adds a new one, so the inventory can be read as
-- it was at any time (`as_of`).

CREATE TABLE inventory_entities (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    driver     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    deleted_at TEXT
);
-- A name belongs to one live entity; the database, not a lock, keeps it so.
CREATE UNIQUE INDEX inventory_entities_live_name ON inventory_entities (name) WHERE deleted_at IS NULL;
CREATE INDEX inventory_entities_driver ON inventory_entities (driver);

CREATE TABLE inventory_attributes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entity_id   INTEGER NOT NULL REFERENCES inventory_entities (id),
    key         TEXT    NOT NULL,
    subkey      TEXT,
    number      INTEGER,
    datatype    TEXT    NOT NULL CHECK (datatype IN ('int', 'string', 'datetime', 'relation', 'json')),
    value       TEXT,
    relation_id INTEGER REFERENCES inventory_entities (id),
    created_at  TEXT    NOT NULL,
    deleted_at  TEXT
);
CREATE INDEX inventory_attributes_entity ON inventory_attributes (entity_id, id);
CREATE INDEX inventory_attributes_key ON inventory_attributes (key, subkey);

CREATE TABLE inventory_contents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    parent_id  INTEGER NOT NULL REFERENCES inventory_entities (id),
    child_id   INTEGER NOT NULL REFERENCES inventory_entities (id),
    created_at TEXT    NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX inventory_contents_live ON inventory_contents (parent_id, child_id) WHERE deleted_at IS NULL;
CREATE INDEX inventory_contents_child ON inventory_contents (child_id);

-- Every clusto database holds its meta entity.
INSERT INTO inventory_entities (name, driver, type, created_at) VALUES ('clustometa', 'clustometa', 'clustometa', '1970-01-01T00:00:00.000Z');
