//! Route registration that carries its documentation. A surface lists its routes as
//! `Routes::new(surface).route(path, get(handler, doc(…)).post(…))` — axum's own shape, with a
//! [`Doc`] beside each handler — and gets back both the router and the operations
//! `/openapi.json` describes. A handler cannot be routed without its documentation, so the
//! document cannot miss a route, and it is built from the same types the handlers read and
//! write (their JSON Schemas come from `schemars` derives on the wire types).

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use http::{Method, StatusCode};
use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::AppState;

/// How a schema is made: `SchemaGenerator::subschema_for::<T>` for the `T` a doc names.
type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// `described!(Name { …JSON Schema… })`: a type `Name` that only stands for its schema, for
/// what a handler reads or writes by hand (so that each mistake gets the surface's own
/// message) rather than through a type of its own. It is an empty enum: never made, only named.
macro_rules! described {
    ($(#[$doc:meta])* $name:ident $schema:tt) => {
        $(#[$doc])*
        pub enum $name {}

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!($schema)
            }
        }
    };
}
pub(crate) use described;

/// A body's media type and, for JSON and forms, the type whose schema describes it.
#[derive(Clone, Copy)]
pub struct Content {
    pub media_type: &'static str,
    pub schema: Option<SchemaOf>,
}

/// What one operation takes and answers.
#[derive(Clone)]
pub struct Doc {
    pub summary: &'static str,
    pub query: Option<SchemaOf>,
    pub request: Option<Content>,
    pub success: StatusCode,
    pub response: Option<Content>,
    /// Other answers than the success and the surface's refusals, each with its own body.
    pub also: Vec<(StatusCode, Content)>,
}

/// An operation answering 200 with no documented body until a builder method says otherwise.
pub fn doc(summary: &'static str) -> Doc {
    Doc {
        summary,
        query: None,
        request: None,
        success: StatusCode::OK,
        response: None,
        also: Vec::new(),
    }
}

impl Doc {
    /// The query parameters are the fields of `T`.
    pub fn query<T: JsonSchema>(mut self) -> Self {
        self.query = Some(schema_of::<T>);
        self
    }

    /// The body is a `T` as JSON.
    pub fn takes<T: JsonSchema>(self) -> Self {
        self.takes_as::<T>("application/json")
    }

    /// The body is a `T` in `media_type` (a form, say).
    pub fn takes_as<T: JsonSchema>(mut self, media_type: &'static str) -> Self {
        self.request = Some(Content {
            media_type,
            schema: Some(schema_of::<T>),
        });
        self
    }

    /// The body is raw bytes of `media_type`, streamed.
    pub fn takes_bytes(mut self, media_type: &'static str) -> Self {
        self.request = Some(Content {
            media_type,
            schema: None,
        });
        self
    }

    /// A success is 200 with a `T` as JSON.
    pub fn answers<T: JsonSchema>(self) -> Self {
        self.answers_with::<T>(StatusCode::OK)
    }

    /// A success is 201 with the new `T` as JSON.
    pub fn created<T: JsonSchema>(self) -> Self {
        self.answers_with::<T>(StatusCode::CREATED)
    }

    /// A success is `status` with a `T` as JSON.
    pub fn answers_with<T: JsonSchema>(self, status: StatusCode) -> Self {
        self.answers_as::<T>(status, "application/json")
    }

    /// A success is `status` with a `T` in `media_type`.
    pub fn answers_as<T: JsonSchema>(
        mut self,
        status: StatusCode,
        media_type: &'static str,
    ) -> Self {
        self.success = status;
        self.response = Some(Content {
            media_type,
            schema: Some(schema_of::<T>),
        });
        self
    }

    /// A success is 200 with a plain-text message.
    pub fn answers_text(self) -> Self {
        self.answers_as::<String>(StatusCode::OK, "text/plain")
    }

    /// A success is 200 with bytes of `media_type`.
    pub fn answers_bytes(mut self, media_type: &'static str) -> Self {
        self.response = Some(Content {
            media_type,
            schema: None,
        });
        self
    }

