//! Specs pages: owners → datasets → revisions, each revision with its spec and a pipeline
//! status board that follows the runner's events as they arrive; uploading a spec with the
//! validation errors shown; re-running a dataset's spec.

use std::time::Duration;

use depot_domain::specs::{
    Dataset, DatasetSummary, Pipeline, PipelineStatus, Revision, RevisionState, UploadOutcome,
};
use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::page_data::page_data;
use crate::api::specs::{
    dataset_href, flow_href, list_spec_datasets, list_spec_owners, load_spec_dataset,
    load_spec_revision, RerunSpec, UploadSpec,
};
use crate::components::allowed::Allowed;
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::{boxed, transition, Loaded};
use crate::components::posts_to;
use crate::components::time::LocalTime;
use crate::urlencode;
use depot_domain::Role;

fn owner_href(owner: &str) -> String {
    format!("/specs/{}", urlencode(owner))
}

fn revision_href(dataset_id: &str, revision: i64) -> String {
    format!("{}/{revision}", dataset_href(dataset_id))
}

fn state_badge(state: RevisionState) -> impl IntoView {
    view! { <span class=format!("state {}", state.as_str().to_lowercase())>{state.as_str()}</span> }
}

fn param(name: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get(name).unwrap_or_default()
}

/// A counter that goes up every `every` once the page is live in the browser, to re-read what
/// the pipeline runner may have changed — until `settled` says nothing more will change. Nothing
/// ticks during server rendering.
fn refresh_ticks(every: Duration, settled: RwSignal<bool>) -> ReadSignal<u32> {
    let (ticks, set_ticks) = signal(0u32);
    Effect::new(move |_| {
        let tick = move || {
            if !settled.get_untracked() {
                set_ticks.update(|n| *n += 1)
            }
        };
        if let Ok(handle) = set_interval_with_handle(tick, every) {
            on_cleanup(move || handle.clear());
        }
    });
    ticks
}

#[component]
pub fn SpecsPage() -> impl IntoView {
    let (uploads, set_uploads) = signal(0u32);
    let owners = page_data(move || uploads.get(), |_| list_spec_owners());
    view! {
        <Title text="Specs"/>
        <h1>"Specs"</h1>
        <p class="lead">"Source specs and their revisions' pipelines. specstore clients use "
            <code>"/source/…"</code> "; the schema specs must follow is at "
            <a href="/source/schema">"/source/schema"</a> "."</p>
        {transition(Some("Loading…"), move || boxed(async move {
            match owners.await {
                Ok(owners) if owners.is_empty() => view! { <p class="empty">"No specs yet: upload one below."</p> }.into_any(),
                Ok(owners) => view! {
                    <table class="data owners">
                        <thead><tr><th>"Owner"</th><th>"Datasets"</th></tr></thead>
                        <tbody>
                            {owners.into_iter().map(|o| view! {
                                <tr><td><a href=owner_href(&o.owner)>{o.owner.clone()}</a></td><td class="number">{o.datasets}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Err(error) => view! { <ApiErrorView error/> }.into_any(),
            }
        }))}
        <UploadSpecForm on_done=move || set_uploads.update(|n| *n += 1)/>
    }
}

const EXAMPLE_SPEC: &str = r#"{
  "meta": {"ownerid": "admin", "owner": "admin", "dataset": "example", "version": 1, "findability": "published"},
  "inputs": [{"kind": "datapackage", "url": "https://example.com/datapackage.json", "parameters": {}}],
  "outputs": [{"kind": "csv"}, {"kind": "json"}, {"kind": "zip"}],
  "schedule": "every 1d"
}"#;

#[component]
fn UploadSpecForm(on_done: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let upload = ServerAction::<UploadSpec>::new();
    let text = NodeRef::<html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(Ok(UploadOutcome { success: true, .. })) = upload.value().get() {
            on_done();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(text) = text.get() {
            upload.dispatch(UploadSpec {
                spec: text.value(),
                plain_form: false,
            });
        }
    };
    // A spec file chosen from disk is put into the text box, to look at (and edit) before upload.
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.text()).await;
            if let (Some(area), Some(content)) =
                (text.get_untracked(), read.ok().and_then(|v| v.as_string()))
            {
                area.set_value(&content);
            }
        });
    };
    view! {
        <Allowed role=Role::Writer>
            <form class="upload spec-upload" method="post" action={posts_to::<UploadSpec>()} on:submit=on_submit.clone() aria-label="Upload spec">
                <h3>"Upload a spec"</h3>
                <input type="hidden" name="plain_form" value="true"/>
                // Choosing a file fills the text box once the script runs; the text box is what is sent.
                <label>"Spec file" <input type="file" accept=".json,application/json" on:change=on_file/></label>
                <label>"Spec (JSON)"
                    <textarea name="spec" rows="10" node_ref=text spellcheck="false">{EXAMPLE_SPEC}</textarea>
                </label>
                <button type="submit" disabled=move || upload.pending().get()>"Upload"</button>
                {move || upload.value().get().map(|outcome| match outcome {
                    Ok(UploadOutcome { success: true, flow_id: Some(flow_id), .. }) => view! {
                        <p class="ok" role="status">"Created revision " <a href=flow_href(&flow_id)>{flow_id.clone()}</a></p>
                    }.into_any(),
                    Ok(outcome) => view! {
                        <div class="problem" role="alert">
                            <p>"The spec was not accepted:"</p>
                            <ul class="errors">{outcome.errors.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ApiErrorView error/> }.into_any(),
                })}
            </form>
        </Allowed>
    }
}

