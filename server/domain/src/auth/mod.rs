//! Users, their credentials (passwords, API keys, browser sessions) and who may do what.

mod model;
pub mod role;

pub use model::*;
pub use role::Role;

services! {
    pub mod actor;
    pub mod api_keys;
    pub mod credentials;
    pub mod secrets;
    pub mod sessions;
    pub mod users;
}
