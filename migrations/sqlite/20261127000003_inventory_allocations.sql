-- What each resource manager has handed out. One live row per (manager, resource): two
-- allocations of the same name or address, in any number of processes, cannot both commit.
CREATE TABLE inventory_allocations (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    manager_id INTEGER NOT NULL REFERENCES inventory_entities (id),
    resource   TEXT    NOT NULL,
    entity_id  INTEGER NOT NULL REFERENCES inventory_entities (id),
    created_at TEXT    NOT NULL,
    deleted_at TEXT
);
CREATE UNIQUE INDEX inventory_allocations_live ON inventory_allocations (manager_id, resource) WHERE deleted_at IS NULL;
CREATE INDEX inventory_allocations_entity ON inventory_allocations (entity_id);
