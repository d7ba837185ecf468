//! One row's form, generated from the table's columns: inputs by column type, required marks,
//! foreign keys as searchable choices, the server's errors at their fields, and a clear word
//! when someone else saved the row first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use serde_json::{Map, Value};

use super::TablesNav;
use crate::api::page_data::page_data;
use crate::api::tables::{
    choices as choices_of, get_row, load_row_form, saved_row_href, table_href, ColumnView,
    DeleteRow, RowForm, RowView, SaveRow,
};
use crate::components::allowed::Allowed;
use crate::components::confirm::{ConfirmButton, PlainPost};
use crate::components::error_view::ApiErrorView;
use crate::components::loaded::Loaded;
use crate::components::posts_to;
use depot_domain::Role;

#[component]
pub fn RowEditor() -> impl IntoView {
    let params = use_params_map();
    let db = move || params.read().get("db").unwrap_or_default();
    let table = move || params.read().get("table").unwrap_or_default();
    let key = move || params.read().get("key");
    let form = page_data(
        move || (db(), table(), key()),
        |(db, table, key)| load_row_form(db, table, key),
    );
    let title = move || match key() {
        Some(key) => format!("{} {key}", table()),
        None => format!("New row in {}", table()),
    };
    view! {
        <Title text=title/>
        <div class="with-nav">
            <TablesNav/>
            <div class="table-main">
                <Loaded resource=form then=move |form| view! { <RowFields form/> }/>
            </div>
        </div>
    }
}

fn text_of(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The JSON value for what was typed into `column`'s input.
fn typed(column: &ColumnView, text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match column.input.as_str() {
        "integer" => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.into())),
        "number" => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}

/// What the form sends: a new row what was filled in, an edit what changed. The inputs are
/// read as they are now, typed before hydration or filled in by the browser.
fn edited(
    inputs: &[(ColumnView, String, NodeRef<leptos::html::Input>)],
    is_new: bool,
) -> Map<String, Value> {
    inputs
        .iter()
        .filter_map(|(column, initial, node)| {
            let text = node.get_untracked()?.value();
            let changed = if is_new {
                !text.is_empty()
            } else {
                text != *initial
            };
            (changed && !(is_new && column.generated))
                .then(|| (column.name.clone(), typed(column, &text)))
        })
        .collect()
}

/// One column's input: its kind from the column type, a required mark, the foreign key's
/// choices, and the server's refusal of this field beside it.
#[component]
fn RowField(
    /// The database the row is in: a foreign key's choices are searched there.
    database: String,
    column: ColumnView,
    initial: String,
    node: NodeRef<leptos::html::Input>,
    is_new: bool,
    choices: Option<Vec<(String, String)>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let name = column.name.clone();
    // A key is fixed once the row exists; a generated column is the database's to fill.
    let locked = (!is_new && column.in_key) || (is_new && column.generated);
    // A foreign key takes text too: typing a label ("Balls") finds the row to pick.
    let references = column.references.clone();
    let input_type = if column.input == "text" || references.is_some() {
        "text"
    } else {
        "number"
    };
    let input_mode = (column.input == "integer").then_some("numeric");
    let step = if column.input == "number" {
        Some("any")
    } else {
        None
    };
    let placeholder = if is_new && column.generated {
        "assigned by the database"
    } else {
        ""
    };
    let list = column
        .references
        .as_ref()
        .map(|_| format!("choices-{name}"));
    // A foreign key reads as the row it points at, as it is typed: "1" → "AC/DC". The form
    // brings the first rows to choose from; what is typed beyond them is searched for.
    let (typed, set_typed) = signal(initial.clone());
    let has_choices = choices.is_some();
    let found = RwSignal::new(choices.unwrap_or_default());
    let search = Action::new(move |(target, text): &(String, String)| {
        choices_of(database.clone(), target.clone(), text.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(more)) = search.value().get() {
            found.update(|known| {
                for choice in more {
                    if !known.iter().any(|(key, _)| *key == choice.0) {
                        known.push(choice);
                    }
                }
            });
        }
    });
    let on_input = move |event: leptos::ev::Event| {
        let text = event_target_value(&event);
        set_typed.set(text.clone());
        let known = found.with_untracked(|f| f.iter().any(|(key, _)| *key == text));
        if let (Some(target), false, false) = (references.clone(), known, text.trim().is_empty()) {
            search.dispatch((target, text));
        }
    };
    let label_id = format!("points-at-{name}");
    let points_at = has_choices.then(|| {
        let label = move || {
            let key = typed.get();
            found.with(|found| {
                found
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, label)| format!("→ {label}"))
            })
        };
        view! { <span class="points-at" id=label_id.clone() aria-live="polite">{label}</span> }
    });
    let described_by = points_at.is_some().then(|| label_id.clone());
    let choice_list = has_choices.then(|| {
        view! {
            <datalist id=format!("choices-{name}")>
                {move || found.get().into_iter().map(|(key, label)| view! {
                    <option value=key.clone() label=format!("{label} ({key})")/>
                }).collect_view()}
            </datalist>
        }
    });
    view! {
        <label class="field">
            <span>
                {name.clone()}
                {column.required.then(|| view! { <abbr title="required" class="required">" *"</abbr> })}
                <small>{format!(" {}", column.declared_type)}</small>
            </span>
            <input
                type=input_type
                inputmode=input_mode
                step=step
                name=format!("values[{name}]")
                value=initial
                placeholder=placeholder
                list=list
                readonly=locked
                required=column.required
                aria-describedby=described_by
                on:input=on_input
                node_ref=node
            />
            {choice_list}
            {points_at}
            {move || error.get().map(|message| view! { <span class="field-error" role="alert">{message}</span> })}
        </label>
    }
}

