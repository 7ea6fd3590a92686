"""Pages of joint positions and the demand tracker: access first, one service per form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hafennetz.core.forms import int_param, save_form
from hafennetz.members.access import roles_of
from hafennetz.members.models import Member
from hafennetz.positions import access, selectors, services
from hafennetz.positions.forms import (
    AnswerForm,
    CommentForm,
    DemandEntryForm,
    DemandForm,
    EndorsementForm,
    PhaseForm,
    PositionForm,
)
from hafennetz.positions.models import PHASES, Position, PositionStatus


@require_safe
def position_list(request: HttpRequest) -> HttpResponse:
    positions = selectors.visible_positions(request.user).order_by(
        "status", "-published_on", "-created_at"
    )
    groups = [
        (label, [p for p in positions if p.status == value])
        for value, label in PositionStatus.choices
    ]
    return render(
        request,
        "positions/list.html",
        {
            "groups": [(label, items) for label, items in groups if items],
            "can_create": access.can_create_position(request.user),
        },
    )


def position_create(request: HttpRequest) -> HttpResponse:
    access.check_create_position(request.user)
    form = PositionForm(request.POST or None, with_coauthors=True, with_note=False)
    saved = save_form(
        request,
        form,
        lambda: services.position_create(
            actor=request.user,
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
            text=form.cleaned_data["text"],
            coauthors=form.cleaned_data["coauthors"],
        ),
    )
    if saved:
        messages.success(request, _("The position was saved as a draft."))
        return redirect("position-detail", pk=saved.value.pk)
    return render(request, "positions/form.html", {"form": form, "position": None})


def _phase_actions(position: Position) -> list[tuple[str, str]]:
    """(target status, button text) for the office's phase buttons."""
    here = PHASES.index(position.status)
    labels = {
        PositionStatus.DRAFT: _("Back to draft"),
        PositionStatus.COMMENTING: _("Open the comment phase"),
        PositionStatus.ENDORSING: _("Open the endorsement phase"),
        PositionStatus.PUBLISHED: _("Close the endorsement phase and publish"),
        PositionStatus.ARCHIVED: _("Archive"),
    }
    actions = []
    if here + 1 < len(PHASES):
        actions.append((PHASES[here + 1], str(labels[PositionStatus(PHASES[here + 1])])))
    if 0 < here < PHASES.index(PositionStatus.PUBLISHED):
        back = PHASES[here - 1]
        text = (
            _("Back to draft") if back == PositionStatus.DRAFT else _("Back to the comment phase")
        )
        actions.append((back, str(text)))
    return actions


@require_safe
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="view")
    number = int_param(request.GET, "version", minimum=1, maximum=100_000)
    version = selectors.version_by_number(position, number)
    current = selectors.current_version(position)
    if version is None:
        version = current
    assert version is not None and current is not None
    can_see_comments = access.can_see_comments(request.user, position)
    sections, orphans = selectors.sections_with_comments(version, with_comments=can_see_comments)
    rows = selectors.signatories(position)
    show_signatories = position.is_public or position.status == PositionStatus.ENDORSING
    member_id = roles_of(request.user).member_id
    return render(
        request,
        "positions/detail.html",
        {
            "position": position,
            "version": version,
            "current": current,
            "versions": selectors.versions(position),
            "sections": sections,
            "orphans": orphans,
            "signatories": rows if show_signatories else [],
            "show_signatories": show_signatories,
            "points": selectors.map_points(rows) if show_signatories else [],
            "labels": {"demo": _("Demo")},
            "own_endorsement": selectors.endorsement_of(position, member_id)
            if position.declaration_id is None
            else None,
            "coauthors": position.coauthors.order_by("name"),
            "can_see_comments": can_see_comments,
            "can_comment": access.can_comment(request.user, position) and version == current,
            "can_answer": access.can_answer(request.user, position),
            "can_edit": access.can_edit_position(request.user, position),
            "can_endorse": access.can_endorse(request.user, position),
            "changeable": access.changeable_endorsements(request.user, position)
            if show_signatories
            else set(),
            "phase_actions": _phase_actions(position)
            if access.can_move_phase(request.user, position)
            else [],
            "comment_form": CommentForm(),
        },
    )


