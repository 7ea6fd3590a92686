"""Deprecated: the registry's rules live in `hafennetz.members.access`.

A re-export kept only while the other apps move their imports; delete it once
`grep -rn members.permissions src tests` is empty.
"""

from hafennetz.members.access import (
    ANONYMOUS,
    Roles,
    can_edit_member,
    can_manage_members,
    can_view_audit_log,
    forget_roles,
    is_coordination_office,
    is_member_staff,
    roles_of,
)

__all__ = [
    "ANONYMOUS",
    "Roles",
    "can_edit_member",
    "can_manage_members",
    "can_view_audit_log",
    "forget_roles",
    "is_coordination_office",
    "is_member_staff",
    "roles_of",
]
