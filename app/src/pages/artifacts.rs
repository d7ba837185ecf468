//! Artifacts pages: a namespace's artifacts and apps with an upload (and its progress); an
//! artifact's versions (size, sha256, created, plugins, properties, the apps on each) and its
//! apps, each movable to another version after a confirmation that shows the config change.

use std::collections::BTreeSet;

use depot_domain::artifacts::{AppChange, AppDetail, ArtifactDetail, ArtifactSummary, Scope};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use serde_json::Value;

use crate::api::artifacts::{load_artifact, load_namespace, ArtifactOverview, ChangeAppVersion};
use crate::components::allowed::Allowed;
use crate::components::confirm::Confirmation;
use crate::components::download::DownloadLink;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::upload::{upload, Destination, TwoStep};
use crate::components::{human_size, use_hydrated};
use crate::pages::not_found::NotFound;
use crate::urlencode;
use depot_domain::Role;

fn artifact_href(namespace: &str, name: &str) -> String {
    format!("/artifacts/{}/{}", urlencode(namespace), urlencode(name))
}

fn short(text: &str) -> &str {
    &text[..text.len().min(12)]
}

#[component]
pub fn ArtifactsPage() -> impl IntoView {
    let query = use_query_map();
    let namespace = move || {
        query
            .read()
            .get("ns")
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".into())
    };
    let (uploads, set_uploads) = signal(0u32);
    let overview = Resource::new(
        move || (namespace(), uploads.get()),
        |(ns, _)| load_namespace(ns),
    );
    view! {
        <Title text="Artifacts"/>
        <h1>"Artifacts"</h1>
        <p class="lead">"Versioned archives with plugins, and the apps pinned to them. CDAP clients use "
            <code>"/v3/namespaces/…"</code> "."</p>
        <Loaded resource=overview then=move |overview| {
            let ns = namespace();
            view! {
                <nav class="branches" aria-label="Namespaces">
                    {overview.namespaces.iter().map(|n| {
                        let current = *n == ns;
                        view! { <a href=format!("/artifacts?ns={}", urlencode(n)) class:current=current aria-current=current.then_some("page")>{n.clone()}</a> }
                    }).collect_view()}
                </nav>
                <ArtifactList namespace=ns.clone() artifacts=overview.artifacts/>
                <h2>"Apps"</h2>
                {if overview.apps.is_empty() {
                    view! { <p class="empty">"No apps in this namespace."</p> }.into_any()
                } else {
                    view! {
                        <table class="data apps">
                            <thead><tr><th>"App"</th><th>"Artifact"</th><th>"Version"</th><th>"Scope"</th></tr></thead>
                            <tbody>
                                {overview.apps.into_iter().map(|app| view! {
                                    <tr>
                                        <td>{app.name}</td>
                                        <td><a href=artifact_href(&ns, &app.artifact.name)>{app.artifact.name.clone()}</a></td>
                                        <td>{app.artifact.version}</td>
                                        <td>{scope_badge(app.artifact.scope)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }}
            }
        }/>
        <UploadArtifact
            namespace=Signal::derive(namespace)
            direct_uploads=move || overview.get_untracked().and_then(Result::ok).is_some_and(|o| o.direct_uploads)
            on_done=move || set_uploads.update(|n| *n += 1)
        />
    }
}

fn scope_badge(scope: Scope) -> impl IntoView {
    match scope {
        Scope::System => view! { <span class="badge system">"system"</span> },
        Scope::User => view! { <span class="badge">"user"</span> },
    }
}

#[component]
fn ArtifactList(namespace: String, artifacts: Vec<ArtifactSummary>) -> impl IntoView {
    if artifacts.is_empty() {
        return view! { <p class="empty">"No artifacts yet: upload one below."</p> }.into_any();
    }
    // Listed ascending by version; show each name once with its versions, newest first.
    let mut names: Vec<(String, Scope, Vec<String>)> = Vec::new();
    for artifact in artifacts {
        match names
            .iter_mut()
            .find(|(n, s, _)| *n == artifact.name && *s == artifact.scope)
        {
            Some((_, _, versions)) => versions.insert(0, artifact.version),
            None => names.push((artifact.name, artifact.scope, vec![artifact.version])),
        }
    }
    view! {
        <table class="data artifacts">
            <thead><tr><th>"Artifact"</th><th>"Versions, newest first"</th><th>"Scope"</th></tr></thead>
            <tbody>
                {names.into_iter().map(|(name, scope, versions)| view! {
                    <tr>
                        <td><a href=artifact_href(&namespace, &name)>{name.clone()}</a></td>
                        <td>{versions.join(", ")}</td>
                        <td>{scope_badge(scope)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Uploads an archive, showing progress: in the body of `POST /v3/namespaces/{ns}/artifacts/{name}`,
/// or in two steps through a signed URL where the store is S3.
#[component]
fn UploadArtifact(
    namespace: Signal<String>,
    direct_uploads: impl Fn() -> bool + Clone + Send + Sync + 'static,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let (name_input, version_input, file_input) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let (progress, set_progress) = signal(None::<f64>);
    let (outcome, set_outcome) = signal(None::<Result<String, String>>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(name_input), Some(version_input), Some(file_input)) =
            (name_input.get(), version_input.get(), file_input.get())
        else {
            return;
        };
        let Some(file) = file_input.files().and_then(|files| files.get(0)) else {
            set_outcome.set(Some(Err(
                "choose an archive (.jar or .zip) to upload".into()
            )));
            return;
        };
        let name = name_input.value().trim().to_string();
        let version = version_input.value().trim().to_string();
        let route = format!(
            "/v3/namespaces/{}/artifacts/{}",
            urlencode(&namespace.get_untracked()),
            urlencode(&name)
        );
        let headers: Vec<(String, String)> = (!version.is_empty())
            .then(|| ("Artifact-Version".to_string(), version.clone()))
            .into_iter()
            .collect();
        set_outcome.set(None);
        set_progress.set(Some(0.0));
        let on_done = on_done.clone();
        let label = format!("{name} {version}");
        let on_progress = move |fraction| set_progress.set(Some(fraction));
        let on_finish = move |result: Result<String, String>| {
            set_progress.set(None);
            match result {
                Ok(_) => {
                    file_input.set_value("");
                    set_outcome.set(Some(Ok(format!("Added {}", label.trim()))));
                    on_done();
                }
                Err(message) => set_outcome.set(Some(Err(message))),
            }
        };
        let plain = headers
            .iter()
            .fold(Destination::depot("POST", &route), |to, (name, value)| {
                to.header(name, value)
            });
        let steps = TwoStep {
            route,
            headers,
            begin: serde_json::json!({}),
            confirm: serde_json::json!({}),
        };
        upload(direct_uploads(), steps, plain, file, on_progress, on_finish);
    };
    view! {
        <Allowed role=Role::Writer>
            <form class="upload" on:submit=on_submit.clone() aria-label="Upload artifact">
                <h3>{move || format!("Upload an artifact to {}", namespace.get())}</h3>
                <label>"Name" <input type="text" name="name" node_ref=name_input required pattern="[A-Za-z0-9_\\-]+"/></label>
                <label>"Version (default: the manifest's Bundle-Version)" <input type="text" name="version" node_ref=version_input placeholder="1.0.0"/></label>
                <label>"Archive" <input type="file" name="archive" accept=".jar,.zip" node_ref=file_input/></label>
                <button type="submit" disabled=move || !hydrated.get() || progress.get().is_some()>"Upload"</button>
                {move || progress.get().map(|fraction| view! {
                    <progress max="100" value=format!("{:.0}", fraction * 100.0) aria-label="Upload progress"></progress>
                })}
                {move || outcome.get().map(|result| match result {
                    Ok(message) => view! { <p class="ok" role="status">{message}</p> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </form>
        </Allowed>
    }
}

#[component]
pub fn ArtifactPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("ns").unwrap_or_default(),
            p.get("name").unwrap_or_default(),
        )
    };
    let change = ServerAction::<ChangeAppVersion>::new();
    let overview = Resource::new(
        move || (key(), change.version().get()),
        |((ns, name), _)| load_artifact(ns, name),
    );
    view! {
        <Title text=move || format!("{} · Artifacts", key().1)/>
        <p><a href=move || format!("/artifacts?ns={}", urlencode(&key().0))>"← Artifacts"</a></p>
        <h1>{move || format!("{} / {}", key().0, key().1)}</h1>
        {move || change.value().get().and_then(Result::err).map(|error| view! { <ApiErrorView error/> })}
        <Loaded resource=overview then=move |overview| view! { <ArtifactView namespace=key().0 overview change/> }/>
    }
}

#[component]
fn ArtifactView(
    namespace: String,
    overview: ArtifactOverview,
    change: ServerAction<ChangeAppVersion>,
) -> impl IntoView {
    let ArtifactOverview { versions, apps } = overview;
    let version_names: Vec<String> = versions.iter().map(|v| v.version.clone()).collect();
    let plugins: Plugins = versions
        .iter()
        .map(|v| {
            let names = v
                .classes
                .plugins
                .iter()
                .map(|p| format!("{}:{}", p.kind, p.name));
            (v.version.clone(), names.collect())
        })
        .collect();
    let apps_on = |version: &str| -> String {
        apps.iter()
            .filter(|a| a.artifact.version == version)
            .map(|a| a.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = versions
        .iter()
        .rev()
        .map(|v| version_row(&namespace, v, apps_on(&v.version)))
        .collect_view();
    view! {
        <table class="data versions">
            <thead><tr><th>"Version"</th><th>"Size"</th><th>"SHA-256"</th><th>"Created"</th><th>"Plugins"</th><th>"Properties"</th><th>"Apps"</th><th>"Archive"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <h2>"Apps on this artifact"</h2>
        {if apps.is_empty() {
            view! { <p class="empty">"No app runs this artifact."</p> }.into_any()
        } else {
            apps.into_iter().map(|app| view! {
                <AppCard namespace=namespace.clone() app versions=version_names.clone() plugins=plugins.clone() change/>
            }).collect_view().into_any()
        }}
    }
}

/// The REST route that sends a version's archive.
fn download_path(namespace: &str, v: &ArtifactDetail) -> String {
    format!(
        "/v3/namespaces/{}/artifacts/{}/versions/{}/download",
        urlencode(namespace),
        urlencode(&v.name),
        urlencode(&v.version)
    )
}

fn version_href(namespace: &str, name: &str, version: &str) -> String {
    format!("{}/{}", artifact_href(namespace, name), urlencode(version))
}

fn version_row(namespace: &str, v: &ArtifactDetail, apps: String) -> impl IntoView {
    let download = download_path(namespace, v);
    let href = version_href(namespace, &v.name, &v.version);
    let plugins = v
        .classes
        .plugins
        .iter()
        .map(|p| format!("{}:{}", p.kind, p.name))
        .collect::<Vec<_>>()
        .join(", ");
    let properties = v
        .properties
        .iter()
        .map(|(k, value)| format!("{k}={}", value.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(", ");
    let version = v.version.clone();
    view! {
        <tr>
            <td><a href=href>{version.clone()}</a> " " {scope_badge(v.scope)}</td>
            <td class="number">{human_size(v.size)}</td>
            <td><code title=v.sha256.clone()>{short(&v.sha256).to_string()}</code></td>
            <td>{v.created.clone()}</td>
            <td>{plugins}</td>
            <td>{properties}</td>
            <td>{apps}</td>
            <td><DownloadLink path=download>{format!("Download {version}")}</DownloadLink></td>
        </tr>
    }
}

/// Each version's plugins, as `type:name`.
type Plugins = std::collections::BTreeMap<String, BTreeSet<String>>;

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
    request: ChangeAppVersion,
    change: ServerAction<ChangeAppVersion>,
    set_pending: WriteSignal<Option<String>>,
) -> impl IntoView {
    let on_confirm = Callback::new(move |()| {
        change.dispatch(request.clone());
        set_pending.set(None);
    });
    let on_cancel = Callback::new(move |()| set_pending.set(None));
    view! {
        <Confirmation question confirm=direction on_confirm on_cancel>
            <p class="plugin-changes">{plugin_changes}</p>
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
fn AppCard(
    namespace: String,
    app: AppDetail,
    versions: Vec<String>,
    plugins: Plugins,
    change: ServerAction<ChangeAppVersion>,
) -> impl IntoView {
    let hydrated = use_hydrated();
    let target = NodeRef::<html::Select>::new();
    let (pending, set_pending) = signal(None::<String>);
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
        let versions = versions.clone();
        let current = current.clone();
        move |to: &str| {
            let position = |v: &str| versions.iter().position(|x| x == v);
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
        move || {
            pending.get().map(|to| {
                let after = config_for(&to);
                let changes = config_changes(&app_config, &after);
                let request = ChangeAppVersion {
                    namespace: namespace.clone(),
                    app: name.clone(),
                    version: to.clone(),
                    config: Some(after),
                };
                let direction = direction(&to);
                let question = format!("{direction} {name} from {current} to {to}?");
                let plugin_changes = plugin_changes(&plugins, &current, &to);
                view! { <ConfirmVersionChange question direction changes plugin_changes request change set_pending/> }
            })
        }
    };
    let others: Vec<String> = versions
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
    view! {
        <section class="app-card" id=format!("app-{}", app.name) aria-label=format!("App {}", app.name)>
            <h3>{app.name.clone()} " — " <span class="app-version">{current.clone()}</span></h3>
            <pre class="config">{serde_json::to_string_pretty(&app.config).unwrap_or_default()}</pre>
            {(!others.is_empty()).then(|| view! {
                <Allowed role=Role::Writer>
                    <form class="inline-form" on:submit=on_move.clone() aria-label=change_label.clone()>
                        <label>"Move to version"
                            <select node_ref=target>
                                {others.iter().map(|v| view! { <option value=v.clone()>{v.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="submit" disabled=move || !hydrated.get() || change.pending().get()>"Change version…"</button>
                    </form>
                </Allowed>
            })}
            {confirmation}
            <ol class="history" aria-label=format!("History of {}", app.name)>
                {app.history.iter().map(|h| view! {
                    <li>{format!("{} · {} to {} · by {}", h.at, h.action, h.artifact.version, h.by)}</li>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// One version of an artifact: what it is, what it brings (plugins, app classes, properties),
/// the apps on it and what they did with it, and its archive.
#[component]
pub fn ArtifactVersionPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || {
        let p = params.read();
        (
            p.get("ns").unwrap_or_default(),
            p.get("name").unwrap_or_default(),
            p.get("version").unwrap_or_default(),
        )
    };
    let overview = Resource::new(move || key(), |(ns, name, _)| load_artifact(ns, name));
    view! {
        <Title text=move || format!("{} {} · Artifacts", key().1, key().2)/>
        <p><a href=move || artifact_href(&key().0, &key().1)>{move || format!("← {} / {}", key().0, key().1)}</a></p>
        <h1>{move || format!("{} {}", key().1, key().2)}</h1>
        <Loaded resource=overview then=move |overview: ArtifactOverview| {
            let (namespace, _, version) = key();
            match overview.versions.iter().find(|v| v.version == version).cloned() {
                Some(detail) => view! { <VersionView namespace detail apps=overview.apps/> }.into_any(),
                None => view! { <NotFound message=format!("no version {version} of this artifact")/> }.into_any(),
            }
        }/>
    }
}

#[component]
fn VersionView(namespace: String, detail: ArtifactDetail, apps: Vec<AppDetail>) -> impl IntoView {
    let download = download_path(&namespace, &detail);
    let version = detail.version.clone();
    let running: Vec<String> = apps
        .iter()
        .filter(|a| a.artifact.version == version)
        .map(|a| a.name.clone())
        .collect();
    // What apps did with this version, newest first.
    let mut history: Vec<(String, AppChange)> = apps
        .iter()
        .flat_map(|a| a.history.iter().map(move |h| (a.name.clone(), h.clone())))
        .filter(|(_, h)| h.artifact.version == version)
        .collect();
    history.sort_by(|a, b| b.1.at.cmp(&a.1.at));
    let artifact_page = artifact_href(&namespace, &detail.name);
    view! {
        <p>{scope_badge(detail.scope)} " " <DownloadLink path=download>{format!("Download {} {} ({})", detail.name, version, human_size(detail.size))}</DownloadLink></p>
        <dl class="facts">
            <dt>"Size"</dt><dd>{human_size(detail.size)}</dd>
            <dt>"SHA-256"</dt><dd><code>{detail.sha256.clone()}</code></dd>
            <dt>"Added"</dt><dd><time>{detail.created.clone()}</time></dd>
            <dt>"Extends"</dt><dd>{if detail.parents.is_empty() { "nothing".to_string() } else { detail.parents.join(", ") }}</dd>
        </dl>
        <h2>"Plugins"</h2>
        {unless_empty(detail.classes.plugins.is_empty(), "No plugins.", move || view! {
                <table class="data plugins">
                    <thead><tr><th>"Type"</th><th>"Name"</th><th>"Class"</th><th>"Description"</th></tr></thead>
                    <tbody>
                        {detail.classes.plugins.iter().map(|p| view! {
                            <tr><td>{p.kind.clone()}</td><td>{p.name.clone()}</td><td><code>{p.class_name.clone()}</code></td><td>{p.description.clone()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any())}
        <h2>"App classes"</h2>
        {unless_empty(detail.classes.apps.is_empty(), "No app classes.", move || view! {
                <ul>
                    {detail.classes.apps.iter().map(|a| view! { <li><code>{a.class_name.clone()}</code>" "{a.description.clone()}</li> }).collect_view()}
                </ul>
            }.into_any())}
        <h2>"Properties"</h2>
        {unless_empty(detail.properties.is_empty(), "No properties.", move || view! {
                <table class="data properties">
                    <thead><tr><th>"Property"</th><th>"Value"</th></tr></thead>
                    <tbody>
                        {detail.properties.iter().map(|(k, v)| view! {
                            <tr><td>{k.clone()}</td><td><code>{v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())}</code></td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any())}
        <h2>"Apps on this version"</h2>
        {unless_empty(running.is_empty(), "No app runs this version.", move || view! {
                <ul class="apps-on-version">
                    {running.into_iter().map(|name| view! { <li><a href=format!("{artifact_page}#app-{name}")>{name.clone()}</a></li> }).collect_view()}
                </ul>
            }.into_any())}
        <h2>"History"</h2>
        {unless_empty(history.is_empty(), "No app has used this version yet.", move || view! {
                <ol class="history">
                    {history.into_iter().map(|(app, h)| view! {
                        <li>{format!("{} · {app}: {} to {} · by {}", h.at, h.action, h.artifact.version, h.by)}</li>
                    }).collect_view()}
                </ol>
            }.into_any())}
    }
    .into_any()
}

/// `shown` when there is something to show, else a sentence that says there is nothing.
fn unless_empty(
    nothing_there: bool,
    nothing: &'static str,
    shown: impl FnOnce() -> AnyView,
) -> AnyView {
    if nothing_there {
        view! { <p class="empty">{nothing}</p> }.into_any()
    } else {
        shown()
    }
}

#[cfg(test)]
mod tests {
    use super::{plugin_changes, Plugins};

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
}