#[component]
pub fn SpecOwnerPage() -> impl IntoView {
    let owner = param("owner");
    let datasets = page_data(owner, list_spec_datasets);
    view! {
        <Title text=move || format!("Specs of {}", owner())/>
        <p class="crumbs"><a href="/specs">"Specs"</a> " / " {owner}</p>
        <h1>{owner}</h1>
        <Loaded resource=datasets then=move |datasets| view! { <DatasetTable datasets/> }/>
    }
}

#[component]
fn DatasetTable(datasets: Vec<DatasetSummary>) -> impl IntoView {
    view! {
        <table class="data datasets">
            <thead><tr><th>"Dataset"</th><th>"Latest"</th><th>"Revisions"</th><th>"Schedule"</th><th>"Next run"</th><th>"Updated"</th></tr></thead>
            <tbody>
                {datasets.into_iter().map(|d| view! {
                    <tr>
                        <td><a href=dataset_href(&d.id)>{d.name.clone()}</a></td>
                        <td>{d.latest_state.map(state_badge)}</td>
                        <td class="number">{d.revisions}</td>
                        <td>{d.schedule.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{d.next_run.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{d.updated.clone()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn SpecDatasetPage() -> impl IntoView {
    let (owner, name) = (param("owner"), param("dataset"));
    let rerun = ServerAction::<RerunSpec>::new();
    // A dataset may get a scheduled revision at any time: its page never settles.
    let ticks = refresh_ticks(Duration::from_secs(3), RwSignal::new(false));
    let dataset = page_data(
        move || (owner(), name(), rerun.version().get(), ticks.get()),
        |(owner, dataset, _, _)| load_spec_dataset(owner, dataset),
    );
    view! {
        <Title text=move || format!("{}/{}", owner(), name())/>
        <p class="crumbs"><a href="/specs">"Specs"</a> " / " <a href=move || owner_href(&owner())>{owner}</a> " / " {name}</p>
        <h1>{move || format!("{}/{}", owner(), name())}</h1>
        <RerunButton owner name rerun/>
        <Loaded resource=dataset then=move |dataset| view! { <DatasetView dataset/> }/>
    }
}

#[component]
fn RerunButton(
    owner: impl Fn() -> String + Copy + Send + Sync + 'static,
    name: impl Fn() -> String + Copy + Send + Sync + 'static,
    rerun: ServerAction<RerunSpec>,
) -> impl IntoView {
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        rerun.dispatch(RerunSpec {
            owner: owner(),
            dataset: name(),
            plain_form: false,
        });
    };
    view! {
        <div class="actions">
            <Allowed role=Role::Writer>
                <form class="inline" method="post" action={posts_to::<RerunSpec>()} on:submit=on_submit>
                    <input type="hidden" name="owner" value=owner/>
                    <input type="hidden" name="dataset" value=name/>
                    <input type="hidden" name="plain_form" value="true"/>
                    <button type="submit" disabled=move || rerun.pending().get()>"Re-run"</button>
                </form>
            </Allowed>
            {move || rerun.value().get().map(|result| match result {
                Ok(flow_id) => view! { <span class="ok" role="status">" Started " <a href=flow_href(&flow_id)>{flow_id.clone()}</a></span> }.into_any(),
                Err(error) => view! { <ApiErrorView error/> }.into_any(),
            })}
        </div>
    }
}

#[component]
fn DatasetView(dataset: Dataset) -> impl IntoView {
    let id = dataset.summary.id.clone();
    let newest = dataset
        .revisions
        .iter()
        .map(|r| r.revision)
        .max()
        .unwrap_or_default();
    view! {
        <p>
            {dataset.summary.schedule.clone().map(|s| view! { <span>"Schedule: " <strong>{s}</strong> " · next run " {dataset.summary.next_run.clone().unwrap_or_default()}</span> })}
        </p>
        <h2>"Revisions"</h2>
        <table class="data revisions">
            <thead><tr><th>"Revision"</th><th>"State"</th><th>"Cause"</th><th>"By"</th><th>"Created"</th><th>"Modified"</th></tr></thead>
            <tbody>
                {dataset.revisions.into_iter().map(|r| view! {
                    <tr class:superseded=r.revision < newest>
                        <td><a href=revision_href(&id, r.revision)>{r.flow_id.clone()}</a></td>
                        <td>{state_badge(r.state)}{(r.revision < newest).then(|| view! { " " <span class="badge">"superseded"</span> })}</td>
                        <td>{r.cause.clone()}</td>
                        <td>{r.created_by.clone()}</td>
                        <td><LocalTime at=r.created.clone()/></td>
                        <td><LocalTime at=r.modified.clone()/></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <h2>"Current spec"</h2>
        <pre class="spec">{serde_json::to_string_pretty(&dataset.spec).unwrap_or_default()}</pre>
    }
}

#[component]
pub fn SpecRevisionPage() -> impl IntoView {
    let (owner, name, number) = (param("owner"), param("dataset"), param("revision"));
    let rerun = ServerAction::<RerunSpec>::new();
    let settled = RwSignal::new(false);
    let ticks = refresh_ticks(Duration::from_secs(2), settled);
    let revision = page_data(
        move || (owner(), name(), number(), ticks.get()),
        |(owner, dataset, revision, _)| load_spec_revision(owner, dataset, revision),
    );
    view! {
        <Title text=move || format!("{}/{}/{}", owner(), name(), number())/>
        <p class="crumbs"><a href="/specs">"Specs"</a> " / " <a href=move || owner_href(&owner())>{owner}</a>
            " / " <a href=move || dataset_href(&format!("{}/{}", owner(), name()))>{name}</a> " / " {number}</p>
        <h1>{move || format!("{}/{}/{}", owner(), name(), number())}</h1>
        <RerunButton owner name rerun/>
        {transition(Some("Loading…"), move || boxed(async move {
            match revision.await {
                Ok(revision) => {
                    // A numbered revision that has finished, and was handed to the runner
                    // if there is one, changes no more (`latest` may move on).
                    settled.set(
                        number().parse::<i64>().is_ok()
                            && revision.state.is_final()
                            && revision.dispatch.as_ref().is_none_or(|d| d.delivered.is_some()),
                    );
                    view! { <RevisionView revision/> }.into_any()
                }
                Err(error) => view! { <ApiErrorView error/> }.into_any(),
            }
        }))}
    }
}

#[component]
fn RevisionView(revision: Revision) -> impl IntoView {
    let dispatch = revision.dispatch.clone().map(|d| {
        let text = match (&d.delivered, &d.last_error) {
            (Some(at), _) => format!("sent to the pipeline runner at {at}"),
            (None, Some(error)) => format!(
                "not yet accepted by the pipeline runner after {} attempts ({error}); next try {}",
                d.attempts,
                d.next_attempt.clone().unwrap_or_default()
            ),
            (None, None) => "waiting to be sent to the pipeline runner".into(),
        };
        view! { <p class="dispatch">{text}</p> }
    });
    let superseded = revision.superseded_by.map(|newest| {
        view! {
            <p class="notice">"Superseded: the newest revision of this dataset is "
                <a href=revision_href(&revision.dataset_id, newest)>{newest}</a>"."</p>
        }
    });
    view! {
        {superseded}
        <p class="revision-state">"State: " {state_badge(revision.state)}
            {format!(" · {} by {} · created ", revision.cause, revision.created_by)}<LocalTime at=revision.created.clone()/>" · modified "<LocalTime at=revision.modified.clone()/></p>
        {dispatch}
        <h2>"Pipelines"</h2>
        <ol class="board" aria-label="Pipelines">
            {revision.pipelines.into_iter().map(|p| view! { <PipelineCard pipeline=p/> }).collect_view()}
        </ol>
        {(!revision.error_log.is_empty()).then(|| view! {
            <h2>"Errors"</h2>
            <pre class="log errors">{lines(&revision.error_log)}</pre>
        })}
        {(!revision.logs.is_empty()).then(|| view! {
            <h2>"Log"</h2>
            <pre class="log">{lines(&revision.logs)}</pre>
        })}
        {(revision.stats.as_object().is_some_and(|s| !s.is_empty())).then(|| view! {
            <h2>"Stats"</h2>
            <pre class="stats">{serde_json::to_string_pretty(&revision.stats).unwrap_or_default()}</pre>
        })}
        <h2>"Spec"</h2>
        <pre class="spec">{serde_json::to_string_pretty(&revision.spec).unwrap_or_default()}</pre>
    }
}

fn lines(values: &[serde_json::Value]) -> String {
    values
        .iter()
        .map(|v| match v {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[component]
fn PipelineCard(pipeline: Pipeline) -> impl IntoView {
    let shown = pipeline.status.shown();
    let stats = pipeline
        .stats
        .as_object()
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(" · ")
        });
    view! {
        <li class=format!("pipeline {}", shown.as_str().to_lowercase()) aria-label=pipeline.title.clone()>
            <h3>{pipeline.title.clone()}</h3>
            <p class="pipeline-status">{state_badge(shown)}
                {(pipeline.status == PipelineStatus::Running).then_some(" running")}</p>
            <p class="pipeline-id"><code>{pipeline.id.clone()}</code></p>
            {(!pipeline.dependencies.is_empty()).then(|| view! {
                <p class="dependencies">"after " {pipeline.dependencies.join(", ")}</p>
            })}
            {stats.map(|s| view! { <p class="stats">{s}</p> })}
            {(!pipeline.error_log.is_empty()).then(|| view! {
                <pre class="log errors">{lines(&pipeline.error_log)}</pre>
            })}
            {(!pipeline.log.is_empty()).then(|| view! {
                <details><summary>{format!("Log, {} line{}", pipeline.log.len(), if pipeline.log.len() == 1 { "" } else { "s" })}</summary>
                    <pre class="log">{lines(&pipeline.log)}</pre>
                </details>
            })}
        </li>
    }
}
