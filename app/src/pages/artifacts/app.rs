//! An app on an artifact: its page (what it runs, its config and history), and the card that
//! moves it to another version after a confirmation that shows what changes.

use std::collections::{BTreeMap, BTreeSet};

use depot_domain::artifacts::{AppDetail, ArtifactDetail};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use serde_json::Value;

use super::{app_href, artifact_href, scope_badge, version_href};
use crate::api::artifacts::{load_artifact, ArtifactOverview, ChangeAppVersion};
use crate::api::page_data::page_data;
use crate::components::allowed::Allowed;
use crate::components::confirm::{Confirmation, PlainPost};
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::pages::not_found::NotFound;
use depot_domain::Role;

/// An app's own page: what it runs (linked), when it was made and changed, and its card.
#[component]
pub fn AppPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("ns").unwrap_or_default(),
            p.get("name").unwrap_or_default(),
            p.get("app").unwrap_or_default(),
        )
    };
    let change = ServerAction::<ChangeAppVersion>::new();
    let overview = page_data(
        move || (key(), change.version().get()),
        |((ns, name, _), _)| load_artifact(ns, name),
    );
    view! {
        <Title text=move || format!("{} · Apps", key().2)/>
        <p><a href=move || artifact_href(&key().0, &key().1)>{move || format!("← {} / {}", key().0, key().1)}</a></p>
        <h1>{move || format!("App {}", key().2)}</h1>
        {move || change.value().get().and_then(Result::err).map(|error| view! { <ApiErrorView error/> })}
        <Loaded resource=overview then=move |overview: ArtifactOverview| {
            let (namespace, _, name) = key();
            let versions = VersionFacts::of(&overview.versions);
            match overview.apps.into_iter().find(|a| a.name == name) {
                Some(app) => view! {
                    <AppFacts namespace=namespace.clone() app=app.clone()/>
                    <AppCard namespace app versions change/>
                }.into_any(),
                None => view! { <NotFound message=format!("no app {name} on this artifact")/> }.into_any(),
            }
        }/>
    }
}

#[component]
fn AppFacts(namespace: String, app: AppDetail) -> impl IntoView {
    let artifact = app.artifact.clone();
    view! {
        {(!app.description.is_empty()).then(|| view! { <p class="lead">{app.description.clone()}</p> })}
        <dl class="facts">
            <dt>"Runs"</dt>
            <dd>
                <a href=artifact_href(&namespace, &artifact.name)>{artifact.name.clone()}</a>" "
                <a href=version_href(&namespace, &artifact.name, &artifact.version)>{artifact.version.clone()}</a>" "
                {scope_badge(artifact.scope)}
            </dd>
            <dt>"Created"</dt><dd><LocalTime at=app.created.clone()/></dd>
            <dt>"Changed"</dt><dd><LocalTime at=app.updated.clone()/></dd>
        </dl>
    }
}

/// What moving from version `now` to `after` does to the plugins, in words.
fn plugin_changes(plugins: &Plugins, now: &str, after: &str) -> String {
    let empty = BTreeSet::new();
    let (now, after) = (
        plugins.get(now).unwrap_or(&empty),
        plugins.get(after).unwrap_or(&empty),
    );
    let listed = |names: Vec<&String>| names.into_iter().cloned().collect::<Vec<_>>().join(", ");
    let added = listed(after.difference(now).collect());
    let removed = listed(now.difference(after).collect());
    match (added.is_empty(), removed.is_empty()) {
        (true, true) => "The plugins stay the same.".into(),
        (false, true) => format!("Plugins added: {added}."),
        (true, false) => format!("Plugins removed: {removed}."),
        (false, false) => format!("Plugins added: {added}; removed: {removed}."),
    }
}

/// What an app's card knows of its artifact's versions, to say what moving between them changes.
#[derive(Clone)]
pub(super) struct VersionFacts {
    /// Oldest first.
    names: Vec<String>,
    plugins: Plugins,
    config_fields: ConfigFields,
}

impl VersionFacts {
    pub(super) fn of(versions: &[ArtifactDetail]) -> Self {
        Self {
            names: versions.iter().map(|v| v.version.clone()).collect(),
            plugins: plugins_by_version(versions),
            config_fields: config_fields_by_version(versions),
        }
    }
}

/// Each version's plugins, as `type:name`.
type Plugins = BTreeMap<String, BTreeSet<String>>;

fn plugins_by_version(versions: &[ArtifactDetail]) -> Plugins {
    versions
        .iter()
        .map(|v| {
            let names = v
                .classes
                .plugins
                .iter()
                .map(|p| format!("{}:{}", p.kind, p.name));
            (v.version.clone(), names.collect())
        })
        .collect()
}

/// Each version's config fields as its app classes' schemas declare them: field → its type,
/// and "required" where the schema says so.
type ConfigFields = BTreeMap<String, BTreeMap<String, String>>;

fn config_fields_by_version(versions: &[ArtifactDetail]) -> ConfigFields {
    versions
        .iter()
        .map(|v| {
            let schemas = v
                .classes
                .apps
                .iter()
                .filter_map(|a| a.config_schema.as_ref());
            (v.version.clone(), schemas.flat_map(schema_fields).collect())
        })
        .collect()
}

