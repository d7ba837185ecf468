//! `/attribute/{name}[/{key}[/{subkey}[/{number}]]]`: list, add, set and delete an entity's
//! attributes. Values come as parameters or, for adding, as a JSON object or list of them.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use depot_domain::inventory::service::{self, NewAttribute};
use depot_domain::inventory::{Attribute, Entity, InventoryError};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::answers::listed;
use super::call::{Answer, Call};
use super::parameters::{as_of, parameters, text};

/// The attribute routes' path parameters: the entity's name, then as much of key, subkey and
/// number as the route has.
#[derive(Deserialize)]
pub struct AttributePath {
    name: String,
    key: Option<String>,
    subkey: Option<String>,
    number: Option<String>,
}

/// What the path selects after the entity's name.
struct Selected {
    key: Option<String>,
    subkey: Option<String>,
    number: Option<i64>,
}

impl Selected {
    /// The entity's name and what the rest of the path selects; the number is read as clusto
    /// reads it, so a bad one is refused in clusto's words.
    fn of(path: AttributePath) -> Result<(String, Self), InventoryError> {
        let number = path.number.as_deref().map(attribute_number).transpose()?;
        let selected = Self {
            key: path.key,
            subkey: path.subkey,
            number,
        };
        Ok((path.name, selected))
    }
}

/// The parameters of an attribute write, for each form below to pick those it reads: what the
/// path gives is not read from the parameters.
fn fields(names: &[&str]) -> Value {
    let all = json!({
        "key": text("The attribute's key"),
        "subkey": text("The attribute's subkey"),
        "number": {"type": "integer", "format": "int64", "description": "The attribute's number"},
        "value": text("The value, as text, read as the datatype says"),
        "datatype": {
            "type": "string",
            "enum": ["int", "string", "datetime", "relation", "json"],
            "description": "How the value is read and kept (string when not given); a \
                            relation's value names an entity, by name or path",
        },
        "mask": text("A datetime's format, in Python's strptime notation \
                      (%Y-%m-%dT%H:%M:%S.%f when not given)"),
        "driver": text("The driver the entity must have (409 when it has another)"),
    });
    let picked: Map<String, Value> = names
        .iter()
        .map(|name| (name.to_string(), all[*name].clone()))
        .collect();
    Value::Object(picked)
}

parameters! {
    /// What listing attributes reads.
    AttributeQuery {
        "type": "object",
        "properties": {
            "driver": text("The driver the entity must have (409 when it has another)"),
            "as_of": as_of(),
        },
    }
}

parameters! {
    /// What deleting attributes reads.
    AttributeTargetQuery {
        "type": "object",
        "properties": {
            "driver": text("The driver the entity must have (409 when it has another)"),
        },
    }
}

parameters! {
    /// What adding an attribute to `/attribute/{name}` reads.
    NewAttributeForm {
        "type": "object",
        "required": ["key", "value"],
        "properties": fields(&["key", "subkey", "number", "value", "datatype", "mask", "driver"]),
    }
}

parameters! {
    /// What adding an attribute to `/attribute/{name}/{key}` reads.
    NewKeyedAttributeForm {
        "type": "object",
        "required": ["value"],
        "properties": fields(&["subkey", "number", "value", "datatype", "mask", "driver"]),
    }
}

parameters! {
    /// What adding an attribute to `/attribute/{name}/{key}/{subkey}` reads.
    NewSubkeyedAttributeForm {
        "type": "object",
        "required": ["value"],
        "properties": fields(&["number", "value", "datatype", "mask", "driver"]),
    }
}

parameters! {
    /// What setting an attribute, or adding one the whole path names, reads.
    AttributeValueForm {
        "type": "object",
        "required": ["value"],
        "properties": fields(&["value", "datatype", "mask", "driver"]),
    }
}

fn key_and_value_missing() -> InventoryError {
    InventoryError::Precondition("Provide at least \"key\" and \"value\"".into())
}

/// One handler for every method and depth, as clusto's one application is; the routes give
/// each depth only the methods that mean something there.
pub async fn attribute(method: Method, Path(path): Path<AttributePath>, call: Call) -> Answer {
    let (name, selected) = Selected::of(path)?;
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
        // Not routed here; the router answers other methods itself.
        _ => return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response()),
    };
    Ok(call.render(status, &listed(&attributes)))
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