def position_edit(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="edit")
    if not access.can_edit_position(request.user, position):
        messages.error(
            request,
            _(
                "The text is fixed once the endorsement phase begins, so that every endorsement "
                "refers to the same text."
            ),
        )
        return redirect("position-detail", pk=position.pk)
    current = selectors.current_version(position)
    office = access.is_office(request.user)
    initial = {
        "title": position.title,
        "summary": position.summary,
        "text": services.sections_text(current.sections if current else []),
        "coauthors": list(position.coauthors.all()),
    }
    form = PositionForm(
        request.POST or None, initial=initial, with_coauthors=office, with_note=True
    )
    saved = save_form(
        request,
        form,
        lambda: services.position_update(
            actor=request.user,
            position=position,
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
            text=form.cleaned_data["text"],
            note=form.cleaned_data["note"],
            coauthors=form.cleaned_data["coauthors"] if office else None,
        ),
    )
    if saved:
        if saved.value is None:
            messages.success(
                request, _("Saved. The text is unchanged, so there is no new version.")
            )
        else:
            messages.success(request, _("Saved as version %(n)s.") % {"n": saved.value.number})
        return redirect("position-detail", pk=position.pk)
    return render(request, "positions/form.html", {"form": form, "position": position})


@require_safe
def position_diff(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="view")
    all_versions = list(selectors.versions(position))
    numbers = [v.number for v in all_versions]
    new_n = int_param(request.GET, "bis", minimum=1, maximum=100_000) or numbers[-1]
    old_n = int_param(request.GET, "von", minimum=1, maximum=100_000) or max(new_n - 1, 1)
    by_number = {v.number: v for v in all_versions}
    old, new = by_number.get(old_n), by_number.get(new_n)
    lines = selectors.diff(old, new) if old and new else []
    return render(
        request,
        "positions/diff.html",
        {
            "position": position,
            "versions": all_versions,
            "old": old,
            "new": new,
            "lines": lines,
            "unchanged": bool(old and new) and all(line.kind == "same" for line in lines),
        },
    )


@require_POST
def position_phase(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="move")
    form = PhaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown phase."))
        return redirect("position-detail", pk=position.pk)
    try:
        position = services.position_move(
            actor=request.user, position=position, to=form.cleaned_data["to"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("The position is now in the phase „%(phase)s“.")
            % {"phase": position.get_status_display()},
        )
    return redirect("position-detail", pk=position.pk)


def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="comment")
    current = selectors.current_version(position)
    assert current is not None
    section = request.POST.get("section") or request.GET.get("abschnitt") or ""
    form = CommentForm(request.POST or None, initial={"section": section})
    member = Member.objects.get(pk=roles_of(request.user).member_id)
    saved = save_form(
        request,
        form,
        lambda: services.comment_create(
            actor=request.user,
            position=position,
            member=member,
            section_key=form.cleaned_data["section"],
            text=form.cleaned_data["text"],
        ),
    )
    if saved:
        messages.success(request, _("Your comment was saved."))
        return redirect(f"{position.get_absolute_url()}#abschnitt-{saved.value.section_key}")
    heading = next((s["heading"] for s in current.sections if s["key"] == section), "")
    return render(
        request,
        "positions/comment_form.html",
        {
            "position": position,
            "form": form,
            "heading": heading,
            "sections": current.sections,
            "open": access.can_comment(request.user, position),
        },
    )


def comment_answer(request: HttpRequest, pk: int) -> HttpResponse:
    comment = access.access_comment(request.user, pk)
    position = comment.position
    form = AnswerForm(
        request.POST or None,
        initial={"answer": comment.answer, "taken_up_in": comment.taken_up_in_id},
        position=position,
        after=comment.version.number,
    )
    if save_form(
        request,
        form,
        lambda: services.comment_answer(
            actor=request.user,
            comment=comment,
            answer=form.cleaned_data["answer"],
            taken_up_in=form.cleaned_data["taken_up_in"],
        ),
    ):
        messages.success(
            request, _("The answer was saved and is visible to everyone who reads the comments.")
        )
        return redirect(f"{position.get_absolute_url()}#kommentar-{comment.pk}")
    return render(
        request,
        "positions/answer_form.html",
        {
            "position": position,
            "comment": comment,
            "form": form,
            "open": access.can_answer(request.user, position),
        },
    )