/// A config schema's top-level fields, each with its type in words: "integer",
/// "string or null", "string, required".
fn schema_fields(schema: &Value) -> Vec<(String, String)> {
    let required = |name: &str| {
        schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n.as_str() == Some(name)))
    };
    let properties = schema["properties"].as_object().into_iter().flatten();
    properties
        .map(|(name, property)| {
            let kind = match &property["type"] {
                Value::String(kind) => kind.clone(),
                Value::Array(kinds) => {
                    let kinds: Vec<&str> = kinds.iter().filter_map(Value::as_str).collect();
                    kinds.join(" or ")
                }
                _ => "any value".into(),
            };
            let described = if required(name) {
                format!("{kind}, required")
            } else {
                kind
            };
            (name.clone(), described)
        })
        .collect()
}

/// What moving from version `now` to `after` does to the config schema's fields, in words.
fn config_field_changes(fields: &ConfigFields, now: &str, after: &str) -> String {
    let empty = BTreeMap::new();
    let (now, after) = (
        fields.get(now).unwrap_or(&empty),
        fields.get(after).unwrap_or(&empty),
    );
    let mut parts = Vec::new();
    let listed = |names: Vec<String>| names.join(", ");
    let added: Vec<String> = after
        .iter()
        .filter(|(name, _)| !now.contains_key(*name))
        .map(|(name, kind)| format!("{name} ({kind})"))
        .collect();
    let removed: Vec<String> = now
        .keys()
        .filter(|name| !after.contains_key(*name))
        .cloned()
        .collect();
    let changed: Vec<String> = now
        .iter()
        .filter_map(|(name, was)| {
            let kind = after.get(name)?;
            (kind != was).then(|| format!("{name} ({was} → {kind})"))
        })
        .collect();
    for (what, names) in [("added", added), ("removed", removed), ("changed", changed)] {
        if !names.is_empty() {
            parts.push(format!("{what}: {}", listed(names)));
        }
    }
    if parts.is_empty() {
        "The config schema stays the same.".into()
    } else {
        format!("Config fields {}.", parts.join("; "))
    }
}

