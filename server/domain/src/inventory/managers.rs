//! Resource managers: name managers hand out names, IP managers addresses. Uniqueness comes
//! from the database (one live allocation per manager and resource), so concurrent
//! allocations — in one process or many — never hand out the same thing twice.

use std::net::IpAddr;

use serde_json::json;
use sqlx::Row;

use super::error::{InventoryError, InventoryResult};
use super::model::{Attribute, Datatype, Entity};
use super::naming::{suffixes_taken, NameFormat};
use super::service::{self, NewAttribute, Reader};
use crate::audit::{self, Change, Surface};
use crate::auth::actor::Actor;
use crate::store::{Store, Tx};
use crate::time;

/// A manager's properties (attributes with subkey `property`) by key, read in one query; the
/// first of a key wins. Values as text, however they are typed.
pub async fn properties_of<'c>(
    reader: impl Reader<'c>,
    manager: &Entity,
) -> InventoryResult<std::collections::HashMap<String, String>> {
    let property = Some("property");
    let attrs = service::attributes_with(reader, manager, None, property, None, &None).await?;
    let mut properties = std::collections::HashMap::new();
    for attribute in attrs {
        let text = attribute
            .value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| attribute.value.to_string());
        properties.entry(attribute.key).or_insert(text);
    }
    Ok(properties)
}

/// How many live allocations `manager` has.
pub async fn count(store: &Store, manager: &Entity) -> InventoryResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM inventory_allocations WHERE manager_id = $1 AND deleted_at IS NULL",
    )
    .bind(manager.id)
    .fetch_one(store.pool())
    .await?)
}

