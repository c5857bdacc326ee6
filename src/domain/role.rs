//! Roles and what each may do. Each of reporter < analyst < lead < admin includes the one before;
//! auditor reads everything, the audit trail included, and writes nothing.

use super::incident::wire_enum;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

wire_enum! {
    /// A token's role.
    Role {
        Reporter => "reporter",
        Analyst => "analyst",
        Lead => "lead",
        Admin => "admin",
        Auditor => "auditor",
    }
}

/// Something a caller may want to do; routes ask for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// File a report.
    Report,
    /// Read every incident (not only one's own).
    ReadAll,
    /// Triage, classify, add notes and actions.
    Work,
    /// Decide, assign, escalate, close, change D0.
    Lead,
    /// Manage tokens and settings.
    Admin,
    /// Read the audit trail.
    ReadAudit,
}

impl Role {
    /// Rank in the reporter < analyst < lead < admin chain (auditor stands apart).
    fn rank(self) -> u8 {
        match self {
            Role::Reporter | Role::Auditor => 0,
            Role::Analyst => 1,
            Role::Lead => 2,
            Role::Admin => 3,
        }
    }

    /// Whether this role grants `permission`.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::Report => self != Role::Auditor,
            Permission::ReadAll => self == Role::Auditor || self.rank() >= 1,
            Permission::Work => self != Role::Auditor && self.rank() >= 1,
            Permission::Lead => self != Role::Auditor && self.rank() >= 2,
            Permission::Admin => self == Role::Admin,
            Permission::ReadAudit => matches!(self, Role::Auditor | Role::Admin),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn permission_table() {
        let table: &[(Role, [bool; 6])] = &[
            // Report, ReadAll, Work, Lead, Admin, ReadAudit
            (Role::Reporter, [true, false, false, false, false, false]),
            (Role::Analyst, [true, true, true, false, false, false]),
            (Role::Lead, [true, true, true, true, false, false]),
            (Role::Admin, [true, true, true, true, true, true]),
            (Role::Auditor, [false, true, false, false, false, true]),
        ];
        for (role, expected) in table {
            let got = [Report, ReadAll, Work, Lead, Admin, ReadAudit].map(|p| role.allows(p));
            assert_eq!(&got, expected, "{role}");
        }
    }
}
