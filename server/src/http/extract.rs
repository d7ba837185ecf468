//! What every handler starts from: the caller ([`Caller`]) and the route's path parameters,
//! which each surface's own extractors (a table, a dot, an artifact version) read and refuse in
//! their surface's format.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use depot_domain::{Actor, DomainError};
use http::request::Parts;

use super::error::DepotError;
use super::AppState;

/// Who is calling, with everything a handler may need: the [`Actor`] the gate attached to the
/// request and the state. Handlers take it as `Caller { state, actor }: Caller`.
pub struct Caller {
    pub state: AppState,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = DepotError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, DepotError> {
        Ok(Self::of(parts, state)?)
    }
}

impl Caller {
    /// For extractors of every surface that start from the caller. Every request that reaches
    /// a route has passed the gate, which attached the actor; a missing one is a fault.
    pub fn of(parts: &Parts, state: &AppState) -> Result<Self, DomainError> {
        let actor = parts.extensions.get::<Actor>().cloned().ok_or_else(|| {
            DomainError::Internal("a request reached its handler without passing the gate".into())
        })?;
        Ok(Self {
            state: state.clone(),
            actor,
        })
    }
}

/// The route's named path parameters, whatever else the route has: for extractors that take
/// some of them (a dot, an artifact version) and leave the rest to the handler. A path that
/// cannot be read (bad percent-encoding) is the caller's mistake.
pub async fn path_params(
    parts: &mut Parts,
    state: &AppState,
) -> Result<HashMap<String, String>, DomainError> {
    Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map(|Path(params)| params)
        .map_err(|rejection| DomainError::invalid(rejection.body_text()))
}
