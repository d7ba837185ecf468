//! What every Inventory handler starts from ([`Call`]: the caller, the parameters, how the
//! answer should look) and how answers are written: clusto's sorted JSON, pretty unless
//! `Clusto-Minify: True`, entities compact or expanded, paged when asked.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use depot_domain::inventory::{drivers, managers, service, Entity, InventoryError};
use depot_domain::time::Timestamp;
use depot_domain::Actor;
use serde::Serialize;
use serde_json::{Map, Value};

use super::answers::{listed, Expanded, Shown};
use crate::http::error::ClustoError;
use crate::http::extract::Caller;
use crate::http::AppState;

pub type Answer = Result<Response, ClustoError>;

/// The request's parameters: query string first, then a form body; repeated names are lists.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    fn from(query: Option<&str>, headers: &HeaderMap, body: &Bytes) -> Self {
        let mut pairs: Vec<(String, String)> =
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect();
        if !crate::http::sends_json(headers) {
            pairs.extend(form_urlencoded::parse(body).into_owned());
        }
        Self(pairs)
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// `as_of=<RFC 3339 time>`: answer as the inventory was then.
    pub fn as_of(&self) -> Result<Option<Timestamp>, InventoryError> {
        self.get("as_of")
            .map(|t| {
                depot_domain::time::parse("as_of", &t)
                    .map_err(|e| InventoryError::Invalid(e.to_string()))
            })
            .transpose()
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Compact,
    Expanded,
}

/// How the caller wants the answer: mode, minified or pretty, and the page it asked for.
pub struct Presentation {
    pub mode: Option<Mode>,
    minified: bool,
    page: Option<u64>,
    per_page: u64,
}

impl Presentation {
    pub fn from(headers: &HeaderMap) -> Result<Self, ClustoError> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let mode = match text("clusto-mode") {
            None => None,
            Some("compact") => Some(Mode::Compact),
            Some("expanded") => Some(Mode::Expanded),
            Some(other) => {
                return Err(ClustoError::new(
                    StatusCode::CONFLICT,
                    format!(
                        "'{other}' is not a valid mode. Please choose from: {{compact,expanded}}."
                    ),
                ))
            }
        };
        let integer = |name: &str| -> Result<Option<u64>, ClustoError> {
            match text(name) {
                None => Ok(None),
                Some(value) => value.trim().parse::<u64>().map(Some).map_err(|_| {
                    ClustoError::invalid(format!(
                        "invalid literal for int() with base 10: '{value}'"
                    ))
                }),
            }
        };
        Ok(Self {
            mode,
            minified: text("clusto-minify").is_some_and(|m| m.eq_ignore_ascii_case("true")),
            page: integer("clusto-page")?.filter(|p| *p > 0),
            per_page: integer("clusto-per-page")?.filter(|p| *p > 0).unwrap_or(50),
        })
    }

    /// `body` with its keys sorted, pretty-printed with 4 spaces unless minified; the
    /// `Clusto-Minify` echo is added by the router (`echo_minify`).
    pub fn render<T: Serialize + ?Sized>(&self, status: StatusCode, body: &T) -> Response {
        let body = serde_json::to_value(body).expect("answers are plain data, always JSON");
        let body = sorted(body);
        let text = if self.minified {
            serde_json::to_string(&body).unwrap_or_default()
        } else {
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(&body, &mut serializer).expect("JSON values serialize");
            String::from_utf8(out).unwrap_or_default()
        };
        let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
        (status, json, text).into_response()
    }
}

/// Keys sorted at every level, as Python's `json.dumps(sort_keys=True)` writes them (the
/// answer types list their fields in Rust's order, and `serde_json` keeps it).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// What every Inventory handler starts from: the caller, the parameters (query string and form
/// body alike), the raw body, and how the answer should look. It takes the body, so it comes
/// last among a handler's extractors.
pub struct Call {
    pub state: AppState,
    pub actor: Actor,
    pub params: Params,
    pub query: Option<String>,
    pub body: Bytes,
    pub is_json: bool,
    pub presentation: Presentation,
}

impl FromRequest<AppState> for Call {
    type Rejection = ClustoError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ClustoError> {
        let (parts, body) = request.into_parts();
        let presentation = Presentation::from(&parts.headers)?;
        let Caller { state, actor } = Caller::of(&parts, state)?;
        // The body limit layer has bounded the body already.
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .map_err(|_| ClustoError::invalid("the request body could not be read"))?;
        let query = parts.uri.query().map(str::to_string);
        Ok(Self {
            params: Params::from(query.as_deref(), &parts.headers, &body),
            is_json: crate::http::sends_json(&parts.headers),
            state,
            actor,
            query,
            body,
            presentation,
        })
    }
}

