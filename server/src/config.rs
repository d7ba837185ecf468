//! The settings the running server works with, derived once from the command line.

use std::net::SocketAddr;
use std::time::Duration;

use crate::cli::ServeArgs;

#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub bind: SocketAddr,
    pub public_read: bool,
    pub no_auth: bool,
    pub cors_origins: Vec<String>,
    pub session_ttl: Duration,
    pub body_limit: usize,
    pub request_timeout: Duration,
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
        let cors_origins = args.cors_origins.iter().map(|o| o.trim().trim_end_matches('/').to_string()).filter(|o| !o.is_empty()).collect();
        Ok(Self {
            bind: args.bind,
            public_read: args.public_read,
            no_auth: args.no_auth,
            cors_origins,
            session_ttl: Duration::from_secs(args.session_ttl.max(1)),
            body_limit: args.body_limit,
            request_timeout: Duration::from_secs(args.request_timeout.max(1)),
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
        }
    }
}
