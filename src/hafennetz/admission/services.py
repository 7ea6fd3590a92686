"""Writes of the admission module: typed, keyword-only, atomic, audited; each refuses what the
actor may not write (admission.access)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hafennetz.admission.access import TRANSITIONS, actor_may_edit_pledges
from hafennetz.admission.models import Offer, Pledge, PledgeStatus, Resource
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import create_audited, update_audited
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
