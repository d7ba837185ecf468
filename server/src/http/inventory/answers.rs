//! What clusto answers about entities and attributes, as types: the handlers build their
//! answers from these, and `/openapi.json` describes the answers from the same types, so the
//! two cannot drift apart.

use depot_domain::inventory::Attribute;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// One attribute as clusto lists it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ClustoAttribute")]
pub struct ListedAttribute {
    #[schemars(extend("enum" = ["int", "string", "datetime", "relation", "json"]))]
    datatype: &'static str,
    key: String,
    number: Option<i64>,
    subkey: Option<String>,
    /// As the datatype says: an integer, a string (a datetime in ISO 8601, a relation as the
    /// related entity's path), or any JSON; null when nothing is stored.
    value: Value,
}

impl From<&Attribute> for ListedAttribute {
    fn from(attribute: &Attribute) -> Self {
        Self {
            datatype: attribute.datatype.as_str(),
            key: attribute.key.clone(),
            number: attribute.number,
            subkey: attribute.subkey.clone(),
            value: attribute.value.clone(),
        }
    }
}

/// The attributes of `attributes`, listed.
pub fn listed(attributes: &[Attribute]) -> Vec<ListedAttribute> {
    attributes.iter().map(ListedAttribute::from).collect()
}

/// An entity in clusto's expanded mode: its attributes, what it holds and what holds it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ClustoExpandedEntity")]
pub struct Expanded {
    pub attrs: Vec<ListedAttribute>,
    /// The paths of the entities it holds.
    pub contents: Vec<String>,
    pub driver: String,
    pub name: String,
    /// The paths of the entities (pools, racks…) holding it.
    pub parents: Vec<String>,
    #[serde(rename = "type")]
    pub kind: String,
    /// Devices only: the values of their `ip`/`ipstring` attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Vec<Value>")]
    pub ips: Option<Vec<Value>>,
    /// Resource managers only: how many resources they have handed out.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "i64")]
    pub count: Option<i64>,
}

/// An entity as asked for with `Clusto-Mode` (each route has its default).
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "ClustoEntity")]
pub enum Shown {
    /// Compact: the entity's path, `/driver/name`.
    Compact(String),
    Expanded(Expanded),
}
