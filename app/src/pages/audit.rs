//! The audit log, filtered by the query string so that a link reproduces the view.

use depot_domain::audit::{AuditEntry, Surface};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::api::page_data::page_data;
use crate::components::layout::urlencode;
use crate::components::loaded::Loaded;
use crate::components::time::LocalTime;
use crate::components::ScrollBox;

/// The filters, each a query parameter: its name, label and input type (`surface` is a
/// choice of the surfaces the log knows).
const FILTERS: [(&str, &str, &str); 5] = [
    ("user", "User", "text"),
    ("surface", "Surface", "choice"),
    ("object", "Object", "text"),
    ("since", "Since", "date"),
    ("until", "Until", "date"),
];
const PAGE: i64 = 50;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let entries = page_data(
        move || query.get(),
        |query| {
            let field = |name: &str| query.get(name).filter(|v| !v.is_empty());
            list_audit(
                field("user"),
                field("surface"),
                field("object"),
                field("since"),
                field("until"),
                field("before"),
                Some(PAGE.to_string()),
            )
        },
    );
    view! {
        <Title text="Audit"/>
        <h1>"Audit log"</h1>
        <form method="get" action="/audit" class="inline-form filters" aria-label="Filter audit log">
            {FILTERS.iter().map(|(name, label, kind)| {
                if *kind == "choice" {
                    return view! { <SurfaceFilter/> }.into_any();
                }
                let current = move || query.read().get(name).unwrap_or_default();
                // The attribute fills the server-rendered form (a filter sent before hydration
                // keeps the others); the property follows client-side navigation after it.
                view! {
                    <label>{*label}
                        <input type=*kind name=*name value=current prop:value=current/>
                    </label>
                }
                .into_any()
            }).collect_view()}
            <button type="submit">"Filter"</button>
            <a href="/audit">"Clear"</a>
        </form>
        <Loaded resource=entries then=move |entries| view! { <AuditTable entries/> }/>
    }
}

/// The page of an audited object, when it has one: how each surface names its objects in the
/// log (`record` calls in the domain) turned into the UI's routes.
pub(crate) fn object_page(surface: &str, object: &str) -> Option<String> {
    let parts: Vec<String> = object
        .trim_start_matches('/')
        .split('/')
        .map(urlencode)
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    match (surface, parts.as_slice()) {
        ("auth", _) => Some("/users".into()),
        ("tables", [db, table, key @ ..]) if !key.is_empty() => {
            Some(format!("/tables/{db}/{table}/row/{}", key.join("%2F")))
        }
        ("tables", [db, table]) => Some(format!("/tables/{db}/{table}")),
        // clusto's `/driver/name`.
        ("inventory", [_, name]) => Some(format!("/entities/{name}")),
        ("versioning", [namespace, dot]) => Some(format!("/versioning/{namespace}/{dot}")),
        ("artifacts", [_, "apps", _]) => Some("/artifacts".into()),
        ("artifacts", [namespace, name, _version]) => {
            Some(format!("/artifacts/{namespace}/{name}"))
        }
        // Flow ids: `owner/dataset/revision`.
        ("specs", [owner, dataset, revision]) => {
            Some(format!("/specs/{owner}/{dataset}/{revision}"))
        }
        _ => None,
    }
}

/// An audited object, as a link to its page when it has one.
#[component]
pub(crate) fn AuditedObject(surface: String, object: String) -> impl IntoView {
    match object_page(&surface, &object) {
        Some(href) => view! { <a href=href>{object}</a> }.into_any(),
        None => view! { <span>{object}</span> }.into_any(),
    }
}

/// A summary as a person reads it: `fields: Name, Composer; key: owner` rather than JSON.
pub(crate) fn readable(summary: &serde_json::Value) -> String {
    use serde_json::Value;
    fn text(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
            // A change recorded as before → after.
            Value::Object(change)
                if change.len() == 2
                    && change.contains_key("from")
                    && change.contains_key("to") =>
            {
                format!("{} → {}", text(&change["from"]), text(&change["to"]))
            }
            Value::Object(_) => readable(value),
            other => other.to_string(),
        }
    }
    match summary {
        Value::Object(fields) => fields
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(name, value)| format!("{name}: {}", text(value)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
        other => text(other),
    }
}

/// The surfaces to filter by, every one the audit log knows.
#[component]
fn SurfaceFilter() -> impl IntoView {
    let query = use_query_map();
    let current = move || query.read().get("surface").unwrap_or_default();
    view! {
        <label>"Surface"
            <select name="surface" prop:value=current>
                <option value="" selected=move || current().is_empty()>"Any"</option>
                {Surface::ALL.iter().map(|surface| {
                    let name = surface.as_str();
                    view! { <option value=name selected=move || current() == name>{name}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let query = use_query_map();
    if entries.is_empty() {
        return view! { <p class="empty">"No entries match."</p> }.into_any();
    }
    // A full page may have more behind it: link to the entries before its last one.
    let older = (entries.len() as i64 == PAGE).then(|| {
        let mut params: Vec<(String, String)> = query
            .get_untracked()
            .into_iter()
            .filter(|(k, _)| k != "before")
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        params.push((
            "before".into(),
            entries.last().map(|e| e.id).unwrap_or_default().to_string(),
        ));
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        format!("/audit?{}", query.join("&"))
    });
    view! {
        <ScrollBox label="Audit entries">
        <table class="data audit">
            <thead><tr><th>"When"</th><th>"Who"</th><th>"Surface"</th><th>"Object"</th><th>"Action"</th><th>"Summary"</th></tr></thead>
            <tbody>
                {entries.into_iter().map(|entry| view! {
                    <tr>
                        <td><LocalTime at=entry.at/></td>
                        <td>{entry.actor}</td>
                        <td>{entry.surface.clone()}</td>
                        <td><AuditedObject surface=entry.surface object=entry.object/></td>
                        <td>{entry.action}</td>
                        <td>{readable(&entry.summary)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
        {older.map(|href| view! { <a class="more" href=href>"Older entries →"</a> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn audited_objects_link_to_their_pages() {
        let cases = [
            ("auth", "user/bob", Some("/users")),
            (
                "tables",
                "chinook/track/5",
                Some("/tables/chinook/track/row/5"),
            ),
            ("inventory", "/basicserver/web 1", Some("/entities/web%201")),
            (
                "versioning",
                "admin/readings",
                Some("/versioning/admin/readings"),
            ),
            (
                "artifacts",
                "default/shop/1.0.0",
                Some("/artifacts/default/shop"),
            ),
            ("specs", "ana/cars/3", Some("/specs/ana/cars/3")),
            ("specs", "odd", None),
        ];
        for (surface, object, page) in cases {
            assert_eq!(
                super::object_page(surface, object).as_deref(),
                page,
                "{object}"
            );
        }
    }

    #[test]
    fn summaries_read_as_words_and_changes_as_before_and_after() {
        let summary =
            json!({"fields": ["Name", "Composer"], "role": {"from": "reader", "to": "writer"}});
        assert_eq!(
            super::readable(&summary),
            "fields: Name, Composer; role: reader → writer"
        );
    }
}
