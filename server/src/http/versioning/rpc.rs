//! Dotmesh's JSON-RPC face: `POST /rpc`, methods `DotmeshRPC.*` (API.md §3). Every answer
//! except a refusal of the credentials is HTTP 200 with a JSON-RPC body; errors are rendered in
//! [`failure`] only.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use depot_app::api::ApiError;
use depot_domain::auth::{api_keys, secrets};
use depot_domain::versioning::service::{self, DotPath};
use depot_domain::{Actor, DomainError};
use http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::http::auth::{presented, Presented};
use crate::http::error::refusal_for;
use crate::http::extract::Caller;
use crate::http::routes::described;
use crate::http::AppState;

/// The name Depot gives the API keys it issues to Dotmesh clients.
const DOTMESH_KEY_NAME: &str = "dotmesh";

/// Dotmesh's code for every error a method returns.
const METHOD_ERROR: i64 = -32000;
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;

/// A JSON-RPC error: its code and message.
struct Failure(i64, String);

/// Dotmesh answers every refusal of a method with one code; the message is what any surface
/// would tell the caller (a fault's details stay in the log).
impl From<DomainError> for Failure {
    fn from(error: DomainError) -> Self {
        Failure(METHOD_ERROR, ApiError::refusing(&error).error)
    }
}

fn answer(body: Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn failure(id: Value, Failure(code, message): Failure) -> Response {
    answer(json!({
        "jsonrpc": "2.0",
        "error": {"code": code, "message": message, "data": null},
        "id": id,
    }))
}

pub async fn handle(Caller { state, actor }: Caller, headers: HeaderMap, body: Bytes) -> Response {
    if matches!(actor, Actor::Anonymous { .. }) {
        // Dotmesh has no anonymous access: a client without credentials is told to sign in.
        return refusal_for("/rpc", StatusCode::UNAUTHORIZED, "Unauthorized.");
    }
    if !crate::http::sends_json(&headers) {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "rpc: unrecognized Content-Type: send application/json",
        )
            .into_response();
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => {
            return failure(
                Value::Null,
                Failure(PARSE_ERROR, format!("Parse error: {error}")),
            )
        }
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(request) = request.as_object() else {
        return failure(
            id,
            Failure(INVALID_REQUEST, "Invalid Request: not a JSON object".into()),
        );
    };
    if request.get("jsonrpc") != Some(&json!("2.0")) {
        return failure(
            id,
            Failure(
                INVALID_REQUEST,
                "Invalid Request: jsonrpc must be \"2.0\"".into(),
            ),
        );
    }
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return failure(
            id,
            Failure(
                INVALID_REQUEST,
                "Invalid Request: method must be a string".into(),
            ),
        );
    };
    let params = match request.get("params") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Array(items)) if items.len() <= 1 => {
            items.first().cloned().unwrap_or(Value::Null)
        }
        Some(Value::Array(_)) => {
            return failure(
                id,
                Failure(
                    METHOD_ERROR,
                    "params must be one object, not several".into(),
                ),
            )
        }
        Some(other) => other.clone(),
    };
    let call = Call {
        state: &state,
        actor: &actor,
        headers: &headers,
        params,
    };
    match call.dispatch(method).await {
        Ok(result) => answer(json!({"jsonrpc": "2.0", "result": result, "id": id})),
        Err(error) => failure(id, error),
    }
}