def endorsement_create(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="endorse")
    member = Member.objects.get(pk=roles_of(request.user).member_id)
    existing = selectors.endorsement_of(position, member.pk)
    form = EndorsementForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda: services.endorsement_create(
            actor=request.user, position=position, member=member, **form.cleaned_data
        ),
    )
    if saved:
        messages.success(
            request,
            _("%(member)s now endorses „%(title)s“.")
            % {"member": member.name, "title": position.title},
        )
        return redirect(f"{position.get_absolute_url()}#unterstuetzung")
    return render(
        request,
        "positions/endorse_form.html",
        {
            "position": position,
            "member": member,
            "form": form,
            "existing": existing,
            "open": position.status == PositionStatus.ENDORSING and existing is None,
        },
    )


def endorsement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    endorsement = access.access_endorsement(request.user, pk)
    position = endorsement.position
    form = EndorsementForm(
        request.POST or None,
        with_authorised=False,
        initial={f: getattr(endorsement, f) for f in services.ENDORSEMENT_FIELDS},
    )
    if save_form(
        request,
        form,
        lambda: services.endorsement_update(
            actor=request.user, endorsement=endorsement, data=form.cleaned_data
        ),
    ):
        messages.success(request, _("The endorsement was changed."))
        return redirect(f"{position.get_absolute_url()}#unterstuetzung")
    return render(
        request,
        "positions/endorsement_edit.html",
        {
            "position": position,
            "endorsement": endorsement,
            "form": form,
            "open": position.status == PositionStatus.ENDORSING or access.is_office(request.user),
        },
    )


def endorsement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    endorsement = access.access_endorsement(request.user, pk)
    position = endorsement.position
    if request.method == "POST":
        try:
            services.endorsement_withdraw(actor=request.user, endorsement=endorsement)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(member)s no longer endorses „%(title)s“.")
                % {"member": endorsement.member.name, "title": position.title},
            )
        return redirect(f"{position.get_absolute_url()}#unterstuetzung")
    return render(
        request,
        "positions/endorsement_withdraw.html",
        {
            "position": position,
            "endorsement": endorsement,
            "open": position.status == PositionStatus.ENDORSING,
        },
    )


@require_safe
def position_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    position = access.access_position(request.user, pk, purpose="view")
    from hafennetz.positions.pdf import render_pdf

    version = selectors.current_version(position)
    assert version is not None
    content = render_pdf(
        position, version, selectors.signatories(position), generated_at=timezone.localtime()
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="position-{position.pk}-unterzeichnende.pdf"'
    )
    return response


# --- demand tracker ---------------------------------------------------------------------------


@require_safe
def demand_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "positions/demands.html",
        {"demands": selectors.demands(), "can_manage": access.can_manage_demands(request.user)},
    )


def demand_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    demand = access.access_demand(request.user, pk) if pk is not None else None
    if demand is None:
        access.check_manage_demands(request.user)
    form = DemandForm(request.POST or None, instance=demand)
    saved = save_form(
        request,
        form,
        lambda: services.demand_save(actor=request.user, data=form.cleaned_data, demand=demand),
    )
    if saved:
        messages.success(request, _("The demand was saved."))
        return redirect(f"{_demands_url()}#forderung-{saved.value.pk}")
    return render(request, "positions/demand_form.html", {"form": form, "demand": demand})


def demand_entry_create(request: HttpRequest, pk: int) -> HttpResponse:
    demand = access.access_demand(request.user, pk)
    form = DemandEntryForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.demand_entry_create(
            actor=request.user, demand=demand, **form.cleaned_data
        ),
    ):
        messages.success(request, _("The entry was added."))
        return redirect(f"{_demands_url()}#forderung-{demand.pk}")
    return render(request, "positions/demand_entry_form.html", {"form": form, "demand": demand})


def _demands_url() -> str:
    from django.urls import reverse

    return reverse("demand-list")
