//! Bulk loads of an inventory (`depot import inventory FILE`): entities with their attributes,
//! their pools and their contents, and managers with their properties — from JSON or CSV, in
//! one transaction. A malformed or refused entry names its line, and nothing is written.
//!
//! JSON is a list of entities as clusto's expanded mode shows them (so an export can be loaded
//! back): `{"name", "driver", "attrs": [{"key", "subkey", "number", "value", "datatype"}],
//! "parents": [...], "contents": [...]}`, pools and contents by name or `/driver/name`; other
//! fields (`type`, `ips`, `count`) are derived and ignored. CSV has a header naming its columns,
//! `name` and `driver` first, then any of `pool`, `key`, `subkey`, `number`, `value`,
//! `datatype`: each line is an entity, with one pool it is in and one attribute when given (an
//! empty field is an absent one); an entity may take several lines.
//!
//! A manager's attributes with subkey `property` are its properties: they replace its defaults
//! (or, for a manager that exists, its current value). An address an IP manager handed out
//! (`ip/manager` beside an `ip/ipstring` of its network) is handed out again by that manager, so
//! it cannot be given to another entity afterwards; one the entity holds already stays as it is.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::json;

use super::drivers;
use super::error::InventoryError;
use super::managers;
use super::model::Entity;
use super::service::{self, NewAttribute};
use crate::audit::Surface;
use crate::auth::actor::Actor;
use crate::store::{Store, Tx};

/// A refusal of the file, at a line of it (1-based; 0 for the file as a whole).
#[derive(Debug)]
pub struct ImportError {
    pub line: usize,
    pub error: InventoryError,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.error),
            line => write!(f, "line {line}: {}", self.error),
        }
    }
}

impl std::error::Error for ImportError {}

fn at(line: usize) -> impl Fn(InventoryError) -> ImportError {
    move |error| ImportError { line, error }
}

fn invalid(line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        line,
        error: InventoryError::Invalid(message.into()),
    }
}

/// One entity of the file, gathered from every line that names it.
#[derive(Debug)]
struct Entry {
    line: usize,
    name: String,
    driver: String,
    attributes: Vec<(usize, NewAttribute)>,
    parents: Vec<(usize, String)>,
    contents: Vec<(usize, String)>,
}

/// A file, read and checked, ready to [`load`].
#[derive(Debug, Default)]
pub struct Document {
    entries: Vec<Entry>,
    /// Where each name's entry is in `entries`.
    by_name: HashMap<String, usize>,
}

/// What a load did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Loaded {
    pub created: usize,
    pub existing: usize,
    pub attributes: usize,
    pub memberships: usize,
}

impl Document {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry for `name`, made on its first line; a later line must not change its driver.
    fn entry(&mut self, line: usize, name: &str, driver: &str) -> Result<&mut Entry, ImportError> {
        service::check_name(name).map_err(at(line))?;
        if drivers::type_of(driver).is_none() {
            return Err(invalid(line, format!("unknown driver \"{driver}\"")));
        }
        match self.by_name.get(name).copied() {
            Some(index) if self.entries[index].driver != driver => Err(invalid(
                line,
                format!(
                    "{name} is a {} on line {}, not a {driver}",
                    self.entries[index].driver, self.entries[index].line
                ),
            )),
            Some(index) => Ok(&mut self.entries[index]),
            None => {
                self.by_name.insert(name.to_string(), self.entries.len());
                self.entries.push(Entry {
                    line,
                    name: name.to_string(),
                    driver: driver.to_string(),
                    attributes: Vec::new(),
                    parents: Vec::new(),
                    contents: Vec::new(),
                });
                Ok(self.entries.last_mut().expect("just pushed"))
            }
        }
    }

