//! The settings the running server works with, derived once from the command line.

use std::net::SocketAddr;
use std::time::Duration;

use depot_domain::specs::token::TokenVerifier;
use depot_domain::tables::catalog::Attachment;

use crate::cli::ServeArgs;

/// 64 GiB: uploads stream to disk, so the limit guards the disk, not memory.
pub const DEFAULT_UPLOAD_LIMIT: usize = 64 << 30;

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub public_read: bool,
    pub no_auth: bool,
    pub cors_origins: Vec<String>,
    pub session_ttl: Duration,
    pub body_limit: usize,
    pub request_timeout: Duration,
    /// How long a connection may take to send a request's headers.
    pub header_timeout: Duration,
    pub attachments: Vec<Attachment>,
    pub exact_count_limit: i64,
    /// Headers added to every Inventory response.
    pub inventory_headers: Vec<(String, String)>,
    /// Largest accepted file or archive upload (dot files, artifacts), in bytes.
    pub upload_limit: usize,
    /// Where system artifacts are loaded from (at start-up and on request).
    pub system_artifacts: Option<std::path::PathBuf>,
    /// Verifies the auth server's tokens on `/source/upload` (from `--auth-public-key` or
    /// fetched from `AUTH_SERVER` at start-up).
    pub token_verifier: Option<TokenVerifier>,
    /// The pipeline runner new spec revisions are sent to (`DPP_URL`).
    pub dpp_url: Option<String>,
}

impl ServeConfig {
    /// Checks the combination of flags; `--no-auth` is only for a loopback bind.
    pub fn from_args(args: &ServeArgs) -> Result<Self, String> {
        if args.no_auth && !args.bind.ip().is_loopback() {
            return Err(format!(
                "--no-auth turns authentication off and is only allowed on a loopback address \
                 (127.0.0.1 or ::1); --bind is {}",
                args.bind
            ));
        }
        let mut attachments = Vec::new();
        for spec in &args.attach {
            let mut attachment = Attachment::parse(spec).map_err(|e| e.to_string())?;
            attachment.read_only = args.read_only.contains(&attachment.name);
            attachments.push(attachment);
        }
        for name in &args.read_only {
            if !attachments.iter().any(|a| &a.name == name) {
                return Err(format!(
                    "--read-only {name}: no database is attached under that name"
                ));
            }
        }
        for excluded in &args.exclude {
            let (db, table) = excluded
                .split_once('.')
                .ok_or_else(|| format!("--exclude takes NAME.TABLE, not {excluded:?}"))?;
            match attachments.iter_mut().find(|a| a.name == db) {
                Some(attachment) => attachment.excluded.push(table.to_string()),
                None => {
                    return Err(format!(
                        "--exclude {excluded}: no database is attached as {db}"
                    ))
                }
            }
        }
        let mut inventory_headers = Vec::new();
        for header in &args.inventory_headers {
            let (name, value) = header
                .split_once(':')
                .ok_or_else(|| format!("--inventory-header takes NAME:VALUE, not {header:?}"))?;
            let valid = http::HeaderName::from_bytes(name.trim().as_bytes()).is_ok()
                && http::HeaderValue::from_str(value.trim()).is_ok();
            if !valid {
                return Err(format!(
                    "--inventory-header {header:?} is not a valid HTTP header"
                ));
            }
            inventory_headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        let cors_origins = args
            .cors_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect();
        Ok(Self {
            bind: args.bind,
            public_read: args.public_read,
            no_auth: args.no_auth,
            cors_origins,
            session_ttl: Duration::from_secs(args.session_ttl.max(1)),
            body_limit: args.body_limit,
            request_timeout: Duration::from_secs(args.request_timeout.max(1)),
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            attachments,
            exact_count_limit: args.exact_count_limit,
            inventory_headers,
            upload_limit: args.upload_limit,
            system_artifacts: args.system_artifacts.clone(),
            token_verifier: None,
            dpp_url: args
                .dpp_url
                .clone()
                .or_else(|| std::env::var("DPP_URL").ok())
                .map(|url| url.trim().to_string())
                .filter(|url| !url.is_empty()),
        })
    }

    /// Settings for tests and embedding: loopback, authentication on, defaults elsewhere.
    pub fn local_defaults() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_read: false,
            no_auth: false,
            cors_origins: Vec::new(),
            session_ttl: Duration::from_secs(12 * 3600),
            body_limit: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            header_timeout: Duration::from_secs(30),
            attachments: Vec::new(),
            exact_count_limit: depot_domain::tables::catalog::DEFAULT_EXACT_COUNT_LIMIT,
            inventory_headers: Vec::new(),
            upload_limit: DEFAULT_UPLOAD_LIMIT,
            system_artifacts: None,
            token_verifier: None,
            dpp_url: None,
        }
    }
}
