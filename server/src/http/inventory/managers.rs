//! `/resourcemanager/…`: list and create resource managers, allocate names and addresses from
//! them and give them back.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use depot_domain::inventory::error::{object_not_found, wrong_driver};
use depot_domain::inventory::managers::{self, Allocated};
use depot_domain::inventory::{drivers, service, Entity, InventoryError};
use depot_domain::Store;
use schemars::JsonSchema;
use serde::Serialize;

use super::answers::ListedAttribute;
use super::call::{Answer, Call};
use super::parameters::{parameters, text};

fn manager_driver(driver: &str) -> Result<(), InventoryError> {
    if drivers::is_resource_manager(driver) {
        Ok(())
    } else {
        Err(InventoryError::NotFound(format!(
            "Not a valid driver \"{driver}\" (driver name {driver} doesn't exist.)"
        )))
    }
}

/// The manager `name` of `driver`: unknown driver 412, not a manager 409, missing 404.
async fn manager(store: &Store, driver: &str, name: &str) -> Result<Entity, InventoryError> {
    drivers::type_of(driver).ok_or_else(|| {
        InventoryError::Precondition(format!("The driver \"{driver}\" is not a valid driver"))
    })?;
    let entity = service::find(store, name, &None)
        .await?
        .ok_or_else(|| object_not_found(name))?;
    if !drivers::is_resource_manager(&entity.driver) {
        return Err(InventoryError::Conflict(format!(
            "The object \"{name}\" is not a resource manager"
        )));
    }
    if entity.driver != driver {
        return Err(wrong_driver(name, driver));
    }
    Ok(entity)
}

fn required(call: &Call, name: &str, missing: &str) -> Result<String, InventoryError> {
    call.params
        .get(name)
        .ok_or_else(|| InventoryError::Precondition(missing.into()))
}

pub async fn list_managers(driver: Option<Path<String>>, call: Call) -> Answer {
    let at = call.reading()?;
    let driver = driver.map(|Path(d)| d);
    if let Some(driver) = &driver {
        manager_driver(driver)?;
    }
    let store = &call.state.store;
    let mut found = service::list(store, driver.as_deref(), Some("resourcemanager"), &at).await?;
    found.sort_by_key(|a| a.path());
    call.entity_list(found, &at).await
}

parameters! {
    /// What creating a manager reads: its name, and its properties (any other parameter is
    /// kept as one too).
    NewManagerForm {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": text("The manager's name"),
            "basename": text("Name managers: what names start with"),
            "digits": text("Name managers: how many digits the counter has (2)"),
            "leadingZeros": text("Name managers: whether the counter is padded with zeros (1)"),
            "next": text("Name managers: the counter's next value (1)"),
            "baseip": text("IP managers: the network's first address"),
            "prefix": text("IP managers: the network's prefix length"),
            "netmask": text("IP managers: the network's mask, when no prefix is given"),
            "gateway": text("IP managers: an address never handed out"),
        },
        "additionalProperties": {"type": "string"},
    }
}

/// The new manager, expanded (or the one that existed, with 202).
pub async fn create_manager(Path(driver): Path<String>, call: Call) -> Answer {
    manager_driver(&driver)?;
    let name = required(&call, "name", "Provide a name for the resource manager")?;
    let names = std::slice::from_ref(&name);
    let (store, actor) = (&call.state.store, &call.actor);
    let created = service::create(store, actor, &driver, names, &call.params.0).await?;
    let entity = &created.entities[0];
    let body = call.expanded(entity, &None).await?;
    let existing = match created.existing.is_empty() {
        true => vec![],
        false => vec![entity.path()],
    };
    Ok(call.created(&body, &existing))
}

pub async fn show_manager(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    call.actor.require_read()?;
    let entity = manager(&call.state.store, &driver, &name).await?;
    call.one_entity(&entity, &None).await
}

parameters! {
    /// What allocating reads.
    AllocateForm {
        "type": "object",
        "properties": {
            "driver": text("Name managers: the driver of the entity to create"),
            "object": text("IP managers: the entity to give an address to"),
            "resource": text("The name or address wanted, rather than the next free one"),
        },
    }
}

/// What an allocation answers: the new entity's path, or the address attribute given.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "ClustoAllocation")]
pub enum Allocation {
    /// Name managers: the new entity's path.
    Entity(String),
    /// IP managers: the attribute holding the address.
    Address(ListedAttribute),
}

/// `POST /resourcemanager/{driver}/{manager}`: an address for `object` from an IP manager, or
/// a new entity of `driver` named by a name manager; `resource` asks for a particular one.
pub async fn allocate(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    let (store, actor) = (&call.state.store, &call.actor);
    let manager = manager(store, &driver, &name).await?;
    let resource = call.params.get("resource");
    let resource = resource.as_deref();
    let allocated = if manager.driver == "ipmanager" {
        let object = required(
            &call,
            "object",
            "Provide an object to allocate an address to",
        )?;
        let object = service::get(store, &object, None, &None).await?;
        let address = managers::allocate_ip(store, actor, &manager, &object, resource).await?;
        Allocated::Attribute(address)
    } else {
        let driver = required(
            &call,
            "driver",
            "Provide the driver of the entity to create",
        )?;
        let entity = managers::allocate_name(store, actor, &manager, &driver, resource).await?;
        Allocated::Entity(entity)
    };
    let body = match allocated {
        Allocated::Entity(entity) => Allocation::Entity(entity.path()),
        Allocated::Attribute(attribute) => Allocation::Address(ListedAttribute::from(&attribute)),
    };
    Ok(call.render(StatusCode::CREATED, &body))
}

parameters! {
    /// What deallocating reads.
    DeallocateForm {
        "type": "object",
        "required": ["object"],
        "properties": {
            "object": text("The entity that holds the resource"),
            "resource": text("Which of its resources from this manager to give back (all when \
                              not given)"),
        },
    }
}

pub async fn deallocate(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    let (store, actor) = (&call.state.store, &call.actor);
    let manager = manager(store, &driver, &name).await?;
    let object = required(&call, "object", "Provide the object to deallocate from")?;
    let object = service::get(store, &object, None, &None).await?;
    let resource = call.params.get("resource");
    managers::deallocate(store, actor, &manager, &object, resource.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