#[component]
fn RowFields(form: RowForm) -> impl IntoView {
    let RowForm {
        shape,
        row,
        choices,
    } = form;
    let navigate = use_navigate();
    let is_new = row.is_none();
    let base = table_href(&shape.database, &shape.resource);
    let original: Map<String, Value> = row.as_ref().map(|r| r.values.clone()).unwrap_or_default();
    // Each input's node, read when the form is sent: whatever is in the inputs then counts,
    // typed before hydration or filled in by the browser.
    let inputs: Vec<(ColumnView, String, NodeRef<leptos::html::Input>)> = shape
        .columns
        .iter()
        .map(|c| (c.clone(), text_of(original.get(&c.name)), NodeRef::new()))
        .collect();
    let save = ServerAction::<SaveRow>::new();
    let delete = ServerAction::<DeleteRow>::new();
    // When someone else saved the row first (412): the values this form sent, and the row as
    // it is now, to show side by side.
    let (sent, set_sent) = signal(Map::new());
    let theirs = Action::new(|(db, table, key): &(String, String, String)| {
        get_row(db.clone(), table.clone(), key.clone())
    });
    let (db, table) = (shape.database.clone(), shape.resource.clone());
    let key = row.as_ref().map(|r| r.key.clone());
    let etag = row.as_ref().map(|r| r.etag.clone());

    let on_submit = {
        let (db, table, key, etag, inputs) = (
            db.clone(),
            table.clone(),
            key.clone(),
            etag.clone(),
            inputs.clone(),
        );
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let values = edited(&inputs, is_new);
            set_sent.set(values.clone());
            save.dispatch(SaveRow {
                db: db.clone(),
                table: table.clone(),
                key: key.clone(),
                values,
                etag: etag.clone(),
                plain_form: false,
            });
        }
    };
    // After a successful save, go to the saved row (a new one gets its own address).
    Effect::new({
        let navigate = navigate.clone();
        let (db, resource) = (shape.database.clone(), shape.resource.clone());
        move |_| {
            if let Some(Ok(saved)) = save.value().get() {
                navigate(
                    &saved_row_href(&db, &resource, &saved.key),
                    Default::default(),
                );
            }
        }
    });
    Effect::new({
        let navigate = navigate.clone();
        let base = base.clone();
        move |_| {
            if let Some(Ok(())) = delete.value().get() {
                navigate(&base, Default::default());
            }
        }
    });
    let error = move || match save.value().get() {
        Some(Err(error)) => Some(error),
        _ => None,
    };
    // Side by side only when this page's script sent the values: a plain form's post (before
    // hydration) comes back as a refusal in the address, without them.
    let lost_update =
        move || error().is_some_and(|e| e.status == 412) && sent.with(|s| !s.is_empty());
    Effect::new({
        let (db, table, key) = (db.clone(), table.clone(), key.clone());
        move |_| {
            if let (true, Some(key)) = (lost_update(), key.clone()) {
                theirs.dispatch((db.clone(), table.clone(), key));
            }
        }
    });
    let conflict = {
        let (db, table, key) = (db.clone(), table.clone(), key.clone());
        let original = original.clone();
        move || {
            let Some(Ok(now)) = theirs.value().get() else {
                return None;
            };
            lost_update().then(|| {
                let request = SaveRow {
                    db: db.clone(),
                    table: table.clone(),
                    key: key.clone(),
                    values: sent.get(),
                    etag: Some(now.etag.clone()),
                    plain_form: false,
                };
                view! { <LostUpdate sent=sent.get() was=original.clone() now request save/> }
            })
        }
    };
    let fields = inputs
        .into_iter()
        .map(|(column, initial, node)| {
            let name = column.name.clone();
            let choices = choices
                .iter()
                .find(|(c, _)| *c == name)
                .map(|(_, found)| found.clone());
            let field_error = Signal::derive(move || {
                error()
                    .filter(|e| e.fields.contains(&name))
                    .map(|e| e.error)
            });
            view! { <RowField database=shape.database.clone() column initial node is_new choices error=field_error/> }
        })
        .collect_view();

    let on_delete = {
        let (db, table, key, etag) = (db.clone(), table.clone(), key.clone(), etag.clone());
        Callback::new(move |()| {
            let Some(key) = key.clone() else { return };
            delete.dispatch(DeleteRow {
                db: db.clone(),
                table: table.clone(),
                key,
                etag: etag.clone(),
                plain_form: false,
            });
        })
    };
    let delete_post = PlainPost::to::<DeleteRow>()
        .field("db", db.clone())
        .field("table", table.clone())
        .field("key", key.clone().unwrap_or_default())
        .field("etag", etag.clone().unwrap_or_default())
        .field("plain_form", "true".into());
    let delete_question = format!(
        "Delete row {}? This cannot be undone.",
        key.clone().unwrap_or_default()
    );
    // A lost update the page can show side by side is shown so; otherwise in words.
    let general_error = move || {
        error()
            .filter(|e| e.fields.is_empty() && !lost_update())
            .map(|error| view! { <ApiErrorView error/> })
    };
    let delete_error = move || match delete.value().get() {
        Some(Err(error)) => Some(view! { <ApiErrorView error/> }),
        _ => None,
    };
    let title = match &key {
        Some(key) => format!("{} {key}", shape.name),
        None => format!("New row in {}", shape.name),
    };
    let writable = shape.read_only.is_none();
    // A save sends the browser here with `?saved=1`, by script or by plain form.
    let query = use_query_map();
    let saved = move || query.read().get("saved").is_some();
    view! {
        <p><a href=base.clone()>{format!("← {} · {}", shape.database, shape.name)}</a></p>
        <h1>{title}</h1>
        {move || saved().then(|| view! { <p class="notice" role="status">"Saved."</p> })}
        {shape.read_only.clone().map(|why| view! { <p class="notice">{format!("Read-only: {why}.")}</p> })}
        // Before or without the script the form posts itself (every field, as typed), and
        // the function sends the browser on to the saved row (`api::tables::save_row`).
        <form class="row-form" method="post" action={posts_to::<SaveRow>()} on:submit=on_submit aria-label="Row">
            <input type="hidden" name="db" value=db.clone()/>
            <input type="hidden" name="table" value=table.clone()/>
            {key.clone().map(|key| view! { <input type="hidden" name="key" value=key/> })}
            {etag.clone().map(|etag| view! { <input type="hidden" name="etag" value=etag/> })}
            <input type="hidden" name="plain_form" value="true"/>
            {fields}
            {general_error}
            {conflict}
            {writable.then(|| view! {
                <Allowed role=Role::Writer>
                    <div class="form-actions">
                        <button type="submit" disabled=move || save.pending().get()>{if is_new { "Create" } else { "Save" }}</button>
                    </div>
                </Allowed>
            })}
        </form>
        // Its question is a form of its own, so it is outside the row's.
        {(writable && !is_new).then(|| view! {
            <Allowed role=Role::Writer>
                <div class="form-actions">
                    <ConfirmButton label="Delete…" confirm="Delete" question=delete_question.clone() on_confirm=on_delete
                        posts=delete_post.clone() disabled=Signal::derive(move || delete.pending().get())/>
                </div>
            </Allowed>
        })}
        {delete_error}
    }
}

