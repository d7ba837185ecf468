//! Artifacts pages: a namespace's artifacts and apps with an upload (and its progress), and
//! one file per page below it: an artifact ([`artifact`]), one of its versions ([`version`]),
//! an app on it ([`app`]).

use depot_domain::artifacts::{ArtifactDetail, ArtifactSummary, Scope};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::artifacts::{load_namespace, UploadArtifactArchive};
use crate::api::page_data::page_data;
use crate::components::allowed::Allowed;
use crate::components::loaded::Loaded;
use crate::components::upload::{upload, Destination, TwoStep, UploadProgress};
use crate::components::{human_size, plain_form_refusal, posts_to};
use crate::urlencode;
use depot_domain::Role;

mod app;
mod artifact;
mod version;

pub use app::AppPage;
pub use artifact::ArtifactPage;
pub use version::ArtifactVersionPage;

fn artifact_href(namespace: &str, name: &str) -> String {
    format!("/artifacts/{}/{}", urlencode(namespace), urlencode(name))
}

fn app_href(namespace: &str, artifact: &str, app: &str) -> String {
    format!(
        "{}/apps/{}",
        artifact_href(namespace, artifact),
        urlencode(app)
    )
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
    let overview = page_data(
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
                                        <td><a href=app_href(&ns, &app.artifact.name, &app.name)>{app.name.clone()}</a></td>
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
    let (name_input, version_input, file_input) = (
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
        NodeRef::<html::Input>::new(),
    );
    let (progress, set_progress) = signal(None::<f64>);
    let (outcome, set_outcome) =
        signal(plain_form_refusal::<UploadArtifactArchive>().map(|refusal| Err(refusal.error)));
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
        let label = format!("{name} {version}");
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
        let (direct, on_done) = (direct_uploads(), on_done.clone());
        // At once: the form waits while the upload's code arrives, too.
        set_progress.set(Some(0.0));
        leptos::task::spawn_local(async move {
            match upload(direct, steps, plain, file, set_progress).await {
                Ok(_) => {
                    file_input.set_value("");
                    set_outcome.set(Some(Ok(format!("Added {}", label.trim()))));
                    on_done();
                }
                Err(message) => set_outcome.set(Some(Err(message))),
            }
        });
    };
    view! {
        <Allowed role=Role::Writer>
            // Without the script the browser posts the form itself, the archive last.
            <form class="upload" method="post" enctype="multipart/form-data" action={posts_to::<UploadArtifactArchive>()}
                on:submit=on_submit.clone() aria-label="Upload artifact">
                <h3>{move || format!("Upload an artifact to {}", namespace.get())}</h3>
                <input type="hidden" name="namespace" value=namespace/>
                <label>"Name" <input type="text" name="name" node_ref=name_input required pattern="[A-Za-z0-9_\\-]+"/></label>
                <label>"Version (default: the manifest's Bundle-Version)" <input type="text" name="version" node_ref=version_input placeholder="1.0.0"/></label>
                <label>"Archive" <input type="file" name="archive" accept=".jar,.zip" node_ref=file_input required/></label>
                <button type="submit" disabled=move || progress.get().is_some()>"Upload"</button>
                <UploadProgress progress/>
                {move || outcome.get().map(|result| match result {
                    Ok(message) => view! { <p class="ok" role="status">{message}</p> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </form>
        </Allowed>
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
