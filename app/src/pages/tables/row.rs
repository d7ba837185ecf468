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
use crate::components::loaded::{boxed, transition, Loaded};
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
        "number" => json_number(text)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.into())),
        _ => Value::String(text.into()),
    }
}

/// `text` as a JSON number, a float as the column is: any number a number input gives ("-.5",
/// "007", "1e+3"), and nothing else. Read by serde_json, which the page has anyway: Rust's own
/// float parser would bring 17 KB of code and tables to the row page (`wasm_size_rules`).
fn json_number(text: &str) -> Option<serde_json::Number> {
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exponent_digits = exponent.map(|e| e.strip_prefix(['+', '-']).unwrap_or(e));
    let well_formed = digits(whole)
        && digits(fraction)
        && !(whole.is_empty() && fraction.is_empty())
        && exponent_digits.is_none_or(|e| !e.is_empty() && digits(e));
    if !well_formed {
        return None;
    }
    // In JSON's grammar: no leading zeros, and a digit before any point.
    let whole = match whole.trim_start_matches('0') {
        "" => "0",
        trimmed => trimmed,
    };
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    let exponent = exponent.map(|e| format!("e{e}")).unwrap_or_default();
    let number: serde_json::Number =
        serde_json::from_str(&format!("{sign}{whole}{fraction}{exponent}")).ok()?;
    serde_json::Number::from_f64(number.as_f64()?)
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
    // When someone else saved the row first (412): the values this form sent, to show beside
    // the row as it is now.
    let (sent, set_sent) = signal(Map::new());
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
    let conflict = {
        let (db, table, key) = (db.clone(), table.clone(), key.clone());
        let original = original.clone();
        transition(None, move || {
            let refused = key
                .clone()
                .filter(|_| lost_update())
                .map(|key| RefusedSave {
                    db: db.clone(),
                    table: table.clone(),
                    key,
                    sent: sent.get(),
                    was: original.clone(),
                });
            boxed(async move { Some(beside_theirs(refused?, save).await) })
        })
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

/// A row whose save was refused because someone saved it first: what the form sent, and the
/// row as it was when the form was opened.
struct RefusedSave {
    db: String,
    table: String,
    key: String,
    sent: Map<String, Value>,
    was: Map<String, Value>,
}

/// The row as it is now beside what was sent ([`LostUpdate`]), or why it cannot be read.
///
/// Lazy: the comparison is only ever shown after a refused save, so its code (and the request
/// for their row) is a part of the WebAssembly of its own, not in the row page's first load.
#[leptos::lazy]
async fn beside_theirs(refused: RefusedSave, save: ServerAction<SaveRow>) -> AnyView {
    let RefusedSave {
        db,
        table,
        key,
        sent,
        was,
    } = refused;
    match get_row(db.clone(), table.clone(), key.clone()).await {
        Ok(now) => {
            let request = SaveRow {
                db,
                table,
                key: Some(key),
                values: sent.clone(),
                etag: Some(now.etag.clone()),
                plain_form: false,
            };
            view! { <LostUpdate sent was now request save/> }.into_any()
        }
        Err(error) => view! { <ApiErrorView error/> }.into_any(),
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

#[cfg(test)]
mod tests {
    use super::json_number;

    fn read(text: &str) -> Option<f64> {
        json_number(text).and_then(|n| n.as_f64())
    }

    #[test]
    fn a_number_input_reads_as_the_float_it_shows() {
        assert_eq!(read("0.99"), Some(0.99));
        assert_eq!(read("-.5"), Some(-0.5));
        assert_eq!(read(".25"), Some(0.25));
        assert_eq!(read("007"), Some(7.0));
        assert_eq!(read("1e+3"), Some(1000.0));
        assert_eq!(read("2.5E-1"), Some(0.25));
        assert_eq!(read("12."), Some(12.0));
        assert_eq!(read("343719"), Some(343719.0));
        // Always a float, as the column is: 5 goes as 5.0.
        assert_eq!(json_number("5").map(|n| n.to_string()), Some("5.0".into()));
    }

    #[test]
    fn what_is_not_a_number_stays_text_for_the_server_to_refuse() {
        for text in [
            "", ".", "-", "abc", "1.2.3", "1e", "1e+", "--1", "+1", "0x10", "inf", "NaN", " 1",
            "1e400",
        ] {
            assert_eq!(json_number(text), None, "{text:?}");
        }
    }
}
