//! The API page: every route of every surface as `/openapi.json` describes it, grouped by
//! surface, each operation opening to its parameters, what it takes and what it answers. Plain
//! HTML (`<details>`), rendered on the server: it needs no script, and nothing from a CDN.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use crate::api::docs::load_api_document;
use crate::api::page_data::page_data;
use crate::api::transport::api_url;
use crate::components::loaded::Loaded;

/// One operation of the document: a method on a path.
struct Operation {
    method: String,
    path: String,
    detail: Value,
}

/// The document's operations by tag (its surface), in the order of the document's `tags`, each
/// tag's in path order.
fn operations_by_tag(document: &Value) -> Vec<(String, Vec<Operation>)> {
    let mut grouped: Vec<(String, Vec<Operation>)> = document["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tag| Some((tag["name"].as_str()?.to_string(), Vec::new())))
        .collect();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    for (path, methods) in paths {
        for (method, detail) in methods.as_object().cloned().unwrap_or_default() {
            let tag = detail["tags"][0].as_str().unwrap_or_default().to_string();
            let position = match grouped.iter().position(|(name, _)| *name == tag) {
                Some(position) => position,
                None => {
                    grouped.push((tag, Vec::new()));
                    grouped.len() - 1
                }
            };
            grouped[position].1.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                detail,
            });
        }
    }
    grouped
}

/// A schema with a reference to a shared one (`#/components/schemas/X`) replaced by what it
/// refers to, so each body shows its own fields; references inside stay, named.
fn resolved(schema: &Value, components: &Value) -> Value {
    schema["$ref"]
        .as_str()
        .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
        .and_then(|name| components.get(name))
        .cloned()
        .unwrap_or_else(|| schema.clone())
}

#[component]
pub fn ApiDocsPage() -> impl IntoView {
    let document = page_data(|| (), |_| load_api_document());
    view! {
        <Title text="API"/>
        <h1>"API"</h1>
        <p class="lead">
            "Every route of every surface, as " <a href=api_url("/openapi.json")>"/openapi.json"</a>
            " describes it (OpenAPI 3.1). Scripts authenticate with "
            <code>"Authorization: Bearer depot_…"</code> " or HTTP Basic " <code>"user:key"</code> "."
        </p>
        <Loaded resource=document then=move |document| {
            view! {
                <Surfaces document=document.clone()/>
                <Schemas document/>
            }
            .into_any()
        }/>
    }
}

#[component]
fn Surfaces(document: Value) -> impl IntoView {
    let components = document["components"]["schemas"].clone();
    operations_by_tag(&document)
        .into_iter()
        .filter(|(_, operations)| !operations.is_empty())
        .map(|(surface, operations)| {
            let count = format!("{} operations", operations.len());
            let components = components.clone();
            view! {
                <section class="api-surface" aria-label=surface.clone()>
                    <h2>{surface.clone()} " " <small>{count}</small></h2>
                    {operations
                        .into_iter()
                        .map(|operation| view! { <OperationView operation components=components.clone()/> })
                        .collect_view()}
                </section>
            }
            .into_any()
        })
        .collect_view()
        .into_any()
}

/// The shared schemas the operations refer to by name (`#/components/schemas/…`).
#[component]
fn Schemas(document: Value) -> impl IntoView {
    let schemas = document["components"]["schemas"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    view! {
        <section class="api-surface" aria-label="Schemas">
            <h2>"Schemas " <small>{format!("{} shared types", schemas.len())}</small></h2>
            {schemas.into_iter().map(|(name, schema)| {
                let anchor = format!("schema-{name}");
                view! {
                    <details class="schema" id=anchor>
                        <summary><code>{name}</code></summary>
                        <pre class="schema" tabindex="0">{pretty(&schema)}</pre>
                    </details>
                }
            }).collect_view()}
        </section>
    }
    .into_any()
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The content types of a request body or a response, with the schema of each when it has one.
fn contents(content: &Value, components: &Value) -> impl IntoView {
    content
        .as_object()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|(kind, media)| {
            let schema = media.get("schema").map(|schema| {
                view! { <pre class="schema" tabindex="0">{pretty(&resolved(schema, components))}</pre> }
            });
            view! { <li><code>{kind}</code> {schema}</li> }
        })
        .collect_view()
}

#[component]
fn OperationView(operation: Operation, components: Value) -> impl IntoView {
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
                        {parameters.iter().map(|p| {
                            let text = |key: &str| p[key].as_str().unwrap_or_default().to_string();
                            let required = p["required"].as_bool().unwrap_or(false).then_some(", required");
                            let description = p.get("description").map(|_| format!(": {}", text("description")));
                            view! {
                                <li><code>{text("name")}</code> " (in " {text("in")} {required} ")" {description}</li>
                            }
                        }).collect_view()}
                    </ul></dd>
                })}
                {(!body.is_null()).then(|| view! {
                    <dt>"Takes"</dt>
                    <dd><ul>{contents(&body, &components)}</ul></dd>
                })}
                <dt>"Answers"</dt>
                <dd><ul>
                    {responses.into_iter().map(|(status, response)| {
                        let description = response["description"].as_str().unwrap_or_default().to_string();
                        view! {
                            <li>
                                <strong>{status}</strong> " " {description}
                                <ul>{contents(&response["content"], &components)}</ul>
                            </li>
                        }
                    }).collect_view()}
                </ul></dd>
            </dl>
        </details>
    }
    // The page's views nest deep: erasing their types here keeps the release WebAssembly
    // build within the compiler's query depth.
    .into_any()
}
