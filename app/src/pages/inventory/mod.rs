//! Inventory pages: find entities and create them; an entity's attributes (typed editing), its
//! pools and contents, its addresses; a resource manager's use as a picture of used and free
//! (`network.rs`).

use depot_domain::inventory::drivers::DRIVERS;
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::Value;

use crate::api::inventory::{
    load_entity, search_entities, AllocateIp, AttributeView, ChangeMembership, CreateEntity,
    EntityDetail, EntitySummary, SetAttribute,
};
use crate::components::allowed::Allowed;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::posts_to;
use depot_domain::Role;

mod network;
use crate::api::page_data::page_data;
use network::{NamesPicture, NetworkPicture};

/// An attribute's value as a person reads it: clusto keeps an IPv4 address (`ip`, an int) as
/// its unsigned value minus 2^31, shown here as the address it is.
fn attribute_value(attribute: &AttributeView) -> String {
    match (&*attribute.key, &attribute.subkey, &attribute.value) {
        ("ip", None, Value::Number(n)) => n
            .as_i64()
            .and_then(|stored| u32::try_from(stored + (1i64 << 31)).ok())
            .map(|ip| std::net::Ipv4Addr::from(ip).to_string())
            .unwrap_or_else(|| n.to_string()),
        (_, _, value) => shown(value),
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[component]
pub fn InventoryPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("search");
    let found = page_data(search, search_entities);
    let create = ServerAction::<CreateEntity>::new();
    let (driver, name) = (
        NodeRef::<html::Select>::new(),
        NodeRef::<html::Input>::new(),
    );
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(created)) = create.value().get() {
            navigate(
                &format!("/entities/{}", crate::urlencode(&created.name)),
                Default::default(),
            );
        }
    });
    let on_create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(driver), Some(name)) = (driver.get(), name.get()) {
            create.dispatch(CreateEntity {
                driver: driver.value(),
                name: name.value(),
            });
        }
    };
    view! {
        <Title text="Inventory"/>
        <h1>"Inventory"</h1>
        <p class="lead">"Servers, pools and resource managers; also at " <code>"/inventory/…"</code> " for clusto scripts."</p>
        <form method="get" action="/entities" class="inline-form" aria-label="Find entities">
            <label>"Name contains, or key=value" <input type="search" name="search" value=move || search().unwrap_or_default()/></label>
            <button type="submit">"Find"</button>
        </form>
        <Allowed role=Role::Writer>
            <form class="inline-form" method="post" action={posts_to::<CreateEntity>()} on:submit=on_create aria-label="Create entity">
                <label>"Driver"
                    <select name="driver" node_ref=driver>
                        {DRIVERS.iter().map(|(d, _)| view! { <option value=*d selected=*d == "basicserver">{*d}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Name" <input type="text" name="name" node_ref=name required/></label>
                <button type="submit" disabled=move || create.pending().get()>"Create"</button>
            </form>
        </Allowed>
        {move || match create.value().get() {
            Some(Err(error)) => Some(view! { <ApiErrorView error/> }),
            _ => None,
        }}
        <Loaded resource=found then=move |entities| match entities.is_empty() {
            true => view! { <p class="empty">"No entities match."</p> }.into_any(),
            false => view! {
                <table class="data entities">
                    <thead><tr><th>"Name"</th><th>"Driver"</th><th>"Type"</th></tr></thead>
                    <tbody>
                        {entities.into_iter().map(|e| view! {
                            <tr>
                                <td><a href=format!("/entities/{}", crate::urlencode(&e.name))>{e.name.clone()}</a></td>
                                <td>{e.driver}</td>
                                <td>{e.kind}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }/>
    }
}

#[component]
pub fn EntityPage() -> impl IntoView {
    let params = use_params_map();
    let name = move || params.read().get("name").unwrap_or_default();
    let set = ServerAction::<SetAttribute>::new();
    let membership = ServerAction::<ChangeMembership>::new();
    let allocate = ServerAction::<AllocateIp>::new();
    let detail = page_data(
        move || {
            (
                name(),
                set.version().get(),
                membership.version().get(),
                allocate.version().get(),
            )
        },
        |(name, ..)| load_entity(name),
    );
    let failures = move || {
        [
            set.value().get().and_then(Result::err),
            membership.value().get().and_then(Result::err),
            allocate.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .map(|error| view! { <ApiErrorView error/> })
        .collect_view()
    };
    view! {
        <Title text=name/>
        <p><a href="/entities">"← Inventory"</a></p>
        {failures}
        <Loaded resource=detail then=move |detail| view! { <EntityView detail set membership allocate/> }/>
    }
}

/// An entity's page: its attributes, pools, contents and addresses — or, for a resource
/// manager, the use of its network or names.
#[component]
fn EntityView(
    detail: EntityDetail,
    set: ServerAction<SetAttribute>,
    membership: ServerAction<ChangeMembership>,
    allocate: ServerAction<AllocateIp>,
) -> impl IntoView {
    let EntityDetail {
        entity,
        attrs,
        parents,
        contents,
        pools,
        ip_managers,
        addresses,
        network,
        names,
    } = detail;
    let name = entity.name.clone();
    let is_manager = network.is_some() || names.is_some();
    view! {
        <h1>{name.clone()} " " <span class="badge">{format!("{} · {}", entity.driver, entity.kind)}</span></h1>
        <Attributes name=name.clone() attrs set/>
        <Pools name=name.clone() parents pools membership/>
        <h2>"Contents"</h2>
        <ul class="members contents">
            {contents.iter().map(|c| view! { <li><a href=entity_href(c)>{entity_path(c)}</a></li> }).collect_view()}
        </ul>
        {(!is_manager && !ip_managers.is_empty()).then(|| view! { <Allocation name ip_managers allocate/> })}
        {network.map(|network| view! { <NetworkPicture addresses network/> })}
        {names.map(|names| view! { <NamesPicture names/> })}
    }
}

fn entity_href(entity: &EntitySummary) -> String {
    format!("/entities/{}", crate::urlencode(&entity.name))
}

fn entity_path(entity: &EntitySummary) -> String {
    format!("/{}/{}", entity.driver, entity.name)
}

/// The attributes as a table, and a form that sets one.
#[component]
fn Attributes(
    name: String,
    attrs: Vec<AttributeView>,
    set: ServerAction<SetAttribute>,
) -> impl IntoView {
    let entity = name.clone();
    let (key, subkey, value, datatype) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Select>::new(),
    );
    let on_set = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let (Some(key), Some(subkey), Some(value), Some(datatype)) =
            (key.get(), subkey.get(), value.get(), datatype.get())
        {
            let subkey = Some(subkey.value()).filter(|s| !s.is_empty());
            set.dispatch(SetAttribute {
                name: name.clone(),
                key: key.value(),
                subkey,
                value: value.value(),
                datatype: datatype.value(),
            });
        }
    };
    view! {
        <h2>"Attributes"</h2>
        <table class="data attrs">
            <thead><tr><th>"Key"</th><th>"Subkey"</th><th>"Number"</th><th>"Type"</th><th>"Value"</th></tr></thead>
            <tbody>
                {attrs.iter().map(|a| view! {
                    <tr>
                        <td>{a.key.clone()}</td>
                        <td>{a.subkey.clone().unwrap_or_default()}</td>
                        <td>{a.number.map(|n| n.to_string()).unwrap_or_default()}</td>
                        <td>{a.datatype.clone()}</td>
                        <td><code>{attribute_value(a)}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Allowed role=Role::Writer>
            <form class="inline-form" method="post" action={posts_to::<SetAttribute>()} on:submit=on_set.clone() aria-label="Set attribute">
                <input type="hidden" name="name" value=entity.clone()/>
                <label>"Key" <input type="text" name="key" node_ref=key required/></label>
                <label>"Subkey" <input type="text" name="subkey" node_ref=subkey/></label>
                <label>"Value" <input type="text" name="value" node_ref=value required/></label>
                <label>"Type"
                    <select name="datatype" node_ref=datatype>
                        {["string", "int", "datetime", "relation", "json"].into_iter().map(|t| view! { <option value=t>{t}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Set"</button>
            </form>
        </Allowed>
    }
}

/// The pools and parents the entity is in, each with a way out, and a form to join a pool.
#[component]
fn Pools(
    name: String,
    parents: Vec<EntitySummary>,
    pools: Vec<EntitySummary>,
    membership: ServerAction<ChangeMembership>,
) -> impl IntoView {
    let pool_choice = NodeRef::<html::Select>::new();
    let on_join = {
        let name = name.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if let Some(pool) = pool_choice.get() {
                membership.dispatch(ChangeMembership {
                    pool: pool.value(),
                    device: name.clone(),
                    insert: true,
                });
            }
        }
    };
    view! {
        <h2>"Pools and parents"</h2>
        <ul class="members parents">
            {parents.iter().map(|p| {
                let (pool, device) = (p.name.clone(), name.clone());
                view! {
                    <li>
                        <a href=entity_href(p)>{entity_path(p)}</a>
                        <Allowed role=Role::Writer>
                            " "
                            <form class="inline" method="post" action={posts_to::<ChangeMembership>()}
                                on:submit={
                                    let (pool, device) = (pool.clone(), device.clone());
                                    move |event: leptos::ev::SubmitEvent| {
                                        event.prevent_default();
                                        membership.dispatch(ChangeMembership { pool: pool.clone(), device: device.clone(), insert: false });
                                    }
                                }>
                                <input type="hidden" name="pool" value=pool.clone()/>
                                <input type="hidden" name="device" value=device.clone()/>
                                <input type="hidden" name="insert" value="false"/>
                                <button type="submit" class="link-danger">"remove"</button>
                            </form>
                        </Allowed>
                    </li>
                }
            }).collect_view()}
        </ul>
        <Allowed role=Role::Writer>
            <form class="inline-form" method="post" action={posts_to::<ChangeMembership>()} on:submit=on_join.clone() aria-label="Add to pool">
                <input type="hidden" name="device" value=name.clone()/>
                <input type="hidden" name="insert" value="true"/>
                <label>"Pool"
                    <select name="pool" node_ref=pool_choice>
                        {pools.iter().map(|p| view! { <option value=p.name.clone()>{p.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Add to pool"</button>
            </form>
        </Allowed>
    }
}

/// A form that gets the entity an address from one of the IP managers.
#[component]
fn Allocation(
    name: String,
    ip_managers: Vec<EntitySummary>,
    allocate: ServerAction<AllocateIp>,
) -> impl IntoView {
    let entity = name.clone();
    let manager_choice = NodeRef::<html::Select>::new();
    let on_allocate = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(manager) = manager_choice.get() {
            allocate.dispatch(AllocateIp {
                manager: manager.value(),
                object: name.clone(),
            });
        }
    };
    view! {
        <h2>"Addresses"</h2>
        <Allowed role=Role::Writer>
            <form class="inline-form" method="post" action={posts_to::<AllocateIp>()} on:submit=on_allocate.clone() aria-label="Allocate address">
                <input type="hidden" name="object" value=entity.clone()/>
                <label>"From"
                    <select name="manager" node_ref=manager_choice>
                        {ip_managers.iter().map(|m| view! { <option value=m.name.clone()>{m.name.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit">"Allocate an address"</button>
            </form>
        </Allowed>
    }
}