struct Call<'a> {
    state: &'a AppState,
    actor: &'a Actor,
    headers: &'a HeaderMap,
    params: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DotParams {
    namespace: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BranchParams {
    namespace: String,
    name: String,
    #[serde(default)]
    branch: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NewBranchParams {
    namespace: String,
    name: String,
    #[serde(default)]
    source_branch: String,
    new_branch_name: String,
    #[serde(default)]
    source_commit_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CommitParams {
    namespace: String,
    name: String,
    #[serde(default)]
    branch: String,
    message: String,
    #[serde(default)]
    metadata: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RollbackParams {
    namespace: String,
    name: String,
    #[serde(default)]
    branch: String,
    snapshot_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DiffParams {
    namespace: String,
    name: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn path(namespace: &str, name: &str) -> Result<DotPath, Failure> {
    Ok(DotPath::new(namespace, name)?)
}

impl Call<'_> {
    fn params<T: DeserializeOwned>(&self) -> Result<T, Failure> {
        let params = match &self.params {
            Value::Null => json!({}),
            other => other.clone(),
        };
        serde_json::from_value(params)
            .map_err(|e| Failure(METHOD_ERROR, format!("Invalid params: {e}")))
    }

    async fn dispatch(&self, method: &str) -> Result<Value, Failure> {
        let store = &self.state.store;
        let actor = self.actor;
        let name = method.strip_prefix("DotmeshRPC.").unwrap_or("");
        Ok(match name {
            "Ping" => json!(true),
            "Version" => json!({
                "Name": "Depot",
                "Version": env!("CARGO_PKG_VERSION"),
                "Website": "/versioning",
            }),
            "CurrentUser" => self.current_user(),
            "GetApiKey" => json!({ "ApiKey": self.api_key(false).await? }),
            "ResetApiKey" => json!({ "ApiKey": self.api_key(true).await? }),
            "Create" => {
                let p: DotParams = self.params()?;
                service::create(store, actor, &path(&p.namespace, &p.name)?).await?;
                json!(true)
            }
            "Exists" => {
                let p: BranchParams = self.params()?;
                json!(
                    service::exists(store, actor, &path(&p.namespace, &p.name)?, &p.branch).await?
                )
            }
            "Lookup" => {
                let p: BranchParams = self.params()?;
                json!(
                    service::lookup(store, actor, &path(&p.namespace, &p.name)?, &p.branch).await?
                )
            }
            "Get" => {
                let id: String = self.params()?;
                json!(service::get(store, actor, &id).await?)
            }
            "List" => {
                let mut by_namespace = Map::new();
                for volume in service::list(store, actor, None).await? {
                    let dots = by_namespace
                        .entry(volume.name.namespace.clone())
                        .or_insert_with(|| json!({}));
                    dots[&volume.name.name] = json!(volume);
                }
                Value::Object(by_namespace)
            }
            "Branches" => {
                let p: DotParams = self.params()?;
                json!(service::branch_names(store, actor, &path(&p.namespace, &p.name)?).await?)
            }
            "Branch" => {
                let p: NewBranchParams = self.params()?;
                let dot = path(&p.namespace, &p.name)?;
                service::create_branch(
                    store,
                    actor,
                    &dot,
                    &p.source_branch,
                    &p.new_branch_name,
                    &p.source_commit_id,
                )
                .await?;
                json!(true)
            }
            "Commit" => {
                let p: CommitParams = self.params()?;
                let dot = path(&p.namespace, &p.name)?;
                let metadata = p.metadata.unwrap_or_default();
                json!(service::commit(store, actor, &dot, &p.branch, &p.message, &metadata).await?)
            }
            "Commits" => {
                let p: BranchParams = self.params()?;
                json!(
                    service::commits(store, actor, &path(&p.namespace, &p.name)?, &p.branch)
                        .await?
                )
            }
            "Rollback" => {
                let p: RollbackParams = self.params()?;
                let dot = path(&p.namespace, &p.name)?;
                service::rollback(store, actor, &dot, &p.branch, &p.snapshot_id).await?;
                json!(true)
            }
            "Delete" => {
                let p: DotParams = self.params()?;
                service::delete(store, actor, &path(&p.namespace, &p.name)?).await?;
                json!(true)
            }
            "DeleteBranch" => {
                let p: BranchParams = self.params()?;
                service::delete_branch(store, actor, &path(&p.namespace, &p.name)?, &p.branch)
                    .await?;
                json!(true)
            }
            "Diff" => {
                let p: DiffParams = self.params()?;
                let dot = path(&p.namespace, &p.name)?;
                let files = service::diff(store, actor, &dot, &p.branch, &p.from, &p.to).await?;
                json!({ "Files": files })
            }
            _ => {
                return Err(Failure(
                    METHOD_ERROR,
                    format!("rpc: can't find method \"{method}\""),
                ))
            }
        })
    }

    fn current_user(&self) -> Value {
        let (id, name) = match self.actor {
            Actor::User { id, name, .. } => (id.to_string(), name.clone()),
            other => (other.name().to_string(), other.name().to_string()),
        };
        json!({
            "Id": id,
            "Name": name,
            "Email": "",
            // Gravatar's hash of the (empty) e-mail address; Depot users have no address.
            "EmailHash": secrets::sha256_hex(""),
            "Metadata": {},
        })
    }

    /// The caller's API key. Depot keeps only hashes, so a key can be handed back only to a
    /// caller who presented it; a password sign-in gets a fresh key instead (replacing the one
    /// Depot issued to Dotmesh clients before). `reset` always issues a fresh key and needs
    /// the password, as in Dotmesh.
    async fn api_key(&self, reset: bool) -> Result<String, Failure> {
        match (presented(self.headers), reset) {
            (Presented::ApiKey(key), false) => Ok(key),
            (Presented::Password, _) => {
                let created =
                    api_keys::replace_own(&self.state.store, self.actor, DOTMESH_KEY_NAME).await?;
                Ok(created.secret)
            }
            (_, true) => Err(Failure(
                METHOD_ERROR,
                "Password authentication is required for this method.".into(),
            )),
            (Presented::Other, false) => Err(Failure(
                METHOD_ERROR,
                "Sign in with HTTP Basic user:password to be given an API key.".into(),
            )),
        }
    }
}

described! {
    /// A JSON-RPC 2.0 call, for the document: [`handle`] reads it by hand, so that a malformed
    /// call still gets a JSON-RPC error rather than a rejection.
    JsonRpcCall {
        "type": "object",
        "required": ["method"],
        "properties": {
            "jsonrpc": {"const": "2.0"},
            "method": {"type": "string", "description": "DotmeshRPC.Ping, DotmeshRPC.Create, …"},
            "params": {"description": "the method's parameters: a list of one object, or the object"},
            "id": {"description": "echoed in the reply"},
        },
    }
}

described! {
    /// A JSON-RPC 2.0 reply: a result, or an error with its code and message.
    JsonRpcReply {
        "type": "object",
        "required": ["jsonrpc", "id"],
        "properties": {
            "jsonrpc": {"const": "2.0"},
            "result": {"description": "what the method answers"},
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                    "data": {},
                },
            },
            "id": {},
        },
    }
}
