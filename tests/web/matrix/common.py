"""Shared vocabulary of the permission matrix.

Roles: anonymous; staff of the member the URL is about (Detmold, NRW); staff of another member;
state coordination of the same state (NRW) and of another state (Schleswig-Holstein); the
coordination office.

A GET row is `(url kwargs, expected answer per role)`. A POST row is a `Post`: the kwargs, a
valid payload (a dict, or a function of the placeholder context returning one) and the answer
per role. For a refused role the test also asserts that nothing changed (no row written,
changed or deleted, no audit entry). For an allowed role with `writes=True` it asserts that the
change was audited. Strings like "{meeting}" in kwargs and payloads are replaced by the ids of
objects made by `make_context`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

ROLES = ["anonymous", "own_member", "other_member", "state_same", "state_other", "office"]
OK, LOGIN, DENY, NOT_FOUND, NOT_ALLOWED, REDIRECT, BAD = 200, "login", 403, 404, 405, 302, 400

PUBLIC = dict.fromkeys(ROLES, OK)
LOGGED_IN = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], OK)}
OFFICE_ONLY = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:5], DENY), "office": OK}
OWN_OR_OFFICE = {
    "anonymous": LOGIN,
    "own_member": OK,
    "other_member": DENY,
    "state_same": DENY,
    "state_other": DENY,
    "office": OK,
}
# The NRW state meeting of the demo data, managed by the NRW state coordination.
MANAGE_MEETING = {
    "anonymous": LOGIN,
    "own_member": DENY,
    "other_member": DENY,
    "state_same": OK,
    "state_other": DENY,
    "office": OK,
}
POST_ONLY_MEMBERS = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_ALLOWED)}

AGS = "05766020"  # Detmold

Expected = Mapping[str, object]
Payload = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]]


def with_answer(answer: object, roles: Expected) -> dict[str, object]:
    """`roles` with every allowed (200) answer replaced by `answer`, e.g. REDIRECT after a save."""
    return {role: (answer if want == OK else want) for role, want in roles.items()}


@dataclass(frozen=True)
class Post:
    kwargs: Mapping[str, object]
    data: Payload
    expected: Expected
    # Allowed roles write and audit something (False for e.g. a preview that only reads).
    writes: bool = True
    # Files to upload: field name -> (file name, bytes).
    files: Mapping[str, tuple[str, bytes]] = field(default_factory=dict)


def resolve(value: Any, context: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value in context:
        return context[value]
    return value


def login(client: Client, role: str) -> None:
    from hafennetz.members.models import Member, StaffAccount, StateCoordination

    if role == "anonymous":
        return
    users = get_user_model().objects
    if role == "own_member":
        user = users.get(username="kommune@demo.hafennetz.example")
    elif role == "office":
        user = users.get(username="koordinierungsstelle@demo.hafennetz.example")
    elif role == "state_other":
        user = users.get(username="landeskoordination@demo.hafennetz.example")
    else:
        # Made once (the matrix makes them with its shared context), found after that.
        user = users.filter(username=f"{role}@test.example").first()
        if user is None:
            from hafennetz.members.demo import DEMO_PASSWORD

            member = (
                # A plain member of another state: no coordination, no office.
                Member.objects.alliance()
                .exclude(state_id="05")
                .filter(coordinations__isnull=True, office_terms__isnull=True)
                .order_by("pk")
                .first()
                if role == "other_member"
                else StateCoordination.objects.current().get(state_id="05").member
            )
            # The demo password, as for the demo logins: one password-change payload fits all.
            user = users.create_user(username=f"{role}@test.example", password=DEMO_PASSWORD)
            StaffAccount.objects.create(user=user, member=member)
    client.force_login(user)


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint that is always rolled back: what happens inside leaves no trace."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# Tables that a request may change without it being a change of data: sessions, lockout
# bookkeeping, the users' last login.
_VOLATILE = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
_REFERENCE_APPS = {"contenttypes", "admin"}


def database_state() -> dict[str, str]:
    """A fingerprint of every table the project writes: one hash per model."""
    state: dict[str, str] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in _VOLATILE or model._meta.app_label in _REFERENCE_APPS:
            continue
        if model._meta.app_label == "core" and label != "core.auditentry":
            continue  # reference data: nobody writes it through a URL
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in {"last_login", "updated_at"}
        ]
        rows = model._base_manager.order_by("pk")
        if label == "core.auditentry":
            # A refused request is itself logged (security event), which is no change of data.
            rows = rows.exclude(action="request.refused")
        digest = hashlib.sha256()
        for row in rows.values_list(*fields):
            digest.update(repr(row).encode())
        state[label] = digest.hexdigest()
    return state
