//! An artifact: its versions (size, sha256, created, plugins, properties, the apps on each) and
//! the apps on it, each movable to another version.

use depot_domain::artifacts::ArtifactDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::app::{AppCard, VersionFacts};
use super::{download_path, human_size, scope_badge, short, version_href};
use crate::api::artifacts::{load_artifact, ArtifactOverview, ChangeAppVersion};
use crate::api::page_data::page_data;
use crate::components::download::DownloadLink;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::urlencode;

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
    let overview = page_data(
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
    let version_facts = VersionFacts::of(&versions);
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
                <AppCard namespace=namespace.clone() app versions=version_facts.clone() change/>
            }).collect_view().into_any()
        }}
    }
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
            <td><LocalTime at=v.created.clone()/></td>
            <td>{plugins}</td>
            <td>{properties}</td>
            <td>{apps}</td>
            <td><DownloadLink path=download>{format!("Download {version}")}</DownloadLink></td>
        </tr>
    }
}
