-- clusto's base driver `entity` has the type `generic` (Driver._clustoType), not `entity`.
UPDATE inventory_entities SET type = 'generic' WHERE driver = 'entity';
