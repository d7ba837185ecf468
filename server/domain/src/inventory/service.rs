//! Reading and writing the inventory. Reads take `as_of` (None: now); writes close rows and
//! open new ones in one transaction, with their audit record.

use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::drivers;
use super::error::{
    invalid_driver, object_not_found, wrong_driver, InventoryError, InventoryResult,
};
use super::model::{cast, stored_value, Attribute, Datatype, Entity};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::store::query::Query;
use crate::store::{Store, Tx};
use crate::time::{self, Timestamp};

/// SQL that keeps rows of `alias` live at `as_of` (or now), binding the time in `query`.
fn live(alias: &str, as_of: &Option<Timestamp>, query: &mut Query) -> String {
    match as_of {
        None => format!("{alias}.deleted_at IS NULL"),
        Some(at) => {
            let at = query.bind_text(at);
            format!("({alias}.created_at <= {at} AND ({alias}.deleted_at IS NULL OR {alias}.deleted_at > {at}))")
        }
    }
}

fn entity_from(row: &AnyRow) -> InventoryResult<Entity> {
    Ok(Entity {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        driver: row.try_get("driver")?,
        kind: row.try_get("type")?,
    })
}

/// A connection to read through: the pool, or a transaction's connection (`&mut **tx`), so a
/// write sees what it wrote itself before it commits.
pub trait Reader<'c>: sqlx::Executor<'c, Database = sqlx::Any> {}
impl<'c, E: sqlx::Executor<'c, Database = sqlx::Any>> Reader<'c> for E {}

async fn fetch_entities<'c>(
    reader: impl Reader<'c>,
    query: &Query,
) -> InventoryResult<Vec<Entity>> {
    query
        .statement()
        .fetch_all(reader)
        .await?
        .iter()
        .map(entity_from)
        .collect()
}

