"""The one exception every access function raises when a user may not do something.

Each app's `access` module decides *who may do what* and raises `AccessDenied` with a message
that says what was refused. It is mapped once for every interface
(`hafennetz.core.middleware.AccessDeniedMiddleware`): anonymous users are sent to the login,
logged-in users get 403 with the message. Services raise it too when an actor tries to write
what it may not, so no interface can bypass a form. `core` knows no app: the rules themselves
live in the apps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

# Whoever makes a request (access functions answer anonymous visitors too) ...
Visitor: TypeAlias = "AbstractBaseUser | AnonymousUser"
# ... and whoever writes through a service: a logged-in user, or None for a system job.
Actor: TypeAlias = "AbstractBaseUser | None"


class AccessDenied(PermissionDenied):
    """The user may not do this. `message` (translated) says what was refused."""

    def __init__(self, message: str | Promise = "") -> None:
        super().__init__(str(message))
        self.message = str(message)

    def __str__(self) -> str:
        return self.message


def ensure(allowed: bool, message: str | Promise) -> None:
    """Raise `AccessDenied(message)` unless `allowed`: the one-line guard of access functions."""
    if not allowed:
        raise AccessDenied(message)
