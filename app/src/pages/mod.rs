//! One module per page.

pub mod api_docs;
pub mod artifacts;
pub mod audit;
pub mod home;
pub mod inventory;
pub mod login;
pub mod not_found;
pub mod specs;
pub mod tables;
pub mod users;
pub mod versioning;
