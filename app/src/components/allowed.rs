//! Controls only some users may use. The rule is the domain's own (`Role::includes`, which
//! `Actor::require` applies to every call), so the page shows exactly what the server would
//! allow: a reader sees no write controls that could only be refused.

use depot_domain::Role;
use leptos::prelude::*;

use super::layout::use_session_resource;
use super::loaded::{boxed, transition};

/// `children`, once the session is known, if the signed-in user's role includes `role`;
/// `otherwise` (nothing, unless given) if not.
#[component]
pub fn Allowed(
    role: Role,
    children: ChildrenFn,
    #[prop(optional, into)] otherwise: ViewFn,
) -> impl IntoView {
    let session = use_session_resource().0;
    transition(None, move || {
        let (children, otherwise) = (children.clone(), otherwise.clone());
        boxed(async move {
            let allowed = session
                .await
                .ok()
                .flatten()
                .is_some_and(|session| session.role.includes(role));
            if allowed {
                children().into_any()
            } else {
                otherwise.run()
            }
        })
    })
}
