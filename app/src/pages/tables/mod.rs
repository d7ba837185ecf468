//! The table browser: databases and tables, a table's rows, one row's form. All view state —
//! database, table, page, sort, filters — is in the URL, so a link reproduces the view.

mod browse;
mod row;

pub use browse::{TablePageView, TablesIndex};
pub use row::RowEditor;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::page_data::page_data;
use crate::api::tables::{list_databases, table_href};
use crate::components::loaded::Loaded;

/// `search` (a query string, with or without `?`) with `changes` applied: `Some` sets a
/// parameter, `None` removes it.
pub(crate) fn with_params(search: &str, changes: &[(&str, Option<String>)]) -> String {
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(search.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, _)| !changes.iter().any(|(name, _)| name == k))
            .collect();
    for (name, value) in changes {
        if let Some(value) = value {
            pairs.push((name.to_string(), value.clone()));
        }
    }
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        serializer.append_pair(k, v);
    }
    let query = serializer.finish();
    if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    }
}

/// The databases and their tables beside every table page, folded: the grid gets the width
/// (a wide table's columns are what a reader came for), and on a phone the list is one line
/// until opened. A `<details>`, so it opens before and without the page's script.
#[component]
pub fn TablesNav() -> impl IntoView {
    let databases = page_data(|| (), |_| list_databases());
    view! {
        <details class="tables-nav">
            <summary>"All tables"</summary>
            <nav aria-label="Databases and tables">
                <Loaded resource=databases then=move |databases| databases.into_iter().map(|db| {
                        let name = db.name.clone();
                        view! {
                            <h3>{db.name.clone()}</h3>
                            <ul>
                                {db.tables.into_iter().map(|t| view! {
                                    <li><A href=table_href(&name, &t.resource)>{t.name}</A></li>
                                }).collect_view()}
                            </ul>
                        }
                    }).collect_view()/>
            </nav>
        </details>
    }
}
