//! Versioning: Dotmesh's data dots — named file trees in namespaces, with branches, commits,
//! diffs and rollback.
//!
//! [`model`] has the shapes that cross the wire (compiled for the browser too); [`tree`] is the
//! content-addressed hash tree a commit's files live in; [`service`] the dots, branches and
//! commits; [`files`] writing and reading the files themselves through the blob store.

#[cfg(feature = "services")]
pub mod files;
pub mod model;
#[cfg(feature = "services")]
pub mod service;
#[cfg(feature = "services")]
pub mod text_diff;
#[cfg(feature = "services")]
pub mod tree;

pub use model::*;
#[cfg(feature = "services")]
pub use service::DotPath;
