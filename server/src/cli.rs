//! The command line. Every `serve` flag can also be given as a `DEPOT_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use depot_domain::Role;

#[derive(Debug, Parser)]
#[command(
    name = "depot",
    version,
    about = "One server for tables, inventory, data dots, artifacts and specs.",
    long_about = "One server for tables, inventory, data dots, artifacts and specs.\n\n\
                  Without a subcommand, `depot` serves as `depot serve` would, configured by \
                  the DEPOT_* environment variables."
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, env = "DEPOT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `serve`'s settings from the environment alone, for a `depot` run without a subcommand.
#[derive(Debug, Parser)]
struct ServeFromEnvironment {
    #[command(flatten)]
    args: ServeArgs,
}

impl Cli {
    /// The command to run: `serve` when none was named.
    pub fn command(self) -> (StoreArgs, LogFormat, Command) {
        let command = self
            .command
            .unwrap_or_else(|| Command::Serve(ServeFromEnvironment::parse_from(["depot"]).args));
        (self.store, self.log_format, command)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder for the embedded SQLite store and local files.
    #[arg(long, env = "DEPOT_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// `sqlite://path` or `postgres://…`; default: `sqlite://<data-dir>/depot.db`.
    #[arg(long, env = "DEPOT_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .or_else(|| std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| format!("sqlite://{}/depot.db", self.data_dir.display()))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every surface and the admin UI.
    Serve(ServeArgs),
    /// Apply pending migrations to the store and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Inventory tools.
    #[command(subcommand)]
    Inventory(InventoryCommand),
    /// Bulk loads, with progress.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Reclaim blobs and tree nodes no row names any more, and objects left by crashed uploads.
    Gc(GcArgs),
    /// Serve as an AWS Lambda function behind a function URL: the same routes, on PostgreSQL
    /// and an S3 blob store, the schema migrated beforehand (`depot migrate`).
    Lambda(ServeArgs),
    /// Do the background work due now once and exit: make scheduled spec revisions, send
    /// queued ones to the pipeline runner. For a scheduled invocation where nothing polls.
    Tick {
        /// The pipeline runner (specstore's DPP_URL); without it nothing is sent.
        #[arg(long, env = "DEPOT_DPP_URL")]
        dpp_url: Option<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct GcArgs {
    /// Report what would be removed and how much, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Keep anything touched (uploaded, committed) more recently than this: `90s`, `30m`,
    /// `1h`, `2d`. It must exceed the longest time between an upload and the row naming it.
    #[arg(long, value_parser = parse_duration, default_value = "1h")]
    pub grace: std::time::Duration,
    /// Where file contents are kept, as for `serve`; default `file:<data-dir>/blobs`.
    #[arg(long, env = "DEPOT_BLOB_STORE")]
    pub blob_store: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Write every file under FOLDER into the dot NAMESPACE/NAME (made when missing) and commit
    /// them as one commit. Files the branch already has unchanged are not stored again.
    Dot {
        /// NAMESPACE/NAME.
        dot: String,
        folder: PathBuf,
        #[arg(long, default_value = "master")]
        branch: String,
        /// The commit message; default "Import of FOLDER".
        #[arg(long)]
        message: Option<String>,
        /// The user the import is done as (it owns a new dot); default: the namespace.
        #[arg(long = "as")]
        user: Option<String>,
        /// Where file contents are kept, as for `serve`; default `file:<data-dir>/blobs`.
        #[arg(long, env = "DEPOT_BLOB_STORE")]
        blob_store: Option<String>,
    },
    /// Load entities, their attributes, pools and contents, and managers with their
    /// properties from FILE (JSON as clusto's expanded mode shows entities, or CSV with a
    /// header `name,driver[,pool,key,subkey,number,value,datatype]`), all in one transaction:
    /// a refused line is named and nothing is written.
    Inventory {
        file: PathBuf,
        /// Told by FILE's extension (.json, .csv) when not given.
        #[arg(long, value_enum)]
        format: Option<crate::import::InventoryFormat>,
        /// The user the import is done as (it must be allowed to write).
        #[arg(long = "as", default_value = "admin")]
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// Load the demo inventory clusto-apiserver's documentation examples run against.
    SeedDemo,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DEPOT_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// Let anonymous callers read (never write).
    #[arg(long, env = "DEPOT_PUBLIC_READ")]
    pub public_read: bool,
    /// Turn authentication off. Refused unless --bind is a loopback address.
    #[arg(long, env = "DEPOT_NO_AUTH")]
    pub no_auth: bool,
    /// An origin allowed to call Depot from a browser (CORS, and exempt from the cross-site
    /// write check). Repeatable, or comma-separated.
    #[arg(long = "cors-origin", env = "DEPOT_CORS_ORIGIN", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Attach a database to the Tables surface as NAME=URL (`sqlite://path` or
    /// `postgres://…`). Repeatable.
    #[arg(long = "attach", env = "DEPOT_ATTACH", value_delimiter = ' ')]
    pub attach: Vec<String>,
    /// Expose the attached database NAME read-only. Repeatable.
    #[arg(long = "read-only", env = "DEPOT_READ_ONLY", value_delimiter = ',')]
    pub read_only: Vec<String>,
    /// Leave NAME.TABLE out of the Tables surface. Repeatable.
    #[arg(long = "exclude", env = "DEPOT_EXCLUDE", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Tables with more rows than this report `X-Total-Count-Estimate` instead of counting.
    #[arg(long, env = "DEPOT_EXACT_COUNT_LIMIT", default_value_t = depot_domain::tables::catalog::DEFAULT_EXACT_COUNT_LIMIT)]
    pub exact_count_limit: i64,
    /// A header added to every Inventory response, as NAME:VALUE (clusto's
    /// `response_headers`), e.g. `Access-Control-Allow-Origin:*`. Repeatable.
    #[arg(
        long = "inventory-header",
        env = "DEPOT_INVENTORY_HEADER",
        value_delimiter = ','
    )]
    pub inventory_headers: Vec<String>,
    /// Where file contents (dot files, archives) are kept, by SHA-256: `file:DIR`, or
    /// `s3://BUCKET/PREFIX` with the endpoint, region and credentials from `AWS_ENDPOINT_URL`,
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`. Replicas must share it.
    /// Default: `file:<data-dir>/blobs`.
    #[arg(long, env = "DEPOT_BLOB_STORE")]
    pub blob_store: Option<String>,
    /// Run a garbage collection (as `depot gc` with its default grace) this often, e.g. `6h`.
    /// Safe on several replicas at once. Default: never.
    #[arg(long, env = "DEPOT_GC_EVERY", value_parser = parse_duration)]
    pub gc_every: Option<std::time::Duration>,
    /// How long a browser session lasts, in seconds.
    #[arg(long, env = "DEPOT_SESSION_TTL", default_value_t = 12 * 3600)]
    pub session_ttl: u64,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "DEPOT_BODY_LIMIT", default_value_t = 16 * 1024 * 1024)]
    pub body_limit: usize,
    /// Largest accepted file or archive upload (dot files, artifacts), in bytes.
    #[arg(long, env = "DEPOT_UPLOAD_LIMIT", default_value_t = crate::config::DEFAULT_UPLOAD_LIMIT)]
    pub upload_limit: usize,
    /// A folder of system artifacts (`name-version.jar`, optional `name-version.json`), loaded
    /// into the `system` namespace at start-up and on `POST /v3/namespaces/system/artifacts`.
    #[arg(long, env = "DEPOT_SYSTEM_ARTIFACTS")]
    pub system_artifacts: Option<PathBuf>,
    /// The auth server's RSA public key (PEM) that verifies the tokens sent to
    /// `/source/upload`. Without it the key is fetched from `http://$AUTH_SERVER/auth/public-key`
    /// at start-up when AUTH_SERVER is set.
    #[arg(long, env = "DEPOT_AUTH_PUBLIC_KEY")]
    pub auth_public_key: Option<PathBuf>,
    /// The auth server (host:port) to fetch the public key from (specstore's AUTH_SERVER).
    #[arg(long, env = "AUTH_SERVER")]
    pub auth_server: Option<String>,
    /// The pipeline runner each new spec revision is POSTed to (specstore's DPP_URL).
    #[arg(long, env = "DEPOT_DPP_URL")]
    pub dpp_url: Option<String>,
    /// Longest a request may take, in seconds, before it is answered 408.
    #[arg(long, env = "DEPOT_REQUEST_TIMEOUT", default_value_t = 60)]
    pub request_timeout: u64,
    /// How long a connection may take to send a request's headers, in seconds — the first
    /// request's or, on a kept-alive connection, the next one's. Slow or idle clients are cut
    /// off after it, so they cannot hold connections forever.
    #[arg(long, env = "DEPOT_HEADER_TIMEOUT", default_value_t = 30)]
    pub header_timeout: u64,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. With --password-stdin the first line of standard input is its password.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role, default_value = "reader")]
        role: Role,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Set a user's password from the first line of standard input.
    Passwd { name: String },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a user and print it (it is shown only this once).
    Create {
        user: String,
        #[arg(long, default_value = "command line")]
        name: String,
    },
    /// Revoke an API key by id.
    Revoke { id: i64 },
}

/// `90s`, `30m`, `1h`, `2d`, or plain seconds.
pub fn parse_duration(value: &str) -> Result<std::time::Duration, String> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{value:?} is not a duration such as 90s, 30m, 1h or 2d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{value:?}: the unit must be s, m, h or d")),
    };
    number
        .checked_mul(seconds)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("{value:?} is too long"))
}

fn parse_role(value: &str) -> Result<Role, String> {
    value
        .parse()
        .map_err(|e: depot_domain::auth::role::UnknownRole| e.to_string())
}