/// One line per top-level config key that differs: (key, now, after).
fn config_changes(now: &Value, after: &Value) -> Vec<(String, String, String)> {
    let empty = serde_json::Map::new();
    let (now, after) = (
        now.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let keys: BTreeSet<&String> = now.keys().chain(after.keys()).collect();
    let shown = |v: Option<&Value>| v.map(Value::to_string).unwrap_or_else(|| "—".into());
    keys.into_iter()
        .filter(|k| now.get(*k) != after.get(*k))
        .map(|k| (k.clone(), shown(now.get(k)), shown(after.get(k))))
        .collect()
}

/// The in-page question before an app moves to another version, with what its config becomes.
#[component]
fn ConfirmVersionChange(
    question: String,
    /// "Upgrade" or "Roll back".
    direction: &'static str,
    /// Config key, value now, value after.
    changes: Vec<(String, String, String)>,
    /// What the move does to the plugins, in words.
    plugin_changes: String,
    /// What the move does to the config schema's fields, in words.
    schema_changes: String,
    request: ChangeAppVersion,
    change: ServerAction<ChangeAppVersion>,
    set_pending: WriteSignal<Option<String>>,
    /// The page without the question.
    page: String,
) -> impl IntoView {
    let config = request
        .config
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    let posts = PlainPost::to::<ChangeAppVersion>()
        .field("namespace", request.namespace.clone())
        .field("app", request.app.clone())
        .field("version", request.version.clone())
        .field("config", config)
        .field("plain_form", "true".into());
    let on_confirm = Callback::new(move |()| {
        change.dispatch(request.clone());
        set_pending.set(None);
    });
    let on_cancel = Callback::new(move |()| set_pending.set(None));
    view! {
        <Confirmation question confirm=direction on_confirm on_cancel posts cancel_href=page>
            <p class="plugin-changes">{plugin_changes}</p>
            <p class="schema-changes">{schema_changes}</p>
            {if changes.is_empty() {
                view! { <p>"The config stays as it is."</p> }.into_any()
            } else {
                view! {
                    <table class="data config-diff">
                        <thead><tr><th>"Config key"</th><th>"Now"</th><th>"After"</th></tr></thead>
                        <tbody>
                            {changes.into_iter().map(|(k, before, after)| view! {
                                <tr><td>{k}</td><td><code>{before}</code></td><td><code>{after}</code></td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </Confirmation>
    }
}

/// An app: its version, config and history, and moving it to another version. Moving back to a
/// version it ran before restores the config it had then; the confirmation shows what changes.
#[component]
pub(super) fn AppCard(
    namespace: String,
    app: AppDetail,
    versions: VersionFacts,
    change: ServerAction<ChangeAppVersion>,
) -> impl IntoView {
    let target = NodeRef::<html::Select>::new();
    // A version chosen before or without the page's script comes in the page's address.
    let query = use_query_map();
    let chosen = query.with_untracked(|q| {
        (q.get("change").as_deref() == Some(app.name.as_str()))
            .then(|| q.get("to"))
            .flatten()
    });
    let (pending, set_pending) = signal(chosen);
    let here = use_location().pathname.get_untracked();
    let current = app.artifact.version.clone();
    let config = app.config.clone();
    let history = app.history.clone();
    let config_for = move |version: &str| -> Value {
        history
            .iter()
            .rev()
            .find(|h| h.artifact.version == version)
            .map(|h| h.config.clone())
            .unwrap_or_else(|| config.clone())
    };
    let direction = {
        let names = versions.names.clone();
        let current = current.clone();
        move |to: &str| {
            let position = |v: &str| names.iter().position(|x| x == v);
            if position(to) > position(&current) {
                "Upgrade"
            } else {
                "Roll back"
            }
        }
    };
    let confirmation = {
        let (name, current, app_config, namespace) = (
            app.name.clone(),
            current.clone(),
            app.config.clone(),
            namespace.clone(),
        );
        let direction = direction.clone();
        let config_for = config_for.clone();
        let versions = versions.clone();
        move || {
            pending.get().map(|to| {
                let after = config_for(&to);
                let changes = config_changes(&app_config, &after);
                let request = ChangeAppVersion {
                    namespace: namespace.clone(),
                    app: name.clone(),
                    version: to.clone(),
                    config: Some(after),
                    plain_form: false,
                };
                let direction = direction(&to);
                let question = format!("{direction} {name} from {current} to {to}?");
                let plugin_changes = plugin_changes(&versions.plugins, &current, &to);
                let schema_changes = config_field_changes(&versions.config_fields, &current, &to);
                let page = here.clone();
                view! { <ConfirmVersionChange question direction changes plugin_changes schema_changes request change set_pending page/> }
            })
        }
    };
    let others: Vec<String> = versions
        .names
        .iter()
        .filter(|v| **v != current)
        .cloned()
        .collect();
    let on_move = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(select) = target.get() {
            set_pending.set(Some(select.value()));
        }
    };
    let change_label = format!("Change version of {}", app.name);
    let app_name = app.name.clone();
    let page = app_href(&namespace, &app.artifact.name, &app.name);
    view! {
        <section class="app-card" id=format!("app-{}", app.name) aria-label=format!("App {}", app.name)>
            <h3><a href=page>{app.name.clone()}</a> " — " <span class="app-version">{current.clone()}</span></h3>
            <pre class="config">{serde_json::to_string_pretty(&app.config).unwrap_or_default()}</pre>
            {(!others.is_empty()).then(|| view! {
                <Allowed role=Role::Writer>
                    // Without the script the choice goes into the page's address, which asks.
                    <form class="inline-form" method="get" on:submit=on_move.clone() aria-label=change_label.clone()>
                        <input type="hidden" name="change" value=app_name.clone()/>
                        <label>"Move to version"
                            <select name="to" node_ref=target>
                                {others.iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" disabled=move || change.pending().get()>"Change version…"</button>
                    </form>
                </Allowed>
            })}
            {confirmation}
            <ol class="history" aria-label=format!("History of {}", app.name)>
                {app.history.iter().map(|h| view! {
                    <li><LocalTime at=h.at.clone()/>{format!(" · {} to {} · by {}", h.action, h.artifact.version, h.by)}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{config_field_changes, plugin_changes, ConfigFields, Plugins};

    #[test]
    fn a_version_change_says_which_plugins_come_and_go() {
        let plugins: Plugins = [
            ("1.0.0", vec!["batchsource:Db", "transform:Clean"]),
            ("1.1.0", vec!["batchsource:Db", "sink:Lake"]),
        ]
        .into_iter()
        .map(|(v, names)| (v.into(), names.into_iter().map(String::from).collect()))
        .collect();
        assert_eq!(
            plugin_changes(&plugins, "1.0.0", "1.1.0"),
            "Plugins added: sink:Lake; removed: transform:Clean."
        );
        assert_eq!(
            plugin_changes(&plugins, "1.0.0", "1.0.0"),
            "The plugins stay the same."
        );
    }

    #[test]
    fn a_version_change_says_which_config_fields_come_go_and_change() {
        let version = |fields: &[(&str, &str)]| {
            fields
                .iter()
                .map(|(name, kind)| (name.to_string(), kind.to_string()))
                .collect()
        };
        let fields: ConfigFields = [
            (
                "1.0.0",
                version(&[("table", "string"), ("legacy", "boolean")]),
            ),
            (
                "1.1.0",
                version(&[("table", "string, required"), ("retries", "integer")]),
            ),
        ]
        .into_iter()
        .map(|(v, f)| (v.to_string(), f))
        .collect();
        assert_eq!(
            config_field_changes(&fields, "1.0.0", "1.1.0"),
            "Config fields added: retries (integer); removed: legacy; \
             changed: table (string → string, required)."
        );
        assert_eq!(
            config_field_changes(&fields, "1.1.0", "1.1.0"),
            "The config schema stays the same."
        );
        assert_eq!(
            config_field_changes(&fields, "1.0.0", "2.0.0"),
            "Config fields removed: legacy, table."
        );
    }
}