/// The resources `manager` has handed out, with their holders.
pub async fn allocations(
    store: &Store,
    manager: &Entity,
) -> InventoryResult<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT a.resource, e.driver, e.name FROM inventory_allocations a JOIN inventory_entities e ON e.id = a.entity_id \
         WHERE a.manager_id = $1 AND a.deleted_at IS NULL ORDER BY a.id",
    )
    .bind(manager.id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("resource")?,
                format!(
                    "/{}/{}",
                    r.try_get::<String, _>("driver")?,
                    r.try_get::<String, _>("name")?
                ),
            ))
        })
        .collect()
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Records that `manager` hands `resource` to entity `holder`. False when another allocation
/// holds it already: the unique index decided, whichever process asked first.
async fn claim(
    tx: &mut crate::store::Tx,
    manager: &Entity,
    resource: &str,
    holder: i64,
) -> InventoryResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO inventory_allocations (manager_id, resource, entity_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(manager.id)
    .bind(resource)
    .bind(holder)
    .bind(time::now())
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// What an allocation produced: a new entity (name managers) or an attribute (IP managers).
pub enum Allocated {
    Entity(Entity),
    Attribute(Attribute),
}

/// How many times a lost race for the same resource is retried with the next candidate.
const RETRIES: usize = 64;

/// Allocates from a name manager: creates an entity of `driver` named basename + number (from
/// `next`, zero-padded to `digits` unless `leadingZeros` is 0), or named exactly `resource` when
/// given, as clusto does.
pub async fn allocate_name(
    store: &Store,
    actor: &Actor,
    manager: &Entity,
    driver: &str,
    resource: Option<&str>,
) -> InventoryResult<Entity> {
    actor.require_write()?;
    let kind = super::drivers::type_of(driver).ok_or_else(|| {
        InventoryError::Precondition(format!("The driver \"{driver}\" is not a valid driver"))
    })?;
    let format = NameFormat::of(store, manager).await?;
    for attempt in 0..RETRIES {
        let (suffix, name) = match resource {
            Some(resource) => (resource.to_string(), resource.to_string()),
            None => {
                let taken = suffixes_taken(store, manager, &format.basename).await?;
                let n = format.free_from(format.first + attempt as u64, &taken);
                (format.number(n), format.name(n))
            }
        };
        let mut tx = store.begin_write().await?;
        let created = sqlx::query("INSERT INTO inventory_entities (name, driver, type, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(&name)
            .bind(driver)
            .bind(kind)
            .bind(time::now())
            .fetch_one(&mut *tx)
            .await;
        let id: i64 = match created {
            Ok(row) => row.try_get("id")?,
            Err(e) if is_unique_violation(&e) && resource.is_none() => continue,
            Err(e) if is_unique_violation(&e) => {
                return Err(InventoryError::Conflict(format!(
                    "{name} is already allocated"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        if !claim(&mut tx, manager, &suffix, id).await? {
            if resource.is_none() {
                continue;
            }
            return Err(InventoryError::Conflict(format!(
                "{name} is already allocated"
            )));
        }
        let entity = Entity {
            id,
            name,
            driver: driver.to_string(),
            kind: kind.to_string(),
        };
        audit::record(
            &mut tx,
            actor,
            Change {
                surface: Surface::Inventory,
                object: &manager.path(),
                action: "allocate",
                summary: json!({"resource": entity.path()}),
            },
        )
        .await?;
        tx.commit().await?;
        return Ok(entity);
    }
    Err(InventoryError::Conflict(format!(
        "no free name could be allocated from {} after {RETRIES} tries",
        manager.name
    )))
}

/// An IP manager's network: its addresses from network+1 to the last before broadcast.
struct Network {
    base: IpAddr,
    prefix: u8,
    gateway: Option<IpAddr>,
}

impl Network {
    fn bits(&self) -> u8 {
        if self.base.is_ipv4() {
            32
        } else {
            128
        }
    }

    fn to_u128(ip: IpAddr) -> u128 {
        match ip {
            IpAddr::V4(v4) => u32::from(v4) as u128,
            IpAddr::V6(v6) => u128::from(v6),
        }
    }

    fn from_u128(&self, n: u128) -> IpAddr {
        match self.base {
            IpAddr::V4(_) => IpAddr::V4((n as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(n.into()),
        }
    }

    fn network(&self) -> u128 {
        let host_bits = (self.bits() - self.prefix) as u32;
        let mask = if host_bits >= 128 {
            0
        } else {
            !((1u128 << host_bits) - 1)
        };
        Self::to_u128(self.base) & mask
    }

    fn broadcast(&self) -> u128 {
        let host_bits = (self.bits() - self.prefix) as u32;
        self.network()
            | if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        ip.is_ipv4() == self.base.is_ipv4()
            && (self.network()..=self.broadcast()).contains(&Self::to_u128(ip))
    }

    fn usable(&self, ip: IpAddr) -> bool {
        let n = Self::to_u128(ip);
        self.contains(ip)
            && n != self.network()
            && n != self.broadcast()
            && Some(ip) != self.gateway
    }
}

impl Network {
    /// `text` as an address of this network that `manager` may hand out.
    fn address(&self, manager: &Entity, text: &str) -> InventoryResult<IpAddr> {
        let ip: IpAddr = text
            .parse()
            .map_err(|_| InventoryError::Invalid(format!("{text} is not an IP address")))?;
        if !self.usable(ip) {
            return Err(InventoryError::Conflict(format!(
                "{ip} is not an address {} can allocate",
                manager.name
            )));
        }
        Ok(ip)
    }

    /// Up to `window` usable addresses not in `used`, from the lowest.
    fn pick_free(&self, used: &std::collections::HashSet<u128>, window: usize) -> Vec<IpAddr> {
        let mut free = Vec::new();
        let mut candidate = self.network() + 1;
        while free.len() < window && candidate < self.broadcast() {
            let ip = self.from_u128(candidate);
            if !used.contains(&candidate) && self.usable(ip) {
                free.push(ip);
            }
            candidate += 1;
        }
        free
    }
}

fn prefix_of_netmask(netmask: &str) -> InventoryResult<u8> {
    let mask: std::net::Ipv4Addr = netmask
        .parse()
        .map_err(|_| InventoryError::Invalid(format!("{netmask} is not a valid netmask")))?;
    let bits = u32::from(mask);
    if bits.leading_ones() + bits.trailing_zeros() != 32 {
        return Err(InventoryError::Invalid(format!(
            "{netmask} is not a valid netmask"
        )));
    }
    Ok(bits.leading_ones() as u8)
}

async fn network_of<'c>(reader: impl Reader<'c>, manager: &Entity) -> InventoryResult<Network> {
    let properties = properties_of(reader, manager).await?;
    let property = |name: &str| properties.get(name).cloned();
    let base_text = property("baseip")
        .ok_or_else(|| InventoryError::Conflict(format!("{} has no baseip", manager.name)))?;
    let base: IpAddr = base_text
        .parse()
        .map_err(|_| InventoryError::Invalid(format!("{base_text} is not an IP address")))?;
    let prefix = match (property("prefix"), property("netmask")) {
        (Some(prefix), _) => prefix
            .parse()
            .map_err(|_| InventoryError::Invalid(format!("{prefix} is not a prefix length")))?,
        (None, Some(netmask)) if base.is_ipv4() => prefix_of_netmask(&netmask)?,
        _ => {
            if base.is_ipv4() {
                24
            } else {
                64
            }
        }
    };
    let bits = if base.is_ipv4() { 32 } else { 128 };
    if prefix > bits {
        return Err(InventoryError::Invalid(format!(
            "{prefix} is not a prefix length of {base_text} (at most {bits})"
        )));
    }
    let gateway = property("gateway").and_then(|g| g.parse().ok());
    Ok(Network {
        base,
        prefix,
        gateway,
    })
}

/// An IP manager's network in words: `10.0.0.0/24`, and how many addresses it may hand out (the
/// network, broadcast and gateway addresses excluded) — as text, since a /64 has more than any
/// JSON number holds exactly.
pub async fn network_size(store: &Store, manager: &Entity) -> InventoryResult<(String, String)> {
    let network = network_of(store.pool(), manager).await?;
    let all = network.broadcast() - network.network() + 1;
    let inside = |ip: IpAddr| {
        let n = Network::to_u128(ip);
        network.contains(ip) && n != network.network() && n != network.broadcast()
    };
    let reserved = all.min(2) + u128::from(network.gateway.is_some_and(inside));
    let cidr = format!("{}/{}", network.from_u128(network.network()), network.prefix);
    Ok((cidr, all.saturating_sub(reserved).to_string()))
}

/// The runs of addresses an IP manager may still hand out, lowest first, at most `limit` of
/// them: (first, last, how many — as text, for a /64's sake).
pub async fn free_ranges(
    store: &Store,
    manager: &Entity,
    limit: usize,
) -> InventoryResult<Vec<(String, String, String)>> {
    let network = network_of(store.pool(), manager).await?;
    let (first, last) = (network.network() + 1, network.broadcast());
    if last <= first {
        return Ok(Vec::new());
    }
    let last = last - 1;
    let mut taken: Vec<u128> = used_addresses(store, manager).await?.into_iter().collect();
    taken.extend(network.gateway.map(Network::to_u128));
    taken.sort_unstable();
    let mut ranges = Vec::new();
    let mut start = first;
    for address in taken.into_iter().filter(|a| (first..=last).contains(a)) {
        if address > start {
            ranges.push((start, address - 1));
        }
        start = start.max(address + 1);
    }
    if start <= last {
        ranges.push((start, last));
    }
    Ok(ranges
        .into_iter()
        .take(limit)
        .map(|(from, to)| {
            let (from_ip, to_ip) = (network.from_u128(from), network.from_u128(to));
            (from_ip.to_string(), to_ip.to_string(), (to - from + 1).to_string())
        })
        .collect())
}

/// The usable addresses of an IP manager's network, in order, at most `limit` of them.
pub async fn addresses(
    store: &Store,
    manager: &Entity,
    limit: usize,
) -> InventoryResult<Vec<String>> {
    let network = network_of(store.pool(), manager).await?;
    let free = network.pick_free(&Default::default(), limit);
    Ok(free.iter().map(IpAddr::to_string).collect())
}

/// clusto stores an IPv4 address as its unsigned value minus 2^31 (a signed 32-bit column).
pub fn clusto_ip_value(ip: IpAddr) -> serde_json::Value {
    match ip {
        IpAddr::V4(v4) => json!(u32::from(v4) as i64 - (1i64 << 31)),
        IpAddr::V6(v6) => json!(v6.to_string()),
    }
}

/// Allocates an address from an IP manager to `object`: `requested`, or the lowest free one.
/// Records `ip` (the value clusto stores), `ip/ipstring`, `ip/cidr` and `ip/manager` on it.
pub async fn allocate_ip(
    store: &Store,
    actor: &Actor,
    manager: &Entity,
    object: &Entity,
    requested: Option<&str>,
) -> InventoryResult<Attribute> {
    actor.require_write()?;
    let network = network_of(store.pool(), manager).await?;
    let requested = requested
        .map(|text| network.address(manager, text))
        .transpose()?;
    for attempt in 0..RETRIES {
        let ip = match requested {
            Some(ip) => ip,
            None => {
                let used = used_addresses(store, manager).await?;
                // The lowest free address first; after a lost race, one of the lowest few
                // (a window that doubles with each try), so racing allocators spread out.
                let free = network.pick_free(&used, 1 << attempt.min(8));
                if free.is_empty() {
                    return Err(InventoryError::Conflict(format!(
                        "the network of {} is full: no free address is left",
                        manager.name
                    )));
                }
                free[rand::Rng::gen_range(&mut rand::thread_rng(), 0..free.len())]
            }
        };
        let mut tx = store.begin_write().await?;
        if !hand_out_address(&mut tx, actor, manager, &network, object, ip).await? {
            match requested {
                Some(ip) => return Err(already_allocated(ip)),
                None => continue,
            }
        }
        tx.commit().await?;
        return Ok(address_attribute(ip));
    }
    Err(InventoryError::Conflict(format!(
        "no free address could be allocated from {} after {RETRIES} tries",
        manager.name
    )))
}

fn already_allocated(ip: IpAddr) -> InventoryError {
    InventoryError::Conflict(format!("{ip} is already allocated"))
}

/// The addresses `manager` has handed out, as numbers.
async fn used_addresses(
    store: &Store,
    manager: &Entity,
) -> InventoryResult<std::collections::HashSet<u128>> {
    Ok(allocations(store, manager)
        .await?
        .into_iter()
        .filter_map(|(resource, _)| resource.parse::<IpAddr>().ok())
        .map(Network::to_u128)
        .collect())
}

/// The `ip` attribute an allocation answers with: clusto's number for IPv4, the text for IPv6.
fn address_attribute(ip: IpAddr) -> Attribute {
    let (datatype, value) = match ip {
        IpAddr::V4(_) => (Datatype::Int, clusto_ip_value(ip)),
        IpAddr::V6(_) => (Datatype::String, json!(ip.to_string())),
    };
    Attribute {
        key: "ip".into(),
        subkey: None,
        number: Some(0),
        datatype,
        value,
    }
}

/// Claims `ip` from `manager` for `object` in `tx`, writes clusto's four `ip` attributes on it
/// and the audit record. False, with nothing written, when the address is taken already.
async fn hand_out_address(
    tx: &mut Tx,
    actor: &Actor,
    manager: &Entity,
    network: &Network,
    object: &Entity,
    ip: IpAddr,
) -> InventoryResult<bool> {
    if !claim(tx, manager, &ip.to_string(), object.id).await? {
        return Ok(false);
    }
    let number = address_attribute(ip);
    let rows = [
        (
            None,
            number.datatype,
            Some(
                number
                    .value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| number.value.to_string()),
            ),
            None,
        ),
        (
            Some("ipstring"),
            Datatype::String,
            Some(ip.to_string()),
            None,
        ),
        (
            Some("cidr"),
            Datatype::String,
            Some(format!("{ip}/{}", network.prefix)),
            None,
        ),
        (Some("manager"), Datatype::Relation, None, Some(manager.id)),
    ];
    for (subkey, datatype, value, relation) in rows {
        sqlx::query(
            "INSERT INTO inventory_attributes (entity_id, key, subkey, number, datatype, value, relation_id, created_at) \
             VALUES ($1, 'ip', $2, 0, $3, $4, $5, $6)",
        )
        .bind(object.id)
        .bind(subkey)
        .bind(datatype.as_str())
        .bind(value)
        .bind(relation)
        .bind(time::now())
        .execute(&mut **tx)
        .await?;
    }
    let change = Change {
        surface: Surface::Inventory,
        object: &manager.path(),
        action: "allocate",
        summary: json!({"ip": ip.to_string(), "object": object.path()}),
    };
    audit::record(tx, actor, change).await?;
    Ok(true)
}

/// The first of `candidates` that `manager`'s network may hand out (its network read once).
pub(super) async fn first_in_network<'a>(
    tx: &mut Tx,
    manager: &Entity,
    mut candidates: impl Iterator<Item = &'a str>,
) -> InventoryResult<Option<String>> {
    let network = network_of(&mut **tx, manager).await?;
    Ok(candidates
        .find(|address| address.parse().is_ok_and(|ip| network.usable(ip)))
        .map(str::to_string))
}

/// Hands `address` of IP manager `manager` to `object` within `tx`, as an allocation asking
/// for it would (a bulk load does this for the addresses its file says entities hold). An
/// address `object` holds already is left as it is.
pub(super) async fn hand_out_in(
    tx: &mut Tx,
    actor: &Actor,
    manager: &Entity,
    object: &Entity,
    address: &str,
) -> InventoryResult<()> {
    let network = network_of(&mut **tx, manager).await?;
    let ip = network.address(manager, address)?;
    let holder: Option<i64> = sqlx::query_scalar(
        "SELECT entity_id FROM inventory_allocations \
         WHERE manager_id = $1 AND resource = $2 AND deleted_at IS NULL",
    )
    .bind(manager.id)
    .bind(ip.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    if holder == Some(object.id) {
        return Ok(());
    }
    match hand_out_address(tx, actor, manager, &network, object, ip).await? {
        true => Ok(()),
        false => Err(already_allocated(ip)),
    }
}

/// Releases what `manager` allocated to `object` (only `resource`, when given).
pub async fn deallocate(
    store: &Store,
    actor: &Actor,
    manager: &Entity,
    object: &Entity,
    resource: Option<&str>,
) -> InventoryResult<()> {
    actor.require_write()?;
    let now = time::now();
    let mut tx = store.begin_write().await?;
    let released = match resource {
        Some(resource) => {
            sqlx::query("UPDATE inventory_allocations SET deleted_at = $1 WHERE manager_id = $2 AND entity_id = $3 AND resource = $4 AND deleted_at IS NULL")
                .bind(&now)
                .bind(manager.id)
                .bind(object.id)
                .bind(resource)
                .execute(&mut *tx)
                .await?
        }
        None => {
            sqlx::query("UPDATE inventory_allocations SET deleted_at = $1 WHERE manager_id = $2 AND entity_id = $3 AND deleted_at IS NULL")
                .bind(&now)
                .bind(manager.id)
                .bind(object.id)
                .execute(&mut *tx)
                .await?
        }
    };
    if released.rows_affected() == 0 {
        return Err(InventoryError::NotFound(format!(
            "{} holds nothing from {}",
            object.name, manager.name
        )));
    }
    if super::drivers::type_of(&manager.driver).is_some() && manager.driver == "ipmanager" {
        sqlx::query("UPDATE inventory_attributes SET deleted_at = $1 WHERE entity_id = $2 AND key = 'ip' AND deleted_at IS NULL")
            .bind(&now)
            .bind(object.id)
            .execute(&mut *tx)
            .await?;
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            surface: Surface::Inventory,
            object: &manager.path(),
            action: "deallocate",
            summary: json!({"object": object.path()}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The properties clusto's name managers start with (`SimpleNameManager._properties`): key,
/// datatype, value. Kept as attributes, so a manager shows them whether given or not.
const NAME_MANAGER_DEFAULTS: [(&str, &str, &str); 4] = [
    ("basename", "string", ""),
    ("digits", "int", "2"),
    ("leadingZeros", "int", "1"),
    ("next", "int", "1"),
];

/// Properties of a new manager of `driver`: its defaults, replaced by the request's parameters
/// (everything but `name`; a default keeps its datatype, so `digits=x` is refused by the cast),
/// sorted by key.
pub fn properties(driver: &str, params: &[(String, String)]) -> Vec<NewAttribute> {
    let defaults: &[(&str, &str, &str)] = if super::drivers::is_name_manager(driver) {
        &NAME_MANAGER_DEFAULTS
    } else {
        &[]
    };
    let datatype_of = |key: &str| {
        defaults
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, datatype, _)| datatype.to_string())
    };
    let given = params
        .iter()
        .filter(|(key, _)| key != "name")
        .map(|(key, value)| (key.as_str(), value.as_str()));
    let mut properties = std::collections::BTreeMap::new();
    for (key, value) in defaults.iter().map(|(k, _, v)| (*k, *v)).chain(given) {
        properties.insert(
            key.to_string(),
            NewAttribute {
                key: key.to_string(),
                subkey: Some("property".into()),
                datatype: datatype_of(key),
                value: value.to_string(),
                ..Default::default()
            },
        );
    }
    properties.into_values().collect()
}
