//! How a name manager makes names (`basename` + a number from `next`, zero-padded to `digits`
//! unless `leadingZeros` is 0, as clusto's `SimpleNameManager` does), which numbers are taken,
//! and what its page shows of them.

use super::error::InventoryResult;
use super::managers::{allocations, properties_of};
use super::model::Entity;
use crate::store::Store;

/// A name manager's way of making names, from its properties.
pub struct NameFormat {
    pub basename: String,
    digits: usize,
    leading_zeros: bool,
    /// The number allocation starts from (`next`).
    pub first: u64,
}

impl NameFormat {
    pub async fn of(store: &Store, manager: &Entity) -> InventoryResult<Self> {
        let properties = properties_of(store.pool(), manager).await?;
        let property = |name: &str| properties.get(name).map(String::as_str);
        Ok(Self {
            basename: property("basename").unwrap_or_default().to_string(),
            digits: property("digits").and_then(|d| d.parse().ok()).unwrap_or(2),
            leading_zeros: property("leadingZeros").is_none_or(|flag| flag != "0"),
            first: property("next").and_then(|n| n.parse().ok()).unwrap_or(1),
        })
    }

    /// The suffix for number `n`: `07` with two digits.
    pub fn number(&self, n: u64) -> String {
        match self.leading_zeros {
            true => format!("{n:0width$}", width = self.digits),
            false => n.to_string(),
        }
    }

    pub fn name(&self, n: u64) -> String {
        format!("{}{}", self.basename, self.number(n))
    }

    /// The first number from `from` whose suffix is not `taken`.
    pub fn free_from(&self, from: u64, taken: &[String]) -> u64 {
        let mut n = from;
        while taken.contains(&self.number(n)) {
            n += 1;
        }
        n
    }

    /// The number a suffix stands for, when it is one of this format's.
    fn parse(&self, suffix: &str) -> Option<u64> {
        let n = suffix.parse().ok()?;
        (self.number(n) == suffix).then_some(n)
    }
}

/// The suffixes a name manager must not hand out: those it has allocated, and those of live
/// entities named basename + something (made by hand, or loaded by an import), which it steps
/// over instead of colliding with each in turn.
pub async fn suffixes_taken(
    store: &Store,
    manager: &Entity,
    basename: &str,
) -> InventoryResult<Vec<String>> {
    let mut taken: Vec<String> = allocations(store, manager)
        .await?
        .into_iter()
        .map(|(suffix, _)| suffix)
        .collect();
    taken.extend(suffixes_of_names(store, basename).await?);
    Ok(taken)
}

/// What follows `basename` in the names of live entities that start with it.
async fn suffixes_of_names(store: &Store, basename: &str) -> InventoryResult<Vec<String>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM inventory_entities \
         WHERE deleted_at IS NULL AND substr(name, 1, CAST($2 AS INTEGER)) = $1",
    )
    .bind(basename)
    .bind(basename.chars().count() as i64)
    .fetch_all(store.pool())
    .await?;
    Ok(names
        .into_iter()
        .filter_map(|name| name.strip_prefix(basename).map(str::to_string))
        .collect())
}

/// A name manager's names as its page shows them: every number from 1 to past the last one
/// used (at most `shown`), each with its holder, and the name it hands out next.
pub struct NameUse {
    /// Name and holder (`/driver/name`) of each number shown; `None` where it is free.
    pub names: Vec<(String, Option<String>)>,
    /// Every name it has handed out (basename + the allocated suffix), with its holder.
    pub held: Vec<(String, String)>,
    pub next: String,
}

pub async fn name_use(store: &Store, manager: &Entity, shown: u64) -> InventoryResult<NameUse> {
    let format = NameFormat::of(store, manager).await?;
    let held = allocations(store, manager).await?;
    // What `suffixes_taken` reads, without reading the allocations a second time.
    let mut taken: Vec<String> = held.iter().map(|(suffix, _)| suffix.clone()).collect();
    taken.extend(suffixes_of_names(store, &format.basename).await?);
    let next = format.free_from(format.first, &taken);
    let highest = held
        .iter()
        .filter_map(|(suffix, _)| format.parse(suffix))
        .max()
        .unwrap_or(0);
    let names = (1..=highest.max(next).min(shown))
        .map(|n| {
            let suffix = format.number(n);
            let holder = held.iter().find(|(s, _)| *s == suffix).map(|(_, h)| h.clone());
            (format.name(n), holder)
        })
        .collect();
    let held = held
        .into_iter()
        .map(|(suffix, holder)| (format!("{}{suffix}", format.basename), holder))
        .collect();
    Ok(NameUse {
        names,
        held,
        next: format.name(next),
    })
}