/// Someone saved the row after this form was opened: their values beside the ones sent, field
/// by field, and the two ways on — send these again over theirs (with the row's new ETag), or
/// take theirs (the form reloaded with the row as it is now).
#[component]
fn LostUpdate(
    sent: Map<String, Value>,
    was: Map<String, Value>,
    now: RowView,
    request: SaveRow,
    save: ServerAction<SaveRow>,
) -> impl IntoView {
    let shown = |value: Option<&Value>| match text_of(value) {
        text if text.is_empty() => "(empty)".to_string(),
        text => text,
    };
    let rows: Vec<(String, String, String, String)> = sent
        .iter()
        .map(|(field, yours)| {
            let theirs = now.values.get(field);
            (
                field.clone(),
                shown(was.get(field)),
                shown(theirs),
                shown(Some(yours)),
            )
        })
        .collect();
    let keep_mine = move |_| {
        save.dispatch(request.clone());
    };
    let take_theirs = move |_| {
        let _ = window().location().reload();
    };
    view! {
        <div class="confirm lost-update" role="alert">
            <p><strong>"Someone else saved this row after you opened it."</strong>
                " Here is what you changed, beside what it is now:"</p>
            <table class="data">
                <thead><tr><th>"Field"</th><th>"When you opened it"</th><th>"Theirs, now"</th><th>"Yours"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(field, was, theirs, yours)| {
                        let clash = was != theirs;
                        view! {
                        <tr class:clash=clash>
                            <td>{field}</td><td>{was}</td><td>{theirs}</td><td>{yours}</td>
                        </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <button type="button" on:click=keep_mine>"Save mine over theirs"</button>
            " "
            <button type="button" class="secondary" on:click=take_theirs>"Take theirs"</button>
        </div>
    }
}
