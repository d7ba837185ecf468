//! The audit log, filtered by the query string so that a link reproduces the view.

use depot_domain::audit::AuditEntry;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::list_audit;
use crate::components::loaded::Loaded;
use crate::components::ScrollBox;

const FILTERS: [(&str, &str, &str); 5] = [
    ("user", "User", "text"),
    ("surface", "Surface", "text"),
    ("object", "Object", "text"),
    ("since", "Since", "date"),
    ("until", "Until", "date"),
];
const PAGE: i64 = 50;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let entries = Resource::new(
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
                let current = move || query.read().get(name).unwrap_or_default();
                // The attribute fills the server-rendered form (a filter sent before hydration
                // keeps the others); the property follows client-side navigation after it.
                view! {
                    <label>{*label}
                        <input type=*kind name=*name value=current prop:value=current/>
                    </label>
                }
            }).collect_view()}
            <button type="submit">"Filter"</button>
            <a href="/audit">"Clear"</a>
        </form>
        <Loaded resource=entries then=move |entries| view! { <AuditTable entries/> }/>
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
            .map(|(k, v)| format!("{k}={}", crate::components::layout::urlencode(v)))
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
                        <td><time>{entry.at}</time></td>
                        <td>{entry.actor}</td>
                        <td>{entry.surface}</td>
                        <td>{entry.object}</td>
                        <td>{entry.action}</td>
                        <td><code>{entry.summary.to_string()}</code></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        </ScrollBox>
        {older.map(|href| view! { <a class="more" href=href>"Older entries →"</a> })}
    }
    .into_any()
}
