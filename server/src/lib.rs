//! The Depot server: command line, configuration and the HTTP router that carries every
//! surface. The surfaces' behaviour lives in `depot-domain`; this crate only speaks HTTP.

pub mod background;
pub mod cli;
pub mod commands;
pub mod config;
pub mod function;
pub mod http;
pub mod import;
pub mod logging;