    /// A list of entities in clusto's expanded form.
    pub fn from_json(text: &str) -> Result<Self, ImportError> {
        #[derive(Deserialize)]
        struct JsonEntity {
            name: String,
            driver: String,
            #[serde(default)]
            attrs: Vec<JsonAttribute>,
            #[serde(default)]
            parents: Vec<String>,
            #[serde(default)]
            contents: Vec<String>,
        }
        #[derive(Deserialize)]
        struct JsonAttribute {
            key: String,
            #[serde(default)]
            subkey: Option<String>,
            #[serde(default)]
            number: Option<i64>,
            value: serde_json::Value,
            #[serde(default)]
            datatype: Option<String>,
        }
        let entities: Vec<JsonEntity> = serde_json::from_str(text).map_err(|e| {
            invalid(
                e.line(),
                format!("not a list of entities: {}", without_position(&e)),
            )
        })?;
        let lines = element_lines(text);
        let mut document = Self::default();
        for (index, entity) in entities.into_iter().enumerate() {
            let line = lines.get(index).copied().unwrap_or(0);
            let entry = document.entry(line, &entity.name, &entity.driver)?;
            for attribute in entity.attrs {
                let value = match attribute.value {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                entry.attributes.push((
                    line,
                    NewAttribute {
                        key: attribute.key,
                        subkey: attribute.subkey,
                        number: attribute.number,
                        datatype: attribute.datatype,
                        value,
                        mask: None,
                    },
                ));
            }
            entry
                .parents
                .extend(entity.parents.into_iter().map(|p| (line, p)));
            entry
                .contents
                .extend(entity.contents.into_iter().map(|c| (line, c)));
        }
        Ok(document)
    }

    /// Lines of `name,driver[,pool][,key,subkey,number,value,datatype]` under a header.
    pub fn from_csv(text: &str) -> Result<Self, ImportError> {
        let mut records = csv_records(text);
        let Some((_, header)) = records.next().transpose()? else {
            return Ok(Self::default());
        };
        const KNOWN: [&str; 8] = [
            "name", "driver", "pool", "key", "subkey", "number", "value", "datatype",
        ];
        if let Some(unknown) = header.iter().find(|c| !KNOWN.contains(&c.as_str())) {
            return Err(invalid(
                1,
                format!(
                    "unknown column \"{unknown}\": the columns are {}",
                    KNOWN.join(", ")
                ),
            ));
        }
        let column = |name: &str| header.iter().position(|c| c == name);
        let (Some(name_at), Some(driver_at)) = (column("name"), column("driver")) else {
            return Err(invalid(
                1,
                "the header must name the columns name and driver",
            ));
        };
        let mut document = Self::default();
        for record in records {
            let (line, fields) = record?;
            if fields.iter().all(String::is_empty) {
                continue;
            }
            if fields.len() != header.len() {
                return Err(invalid(
                    line,
                    format!(
                        "{} fields where the header has {}",
                        fields.len(),
                        header.len()
                    ),
                ));
            }
            let field = |name: &str| {
                column(name)
                    .map(|i| fields[i].clone())
                    .filter(|v| !v.is_empty())
            };
            let entry = document.entry(line, &fields[name_at], &fields[driver_at])?;
            if let Some(pool) = field("pool") {
                entry.parents.push((line, pool));
            }
            match (field("key"), field("value")) {
                (Some(key), Some(value)) => {
                    let number = field("number")
                        .map(|n| {
                            n.trim().parse::<i64>().map_err(|_| {
                                invalid(line, format!("number \"{n}\" is not a whole number"))
                            })
                        })
                        .transpose()?;
                    entry.attributes.push((
                        line,
                        NewAttribute {
                            key,
                            subkey: field("subkey"),
                            number,
                            datatype: field("datatype"),
                            value,
                            mask: None,
                        },
                    ));
                }
                (None, None) => {
                    let stray = ["subkey", "number", "datatype"]
                        .into_iter()
                        .find(|name| field(name).is_some());
                    if let Some(stray) = stray {
                        return Err(invalid(
                            line,
                            format!("{stray} is given without key and value"),
                        ));
                    }
                }
                _ => return Err(invalid(line, "an attribute needs both key and value")),
            }
        }
        Ok(document)
    }
}

/// serde_json's message without its own " at line L column C" (the line is said first).
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The line each element of a top-level JSON array starts on (the text parsed already).
fn element_lines(text: &str) -> Vec<usize> {
    let (mut lines, mut line, mut depth) = (Vec::new(), 1, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    let mut expecting_element = false;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if depth == 1 && expecting_element && !c.is_whitespace() && c != ']' {
            lines.push(line);
            expecting_element = false;
        }
        match c {
            '"' => in_string = true,
            '[' | '{' => {
                depth += 1;
                expecting_element = depth == 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting_element = true,
            _ => {}
        }
    }
    lines
}

/// RFC 4180 records with the line each starts on: fields separated by commas, quoted with `"`
/// (a doubled `""` inside is one quote) where they hold commas, quotes or line breaks.
fn csv_records(text: &str) -> impl Iterator<Item = Result<(usize, Vec<String>), ImportError>> + '_ {
    let mut chars = text.chars().peekable();
    let mut line = 1;
    std::iter::from_fn(move || {
        chars.peek()?;
        let start = line;
        let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
        loop {
            match (quoted, chars.next()) {
                (true, None) => return Some(Err(invalid(start, "a quoted field is not closed"))),
                (false, None) => break,
                (true, Some('"')) if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, Some('"')) => quoted = false,
                (true, Some(c)) => {
                    line += usize::from(c == '\n');
                    field.push(c);
                }
                (false, Some('"')) if field.is_empty() => quoted = true,
                (false, Some(',')) => fields.push(std::mem::take(&mut field)),
                (false, Some('\r')) if chars.peek() == Some(&'\n') => {}
                (false, Some('\n')) => {
                    line += 1;
                    break;
                }
                (false, Some(c)) => field.push(c),
            }
        }
        fields.push(field);
        Some(Ok((start, fields)))
    })
}

