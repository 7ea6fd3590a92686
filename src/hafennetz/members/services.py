"""Writes to the member registry. Each service is keyword-only, atomic and audited.

Services validate what the domain demands (and raise ValidationError keyed by field, so forms
can show the message at the field); whether the *user* may do it is checked by the caller
through `hafennetz.members.permissions`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.audit import create_audited, log_action, snapshot, update_audited
from hafennetz.core.models import District, Municipality, State
from hafennetz.members.models import (
    FOUNDING_DATE,
    Contact,
    CoordinationOfficeTerm,
    Criterion,
    CriterionStatus,
    Declaration,
    Invitation,
    Member,
    Signature,
    StaffAccount,
    StateCoordination,
)
from hafennetz.members.transfer import ImportPreview, check_rows

User = get_user_model()

PROFILE_FIELDS = ("name", "website", "description", "safe_harbour_resolution_on")
OFFICE_FIELDS = ("joined_on",)


def _today() -> dt.date:
    return timezone.localdate()


def territory_by_ags(ags: str) -> Municipality | District | None:
    """An 8-digit AGS names a municipality, a 5-digit key a district."""
    ags = (ags or "").strip()
    if len(ags) == 8 and ags.isdigit():
        return Municipality.objects.select_related("state").filter(pk=ags).first()
    if len(ags) == 5 and ags.isdigit():
        return District.objects.select_related("state").filter(pk=ags).first()
    return None


def validate_member_dates(
    *, joined_on: dt.date | None, left_on: dt.date | None, resolution_on: dt.date | None
) -> dict[str, str]:
    """Date rules shared by the forms, the import and the services: {field: message}."""
    errors: dict[str, str] = {}
    today = _today()
    for field, value in (
        ("joined_on", joined_on),
        ("left_on", left_on),
        ("safe_harbour_resolution_on", resolution_on),
    ):
        if value and value > today:
            errors[field] = _("The date lies in the future.")
    if joined_on and joined_on < FOUNDING_DATE and "joined_on" not in errors:
        errors["joined_on"] = _(
            "The alliance was founded on 14.06.2019; nobody can have joined earlier."
        )
    if left_on and "left_on" not in errors:
        if not joined_on:
            errors["left_on"] = _("Only a member that joined the alliance can leave it.")
        elif left_on < joined_on:
            errors["left_on"] = _("Leaving cannot be before joining (%(date)s).") % {
                "date": joined_on.strftime("%d.%m.%Y")
            }
    return errors


def _criteria_snapshot(member: Member) -> dict[str, list[bool]]:
    return {c.criterion: [c.decided, c.fulfilled] for c in member.criteria.all()}


@transaction.atomic
def member_create(
    *,
    actor: Any,
    ags: str,
    joined_on: dt.date | None,
    safe_harbour_resolution_on: dt.date | None = None,
    name: str = "",
    website: str = "",
    is_demo: bool = False,
) -> Member:
    # All field errors at once, so the form shows every problem in one round trip.
    errors = validate_member_dates(
        joined_on=joined_on, left_on=None, resolution_on=safe_harbour_resolution_on
    )
    territory = territory_by_ags(ags)
    if territory is None:
        errors["ags"] = _(
            "Unknown AGS „%(ags)s“: no municipality (8 digits) or district (5 digits)."
        ) % {"ags": ags}
    else:
        existing = Member.objects.filter(
            municipality_id=territory.pk if isinstance(territory, Municipality) else None,
            district_id=territory.pk if isinstance(territory, District) else None,
        ).first()
        if existing:
            errors["ags"] = _("%(name)s is already registered as a member.") % {
                "name": existing.name
            }
    if errors:
        raise ValidationError(errors)
    assert territory is not None
    member = Member(
        municipality=territory if isinstance(territory, Municipality) else None,
        district=territory if isinstance(territory, District) else None,
        state=territory.state,
        name=name.strip() or territory.short_name,
        joined_on=joined_on,
        safe_harbour_resolution_on=safe_harbour_resolution_on,
        website=website,
        is_demo=is_demo,
    )
    create_audited(actor=actor, obj=member, action="member.create")
    return member


@transaction.atomic
def member_update(
    *,
    actor: Any,
    member: Member,
    data: Mapping[str, Any],
    criteria: Mapping[str, tuple[bool, bool]] | None = None,
) -> Member:
    """Change profile fields (and, for the coordination office, the joining date)."""
    allowed = set(PROFILE_FIELDS) | set(OFFICE_FIELDS)
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    member = Member.objects.select_for_update().get(pk=member.pk)
    before = snapshot(member) | {"criteria": _criteria_snapshot(member)}
    for field, value in data.items():
        setattr(member, field, value)
    errors = validate_member_dates(
        joined_on=member.joined_on,
        left_on=member.left_on,
        resolution_on=member.safe_harbour_resolution_on,
    )
    if errors:
        raise ValidationError(errors)
    member.full_clean()
    member.save()
    for code, (decided, fulfilled) in (criteria or {}).items():
        Criterion(code)  # unknown codes are a programming error
        CriterionStatus.objects.update_or_create(
            member=member, criterion=code, defaults={"decided": decided, "fulfilled": fulfilled}
        )
    after = snapshot(member) | {"criteria": _criteria_snapshot(member)}
    log_action(actor=actor, action="member.update", obj=member, before=before, after=after)
    return member


@transaction.atomic
def member_mark_left(*, actor: Any, member: Member, left_on: dt.date) -> Member:
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.left_on:
        raise ValidationError(
            {
                "left_on": _("This member already left on %(date)s.")
                % {"date": member.left_on.strftime("%d.%m.%Y")}
            }
        )
    if CoordinationOfficeTerm.objects.current(left_on).filter(member=member).exists():
        raise ValidationError(
            {"left_on": _("This member holds the coordination office; hand it over first.")}
        )
    errors = validate_member_dates(joined_on=member.joined_on, left_on=left_on, resolution_on=None)
    if errors:
        raise ValidationError(errors)
    update_audited(actor=actor, obj=member, action="member.leave", left_on=left_on)
    # A member that left no longer coordinates a state.
    for term in StateCoordination.objects.filter(member=member).current(left_on):
        state_coordination_end(actor=actor, coordination=term, ends_on=left_on)
    return member


@transaction.atomic
def contact_save(
    *, actor: Any, member: Member, data: Mapping[str, Any], contact: Contact | None = None
) -> Contact:
    before = snapshot(contact) if contact else None
    contact = contact or Contact(member=member)
    if contact.member_id != member.pk:
        raise ValueError("contact belongs to another member")
    for field in ("name", "function", "email", "phone", "is_public"):
        if field in data:
            setattr(contact, field, data[field])
    contact.full_clean()
    contact.save()
    log_action(
        actor=actor,
        action="contact.update" if before else "contact.create",
        obj=contact,
        before=before,
        after=snapshot(contact),
    )
    return contact


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    log_action(actor=actor, action="contact.delete", obj=contact, before=snapshot(contact))
    contact.delete()


@transaction.atomic
def signature_create(
    *, actor: Any, member: Member, declaration: Declaration, signed_on: dt.date, signatory: str
) -> Signature:
    errors: dict[str, str] = {}
    if signed_on < declaration.published_on:
        errors["signed_on"] = _(
            "The %(declaration)s only exists since %(date)s; it cannot have been signed earlier."
        ) % {
            "declaration": declaration.title,
            "date": declaration.published_on.strftime("%d.%m.%Y"),
        }
    elif signed_on > _today():
        errors["signed_on"] = _("The date lies in the future.")
    if Signature.objects.filter(member=member, declaration=declaration).exists():
        errors["declaration"] = _("%(member)s has already signed this version.") % {
            "member": member.name
        }
    if not signatory.strip():
        errors["signatory"] = _("Please name who signed.")
    if errors:
        raise ValidationError(errors)
    signature = Signature(
        member=member, declaration=declaration, signed_on=signed_on, signatory=signatory.strip()
    )
    create_audited(actor=actor, obj=signature, action="signature.create")
    return signature


@transaction.atomic
def state_coordination_end(
    *, actor: Any, coordination: StateCoordination, ends_on: dt.date
) -> StateCoordination:
    if ends_on < coordination.starts_on:
        raise ValidationError({"ends_on": _("The end lies before the start.")})
    update_audited(actor=actor, obj=coordination, action="state_coordination.end", ends_on=ends_on)
    return coordination


@transaction.atomic
def state_coordination_assign(
    *,
    actor: Any,
    state: State,
    member: Member,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    is_demo: bool = False,
) -> StateCoordination:
    """Give the coordination of a state to a member; an open term of another member ends the
    day before."""
    errors: dict[str, str] = {}
    if member.state_id != state.pk:
        errors["member"] = _("%(member)s lies in %(state)s, not in %(other)s.") % {
            "member": member.name,
            "state": member.state.name,
            "other": state.name,
        }
    elif member.left_on or not member.joined_on:
        errors["member"] = _("Only current alliance members can coordinate a state.")
    if ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end lies before the start.")
    if errors:
        raise ValidationError(errors)
    terms = StateCoordination.objects.select_for_update().filter(state=state)
    for term in terms:
        term_end = term.ends_on or dt.date.max
        new_end = ends_on or dt.date.max
        if term.starts_on < starts_on and term_end >= starts_on and term.ends_on is None:
            state_coordination_end(
                actor=actor, coordination=term, ends_on=starts_on - dt.timedelta(days=1)
            )
        elif term.starts_on <= new_end and term_end >= starts_on:
            raise ValidationError(
                {
                    "starts_on": _(
                        "This period overlaps the coordination by %(member)s (from %(date)s)."
                    )
                    % {"member": term.member.name, "date": term.starts_on.strftime("%d.%m.%Y")}
                }
            )
    coordination = StateCoordination(
        state=state, member=member, starts_on=starts_on, ends_on=ends_on, is_demo=is_demo
    )
    create_audited(actor=actor, obj=coordination, action="state_coordination.assign")
    return coordination


@transaction.atomic
def coordination_office_hand_over(
    *, actor: Any, to_member: Member, starts_on: dt.date, is_demo: bool = False
) -> CoordinationOfficeTerm:
    if to_member.left_on or not to_member.joined_on:
        raise ValidationError(
            {"member": _("Only a current alliance member can hold the coordination office.")}
        )
    current = (
        CoordinationOfficeTerm.objects.select_for_update().filter(ends_on__isnull=True).first()
    )
    if current:
        if current.member_id == to_member.pk:
            raise ValidationError(
                {
                    "member": _("%(member)s already holds the coordination office.")
                    % {"member": to_member.name}
                }
            )
        if starts_on <= current.starts_on:
            raise ValidationError(
                {
                    "starts_on": _(
                        "The hand-over must be after the start of the current term (%(date)s)."
                    )
                    % {"date": current.starts_on.strftime("%d.%m.%Y")}
                }
            )
        update_audited(
            actor=actor,
            obj=current,
            action="coordination_office.end",
            ends_on=starts_on - dt.timedelta(days=1),
        )
    term = CoordinationOfficeTerm(member=to_member, starts_on=starts_on, is_demo=is_demo)
    create_audited(actor=actor, obj=term, action="coordination_office.hand_over")
    return term


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, actor: Any, member: Member, email: str) -> tuple[Invitation, str]:
    """Invite a person to the staff of a member; returns the invitation and the raw token
    (sent by e-mail once, never stored)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("There is already an account with this e-mail.")})
    if Invitation.objects.filter(
        email__iexact=email, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).exists():
        raise ValidationError({"email": _("This e-mail has already been invited.")})
    if member.left_on:
        raise ValidationError({"member": _("The member has left the alliance.")})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        member=member,
        token_hash=_token_hash(token),
        invited_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    log_action(
        actor=actor,
        action="invitation.create",
        obj=invitation,
        after=snapshot(invitation, ["email", "member_id", "expires_at"]),
    )
    link = settings.SITE_URL.rstrip("/") + reverse("invitation-accept", args=[token])
    context = {"invitation": invitation, "link": link, "member": member}
    transaction.on_commit(
        lambda: send_mail(
            subject=_("Invitation to hafennetz – %(member)s") % {"member": member.name},
            message=render_to_string("members/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation, token


def invitation_by_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("member").filter(token_hash=_token_hash(token)).first()
    )
    return invitation if invitation and invitation.is_open else None


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> Any:
    invitation = invitation_by_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation link is invalid, used or expired."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    user = User(username=invitation.email, email=invitation.email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    StaffAccount.objects.create(user=user, member=invitation.member)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    log_action(
        actor=user,
        action="invitation.accept",
        obj=invitation,
        after={"user": user.get_username(), "member_id": invitation.member_id},
    )
    return user


@transaction.atomic
def members_import(*, actor: Any, preview: ImportPreview) -> dict[str, int]:
    """Apply a checked import: every row or none. Rows are re-checked inside the transaction,
    so a file checked in the preview cannot write half if the registry changed meanwhile."""
    fresh = check_rows((r.line, r.values) for r in preview.rows)
    if not fresh.is_valid:
        raise ValidationError(_("The file has errors; nothing was imported."))
    counts = {"create": 0, "update": 0}
    for row in fresh.rows:
        data = row.cleaned
        if row.action == "create":
            member = member_create(
                actor=actor,
                ags=data["ags"],
                joined_on=data["joined_on"],
                safe_harbour_resolution_on=data["safe_harbour_resolution_on"],
                name=data["name"],
                website=data["website"],
            )
            if data["left_on"]:
                member_mark_left(actor=actor, member=member, left_on=data["left_on"])
        else:
            member = Member.objects.filter(
                municipality_id=data["ags"]
            ).first() or Member.objects.get(district_id=data["ags"])
            changes = {
                "joined_on": data["joined_on"],
                "safe_harbour_resolution_on": data["safe_harbour_resolution_on"],
                "website": data["website"],
            }
            if data["name"]:
                changes["name"] = data["name"]
            member_update(actor=actor, member=member, data=changes)
            if data["left_on"] and member.left_on != data["left_on"]:
                if member.left_on:
                    member_update_left_on(actor=actor, member=member, left_on=data["left_on"])
                else:
                    member_mark_left(actor=actor, member=member, left_on=data["left_on"])
        counts[row.action] += 1
    log_action(
        actor=actor,
        action="member.import",
        object_type="members.member",
        object_repr=_("Import of %(n)s rows") % {"n": len(fresh.rows)},
        after=counts,
    )
    return counts


@transaction.atomic
def member_update_left_on(*, actor: Any, member: Member, left_on: dt.date) -> Member:
    """Correct the leaving date of a former member."""
    errors = validate_member_dates(joined_on=member.joined_on, left_on=left_on, resolution_on=None)
    if errors:
        raise ValidationError(errors)
    update_audited(actor=actor, obj=member, action="member.update", left_on=left_on)
    return member
