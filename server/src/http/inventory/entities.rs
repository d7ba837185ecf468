//! Entities: `/entity/…` (create, list, show, insert into and remove from pools, delete) and
//! the queries `/by-name`, `/by-names`, `/by-attr` and `/from-pools`.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use depot_domain::inventory::drivers;
use depot_domain::inventory::service::{self, Action};
use depot_domain::inventory::{Entity, InventoryError};

use super::call::{Answer, Call};
use super::parameters::{as_of, parameters, repeated, text};

parameters! {
    /// What `by-name` reads.
    ByNameQuery {
        "type": "object",
        "properties": {
            "driver": text("The driver the entity must have (409 when it has another)"),
            "as_of": as_of(),
        },
    }
}

pub async fn by_name(Path(name): Path<String>, call: Call) -> Answer {
    let at = call.reading()?;
    let driver = call.params.get("driver");
    let entity = service::get(&call.state.store, &name, driver.as_deref(), &at).await?;
    call.one_entity(&entity, &at).await
}

parameters! {
    /// What `by-names` reads.
    ByNamesQuery {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": repeated("The entities' names, answered in this order"),
            "as_of": as_of(),
        },
    }
}

/// Each name's entity in order, `null` for a missing one: 200 when all were found, 206 when
/// some, 404 when none.
pub async fn by_names(call: Call) -> Answer {
    let at = call.reading()?;
    let names = call.params.all("name");
    if names.is_empty() {
        return Err(InventoryError::Precondition(
            "Provide at least one name to get data from".into(),
        )
        .into());
    }
    let mut items = Vec::new();
    let mut missing = 0;
    for name in &names {
        let found = service::find(&call.state.store, name, &at).await?;
        missing += usize::from(found.is_none());
        items.push(call.entity_or_null(found.as_ref(), &at).await?);
    }
    let status = if missing == 0 {
        StatusCode::OK
    } else if missing == names.len() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::PARTIAL_CONTENT
    };
    Ok(call.render(status, &items))
}

parameters! {
    /// What `by-attr` reads.
    ByAttrQuery {
        "type": "object",
        "required": ["key"],
        "properties": {
            "key": text("The attribute's key"),
            "subkey": text("The attribute's subkey"),
            "value": text("The attribute's value, as text"),
            "as_of": as_of(),
        },
    }
}

pub async fn by_attr(call: Call) -> Answer {
    let at = call.reading()?;
    let params = &call.params;
    let key = params
        .get("key")
        .ok_or_else(|| InventoryError::Precondition("Provide a key to use get_by_attr".into()))?;
    let found = service::by_attribute(
        &call.state.store,
        &key,
        params.get("subkey").as_deref(),
        params.get("value").as_deref(),
        &at,
    )
    .await?;
    call.entity_list(found, &at).await
}

parameters! {
    /// What `from-pools` reads.
    FromPoolsQuery {
        "type": "object",
        "required": ["pool"],
        "properties": {
            "pool": repeated("The pools; an entity must be in every one"),
            "children": text("Whether the members of member pools count too (the default); \
                              false, False or 0: only the pools' own members"),
            "type": repeated("Only entities of these types"),
            "driver": repeated("Only entities of these drivers"),
            "as_of": as_of(),
        },
    }
}

pub async fn from_pools(call: Call) -> Answer {
    let at = call.reading()?;
    let params = &call.params;
    let names = params.all("pool");
    if names.is_empty() {
        return Err(InventoryError::Precondition(
            "Provide at least one pool to get data from".into(),
        )
        .into());
    }
    let store = &call.state.store;
    let mut pools = Vec::new();
    for name in &names {
        pools.push(service::get(store, name, None, &at).await?);
    }
    let children = !matches!(
        params.get("children").as_deref(),
        Some("false" | "False" | "0")
    );
    let mut found = service::from_pools(store, &pools, children, &at).await?;
    let types = params.all("type");
    let driver_filter = params.all("driver");
    found.retain(|e| {
        (types.is_empty() || types.contains(&e.kind))
            && (driver_filter.is_empty() || driver_filter.contains(&e.driver))
    });
    call.entity_list(found, &at).await
}

pub async fn list_entities(driver: Option<Path<String>>, call: Call) -> Answer {
    let at = call.reading()?;
    let driver = driver.map(|Path(d)| d);
    if let Some(driver) = &driver {
        drivers::type_of(driver).ok_or_else(|| {
            InventoryError::Precondition(format!(
                "The requested driver \"{driver}\" does not exist"
            ))
        })?;
    }
    let entities = service::list(&call.state.store, driver.as_deref(), None, &at).await?;
    call.entity_list(entities, &at).await
}

parameters! {
    /// What creating entities reads.
    NewEntitiesForm {
        "type": "object",
        "required": ["name"],
        "properties": {"name": repeated("The new entities' names")},
    }
}

/// The new entities' paths (those that existed already included).
pub async fn create_entities(Path(driver): Path<String>, call: Call) -> Answer {
    let names = call.params.all("name");
    let created = service::create(&call.state.store, &call.actor, &driver, &names, &[]).await?;
    let paths: Vec<String> = created.entities.iter().map(Entity::path).collect();
    let existing: Vec<String> = created.existing.iter().map(Entity::path).collect();
    Ok(call.created(&paths, &existing))
}

pub async fn show_entity(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    let at = call.reading()?;
    let entity = service::get(&call.state.store, &name, Some(&driver), &at).await?;
    call.one_entity(&entity, &at).await
}

parameters! {
    /// What inserting into a container and removing from it read.
    EntityActionForm {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"type": "string", "enum": ["insert", "remove"]},
            "device": repeated("The entities to insert or remove"),
        },
    }
}

/// `POST /entity/{driver}/{name}` with `action=insert|remove` and `device=…`: the entity (a
/// pool) takes the devices in or lets them go.
pub async fn entity_action(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    let store = &call.state.store;
    let container = service::get(store, &name, Some(&driver), &None).await?;
    let action = match call.params.get("action").as_deref() {
        None => {
            return Err(InventoryError::Invalid("Parameter 'action' is required.".into()).into())
        }
        Some("insert") => Action::Insert,
        Some("remove") => Action::Remove,
        Some(other) => {
            return Err(InventoryError::Invalid(format!("{other} is not a valid action.")).into())
        }
    };
    let devices = call.params.all("device");
    service::insert_or_remove(store, &call.actor, &container, &devices, action).await?;
    call.one_entity(&container, &None).await
}

pub async fn delete_entity(Path((driver, name)): Path<(String, String)>, call: Call) -> Answer {
    service::delete(&call.state.store, &call.actor, &driver, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