    /// Besides its success, the operation may answer `status` with a `T` as JSON (a partial
    /// answer, or a refusal not in the surface's usual shape).
    pub fn or_answers<T: JsonSchema>(mut self, status: StatusCode) -> Self {
        let content = Content {
            media_type: "application/json",
            schema: Some(schema_of::<T>),
        };
        self.also.push((status, content));
        self
    }

    /// A success is `status` with no body.
    pub fn answers_nothing(mut self, status: StatusCode) -> Self {
        self.success = status;
        self.response = None;
        self
    }
}

/// An operation `/openapi.json` lists: a method on a path, in OpenAPI's path syntax.
pub struct Operation {
    pub tag: &'static str,
    pub method: Method,
    pub path: String,
    pub doc: Doc,
}

/// The handlers of one path, each with its doc: axum's `MethodRouter`, documented.
pub struct Endpoints {
    methods: MethodRouter<AppState>,
    docs: Vec<(Method, Doc)>,
}

macro_rules! methods {
    ($($name:ident => $method:ident),* $(,)?) => {
        $(
            #[doc = concat!("`", stringify!($method), "` by `handler`, as `doc` says.")]
            // Any method may be the first of a path's; not every one is, today.
            #[allow(dead_code)]
            pub fn $name<H, T>(handler: H, doc: Doc) -> Endpoints
            where
                H: Handler<T, AppState>,
                T: 'static,
            {
                Endpoints { methods: MethodRouter::new(), docs: Vec::new() }.$name(handler, doc)
            }
        )*

        impl Endpoints {
            $(
                #[doc = concat!("Also `", stringify!($method), "` by `handler`, as `doc` says.")]
                pub fn $name<H, T>(mut self, handler: H, doc: Doc) -> Self
                where
                    H: Handler<T, AppState>,
                    T: 'static,
                {
                    self.methods = self.methods.on(MethodFilter::$method, handler);
                    self.docs.push((Method::$method, doc));
                    self
                }
            )*
        }
    };
}

methods! {
    get => GET,
    head => HEAD,
    post => POST,
    put => PUT,
    patch => PATCH,
    delete => DELETE,
}

/// A surface's routes and their documentation, built together.
pub struct Routes {
    tag: &'static str,
    router: Router<AppState>,
    operations: Vec<Operation>,
    /// What answers `OPTIONS` on every path of the surface (clusto and sandman2 answer it).
    options: Option<MethodRouter<AppState>>,
}

impl Routes {
    /// The routes of `tag`, the surface they are listed under.
    pub fn new(tag: &'static str) -> Self {
        Self {
            tag,
            router: Router::new(),
            operations: Vec::new(),
            options: None,
        }
    }

    /// Every path routed from here on also answers `OPTIONS` with `handler` (documented as the
    /// answer to a browser's preflight).
    pub fn answering_options<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.options = Some(MethodRouter::new().options(handler));
        self
    }

    pub fn route(mut self, path: &str, endpoints: Endpoints) -> Self {
        let Endpoints { mut methods, docs } = endpoints;
        let openapi_path = path.replace("{*", "{");
        for (method, doc) in docs {
            self.operations.push(Operation {
                tag: self.tag,
                method,
                path: openapi_path.clone(),
                doc,
            });
        }
        if let Some(options) = &self.options {
            methods = methods.merge(options.clone());
            self.operations.push(Operation {
                tag: self.tag,
                method: Method::OPTIONS,
                path: openapi_path,
                doc: doc("What a browser's preflight is answered: no content")
                    .answers_nothing(StatusCode::NO_CONTENT),
            });
        }
        self.router = self.router.route(path, methods);
        self
    }

    /// Another surface's routes beside these.
    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.operations.extend(other.operations);
        self
    }

    /// The router, changed by `f` (a layer, a fallback); the documentation stays as it is.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Self {
        self.router = f(self.router);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<Operation>) {
        (self.router, self.operations)
    }
}
