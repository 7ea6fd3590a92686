"""Writes of the admission module: typed, keyword-only, atomic, audited; each refuses what the
actor may not write (admission.access)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hafennetz.admission.access import (
    TRANSITIONS,
    actor_may_edit_pledges,
    actor_may_manage_contingents,
)
from hafennetz.admission.models import (
    Contingent,
    KeyKind,
    KeyTable,
    Offer,
    Pledge,
    PledgeStatus,
    Resource,
)
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import create_audited, log_action, update_audited
from hafennetz.core.validators import plausible_date
from hafennetz.members.models import Member

# What a pledge form writes; status and acceptance go through `pledge_set_status`.
PLEDGE_FIELDS = frozenset(
    {
        "valid_from",
        "valid_until",
        *(f"places_{r.value}" for r in Resource),
        "offers",
        "council_decision_on",
        "council_decision_reference",
        "contact",
        "notes",
    }
)


def _refuse_unless_allowed(actor: Actor, member: Member) -> None:
    if not actor_may_edit_pledges(actor, member):
        raise AccessDenied(
            _("Only the staff of %(member)s and the coordination office may record its pledges.")
            % {"member": member.name}
        )


def _check_pledge_data(member: Member, data: Mapping[str, Any]) -> None:
    unknown = set(data) - PLEDGE_FIELDS
    if unknown:
        raise AccessDenied(
            _("These fields cannot be set here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    offers = data.get("offers", [])
    if any(o not in Offer.values for o in offers):
        errors.setdefault("offers", []).append(_("Unknown offer."))
    contact = data.get("contact")
    if contact is not None and contact.member_id != member.pk:
        errors.setdefault("contact", []).append(_("The contact must belong to this member."))
    for name in ("valid_from", "valid_until"):
        try:
            plausible_date(data.get(name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    start, end = data.get("valid_from"), data.get("valid_until")
    if start and end and end < start:
        errors.setdefault("valid_until", []).append(
            _("The end of the period must not be before its start.")
        )
    try:
        plausible_date(data.get("council_decision_on"), past_only=True)
    except ValidationError as exc:
        errors.setdefault("council_decision_on", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pledge_create(*, actor: Actor, member: Member, data: Mapping[str, Any]) -> Pledge:
    _refuse_unless_allowed(actor, member)
    _check_pledge_data(member, data)
    pledge = Pledge(member=member, is_demo=False, **data)
    create_audited(actor=actor, obj=pledge, action="pledge.create")
    return pledge


@transaction.atomic
def pledge_update(*, actor: Actor, pledge: Pledge, data: Mapping[str, Any]) -> Pledge:
    pledge = Pledge.objects.select_for_update().select_related("member").get(pk=pledge.pk)
    _refuse_unless_allowed(actor, pledge.member)
    if not pledge.is_active:
        raise AccessDenied(_("A pledge that was withdrawn or used up can no longer be changed."))
    _check_pledge_data(pledge.member, data)
    update_audited(actor=actor, obj=pledge, action="pledge.update", **data)
    return pledge


@transaction.atomic
def pledge_set_status(
    *,
    actor: Actor,
    pledge: Pledge,
    status: str,
    accepted_on: dt.date | None = None,
    accepted_by: str = "",
    accepted_reference: str = "",
) -> Pledge:
    """Move a pledge along offered → accepted → used up, or withdraw it. Acceptance by the Bund
    or a Land needs its date and who accepted it."""
    pledge = Pledge.objects.select_for_update().select_related("member").get(pk=pledge.pk)
    _refuse_unless_allowed(actor, pledge.member)
    if status not in TRANSITIONS[pledge.status]:
        raise ValidationError(
            {
                "status": _("A pledge that is %(old)s cannot become %(new)s.")
                % {
                    "old": PledgeStatus(pledge.status).label,
                    "new": PledgeStatus(status).label if status in PledgeStatus.values else status,
                }
            }
        )
    changes: dict[str, Any] = {"status": status}
    if status == PledgeStatus.ACCEPTED:
        errors: dict[str, list[str]] = {}
        if accepted_on is None:
            errors["accepted_on"] = [_("Please enter the date of the acceptance.")]
        else:
            try:
                plausible_date(accepted_on, past_only=True)
            except ValidationError as exc:
                errors["accepted_on"] = list(exc.messages)
        if not accepted_by.strip():
            errors["accepted_by"] = [_("Please say who accepted the pledge (Bund or Land).")]
        if errors:
            raise ValidationError(errors)
        changes |= {
            "accepted_on": accepted_on,
            "accepted_by": accepted_by.strip(),
            "accepted_reference": accepted_reference.strip(),
        }
    update_audited(actor=actor, obj=pledge, action=f"pledge.{status}", **changes)
    return pledge


# --- contingents and key tables ------------------------------------------------------------------

STATE_KEYS = tuple(f"{n:02d}" for n in range(1, 17))
CONTINGENT_FIELDS = frozenset(
    {
        "name",
        "programme",
        "persons",
        "period_start",
        "period_end",
        "key",
        "key_table",
        "explicit_shares",
        "notes",
    }
)


def _refuse_unless_office(actor: Actor) -> None:
    if not actor_may_manage_contingents(actor):
        raise AccessDenied(
            _("Only the coordination office manages contingents and distribution keys.")
        )


def _check_contingent(data: Mapping[str, Any]) -> None:
    unknown = set(data) - CONTINGENT_FIELDS
    if unknown:
        raise AccessDenied(
            _("These fields cannot be set here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))}
        )
    errors: dict[str, list[str]] = {}
    for name in ("period_start", "period_end"):
        try:
            plausible_date(data.get(name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    start, end = data.get("period_start"), data.get("period_end")
    if start and end and end < start:
        errors.setdefault("period_end", []).append(
            _("The end of the period must not be before its start.")
        )
    if data.get("key") == KeyKind.KOENIGSTEINER and data.get("key_table") is None:
        errors.setdefault("key_table", []).append(
            _("Please choose the table of the Königsteiner Schlüssel.")
        )
    if data.get("key") == KeyKind.EXPLICIT and not data.get("explicit_shares"):
        errors.setdefault("explicit_shares", []).append(
            _("Please enter a share for at least one member.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contingent_save(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    eligible: Iterable[Member],
    contingent: Contingent | None = None,
) -> Contingent:
    _refuse_unless_office(actor)
    _check_contingent(data)
    if contingent is None:
        contingent = Contingent(**data)
        create_audited(actor=actor, obj=contingent, action="contingent.create")
    else:
        contingent = Contingent.objects.select_for_update().get(pk=contingent.pk)
        update_audited(actor=actor, obj=contingent, action="contingent.update", **data)
    before = sorted(contingent.eligible.values_list("pk", flat=True))
    members = sorted({m.pk for m in eligible})
    if members != before:
        contingent.eligible.set(members)
        log_action(
            actor=actor,
            action="contingent.eligible",
            obj=contingent,
            before={"eligible": before},
            after={"eligible": members},
        )
    return contingent


def parse_shares(text: str) -> dict[str, float]:
    """`"01: 3.4, 02: 2.5"` or one `key share` pair per line -> {key: share}. ValueError with a
    German message on anything else."""
    shares: dict[str, float] = {}
    for part in text.replace(";", "\n").replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        key, _sep, value = part.replace(":", " ").replace("=", " ").partition(" ")
        try:
            number = float(value.strip().replace(" ", ""))
        except ValueError:
            raise ValueError(_("“%(part)s” is not a key and a share.") % {"part": part}) from None
        if not key.isdigit() or not math.isfinite(number) or number < 0:
            raise ValueError(_("“%(part)s” is not a key and a share.") % {"part": part})
        shares[key] = number
    return shares


@transaction.atomic
def key_table_create(
    *, actor: Actor, name: str, year: int, source: str, shares: Mapping[str, float]
) -> KeyTable:
    """A new version of the Königsteiner Schlüssel: a share for each of the 16 states,
    adding up to 100 %."""
    _refuse_unless_office(actor)
    errors: dict[str, list[str]] = {}
    missing = [s for s in STATE_KEYS if s not in shares]
    extra = [s for s in shares if s not in STATE_KEYS]
    if missing or extra:
        errors["shares"] = [_("Please enter exactly one share for each of the 16 states (01–16).")]
    elif abs(sum(shares.values()) - 100) > 0.01:
        errors["shares"] = [
            _("The shares add up to %(sum)s %% instead of 100 %%.")
            % {"sum": f"{sum(shares.values()):.5f}"}
        ]
    if KeyTable.objects.filter(name=name, year=year).exists():
        errors["year"] = [_("A table with this name and year exists already.")]
    if errors:
        raise ValidationError(errors)
    table = KeyTable(name=name, year=year, source=source, shares=dict(shares))
    create_audited(actor=actor, obj=table, action="key_table.create")
    return table
