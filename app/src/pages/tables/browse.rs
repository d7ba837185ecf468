use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};
use serde_json::Value;

use super::{with_params, TablesNav};
use crate::api::page_data::page_data;
use crate::api::tables::{
    list_databases, load_table_page, row_href, table_href, ColumnView, TablePage,
};
use crate::components::allowed::Allowed;
use crate::components::loaded::Loaded;
use depot_domain::Role;

#[component]
pub fn TablesIndex() -> impl IntoView {
    let databases = page_data(|| (), |_| list_databases());
    view! {
        <Title text="Tables"/>
        <h1>"Tables"</h1>
        <p class="lead">"Every table of every attached database, also at " <code>"/db/{database}/{table}/"</code> " for scripts (sandman2's API)."</p>
        <Loaded resource=databases then=move |databases| view! {
                <div class="cards">
                    {databases.into_iter().map(|db| {
                        let name = db.name.clone();
                        view! {
                            <div class="card">
                                <h2>{db.name.clone()}</h2>
                                <ul class="plain">
                                    {db.tables.into_iter().map(|t| view! {
                                        <li>
                                            <A href=table_href(&name, &t.resource)>{t.name}</A>
                                            {t.read_only.map(|why| view! { " " <span class="badge" title=why>"read-only"</span> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        }
                    }).collect_view()}
                </div>
            }/>
    }
}

/// The URL parameter naming the hidden columns, comma-separated (`?hide=Composer,Bytes`).
const HIDE: &str = "hide";

const OPERATORS: [(&str, &str); 11] = [
    ("eq", "="),
    ("ne", "≠"),
    ("gt", ">"),
    ("gte", "≥"),
    ("lt", "<"),
    ("lte", "≤"),
    ("like", "like"),
    ("ilike", "like (any case)"),
    ("in", "in a,b,…"),
    ("null", "is empty"),
    ("notnull", "is not empty"),
];

#[component]
pub fn TablePageView() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let db = move || params.read().get("db").unwrap_or_default();
    let table = move || params.read().get("table").unwrap_or_default();
    let page = page_data(
        move || (db(), table(), location.search.get()),
        |(db, table, search)| {
            // Which columns show is the page's business, not the query's.
            let query = with_params(&search, &[(HIDE, None)]);
            load_table_page(db, table, query.trim_start_matches('?').to_string())
        },
    );
    view! {
        <Title text=move || format!("{} · {}", table(), db())/>
        <div class="with-nav">
            <TablesNav/>
            <div class="table-main">
                <Loaded resource=page then=move |page| view! { <TableContents page/> }/>
            </div>
        </div>
    }
}

/// A whole number with its thousands grouped ("343,719"); other values as they are.
fn number_text(value: &Value) -> String {
    match value.as_i64() {
        Some(n) => {
            let digits = n.unsigned_abs().to_string();
            let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
            if n < 0 {
                grouped.push('-');
            }
            for (i, digit) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(digit);
            }
            grouped
        }
        None => cell_text(value),
    }
}

fn cell_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[component]
fn TableContents(mut page: TablePage) -> impl IntoView {
    let location = use_location();
    let query = use_query_map();
    let search = location.search.get_untracked();
    let base = table_href(&page.database, &page.resource);
    let sort = query.read_untracked().get("sort").unwrap_or_default();
    let link_to = {
        let base = base.clone();
        move |changes: &[(&str, Option<String>)]| format!("{base}{}", with_params(&search, changes))
    };
    let hidden = hidden_columns(&page, &query.read_untracked());
    let columns_menu = columns_menu(&page.columns, &hidden, &link_to);
    // A hidden column's filter still applies: it goes with the form unseen.
    let hidden_filters = page
        .columns
        .iter()
        .filter(|c| hidden.contains(&c.name))
        .flat_map(|c| [format!("{}.op", c.name), c.name.clone()])
        .filter_map(|name| {
            let value = query.read_untracked().get(&name)?;
            Some(view! { <input type="hidden" name=name value=value/> })
        })
        .collect_view();
    let hide_kept = (!hidden.is_empty())
        .then(|| view! { <input type="hidden" name=HIDE value=hidden.join(",")/> });
    page.columns.retain(|c| !hidden.contains(&c.name));
    let header = sort_links(&page, &sort, &link_to);
    let filters = filter_cells(&page, &query.read_untracked());
    let rows = page
        .rows
        .iter()
        .map(|row| {
            let edit = row_href(&page.database, &page.resource, &row.key);
            let cells = page
                .columns
                .iter()
                .map(|column| {
                    let value = row.values.get(&column.name).cloned().unwrap_or(Value::Null);
                    cell(&page.database, column, &value, &page.labels, &edit)
                })
                .collect_view();
            view! { <tr data-key=row.key.clone()>{cells}</tr> }
        })
        .collect_view();
    let sort_hidden =
        (!sort.is_empty()).then(|| view! { <input type="hidden" name="sort" value=sort.clone()/> });
    let pager = pager(&page, &link_to);
    view! {
        <div class="title-row">
            <h1>{format!("{} · {}", page.database, page.name)}</h1>
            {match page.read_only.clone() {
                None => {
                    let new_row = format!("{base}/new");
                    view! {
                        <Allowed role=Role::Writer>
                            <a class="button" href=new_row.clone()>"New row"</a>
                        </Allowed>
                    }.into_any()
                }
                Some(why) => view! { <span class="badge" title=why.clone()>"read-only"</span> }.into_any(),
            }}
        </div>
        <form method="get" action=base.clone() class="table-form" aria-label="Filter rows">
            {sort_hidden}
            {hide_kept}
            {hidden_filters}
            <label class="search">"Search every column"
                <input type="search" name="search" value=query.read_untracked().get("search").unwrap_or_default()/>
            </label>
            <div class="form-actions">
                <button type="submit">"Apply filters"</button>
                <a href=base.clone()>"Clear"</a>
                {columns_menu}
            </div>
            <div class="scroll" role="region" aria-label="Rows" tabindex="0">
                <table class="data rows">
                    <thead>
                        <tr>{header}</tr>
                        <tr class="filters">{filters}</tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </form>
        {pager}
    }
}

/// The columns `?hide=` names that the table has, key columns excepted: a row's key is its link.
fn hidden_columns(page: &TablePage, query: &leptos_router::params::ParamsMap) -> Vec<String> {
    let named = query.get(HIDE).unwrap_or_default();
    page.columns
        .iter()
        .filter(|c| !c.in_key && named.split(',').any(|name| name == c.name))
        .map(|c| c.name.clone())
        .collect()
}

/// Which columns show, each a link to the same view with that column shown or hidden: the
/// choice lives in the URL, so it works without JavaScript and a link keeps it.
fn columns_menu(
    columns: &[ColumnView],
    hidden: &[String],
    link_to: &impl Fn(&[(&str, Option<String>)]) -> String,
) -> impl IntoView {
    let location = use_location();
    let toggles = columns
        .iter()
        .map(|column| {
            let name = column.name.clone();
            if column.in_key {
                return view! { <li><span class="column-toggle">"☑ "{name}" (key)"</span></li> }
                    .into_any();
            }
            let is_hidden = hidden.contains(&name);
            let after: Vec<&str> = if is_hidden {
                hidden.iter().filter(|h| **h != name).map(String::as_str).collect()
            } else {
                hidden.iter().map(String::as_str).chain([name.as_str()]).collect()
            };
            let href = link_to(&[(HIDE, (!after.is_empty()).then(|| after.join(",")))]);
            let (mark, verb) = if is_hidden { ("☐ ", "Show") } else { ("☑ ", "Hide") };
            view! {
                <li>
                    <a class="column-toggle" href=format!("{href}#columns") aria-label=format!("{verb} column {name}")>
                        {mark}{name.clone()}
                    </a>
                </li>
            }
            .into_any()
        })
        .collect_view();
    let summary = format!(
        "Columns · {} of {} shown",
        columns.len() - hidden.len(),
        columns.len()
    );
    let show_all = (!hidden.is_empty())
        .then(|| view! { <li><a href=format!("{}#columns", link_to(&[(HIDE, None)]))>"Show all"</a></li> });
    // Open again after a toggle (the link says `#columns`), so several can be chosen in turn:
    // an effect, because the page may have been rendered by the server, which sees no `#`.
    let menu = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if location.hash.get().trim_start_matches('#') == "columns" {
            if let Some(menu) = menu.get() {
                menu.set_open(true);
            }
        }
    });
    view! {
        <details class="columns-menu" id="columns" node_ref=menu>
            <summary>{summary}</summary>
            <ul class="plain">{toggles}{show_all}</ul>
        </details>
    }
}

/// The header row: each column's name links to the table sorted by it (again: the other way).
fn sort_links(
    page: &TablePage,
    sort: &str,
    link_to: &impl Fn(&[(&str, Option<String>)]) -> String,
) -> impl IntoView {
    page.columns
        .iter()
        .map(|column| {
            let (next_sort, mark) = if sort == column.name {
                (format!("-{}", column.name), " ▲")
            } else if sort == format!("-{}", column.name) {
                (column.name.clone(), " ▼")
            } else {
                (column.name.clone(), "")
            };
            let href = link_to(&[("sort", Some(next_sort)), ("page", None), ("after", None)]);
            view! { <th><a href=href title=column.declared_type.clone()>{column.name.clone()}{mark}</a></th> }
        })
        .collect_view()
}

/// The filter row: an operator and a value for each column, as the URL has them.
fn filter_cells(page: &TablePage, query: &leptos_router::params::ParamsMap) -> impl IntoView {
    page.columns
        .iter()
        .map(|column| {
            let name = column.name.clone();
            let op_name = format!("{name}.op");
            let current_value = query.get(&name).unwrap_or_default();
            let current_op = query.get(&op_name).unwrap_or_else(|| "eq".into());
            view! {
                <td class="filter">
                    <select name=op_name.clone() aria-label=format!("{name} operator")>
                        {OPERATORS.iter().map(|(value, label)| view! {
                            <option value=*value selected=current_op == *value>{*label}</option>
                        }).collect_view()}
                    </select>
                    <input type="text" name=name.clone() value=current_value aria-label=format!("Filter {name}")/>
                </td>
            }
        })
        .collect_view()
}

/// Numbered pages while the table is counted; by cursor (keyset) once it is too large to
/// count, or when the page was reached by cursor: page 10,000 is then as fast as page 1.
fn pager(page: &TablePage, link_to: &impl Fn(&[(&str, Option<String>)]) -> String) -> AnyView {
    let rows_word = if page.total == 1 { "row" } else { "rows" };
    let total_text = if page.estimated {
        format!("about {} {rows_word}", page.total)
    } else {
        format!("{} {rows_word}", page.total)
    };
    if page.estimated || page.by_cursor {
        let next = page
            .next_cursor
            .clone()
            .map(|cursor| link_to(&[("after", Some(cursor)), ("page", None)]));
        return view! {
            <nav class="pager" aria-label="Pages">
                <a href=link_to(&[("page", None), ("after", None)])>"« First"</a>
                <span>{total_text}</span>
                {next.map(|href| view! { <a href=href rel="next">"Next ›"</a> })}
            </nav>
        }
        .into_any();
    }
    let last_page = ((page.total.max(0) as u64).div_ceil(page.page_size)).max(1);
    let at = |n: u64| link_to(&[("page", Some(n.to_string())), ("after", None)]);
    view! {
        <nav class="pager" aria-label="Pages">
            {(page.page > 1).then(|| view! {
                <a href=at(1)>"« First"</a>
                <a href=at(page.page - 1) rel="prev">"‹ Previous"</a>
            })}
            <span>{format!("Page {} of {last_page} · {total_text}", page.page)}</span>
            {(page.page < last_page).then(|| view! {
                <a href=at(page.page + 1) rel="next">"Next ›"</a>
                <a href=at(last_page)>"Last »"</a>
            })}
        </nav>
    }
    .into_any()
}

fn cell(
    database: &str,
    column: &ColumnView,
    value: &Value,
    labels: &serde_json::Map<String, Value>,
    edit: &str,
) -> AnyView {
    let text = cell_text(value);
    if column.in_key {
        return view! { <td><a href=edit.to_string() class="row-link">{text}</a></td> }.into_any();
    }
    match (&column.references, value.is_null()) {
        (Some(target), false) => {
            let label = labels
                .get(&column.name)
                .and_then(|m| m.get(&text))
                .map(cell_text);
            let href = format!("/tables/{database}/{target}/row/{text}");
            let shown = match label {
                Some(label) => format!("{label} ({text})"),
                None => text,
            };
            view! { <td><a href=href class="fk">{shown}</a></td> }.into_any()
        }
        _ if value.is_null() => view! { <td class="null">"null"</td> }.into_any(),
        // Numbers line up on the right, grouped; the raw value is on hover.
        _ if value.is_number() => {
            view! { <td class="number" title=text>{number_text(value)}</td> }.into_any()
        }
        // Long text stays on one line (rows keep one height); all of it is on hover.
        _ => {
            let title = text.clone();
            view! { <td title=title>{text}</td> }.into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn whole_numbers_are_grouped_by_thousands() {
        let shown: Vec<String> = [json!(7), json!(343719), json!(-1234567), json!(2.5)]
            .iter()
            .map(super::number_text)
            .collect();
        assert_eq!(shown, ["7", "343,719", "-1,234,567", "2.5"]);
    }
}
