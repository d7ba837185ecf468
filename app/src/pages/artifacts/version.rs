//! One version of an artifact: its facts, what it brings, the apps on it and its archive.

use depot_domain::artifacts::{AppChange, AppDetail, ArtifactDetail};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::{app_href, artifact_href, download_path, human_size, scope_badge, unless_empty};
use crate::api::artifacts::{load_artifact, ArtifactOverview};
use crate::api::page_data::page_data;
use crate::components::download::DownloadLink;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::pages::not_found::NotFound;

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
    let overview = page_data(move || key(), |(ns, name, _)| load_artifact(ns, name));
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
    view! {
        <p>{scope_badge(detail.scope)} " " <DownloadLink path=download>{format!("Download {} {} ({})", detail.name, version, human_size(detail.size))}</DownloadLink></p>
        <dl class="facts">
            <dt>"Size"</dt><dd>{human_size(detail.size)}</dd>
            <dt>"SHA-256"</dt><dd><code>{detail.sha256.clone()}</code></dd>
            <dt>"Added"</dt><dd><LocalTime at=detail.created.clone()/></dd>
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
                    {running.into_iter().map(|name| view! { <li><a href=app_href(&namespace, &detail.name, &name)>{name.clone()}</a></li> }).collect_view()}
                </ul>
            }.into_any())}
        <h2>"History"</h2>
        {unless_empty(history.is_empty(), "No app has used this version yet.", move || view! {
                <ol class="history">
                    {history.into_iter().map(|(app, h)| view! {
                        <li><LocalTime at=h.at.clone()/>{format!(" · {app}: {} to {} · by {}", h.action, h.artifact.version, h.by)}</li>
                    }).collect_view()}
                </ol>
            }.into_any())}
    }
    .into_any()
}
