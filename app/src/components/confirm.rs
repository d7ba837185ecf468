//! The question asked in the page before something that cannot be undone (revoking a key,
//! removing a user, rolling a dot back, moving an app to another version) — in place of the
//! browser's `confirm()`, which blocks the tab, cannot show detail and cannot be styled.
//!
//! It takes the focus when it appears (its confirm button, so Enter confirms and a screen
//! reader reads the question); Cancel or Escape puts it away.

use leptos::html;
use leptos::prelude::*;

/// The question with its confirm and Cancel buttons, and what it is about as `children`.
#[component]
pub fn Confirmation(
    /// The question, in words: "Remove the user bob?"
    question: String,
    /// The confirm button's label: what happens ("Remove").
    confirm: &'static str,
    on_confirm: Callback<()>,
    on_cancel: Callback<()>,
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
    let label = question.clone();
    view! {
        <div class="confirm" role="alertdialog" aria-label=label on:keydown=on_keydown>
            <p><strong>{question}</strong></p>
            {children.map(|children| children())}
            <button type="button" class="danger" node_ref=confirm_button on:click=move |_| on_confirm.run(())>{confirm}</button>
            " "
            <button type="button" class="secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
        </div>
    }
}

/// A button that asks first: a click shows the [`Confirmation`] beside it, and the focus
/// returns to the button when the question is put away unanswered.
#[component]
pub fn ConfirmButton(
    /// The button's label: "Remove…".
    #[prop(into)]
    label: TextProp,
    /// The question, read when it is asked.
    #[prop(into)]
    question: TextProp,
    confirm: &'static str,
    on_confirm: Callback<()>,
    /// Disabled besides before hydration (when it always is: asking needs the script).
    #[prop(into, optional)]
    disabled: Signal<bool>,
) -> impl IntoView {
    let hydrated = super::use_hydrated();
    let (asking, set_asking) = signal(false);
    let button = NodeRef::<html::Button>::new();
    let cancel = Callback::new(move |()| {
        set_asking.set(false);
        if let Some(button) = button.get() {
            let _ = button.focus();
        }
    });
    let confirmed = Callback::new(move |()| {
        set_asking.set(false);
        on_confirm.run(());
    });
    view! {
        <button type="button" class="danger" node_ref=button disabled=move || !hydrated.get() || disabled.get()
            title=super::awaiting_script(hydrated) aria-expanded=move || asking.get().to_string()
            on:click=move |_| set_asking.set(true)>{move || label.get()}</button>
        {move || asking.get().then(|| view! {
            <Confirmation question=question.get().to_string() confirm on_confirm=confirmed on_cancel=cancel/>
        })}
    }
}
