//! The demo inventory clusto-apiserver's documentation examples run against.

use super::error::InventoryResult;
use super::service::{self, Action, NewAttribute};
use crate::auth::actor::Actor;
use crate::store::Store;

/// Pools `emptypool`, `singlepool`, `multipool`; `testserver1` (in singlepool and multipool,
/// key1/subkey1/value1); `testserver2` (in multipool, key1/subkey2/value2); `testnames`, a
/// simpleentitynamemanager with basename `s`. Creating what exists is skipped.
pub async fn demo(store: &Store) -> InventoryResult<()> {
    let actor = Actor::Local;
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    service::create(
        store,
        &actor,
        "pool",
        &names(&["emptypool", "singlepool", "multipool"]),
        &[],
    )
    .await?;
    let servers = service::create(
        store,
        &actor,
        "basicserver",
        &names(&["testserver1", "testserver2"]),
        &[],
    )
    .await?;
    service::create(
        store,
        &actor,
        "simpleentitynamemanager",
        &names(&["testnames"]),
        &[("basename".into(), "s".into())],
    )
    .await?;
    if !servers.existing.is_empty() {
        return Ok(());
    }
    let attribute = |subkey: &str, value: &str| NewAttribute {
        key: "key1".into(),
        subkey: Some(subkey.into()),
        value: value.into(),
        ..Default::default()
    };
    let (server1, server2) = (&servers.entities[0], &servers.entities[1]);
    service::add_attributes(store, &actor, server1, &[attribute("subkey1", "value1")]).await?;
    service::add_attributes(store, &actor, server2, &[attribute("subkey2", "value2")]).await?;
    let singlepool = service::get(store, "singlepool", None, &None).await?;
    let multipool = service::get(store, "multipool", None, &None).await?;
    service::insert_or_remove(
        store,
        &actor,
        &singlepool,
        &names(&["testserver1"]),
        Action::Insert,
    )
    .await?;
    service::insert_or_remove(
        store,
        &actor,
        &multipool,
        &names(&["testserver1", "testserver2"]),
        Action::Insert,
    )
    .await?;
    Ok(())
}
