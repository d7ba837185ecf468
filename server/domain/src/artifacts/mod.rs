//! Artifacts: CDAP's artifact repository — versioned archives with plugins, and apps pinned to
//! an artifact version that can be upgraded and rolled back.
//!
//! [`model`] has the wire shapes (compiled for the browser too) and [`version`] CDAP's version
//! ordering and ranges; [`archive`] reads what an archive says about itself; [`service`]
//! namespaces and artifacts; [`apps`] the apps made from them.

pub mod model;
pub mod version;

services! {
    pub mod apps;
    pub mod archive;
    pub mod service;
}

pub use model::*;