/// Loads `document` as `actor` in one transaction: entities first (those that exist are kept,
/// if their driver matches), then attributes, then memberships. `progress` hears `(done,
/// total)` after each entity. Nothing is written unless everything is.
pub async fn load(
    store: &Store,
    actor: &Actor,
    document: &Document,
    mut progress: impl FnMut(usize, usize),
) -> Result<Loaded, ImportError> {
    actor.require_write().map_err(|e| at(0)(e.into()))?;
    let mut tx = store.begin_write().await.map_err(|e| at(0)(e.into()))?;
    let mut loaded = Loaded::default();
    let mut entities = BTreeMap::new();
    for entry in &document.entries {
        let (entity, made) = create(&mut tx, actor, entry).await?;
        match made {
            true => loaded.created += 1,
            false => loaded.existing += 1,
        }
        entities.insert(entry.name.as_str(), (entity, made));
    }
    for (done, entry) in document.entries.iter().enumerate() {
        let (entity, made) = &entities[entry.name.as_str()];
        loaded.attributes += add_attributes(&mut tx, actor, entity, *made, entry).await?;
        loaded.memberships += add_memberships(&mut tx, entity, entry).await?;
        let summary = json!({
            "attributes": entry.attributes.len(),
            "parents": entry.parents.iter().map(|(_, p)| p).collect::<Vec<_>>(),
            "contents": entry.contents.iter().map(|(_, c)| c).collect::<Vec<_>>(),
        });
        Surface::Inventory
            .record(&mut tx, actor, &entity.path(), "import", summary)
            .await
            .map_err(|e| at(entry.line)(e.into()))?;
        progress(done + 1, document.len());
    }
    tx.commit().await.map_err(|e| at(0)(e.into()))?;
    Ok(loaded)
}

fn is_property(entry: &Entry, attribute: &NewAttribute) -> bool {
    drivers::is_resource_manager(&entry.driver) && attribute.subkey.as_deref() == Some("property")
}

/// The entry's entity, made with its properties when it does not exist yet.
async fn create(tx: &mut Tx, actor: &Actor, entry: &Entry) -> Result<(Entity, bool), ImportError> {
    let given: Vec<(String, String)> = entry
        .attributes
        .iter()
        .filter(|(_, a)| is_property(entry, a))
        .map(|(_, a)| (a.key.clone(), a.value.clone()))
        .collect();
    let properties = managers::properties(&entry.driver, &given);
    let (entity, made) = service::create_one(tx, actor, &entry.name, &entry.driver, &properties)
        .await
        .map_err(at(entry.line))?;
    if entity.driver != entry.driver {
        return Err(invalid(
            entry.line,
            format!(
                "{} exists already as a {}, not a {}",
                entry.name, entity.driver, entry.driver
            ),
        ));
    }
    Ok((entity, made))
}

/// An address an IP manager handed out to the entry's entity, as the file shows it.
struct Address {
    line: usize,
    manager: Entity,
    address: String,
}

/// The addresses the entry holds from IP managers: each `ip/manager` relation paired with the
/// first `ip/ipstring` of that manager's network not paired yet. Other `ip` attributes (an
/// address set by hand) are ordinary attributes.
async fn addresses(tx: &mut Tx, entry: &Entry) -> Result<Vec<Address>, ImportError> {
    let with_subkey = |subkey: &'static str| {
        entry
            .attributes
            .iter()
            .filter(move |(_, a)| a.key == "ip" && a.subkey.as_deref() == Some(subkey))
    };
    let mut paired = Vec::new();
    for (line, relation) in with_subkey("manager") {
        let name = relation.value.rsplit('/').next().unwrap_or_default();
        let manager = service::find_with(&mut **tx, name, &None)
            .await
            .map_err(at(*line))?
            .filter(|m| m.driver == "ipmanager")
            .ok_or_else(|| invalid(*line, format!("{name} is not an IP manager")))?;
        let unpaired = with_subkey("ipstring")
            .map(|(_, a)| a.value.as_str())
            .filter(|candidate| !paired.iter().any(|p: &Address| p.address == *candidate));
        let address = managers::first_in_network(tx, &manager, unpaired)
            .await
            .map_err(at(*line))?;
        let address = address.ok_or_else(|| {
            invalid(
                *line,
                format!("{} has no ip/ipstring in the network of {name}", entry.name),
            )
        })?;
        paired.push(Address {
            line: *line,
            manager,
            address,
        });
    }
    Ok(paired)
}

