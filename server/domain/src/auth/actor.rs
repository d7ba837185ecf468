//! Who is asking, and the role rules every surface applies to them.

use super::role::Role;
use crate::error::{DomainError, DomainResult};

/// The party behind a request, as established by the transport from its credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// No credentials. `may_read` is the server's `--public-read` setting.
    Anonymous {
        may_read: bool,
    },
    User {
        id: i64,
        name: String,
        role: Role,
    },
    /// The server runs with `--no-auth` on a loopback address: everything is allowed.
    Local,
}

impl Actor {
    /// The name recorded in the audit log.
    pub fn name(&self) -> &str {
        match self {
            Actor::Anonymous { .. } => "anonymous",
            Actor::User { name, .. } => name,
            Actor::Local => "local",
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User { id, .. } => Some(*id),
            _ => None,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    fn has_role(&self, needed: Role) -> bool {
        match self {
            Actor::Anonymous { may_read } => needed == Role::Reader && *may_read,
            Actor::User { role, .. } => role.includes(needed),
            Actor::Local => true,
        }
    }

    /// Anonymous callers need `--public-read`; every user may read.
    pub fn require_read(&self) -> DomainResult<()> {
        self.require(Role::Reader)
    }

    pub fn require_write(&self) -> DomainResult<()> {
        self.require(Role::Writer)
    }

    pub fn require_admin(&self) -> DomainResult<()> {
        self.require(Role::Admin)
    }

    /// Refuses with `Unauthenticated` for anonymous callers (they may retry with credentials)
    /// and with `Forbidden` for users whose role is too low.
    pub fn require(&self, needed: Role) -> DomainResult<()> {
        if self.has_role(needed) {
            return Ok(());
        }
        match self {
            Actor::Anonymous { .. } => Err(DomainError::Unauthenticated(
                "authentication required".into(),
            )),
            Actor::User { name, role, .. } => Err(DomainError::forbidden(format!(
                "user {name} has role {role}; this needs role {needed}"
            ))),
            Actor::Local => unreachable!("the local actor has every role"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> Actor {
        Actor::User {
            id: 1,
            name: "u".into(),
            role,
        }
    }

    #[test]
    fn roles_include_the_roles_below_them() {
        assert!(user(Role::Admin).require_write().is_ok());
        assert!(user(Role::Writer).require_read().is_ok());
        assert!(matches!(
            user(Role::Reader).require_write(),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            user(Role::Writer).require_admin(),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn anonymous_reads_only_with_public_read_and_never_writes() {
        let public = Actor::Anonymous { may_read: true };
        let private = Actor::Anonymous { may_read: false };
        assert!(public.require_read().is_ok());
        assert!(matches!(
            private.require_read(),
            Err(DomainError::Unauthenticated(_))
        ));
        assert!(matches!(
            public.require_write(),
            Err(DomainError::Unauthenticated(_))
        ));
    }

    #[test]
    fn local_actor_may_do_anything() {
        assert!(Actor::Local.require_admin().is_ok());
    }
}
