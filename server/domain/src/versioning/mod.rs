//! Versioning: Dotmesh's data dots — named file trees in namespaces, with branches, commits,
//! diffs and rollback.
//!
//! [`model`] has the shapes that cross the wire (compiled for the browser too); [`tree`] is the
//! content-addressed hash tree a commit's files live in; [`service`] the dots, branches and
//! commits; [`files`] writing and reading the files themselves through the blob store.

pub mod model;

pub use model::*;

services! {
    pub mod files;
    pub mod service;
    pub mod text_diff;
    pub mod tree;
    pub use service::DotPath;
}