/// Whether `attribute` is one of clusto's four attributes of a paired address (`ip`,
/// `ip/ipstring`, `ip/cidr`, `ip/manager`): the manager writes them again as it hands it out.
fn is_part_of(attribute: &NewAttribute, addresses: &[Address]) -> bool {
    if attribute.key != "ip" {
        return false;
    }
    let value = attribute.value.as_str();
    addresses.iter().any(|paired| {
        let address = paired.address.as_str();
        match attribute.subkey.as_deref() {
            Some("ipstring") => value == address,
            Some("cidr") => value.split('/').next() == Some(address),
            Some("manager") => value.rsplit('/').next() == Some(paired.manager.name.as_str()),
            None => {
                // clusto's number for an IPv4 address, as text (an IPv6 address is its text).
                let number = address
                    .parse()
                    .map(|ip| managers::clusto_ip_value(ip).to_string());
                value == address || number.is_ok_and(|number| number == value)
            }
            Some(_) => false,
        }
    })
}

/// The entry's attributes. A manager made now has its properties already; a property of one
/// that existed replaces its value; addresses from IP managers are handed out again.
async fn add_attributes(
    tx: &mut Tx,
    actor: &Actor,
    entity: &Entity,
    made: bool,
    entry: &Entry,
) -> Result<usize, ImportError> {
    let addresses = addresses(tx, entry).await?;
    for paired in &addresses {
        managers::hand_out_in(tx, actor, &paired.manager, entity, &paired.address)
            .await
            .map_err(at(paired.line))?;
    }
    let mut added = 0;
    for (line, attribute) in &entry.attributes {
        if is_part_of(attribute, &addresses) {
            continue;
        }
        if is_property(entry, attribute) {
            if made {
                continue;
            }
            let (key, subkey) = (&attribute.key, attribute.subkey.as_deref());
            service::close_matching(tx, entity, key, subkey, attribute.number)
                .await
                .map_err(at(*line))?;
        }
        service::insert_attribute(tx, entity, attribute)
            .await
            .map_err(at(*line))?;
        added += 1;
    }
    Ok(added)
}

async fn add_memberships(
    tx: &mut Tx,
    entity: &Entity,
    entry: &Entry,
) -> Result<usize, ImportError> {
    let named = |line: usize, reference: &str| {
        let name = reference.rsplit('/').next().unwrap_or_default().to_string();
        (line, name)
    };
    let links = entry
        .parents
        .iter()
        .map(|(line, parent)| (named(*line, parent), true))
        .chain(
            entry
                .contents
                .iter()
                .map(|(line, child)| (named(*line, child), false)),
        );
    let mut added = 0;
    for ((line, name), is_parent) in links {
        let other = service::find_with(&mut **tx, &name, &None)
            .await
            .map_err(at(line))?
            .ok_or_else(|| {
                invalid(
                    line,
                    format!("{name} is neither in the file nor in the inventory"),
                )
            })?;
        let (container, member) = match is_parent {
            true => (&other, entity),
            false => (entity, &other),
        };
        let inserted = service::insert_member(tx, container, member)
            .await
            .map_err(at(line))?;
        // An export names each membership twice: in the pool's contents and the member's parents.
        added += usize::from(inserted);
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_may_be_quoted_across_lines() {
        let records: Vec<_> = csv_records("name,value\r\nweb1,\"a, \"\"b\"\"\nc\"\nweb2,x\n")
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            records,
            vec![
                (1, vec!["name".to_string(), "value".to_string()]),
                (2, vec!["web1".to_string(), "a, \"b\"\nc".to_string()]),
                (4, vec!["web2".to_string(), "x".to_string()]),
            ]
        );
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        let error = csv_records("name\n\"web1\n").find_map(Result::err).unwrap();
        assert_eq!(error.to_string(), "line 2: a quoted field is not closed");
    }

    #[test]
    fn each_json_entity_knows_its_line() {
        let text =
            "[\n  {\"name\": \"a\", \"attrs\": [{\"v\": \"[x, {y}]\"}]},\n\n  {\"name\": \"b\"}\n]";
        assert_eq!(element_lines(text), vec![2, 4]);
    }

    #[test]
    fn a_csv_line_with_an_unknown_driver_is_refused_by_line() {
        let error =
            Document::from_csv("name,driver\nweb1,basicserver\nweb2,toaster\n").unwrap_err();
        assert_eq!(error.to_string(), "line 3: unknown driver \"toaster\"");
    }

    #[test]
    fn a_later_line_may_not_change_an_entity_s_driver() {
        let error = Document::from_csv("name,driver\nweb1,basicserver\nweb1,pool\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "line 3: web1 is a basicserver on line 2, not a pool"
        );
    }
}