/// The live entity called `name`, if any.
pub async fn find(
    store: &Store,
    name: &str,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Option<Entity>> {
    find_with(store.pool(), name, as_of).await
}

/// [`find`] through a given connection.
pub async fn find_with<'c>(
    reader: impl Reader<'c>,
    name: &str,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Option<Entity>> {
    let mut query = Query::default();
    let name = query.bind_text(name);
    let condition = live("e", as_of, &mut query);
    query.push(&format!("SELECT e.id, e.name, e.driver, e.type FROM inventory_entities e WHERE e.name = {name} AND {condition} ORDER BY e.id DESC LIMIT 1"));
    Ok(fetch_entities(reader, &query).await?.into_iter().next())
}

/// `name`, checked against `driver` when one is given (clusto's shared lookup rules).
pub async fn get(
    store: &Store,
    name: &str,
    driver: Option<&str>,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Entity> {
    if let Some(driver) = driver {
        drivers::type_of(driver).ok_or_else(|| invalid_driver(driver))?;
    }
    let entity = find(store, name, as_of)
        .await?
        .ok_or_else(|| object_not_found(name))?;
    match driver {
        Some(driver) if entity.driver != driver => Err(wrong_driver(name, driver)),
        _ => Ok(entity),
    }
}

/// Entities sorted by name (as clusto lists them), optionally of one driver and/or type.
pub async fn list(
    store: &Store,
    driver: Option<&str>,
    kind: Option<&str>,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    let mut query = Query::default();
    let mut conditions = vec![live("e", as_of, &mut query)];
    if let Some(driver) = driver {
        conditions.push(format!("e.driver = {}", query.bind_text(driver)));
    }
    if let Some(kind) = kind {
        conditions.push(format!("e.type = {}", query.bind_text(kind)));
    }
    query.push(&format!(
        "SELECT e.id, e.name, e.driver, e.type FROM inventory_entities e WHERE {} ORDER BY e.id",
        conditions.join(" AND ")
    ));
    let mut entities = fetch_entities(store.pool(), &query).await?;
    // Sorted here, not by ORDER BY: PostgreSQL would sort by the database's collation, clusto
    // (Python) sorts by code point, as Rust does.
    entities.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entities)
}

/// The outcome of creating entities: all of them, and those that existed already.
pub struct Created {
    pub entities: Vec<Entity>,
    pub existing: Vec<Entity>,
}

/// Creates entities of `driver` named `names`, each with the driver's properties (a manager's
/// defaults, replaced by `given`: see `managers::properties`) in the same transaction; names
/// that exist are reported, not recreated.
pub async fn create(
    store: &Store,
    actor: &Actor,
    driver: &str,
    names: &[String],
    given: &[(String, String)],
) -> InventoryResult<Created> {
    actor.require_write()?;
    drivers::type_of(driver).ok_or_else(|| {
        InventoryError::Precondition(format!("Requested driver \"{driver}\" does not exist"))
    })?;
    if names.is_empty() {
        return Err(InventoryError::Precondition(
            "Provide at least one name to create".into(),
        ));
    }
    for name in names {
        check_name(name)?;
    }
    let properties = super::managers::properties(driver, given);
    let mut tx = store.begin_write().await?;
    let (mut entities, mut existing) = (Vec::new(), Vec::new());
    for name in names {
        let (entity, made) = create_one(&mut tx, actor, name, driver, &properties).await?;
        if !made {
            existing.push(entity.clone());
        }
        entities.push(entity);
    }
    tx.commit().await?;
    Ok(Created { entities, existing })
}

/// The live entity `name` — or, when there is none, a new one of `driver` with `properties`,
/// audited — and whether it was made now. The caller has checked the driver and the name.
pub(super) async fn create_one(
    tx: &mut Tx,
    actor: &Actor,
    name: &str,
    driver: &str,
    properties: &[NewAttribute],
) -> InventoryResult<(Entity, bool)> {
    if let Some(entity) = find_with(&mut **tx, name, &None).await? {
        return Ok((entity, false));
    }
    let kind = drivers::type_of(driver).ok_or_else(|| invalid_driver(driver))?;
    let row = sqlx::query("INSERT INTO inventory_entities (name, driver, type, created_at) VALUES ($1, $2, $3, $4) RETURNING id, name, driver, type")
        .bind(name)
        .bind(driver)
        .bind(kind)
        .bind(time::now())
        .fetch_one(&mut **tx)
        .await?;
    let entity = entity_from(&row)?;
    for property in properties {
        insert_attribute(tx, &entity, property).await?;
    }
    let keys: Vec<&str> = properties.iter().map(|p| p.key.as_str()).collect();
    let summary = match keys.is_empty() {
        true => json!({}),
        false => json!({"properties": keys}),
    };
    Surface::Inventory
        .record(tx, actor, &entity.path(), "create", summary)
        .await?;
    Ok((entity, true))
}

/// A name an entity may have: 1 to 255 characters, no `/` (paths are `/driver/name`), no
/// control characters.
pub(super) fn check_name(name: &str) -> InventoryResult<()> {
    let invalid = name.is_empty()
        || name.len() > 255
        || name.contains('/')
        || name.chars().any(char::is_control);
    if !invalid {
        return Ok(());
    }
    let shown: String = name
        .chars()
        .take(64)
        .collect::<String>()
        .escape_debug()
        .to_string();
    Err(InventoryError::Invalid(format!(
        "\"{shown}\" is not a valid name: 1 to 255 characters, no '/' and no control characters"
    )))
}

/// Deletes the entity, its attributes and its memberships (closing their rows).
pub async fn delete(store: &Store, actor: &Actor, driver: &str, name: &str) -> InventoryResult<()> {
    actor.require_write()?;
    drivers::type_of(driver).ok_or_else(|| {
        InventoryError::Precondition(format!("Requested driver \"{driver}\" does not exist"))
    })?;
    let entity = get(store, name, Some(driver), &None).await?;
    let now = time::now();
    let mut tx = store.begin_write().await?;
    for sql in [
        "UPDATE inventory_attributes SET deleted_at = $1 WHERE entity_id = $2 AND deleted_at IS NULL",
        "UPDATE inventory_contents SET deleted_at = $1 WHERE (parent_id = $2 OR child_id = $2) AND deleted_at IS NULL",
        "UPDATE inventory_entities SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL",
    ] {
        sqlx::query(sql).bind(&now).bind(entity.id).execute(&mut *tx).await?;
    }
    Surface::Inventory
        .record(&mut tx, actor, &entity.path(), "delete", json!({}))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Attributes of `entity` sorted by key, as clusto's `Driver.attrs()` lists them (in the order
/// they were added within a key), narrowed by key/subkey/number.
pub async fn attributes(
    store: &Store,
    entity: &Entity,
    key: Option<&str>,
    subkey: Option<&str>,
    number: Option<i64>,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Attribute>> {
    attributes_with(store.pool(), entity, key, subkey, number, as_of).await
}

/// [`attributes`] through a given connection.
pub async fn attributes_with<'c>(
    reader: impl Reader<'c>,
    entity: &Entity,
    key: Option<&str>,
    subkey: Option<&str>,
    number: Option<i64>,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Attribute>> {
    let mut query = Query::default();
    let mut conditions = vec![
        format!(
            "a.entity_id = CAST({} AS BIGINT)",
            query.bind_text(entity.id)
        ),
        live("a", as_of, &mut query),
    ];
    conditions.extend(narrowed_to(&mut query, key, subkey, number));
    query.push(&format!(
        "SELECT a.key, a.subkey, a.number, a.datatype, a.value, r.driver AS relation_driver, r.name AS relation_name \
         FROM inventory_attributes a LEFT JOIN inventory_entities r ON r.id = a.relation_id \
         WHERE {} ORDER BY a.id",
        conditions.join(" AND ")
    ));
    let mut attributes = query
        .statement()
        .fetch_all(reader)
        .await?
        .iter()
        .map(attribute_from)
        .collect::<InventoryResult<Vec<_>>>()?;
    // A stable sort by code point (see `list`): ties keep the order of `a.id`.
    attributes.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(attributes)
}

/// Conditions on attributes `a` for the key, subkey and number given, binding them in `query`.
fn narrowed_to(
    query: &mut Query,
    key: Option<&str>,
    subkey: Option<&str>,
    number: Option<i64>,
) -> Vec<String> {
    let mut conditions = Vec::new();
    if let Some(key) = key {
        conditions.push(format!("a.key = {}", query.bind_text(key)));
    }
    if let Some(subkey) = subkey {
        conditions.push(format!("a.subkey = {}", query.bind_text(subkey)));
    }
    if let Some(number) = number {
        conditions.push(format!(
            "a.number = CAST({} AS BIGINT)",
            query.bind_text(number)
        ));
    }
    conditions
}

/// Closes the live attributes of `entity` with `key` that `narrow` (conditions on `a`)
/// selects: the one update that deletes attributes and that a set makes before it writes.
async fn close_attributes(
    tx: &mut Tx,
    entity: &Entity,
    key: &str,
    narrow: impl FnOnce(&mut Query) -> Vec<String>,
) -> InventoryResult<u64> {
    let mut query = Query::default();
    let mut conditions = vec![
        format!(
            "a.entity_id = CAST({} AS BIGINT)",
            query.bind_text(entity.id)
        ),
        format!("a.key = {}", query.bind_text(key)),
        "a.deleted_at IS NULL".to_string(),
    ];
    conditions.extend(narrow(&mut query));
    let now = query.bind_text(time::now());
    query.push(&format!(
        "UPDATE inventory_attributes AS a SET deleted_at = {now} WHERE {}",
        conditions.join(" AND ")
    ));
    Ok(query.statement().execute(&mut **tx).await?.rows_affected())
}

fn attribute_from(row: &AnyRow) -> InventoryResult<Attribute> {
    let datatype = Datatype::parse(&row.try_get::<String, _>("datatype")?)?;
    let relation = match (
        row.try_get::<Option<String>, _>("relation_driver")?,
        row.try_get::<Option<String>, _>("relation_name")?,
    ) {
        (Some(driver), Some(name)) => Some(format!("/{driver}/{name}")),
        _ => None,
    };
    let value: Option<String> = row.try_get("value")?;
    Ok(Attribute {
        key: row.try_get("key")?,
        subkey: row.try_get("subkey")?,
        number: row.try_get("number")?,
        datatype,
        value: stored_value(datatype, value.as_deref(), relation),
    })
}

/// One attribute to write.
#[derive(Clone, Debug, Default)]
pub struct NewAttribute {
    pub key: String,
    pub subkey: Option<String>,
    pub number: Option<i64>,
    pub datatype: Option<String>,
    pub value: String,
    pub mask: Option<String>,
}

pub(super) async fn insert_attribute(
    tx: &mut Tx,
    entity: &Entity,
    attribute: &NewAttribute,
) -> InventoryResult<()> {
    crate::error::refuse_nul("An attribute key", &attribute.key)?;
    crate::error::refuse_nul("A subkey", attribute.subkey.as_deref().unwrap_or_default())?;
    crate::error::refuse_nul("An attribute value", &attribute.value)?;
    let datatype = Datatype::parse(attribute.datatype.as_deref().unwrap_or("string"))?;
    let (value, relation_id) = if datatype == Datatype::Relation {
        let name = attribute.value.rsplit('/').next().unwrap_or_default();
        let target = find_with(&mut **tx, name, &None).await?.ok_or_else(|| {
            InventoryError::Invalid(format!(
                "Error casting {} into a(n) relation: {name} does not exist",
                attribute.value
            ))
        })?;
        (None, Some(target.id))
    } else {
        (
            Some(cast(&attribute.value, datatype, attribute.mask.as_deref())?),
            None,
        )
    };
    sqlx::query(
        "INSERT INTO inventory_attributes (entity_id, key, subkey, number, datatype, value, relation_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entity.id)
    .bind(&attribute.key)
    .bind(&attribute.subkey)
    .bind(attribute.number)
    .bind(datatype.as_str())
    .bind(value)
    .bind(relation_id)
    .bind(time::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Adds attributes (duplicates allowed) and returns all of the entity's attributes.
pub async fn add_attributes(
    store: &Store,
    actor: &Actor,
    entity: &Entity,
    new: &[NewAttribute],
) -> InventoryResult<Vec<Attribute>> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    for attribute in new {
        insert_attribute(&mut tx, entity, attribute).await?;
    }
    let keys: Vec<&str> = new.iter().map(|a| a.key.as_str()).collect();
    Surface::Inventory
        .record(
            &mut tx,
            actor,
            &entity.path(),
            "add-attributes",
            json!({"keys": keys}),
        )
        .await?;
    tx.commit().await?;
    attributes(store, entity, None, None, None, &None).await
}

/// Closes the attributes of `entity` with exactly this key, subkey and number (NULL matching
/// NULL), as a set does before it writes the new value.
pub(super) async fn close_matching(
    tx: &mut Tx,
    entity: &Entity,
    key: &str,
    subkey: Option<&str>,
    number: Option<i64>,
) -> InventoryResult<u64> {
    close_attributes(tx, entity, key, |query| {
        let mut conditions = narrowed_to(query, None, subkey, number);
        if subkey.is_none() {
            conditions.push("a.subkey IS NULL".into());
        }
        if number.is_none() {
            conditions.push("a.number IS NULL".into());
        }
        conditions
    })
    .await
}

/// Sets an attribute: replaces those with the same key, subkey and number, or adds it.
pub async fn set_attribute(
    store: &Store,
    actor: &Actor,
    entity: &Entity,
    attribute: &NewAttribute,
) -> InventoryResult<Vec<Attribute>> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    close_matching(
        &mut tx,
        entity,
        &attribute.key,
        attribute.subkey.as_deref(),
        attribute.number,
    )
    .await?;
    insert_attribute(&mut tx, entity, attribute).await?;
    Surface::Inventory
        .record(
            &mut tx,
            actor,
            &entity.path(),
            "set-attribute",
            json!({"key": attribute.key, "subkey": attribute.subkey}),
        )
        .await?;
    tx.commit().await?;
    attributes(store, entity, None, None, None, &None).await
}

/// Deletes the attributes with this key (and subkey, number when given); returns the rest.
pub async fn delete_attributes(
    store: &Store,
    actor: &Actor,
    entity: &Entity,
    key: &str,
    subkey: Option<&str>,
    number: Option<i64>,
) -> InventoryResult<Vec<Attribute>> {
    actor.require_write()?;
    let mut tx = store.begin_write().await?;
    close_attributes(&mut tx, entity, key, |query| {
        narrowed_to(query, None, subkey, number)
    })
    .await?;
    Surface::Inventory
        .record(
            &mut tx,
            actor,
            &entity.path(),
            "delete-attributes",
            json!({"key": key, "subkey": subkey, "number": number}),
        )
        .await?;
    tx.commit().await?;
    attributes(store, entity, None, None, None, &None).await
}

/// What `entity` contains, in the order it was put there.
pub async fn contents(
    store: &Store,
    entity: &Entity,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    related(store.pool(), entity, "parent_id", "child_id", as_of).await
}

/// What contains `entity`, in the order it was put there.
pub async fn parents(
    store: &Store,
    entity: &Entity,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    related(store.pool(), entity, "child_id", "parent_id", as_of).await
}

async fn related<'c>(
    reader: impl Reader<'c>,
    entity: &Entity,
    from: &str,
    to: &str,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    let mut query = Query::default();
    let id = query.bind_text(entity.id);
    let link = live("c", as_of, &mut query);
    query.push(&format!(
        "SELECT e.id, e.name, e.driver, e.type FROM inventory_contents c JOIN inventory_entities e ON e.id = c.{to} \
         WHERE c.{from} = CAST({id} AS BIGINT) AND {link} ORDER BY c.id"
    ));
    fetch_entities(reader, &query).await
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Insert,
    Remove,
}

/// Puts `devices` into `container`, or takes them out, checking pool rules; all or nothing.
pub async fn insert_or_remove(
    store: &Store,
    actor: &Actor,
    container: &Entity,
    devices: &[String],
    action: Action,
) -> InventoryResult<()> {
    actor.require_write()?;
    let mut members = Vec::new();
    let mut missing = Vec::new();
    for name in devices {
        match find(store, name, &None).await? {
            Some(entity) => members.push(entity),
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(InventoryError::NotFound(format!(
            "Objects {} do not exist and cannot be used with \"{}\"",
            missing.join(","),
            container.name
        )));
    }
    let mut tx = store.begin_write().await?;
    for member in &members {
        match action {
            Action::Insert => {
                insert_member(&mut tx, container, member).await?;
            }
            Action::Remove => {
                sqlx::query("UPDATE inventory_contents SET deleted_at = $1 WHERE parent_id = $2 AND child_id = $3 AND deleted_at IS NULL")
                    .bind(time::now())
                    .bind(container.id)
                    .bind(member.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    let action_name = if action == Action::Insert {
        "insert"
    } else {
        "remove"
    };
    Surface::Inventory
        .record(
            &mut tx,
            actor,
            &container.path(),
            action_name,
            json!({"devices": devices}),
        )
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Puts `member` into `container` (once), as the pool rules allow; false when it was there.
pub(super) async fn insert_member(
    tx: &mut Tx,
    container: &Entity,
    member: &Entity,
) -> InventoryResult<bool> {
    check_pool_rules(tx, container, member).await?;
    let exists = sqlx::query("SELECT 1 FROM inventory_contents WHERE parent_id = $1 AND child_id = $2 AND deleted_at IS NULL")
        .bind(container.id)
        .bind(member.id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if !exists {
        sqlx::query(
            "INSERT INTO inventory_contents (parent_id, child_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(container.id)
        .bind(member.id)
        .bind(time::now())
        .execute(&mut **tx)
        .await?;
    }
    Ok(!exists)
}

/// clusto's pool kinds: a member of an `exclusive_pool` is in no other pool; an entity is in at
/// most one `unique_pool`.
async fn check_pool_rules(tx: &mut Tx, container: &Entity, member: &Entity) -> InventoryResult<()> {
    if !drivers::is_pool(&container.driver) {
        return Ok(());
    }
    let pools: Vec<Entity> = related(&mut **tx, member, "child_id", "parent_id", &None)
        .await?
        .into_iter()
        .filter(|p| drivers::is_pool(&p.driver) && p.id != container.id)
        .collect();
    if let Some(exclusive) = pools.iter().find(|p| p.driver == "exclusive_pool") {
        return Err(InventoryError::Conflict(format!(
            "{} is in the exclusive pool {} and cannot join another pool",
            member.name, exclusive.name
        )));
    }
    if container.driver == "exclusive_pool" && !pools.is_empty() {
        return Err(InventoryError::Conflict(format!(
            "{} is already in other pools and cannot join the exclusive pool {}",
            member.name, container.name
        )));
    }
    if container.driver == "unique_pool" {
        if let Some(other) = pools.iter().find(|p| p.driver == "unique_pool") {
            return Err(InventoryError::Conflict(format!(
                "{} is already in the unique pool {}",
                member.name, other.name
            )));
        }
    }
    Ok(())
}

/// Entities having an attribute with this key (and subkey, value when given).
pub async fn by_attribute(
    store: &Store,
    key: &str,
    subkey: Option<&str>,
    value: Option<&str>,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    let mut query = Query::default();
    let mut conditions = narrowed_to(&mut query, Some(key), subkey, None);
    conditions.push(live("a", as_of, &mut query));
    conditions.push(live("e", as_of, &mut query));
    if let Some(value) = value {
        conditions.push(format!("a.value = {}", query.bind_text(value)));
    }
    query.push(&format!(
        "SELECT DISTINCT e.id, e.name, e.driver, e.type FROM inventory_attributes a JOIN inventory_entities e ON e.id = a.entity_id \
         WHERE {} ORDER BY e.id",
        conditions.join(" AND ")
    ));
    fetch_entities(store.pool(), &query).await
}

/// Entities in every one of `pools` (directly, or anywhere below with `children`).
pub async fn from_pools(
    store: &Store,
    pools: &[Entity],
    children: bool,
    as_of: &Option<Timestamp>,
) -> InventoryResult<Vec<Entity>> {
    let mut result: Option<Vec<Entity>> = None;
    for pool in pools {
        let mut members = contents(store, pool, as_of).await?;
        if children {
            let mut index = 0;
            while index < members.len() {
                let below = contents(store, &members[index].clone(), as_of).await?;
                for entity in below {
                    if !members.iter().any(|m| m.id == entity.id) {
                        members.push(entity);
                    }
                }
                index += 1;
            }
        }
        result = Some(match result {
            None => members,
            Some(previous) => previous
                .into_iter()
                .filter(|e| members.iter().any(|m| m.id == e.id))
                .collect(),
        });
    }
    Ok(result.unwrap_or_default())
}
