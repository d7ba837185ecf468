//! Artifacts: CDAP's artifact repository — versioned archives with plugins, and apps pinned to
//! an artifact version that can be upgraded and rolled back.
//!
//! [`model`] has the wire shapes (compiled for the browser too) and [`version`] CDAP's version
//! ordering and ranges; [`archive`] reads what an archive says about itself; [`service`]
//! namespaces and artifacts; [`apps`] the apps made from them.

#[cfg(feature = "services")]
pub mod apps;
#[cfg(feature = "services")]
pub mod archive;
pub mod model;
#[cfg(feature = "services")]
pub mod service;
pub mod version;

pub use model::*;
