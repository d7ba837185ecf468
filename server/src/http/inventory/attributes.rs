//! `/attribute/{name}[/{key}[/{subkey}[/{number}]]]`: list, add, set and delete an entity's
//! attributes. Values come as parameters or, for adding, as a JSON object or list of them.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use depot_domain::inventory::service::{self, NewAttribute};
use depot_domain::inventory::{Attribute, Entity, InventoryError};
use serde_json::Value;

use super::call::{Answer, Call};

/// The attribute path after the entity's name: which key, subkey and number it narrows to.
struct Selected {
    key: Option<String>,
    subkey: Option<String>,
    number: Option<i64>,
}

impl Selected {
    /// The entity's name and what the rest of the path selects.
    fn parse(path: &str) -> Result<(String, Self), InventoryError> {
        let mut parts = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let name = parts
            .next()
            .ok_or_else(|| InventoryError::NotFound("Not found".into()))?;
        let key = parts.next();
        let subkey = parts.next();
        let number = parts.next().map(|n| attribute_number(&n)).transpose()?;
        Ok((
            name,
            Self {
                key,
                subkey,
                number,
            },
        ))
    }
}

fn key_and_value_missing() -> InventoryError {
    InventoryError::Precondition("Provide at least \"key\" and \"value\"".into())
}

/// One handler for every method, as clusto's one route is.
pub async fn attribute(method: Method, Path(path): Path<String>, call: Call) -> Answer {
    let (name, selected) = Selected::parse(&path)?;
    let at = call.params.as_of()?;
    let driver = call.params.get("driver");
    let entity = service::get(&call.state.store, &name, driver.as_deref(), &at).await?;
    let (status, attributes) = match method {
        Method::GET | Method::HEAD => {
            call.actor.require_read()?;
            let Selected {
                key,
                subkey,
                number,
            } = &selected;
            let (key, subkey) = (key.as_deref(), subkey.as_deref());
            let found =
                service::attributes(&call.state.store, &entity, key, subkey, *number, &at).await?;
            (StatusCode::OK, found)
        }
        Method::POST => (StatusCode::CREATED, add(&call, &entity, selected).await?),
        Method::PUT => (StatusCode::OK, set(&call, &entity, selected).await?),
        Method::DELETE => (StatusCode::OK, delete(&call, &entity, selected).await?),
        _ => return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
    };
    let listed = Value::Array(attributes.iter().map(Attribute::to_json).collect());
    Ok(call.render(status, &listed))
}

/// `POST`: the attributes of a JSON body, or the one the path and parameters describe.
async fn add(
    call: &Call,
    entity: &Entity,
    selected: Selected,
) -> Result<Vec<Attribute>, InventoryError> {
    let params = &call.params;
    let new = if call.is_json {
        if call.query.as_deref().is_some_and(|q| !q.is_empty()) {
            return Err(InventoryError::Invalid(
                "Error: json and query params may not be passed in the same request.".into(),
            ));
        }
        json_attributes(&call.body)?
    } else {
        let key = selected.key.or_else(|| params.get("key"));
        let (Some(key), Some(value)) = (key, params.get("value")) else {
            return Err(key_and_value_missing());
        };
        let number = match selected.number {
            Some(number) => Some(number),
            None => params
                .get("number")
                .map(|n| attribute_number(&n))
                .transpose()?,
        };
        vec![NewAttribute {
            key,
            value,
            subkey: selected.subkey.or_else(|| params.get("subkey")),
            number,
            datatype: params.get("datatype"),
            mask: params.get("mask"),
        }]
    };
    service::add_attributes(&call.state.store, &call.actor, entity, &new).await
}

/// `PUT`: the path's attribute set to `value`, replacing what it held.
async fn set(
    call: &Call,
    entity: &Entity,
    selected: Selected,
) -> Result<Vec<Attribute>, InventoryError> {
    let (Some(key), Some(value)) = (selected.key, call.params.get("value")) else {
        return Err(key_and_value_missing());
    };
    let new = NewAttribute {
        key,
        value,
        subkey: selected.subkey,
        number: selected.number,
        datatype: call.params.get("datatype"),
        mask: call.params.get("mask"),
    };
    service::set_attribute(&call.state.store, &call.actor, entity, &new).await
}

/// `DELETE`: every attribute the path selects.
async fn delete(
    call: &Call,
    entity: &Entity,
    selected: Selected,
) -> Result<Vec<Attribute>, InventoryError> {
    let key = selected
        .key
        .ok_or_else(|| InventoryError::Precondition("Provide a key to delete".into()))?;
    let subkey = selected.subkey.as_deref();
    let (store, actor) = (&call.state.store, &call.actor);
    service::delete_attributes(store, actor, entity, &key, subkey, selected.number).await
}

/// Attribute bodies in JSON: one object or a list of them.
fn json_attributes(body: &Bytes) -> Result<Vec<NewAttribute>, InventoryError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| InventoryError::Invalid(format!("Error: the JSON body is not valid: {e}")))?;
    let items = match value {
        Value::Array(items) => items,
        single => vec![single],
    };
    items.iter().map(json_attribute).collect()
}

fn json_attribute(item: &Value) -> Result<NewAttribute, InventoryError> {
    let text = |name: &str| {
        item.get(name).filter(|v| !v.is_null()).map(|v| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        })
    };
    let (Some(key), Some(value)) = (text("key"), text("value")) else {
        return Err(key_and_value_missing());
    };
    let number = match item.get("number").filter(|v| !v.is_null()) {
        Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
        Some(other) => Some(attribute_number(
            other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string())
                .as_str(),
        )?),
        None => None,
    };
    Ok(NewAttribute {
        key,
        value,
        subkey: text("subkey"),
        number,
        datatype: text("datatype"),
        mask: text("mask"),
    })
}

/// An attribute's `number`, read as clusto reads it (`int(n)`), in 64 bits.
fn attribute_number(text: &str) -> Result<i64, InventoryError> {
    use std::num::IntErrorKind;
    text.trim().parse::<i64>().map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => InventoryError::Invalid(format!(
            "{text} is out of range for an attribute number (a 64-bit integer)"
        )),
        _ => InventoryError::Invalid(format!("invalid literal for int() with base 10: '{text}'")),
    })
}
