//! The inventory pages' server functions: the same domain service as `/inventory/…`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use server_fn::codec::{GetUrl, Json};

use super::{ApiError, Fetch, JsonOrForm};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntitySummary {
    pub name: String,
    pub driver: String,
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AttributeView {
    pub key: String,
    pub subkey: Option<String>,
    pub number: Option<i64>,
    pub datatype: String,
    pub value: Value,
}

/// One address of an IP manager's network and who holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AddressUse {
    pub address: String,
    pub holder: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EntityDetail {
    pub entity: EntitySummary,
    pub attrs: Vec<AttributeView>,
    pub parents: Vec<EntitySummary>,
    pub contents: Vec<EntitySummary>,
    /// Pools the entity could join, and IP managers it could get an address from.
    pub pools: Vec<EntitySummary>,
    pub ip_managers: Vec<EntitySummary>,
    /// For an IP manager: every address of its network (up to 1,024) and its holder.
    pub addresses: Vec<AddressUse>,
    /// For an IP manager: its network, and the addresses it holds out to entities.
    pub network: Option<NetworkUse>,
    /// For a name manager: the names it has handed out and the next.
    pub names: Option<NameManagerUse>,
}

/// How many numbers a name manager's picture shows at the most.
pub const NAMES_SHOWN: u64 = 1024;

/// A name manager's names: each number from 1 to past the last one used (at most
/// [`NAMES_SHOWN`]) as its name and holder, how many it has handed out, and the next name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NameManagerUse {
    pub names: Vec<AddressUse>,
    /// Every name handed out, with its holder.
    pub held: Vec<AddressUse>,
    pub next: String,
}

/// How many runs of free addresses an IP manager's page lists.
pub const FREE_RANGES_SHOWN: usize = 20;

/// An IP manager's whole network, however large, and what of it is allocated to whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NetworkUse {
    /// `10.0.0.0/24`.
    pub cidr: String,
    /// How many addresses it may hand out, as decimal text (a /64 holds more than a JSON
    /// number does exactly).
    pub usable: String,
    /// Every allocation: the address and its holder (`/driver/name`).
    pub allocated: Vec<AddressUse>,
    /// The first runs of free addresses: first, last, and how many (decimal text).
    pub free: Vec<(String, String, String)>,
}

#[cfg(feature = "ssr")]
fn summary(entity: &depot_domain::inventory::Entity) -> EntitySummary {
    EntitySummary {
        name: entity.name.clone(),
        driver: entity.driver.clone(),
        kind: entity.kind.clone(),
    }
}

#[cfg(feature = "ssr")]
impl From<depot_domain::inventory::InventoryError> for ApiError {
    fn from(error: depot_domain::inventory::InventoryError) -> Self {
        use depot_domain::inventory::InventoryError::*;
        let message = error.to_string();
        match error {
            Invalid(_) => Self::new(400, message),
            NotFound(_) => Self::new(404, message),
            Conflict(_) => Self::new(409, message),
            Precondition(_) => Self::new(412, message),
            Domain(domain) => domain.into(),
        }
    }
}

/// `GET /api/inventory/entities?search=`: entities whose name contains `search`, or that have an
/// attribute `key=value` when `search` has that form.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/entities", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn search_entities(search: Option<String>) -> Result<Vec<EntitySummary>, ApiError> {
    use depot_domain::inventory::service;
    let (store, actor) = super::caller().await?;
    actor.require_read()?;
    let search = search.unwrap_or_default();
    let found = match search.split_once('=') {
        Some((key, value)) => {
            service::by_attribute(&store, key.trim(), None, Some(value.trim()), &None).await?
        }
        None => {
            let needle = search.to_lowercase();
            service::list(&store, None, None, &None)
                .await?
                .into_iter()
                .filter(|e| e.name.to_lowercase().contains(&needle))
                .collect()
        }
    };
    Ok(found.iter().map(summary).collect())
}

