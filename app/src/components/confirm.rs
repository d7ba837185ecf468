//! The question asked in the page before something that cannot be undone (revoking a key,
//! removing a user or a row, rolling a dot back, moving an app to another version) — in place
//! of the browser's `confirm()`, which blocks the tab, cannot show detail and cannot be styled.
//!
//! It takes the focus when it appears (its confirm button, so Enter confirms and a screen
//! reader reads the question); Cancel or Escape puts it away.

use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;

/// The question with its confirm and Cancel buttons, and what it is about as `children`: asked
/// once something was chosen (a version to move to), where the page's address can say what
/// (`?change=…&to=…`), so it is asked before and without the page's script too. Its confirm
/// button then posts `posts` as a plain form, and Cancel is a link to `cancel_href`; hydrated,
/// they call `on_confirm` and `on_cancel`, and the question takes the focus.
#[component]
pub fn Confirmation(
    /// The question, in words: "Remove the user bob?"
    question: String,
    /// The confirm button's label: what happens ("Remove").
    confirm: &'static str,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
    posts: PlainPost,
    /// The page without the question.
    cancel_href: String,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let confirm_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = confirm_button.get() {
            let _ = button.focus();
        }
    });
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            on_cancel.run(());
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        on_confirm.run(());
    };
    let on_cancel_click = move |event: leptos::ev::MouseEvent| {
        event.prevent_default();
        on_cancel.run(());
    };
    let label = question.clone();
    let action = posts.action.clone();
    view! {
        <form class="confirm" role="alertdialog" aria-label=label method="post" action=action
            on:submit=on_submit on:keydown=on_keydown>
            {posts.hidden_fields()}
            <p><strong>{question}</strong></p>
            {children.map(|children| children())}
            <button type="submit" class="danger" node_ref=confirm_button>{confirm}</button>
            " "
            <a class="button secondary" href=cancel_href on:click=on_cancel_click>"Cancel"</a>
        </form>
    }
}

/// Where a [`ConfirmButton`]'s question posts before or without the page's script: a server
/// function's route (which takes a form's fields, `api::codec`) and its arguments.
#[derive(Clone)]
pub struct PlainPost {
    action: String,
    /// Each argument's value is read as the field renders, and again when what it reads
    /// changes. Closures, not derived signals: those belong to the page's owner and could be
    /// disposed of before the field that reads them.
    fields: Vec<(&'static str, Arc<dyn Fn() -> String + Send + Sync>)>,
}

impl PlainPost {
    pub fn to<F: server_fn::ServerFn>() -> Self {
        Self {
            action: super::posts_to::<F>(),
            fields: Vec::new(),
        }
    }

    /// One argument, as a hidden field.
    pub fn field(self, name: &'static str, value: String) -> Self {
        self.field_with(name, move || value.clone())
    }

    /// One argument that follows the page's state (the branch shown, say).
    pub fn field_with(
        mut self,
        name: &'static str,
        value: impl Fn() -> String + Send + Sync + 'static,
    ) -> Self {
        self.fields.push((name, Arc::new(value)));
        self
    }

    /// The arguments as the form's hidden fields.
    fn hidden_fields(self) -> impl IntoView {
        self.fields
            .into_iter()
            .map(|(name, value)| view! { <input type="hidden" name=name value=move || value()/> })
            .collect_view()
    }
}

/// A control that asks first. A `<details>`: its summary is the control, its content the
/// question and the confirm button, so the question opens and is answered before and without
/// the page's script — the confirm button then posts `posts` as a plain form. Hydrated,
/// confirming calls `on_confirm` instead, the question takes the focus when it opens, and
/// Cancel or Escape puts it away and gives the focus back to the control. A block: not in a `<p>`,
/// which the question's form would end.
#[component]
pub fn ConfirmButton(
    /// The control's label: "Remove…".
    #[prop(into)]
    label: TextProp,
    /// The question, in words.
    #[prop(into)]
    question: TextProp,
    confirm: &'static str,
    on_confirm: Callback<()>,
    posts: PlainPost,
    /// The confirm button is disabled while this holds (an answer on its way).
    #[prop(into, optional)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let hydrated = super::use_hydrated();
    let details = NodeRef::<html::Details>::new();
    let summary = NodeRef::<html::Summary>::new();
    let confirm_button = NodeRef::<html::Button>::new();
    let close = move || {
        if let Some(details) = details.get_untracked() {
            details.set_open(false);
        }
    };
    let put_away = move || {
        close();
        if let Some(summary) = summary.get_untracked() {
            let _ = summary.focus();
        }
    };
    let on_toggle = move |_| {
        let open = details.get_untracked().is_some_and(|d| d.open());
        if let (true, Some(button)) = (open, confirm_button.get_untracked()) {
            let _ = button.focus();
        }
    };
    let on_submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        close();
        on_confirm.run(());
    };
    let on_keydown = move |event: leptos::ev::KeyboardEvent| {
        if event.key() == "Escape" {
            put_away();
        }
    };
    let asked = question.clone();
    let action = posts.action.clone();
    view! {
        <details class="ask" node_ref=details on:toggle=on_toggle>
            <summary class="danger" node_ref=summary>{move || label.get()}</summary>
            <form class="confirm" role="alertdialog" aria-label=move || asked.get() method="post" action=action
                on:submit=on_submit on:keydown=on_keydown>
                {posts.hidden_fields()}
                <p><strong>{move || question.get()}</strong></p>
                <button type="submit" class="danger" node_ref=confirm_button disabled=move || disabled.get()>{confirm}</button>
                // Without the script the summary puts the question away.
                {move || hydrated.get().then(|| view! {
                    " "<button type="button" class="secondary" on:click=move |_| put_away()>"Cancel"</button>
                })}
            </form>
        </details>
    }
}