impl Call {
    /// For a read: checks the caller may read, and gives the `as_of` time asked for.
    pub fn reading(&self) -> Result<Option<Timestamp>, InventoryError> {
        self.actor.require_read()?;
        self.params.as_of()
    }

    pub fn render<T: Serialize + ?Sized>(&self, status: StatusCode, body: &T) -> Response {
        self.presentation.render(status, body)
    }

    /// An entity with its attributes, contents, parents (and addresses or count, for devices
    /// and managers), as clusto's expanded mode shows it.
    pub async fn expanded(
        &self,
        entity: &Entity,
        at: &Option<Timestamp>,
    ) -> Result<Expanded, InventoryError> {
        let store = &self.state.store;
        let attrs = service::attributes(store, entity, None, None, None, at).await?;
        let contents = service::contents(store, entity, at).await?;
        let parents = service::parents(store, entity, at).await?;
        let ips = drivers::is_device(&entity.driver).then(|| {
            attrs
                .iter()
                .filter(|a| a.key == "ip" && a.subkey.as_deref() == Some("ipstring"))
                .map(|a| a.value.clone())
                .collect()
        });
        let count = match drivers::is_resource_manager(&entity.driver) {
            true => Some(managers::count(store, entity).await?),
            false => None,
        };
        Ok(Expanded {
            attrs: listed(&attrs),
            contents: contents.iter().map(Entity::path).collect(),
            driver: entity.driver.clone(),
            name: entity.name.clone(),
            parents: parents.iter().map(Entity::path).collect(),
            kind: entity.kind.clone(),
            ips,
            count,
        })
    }

    /// An entity in the mode asked for, or `default` when none was.
    async fn shown(
        &self,
        entity: &Entity,
        default: Mode,
        at: &Option<Timestamp>,
    ) -> Result<Shown, InventoryError> {
        Ok(match self.presentation.mode.unwrap_or(default) {
            Mode::Compact => Shown::Compact(entity.path()),
            Mode::Expanded => Shown::Expanded(self.expanded(entity, at).await?),
        })
    }

    /// One entity, expanded unless compact was asked for.
    pub async fn one_entity(&self, entity: &Entity, at: &Option<Timestamp>) -> Answer {
        let body = self.shown(entity, Mode::Expanded, at).await?;
        Ok(self.render(StatusCode::OK, &body))
    }

    /// Entities whose absence is answered `null` in place, compact unless expanded was asked.
    pub async fn entity_or_null(
        &self,
        entity: Option<&Entity>,
        at: &Option<Timestamp>,
    ) -> Result<Option<Shown>, InventoryError> {
        match entity {
            Some(entity) => Ok(Some(self.shown(entity, Mode::Compact, at).await?)),
            None => Ok(None),
        }
    }

    /// A list of entities, compact unless expanded was asked, paged when asked.
    pub async fn entity_list(&self, entities: Vec<Entity>, at: &Option<Timestamp>) -> Answer {
        let presentation = &self.presentation;
        let total = entities.len() as u64;
        let (page, pages, shown) = match presentation.page {
            Some(page) => {
                let pages = total.div_ceil(presentation.per_page);
                let start = ((page - 1) * presentation.per_page) as usize;
                let shown: Vec<Entity> = entities
                    .into_iter()
                    .skip(start)
                    .take(presentation.per_page as usize)
                    .collect();
                (Some(page), pages, shown)
            }
            None => (None, 1, entities),
        };
        let mut items = Vec::new();
        for entity in &shown {
            items.push(self.shown(entity, Mode::Compact, at).await?);
        }
        let mut response = self.render(StatusCode::OK, &items);
        if let Some(page) = page {
            let headers = response.headers_mut();
            headers.insert("clusto-pages", HeaderValue::from(pages));
            headers.insert("clusto-page", HeaderValue::from(page));
            headers.insert("clusto-per-page", HeaderValue::from(presentation.per_page));
        }
        Ok(response)
    }

    /// A creation's answer: 201, or 202 with clusto's `Warnings` header naming what existed.
    pub fn created(&self, body: &impl Serialize, existing: &[String]) -> Response {
        if existing.is_empty() {
            return self.render(StatusCode::CREATED, body);
        }
        let mut response = self.render(StatusCode::ACCEPTED, body);
        let warning = format!("Entity(s) {} already exist(s)", existing.join(", "));
        if let Ok(warning) = HeaderValue::from_str(&warning) {
            response.headers_mut().insert("warnings", warning);
        }
        response
    }
}