/// `GET /api/inventory/entity?name=`: one entity with everything its page shows.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/entity", input = GetUrl, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn load_entity(name: String) -> Result<EntityDetail, ApiError> {
    use depot_domain::inventory::{drivers, managers, service};
    let (store, actor) = super::caller().await?;
    actor.require_read()?;
    let entity = service::get(&store, &name, None, &None).await?;
    let attrs = service::attributes(&store, &entity, None, None, None, &None).await?;
    let parents = service::parents(&store, &entity, &None).await?;
    let contents = service::contents(&store, &entity, &None).await?;
    let all = service::list(&store, None, None, &None).await?;
    let pools = all
        .iter()
        .filter(|e| drivers::is_pool(&e.driver) && e.id != entity.id)
        .map(summary)
        .collect();
    let ip_managers = all
        .iter()
        .filter(|e| e.driver == "ipmanager")
        .map(summary)
        .collect();
    let (addresses, network) = if entity.driver == "ipmanager" {
        let held = managers::allocations(&store, &entity).await?;
        let (cidr, usable) = managers::network_size(&store, &entity).await?;
        let addresses = managers::addresses(&store, &entity, 1024)
            .await?
            .into_iter()
            .map(|address| {
                let holder = held
                    .iter()
                    .find(|(resource, _)| *resource == address)
                    .map(|(_, h)| h.clone());
                AddressUse { address, holder }
            })
            .collect();
        let allocated = held
            .into_iter()
            .map(|(address, holder)| AddressUse {
                address,
                holder: Some(holder),
            })
            .collect();
        let free = managers::free_ranges(&store, &entity, FREE_RANGES_SHOWN).await?;
        let network = NetworkUse {
            cidr,
            usable,
            allocated,
            free,
        };
        (addresses, Some(network))
    } else {
        (Vec::new(), None)
    };
    let names = match drivers::is_name_manager(&entity.driver) {
        true => {
            let used =
                depot_domain::inventory::naming::name_use(&store, &entity, NAMES_SHOWN).await?;
            Some(NameManagerUse {
                names: used
                    .names
                    .into_iter()
                    .map(|(address, holder)| AddressUse { address, holder })
                    .collect(),
                held: used
                    .held
                    .into_iter()
                    .map(|(address, holder)| AddressUse {
                        address,
                        holder: Some(holder),
                    })
                    .collect(),
                next: used.next,
            })
        }
        false => None,
    };
    Ok(EntityDetail {
        entity: summary(&entity),
        attrs: attrs
            .into_iter()
            .map(|a| AttributeView {
                key: a.key,
                subkey: a.subkey,
                number: a.number,
                datatype: a.datatype.as_str().into(),
                value: a.value,
            })
            .collect(),
        parents: parents.iter().map(summary).collect(),
        contents: contents.iter().map(summary).collect(),
        pools,
        ip_managers,
        addresses,
        network,
        names,
    })
}

/// `POST /api/inventory/create` `{"driver", "name"}`.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/create", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn create_entity(driver: String, name: String) -> Result<EntitySummary, ApiError> {
    let (store, actor) = super::caller().await?;
    let created = depot_domain::inventory::service::create(
        &store,
        &actor,
        &driver,
        std::slice::from_ref(&name),
        &[],
    )
    .await?;
    if !created.existing.is_empty() {
        return Err(ApiError::new(
            409,
            format!("{} already exists", created.existing[0].path()),
        ));
    }
    Ok(summary(&created.entities[0]))
}

/// `POST /api/inventory/attribute` `{"name", "key", "subkey"?, "value", "datatype"}`: sets it.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/attribute", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn set_attribute(
    name: String,
    key: String,
    subkey: Option<String>,
    value: String,
    datatype: String,
) -> Result<(), ApiError> {
    use depot_domain::inventory::service::{self, NewAttribute};
    let (store, actor) = super::caller().await?;
    let entity = service::get(&store, &name, None, &None).await?;
    let subkey = subkey.filter(|s| !s.is_empty());
    let attribute = NewAttribute {
        key,
        subkey,
        value,
        datatype: Some(datatype),
        ..Default::default()
    };
    service::set_attribute(&store, &actor, &entity, &attribute).await?;
    Ok(())
}

/// `POST /api/inventory/membership` `{"pool", "device", "insert"}`: puts it in or takes it out.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/membership", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn change_membership(pool: String, device: String, insert: bool) -> Result<(), ApiError> {
    use depot_domain::inventory::service::{self, Action};
    let (store, actor) = super::caller().await?;
    let container = service::get(&store, &pool, None, &None).await?;
    let action = if insert {
        Action::Insert
    } else {
        Action::Remove
    };
    service::insert_or_remove(&store, &actor, &container, &[device], action).await?;
    Ok(())
}

/// `POST /api/inventory/allocate-ip` `{"manager", "object"}`: the address given.
#[server(prefix = "/api", client = Fetch, endpoint = "inventory/allocate-ip", input = JsonOrForm, output = Json, input_derive = (Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema))]
pub async fn allocate_ip(manager: String, object: String) -> Result<String, ApiError> {
    use depot_domain::inventory::{managers, service};
    let (store, actor) = super::caller().await?;
    let manager = service::get(&store, &manager, Some("ipmanager"), &None).await?;
    let object = service::get(&store, &object, None, &None).await?;
    managers::allocate_ip(&store, &actor, &manager, &object, None).await?;
    let ips =
        service::attributes(&store, &object, Some("ip"), Some("ipstring"), None, &None).await?;
    Ok(ips
        .last()
        .and_then(|a| a.value.as_str().map(str::to_string))
        .unwrap_or_default())
}
