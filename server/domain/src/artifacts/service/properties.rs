//! A version's properties: replaced, set, cleared, removed and read.

use super::*;

/// How a properties call changes the map.
pub enum PropertiesChange {
    Replace(Map<String, Value>),
    Set(String, String),
    Clear,
    Remove(String),
}

pub async fn change_properties(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
    change: PropertiesChange,
) -> DomainResult<()> {
    let given: Vec<(&String, Option<&str>)> = match &change {
        PropertiesChange::Replace(map) => map.iter().map(|(k, v)| (k, v.as_str())).collect(),
        PropertiesChange::Set(key, value) => vec![(key, Some(value.as_str()))],
        PropertiesChange::Clear | PropertiesChange::Remove(_) => vec![],
    };
    for (key, value) in given {
        crate::error::refuse_nul("A property name", key)?;
        crate::error::refuse_nul(&format!("Property '{key}'"), value.unwrap_or_default())?;
    }
    update_own(
        store,
        actor,
        namespace,
        name,
        version,
        "set properties",
        |stored| {
            match &change {
                PropertiesChange::Replace(map) => {
                    if let Some((key, _)) = map.iter().find(|(_, v)| !v.is_string()) {
                        return Err(DomainError::invalid(format!(
                            "Property '{key}' must be a string: properties map strings to strings."
                        )));
                    }
                    stored.properties = map.clone();
                }
                PropertiesChange::Set(key, value) => {
                    stored
                        .properties
                        .insert(key.clone(), Value::String(value.clone()));
                }
                PropertiesChange::Clear => stored.properties.clear(),
                PropertiesChange::Remove(key) => {
                    stored.properties.remove(key);
                }
            }
            Ok(())
        },
    )
    .await
}

pub async fn properties(
    store: &Store,
    actor: &Actor,
    namespace: &str,
    name: &str,
    version: &str,
) -> DomainResult<Map<String, Value>> {
    Ok(detail(store, actor, namespace, name, version)
        .await?
        .properties)
}
