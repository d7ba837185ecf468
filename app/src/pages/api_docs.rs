//! The API page: every route of every surface as `/openapi.json` describes it, grouped by
//! surface, each operation opening to its parameters, what it takes and what it answers. Plain
//! HTML (`<details>`), rendered on the server: it needs no script, and nothing from a CDN.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use crate::api::docs::load_api_document;
use crate::api::transport::api_url;
use crate::components::loaded::Loaded;

/// The surfaces in the order the sidebar has them, each with the path prefixes it owns.
const SURFACES: [(&str, &[&str]); 7] = [
    ("Tables (sandman2)", &["/db/", "/api/db/"]),
    ("Inventory (clusto)", &["/inventory"]),
    ("Versioning (Dotmesh)", &["/rpc", "/dots/"]),
    ("Artifacts (CDAP)", &["/v3/"]),
    ("Specs (specstore)", &["/source/"]),
    ("The admin UI's server functions", &["/api/"]),
    ("Depot", &["/"]),
];

/// One operation of the document: a method on a path.
struct Operation {
    method: String,
    path: String,
    detail: Value,
}

fn surface_of(path: &str) -> usize {
    SURFACES
        .iter()
        .position(|(_, prefixes)| prefixes.iter().any(|p| path.starts_with(p)))
        .unwrap_or(SURFACES.len() - 1)
}

/// The document's operations, by surface, each surface's in path order.
fn operations_by_surface(document: &Value) -> Vec<Vec<Operation>> {
    let mut grouped: Vec<Vec<Operation>> = SURFACES.iter().map(|_| Vec::new()).collect();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for (path, methods) in paths {
        for (method, detail) in methods.as_object().cloned().unwrap_or_default() {
            grouped[surface_of(&path)].push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                detail,
            });
        }
    }
    grouped
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let document = Resource::new(|| (), |_| load_api_document());
    view! {
        <Title text="API"/>
        <h1>"API"</h1>
        <p class="lead">
            "Every route of every surface, as " <a href=api_url("/openapi.json")>"/openapi.json"</a>
            " describes it (OpenAPI 3.1). Scripts authenticate with "
            <code>"Authorization: Bearer depot_…"</code> " or HTTP Basic " <code>"user:key"</code> "."
        </p>
        <Loaded resource=document then=move |document| view! { <Surfaces document/> }/>
    }
}

#[component]
fn Surfaces(document: Value) -> impl IntoView {
    operations_by_surface(&document)
        .into_iter()
        .zip(SURFACES)
        .filter(|(operations, _)| !operations.is_empty())
        .map(|(operations, (surface, _))| {
            let count = format!("{} operations", operations.len());
            view! {
                <section class="api-surface" aria-label=surface>
                    <h2>{surface} " " <small>{count}</small></h2>
                    {operations.into_iter().map(|operation| view! { <OperationView operation/> }).collect_view()}
                </section>
            }
        })
        .collect_view()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The content types of a request body or a response, with the schema of each when it has one.
fn contents(content: &Value) -> impl IntoView {
    content
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(kind, media)| {
            let schema = media
                .get("schema")
                .map(|schema| view! { <pre class="schema">{pretty(schema)}</pre> });
            view! { <li><code>{kind}</code> {schema}</li> }
        })
        .collect_view()
}

#[component]
fn OperationView(operation: Operation) -> impl IntoView {
    let Operation {
        method,
        path,
        detail,
    } = operation;
    let summary = detail["summary"].as_str().unwrap_or_default().to_string();
    let parameters = detail["parameters"].as_array().cloned().unwrap_or_default();
    let body = detail["requestBody"]["content"].clone();
    let responses = detail["responses"].as_object().cloned().unwrap_or_default();
    let method_class = format!("method {}", method.to_lowercase());
    view! {
        <details class="operation">
            <summary>
                <span class=method_class>{method}</span> " " <code class="path">{path}</code> " " <span>{summary}</span>
            </summary>
            <dl>
                {(!parameters.is_empty()).then(|| view! {
                    <dt>"Parameters"</dt>
                    <dd><ul>
                        {parameters.iter().map(|p| view! {
                            <li><code>{p["name"].as_str().unwrap_or_default().to_string()}</code> " (in " {p["in"].as_str().unwrap_or_default().to_string()} ")"</li>
                        }).collect_view()}
                    </ul></dd>
                })}
                {(!body.is_null()).then(|| view! {
                    <dt>"Takes"</dt>
                    <dd><ul>{contents(&body)}</ul></dd>
                })}
                <dt>"Answers"</dt>
                <dd><ul>
                    {responses.into_iter().map(|(status, response)| {
                        let description = response["description"].as_str().unwrap_or_default().to_string();
                        view! {
                            <li>
                                <strong>{status}</strong> " " {description}
                                <ul>{contents(&response["content"])}</ul>
                            </li>
                        }
                    }).collect_view()}
                </ul></dd>
            </dl>
        </details>
    }
}
