"""Austausch pages: the first line asks `hafennetz.exchange.access` for the objects and rights,
then one service or selector is called and the page rendered. No rule is decided here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hafennetz.core.exports import to_csv
from hafennetz.core.forms import int_param, save_form
from hafennetz.exchange import access, selectors, services
from hafennetz.exchange.forms import (
    AnswerForm,
    AttachmentForm,
    CommentForm,
    ContactRequestForm,
    DigestForm,
    OptInForm,
    PracticeForm,
    ReferenceForm,
    SearchForm,
    SeedForm,
    StatusForm,
)
from hafennetz.exchange.models import PracticeStatus, Reference
from hafennetz.exchange.tasks import unsubscribe_user_id
from hafennetz.members.access import access_member, check_logged_in, roles_of
from hafennetz.members.models import Member
from hafennetz.situation import selectors as situation_selectors


def _messages_from(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def positions_url() -> str:
    """The positions part of the Austausch (app `positions`), if it is installed."""
    try:
        return reverse("position-list")
    except NoReverseMatch:
        return ""


@require_safe
def hub(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    own = Member.objects.filter(pk=roles.member_id).first() if roles.member_id else None
    return render(
        request,
        "exchange/hub.html",
        {
            "own_member": own,
            "own_practices": selectors.practices_search(
                request.user, selectors.SearchFilters(member=own.ags)
            )
            if own
            else [],
            "latest": selectors.practices_search(request.user, selectors.SearchFilters())[:6],
            "can_write": access.can_write_practices(request.user),
            "can_learn": access.can_request_contact(request.user),
            "can_overview": access.can_see_overview(request.user),
            "positions_url": positions_url(),
        },
    )


# --- practices --------------------------------------------------------------------------------


@require_safe
def practice_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters = selectors.SearchFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = selectors.SearchFilters(
            q=d["q"] or "",
            topic=d["topic"] or "",
            state=d["state"] or "",
            size_class=d["size_class"],
            visibility=d["visibility"] or "",
        )
    practices = selectors.practices_search(request.user, filters)
    return render(
        request,
        "exchange/practice_list.html",
        {
            "form": form,
            "practices": practices,
            "searched": bool(filters.q.strip()),
            "can_write": access.can_write_practices(request.user),
        },
    )


def practice_create(request: HttpRequest) -> HttpResponse:
    access.check_write_practices(request.user)
    ags = request.GET.get("fuer") or ""
    if ags:
        member = access.access_member_for_practice(request.user, ags[:8])
    else:
        roles = roles_of(request.user)
        member = Member.objects.filter(pk=roles.member_id).first()  # type: ignore[assignment]
        if member is None:
            raise Http404
        member = access.access_member_for_practice(request.user, member.ags)
    form = PracticeForm(request.POST or None, member=member)
    saved = save_form(
        request,
        form,
        lambda: services.practice_save(actor=request.user, member=member, data=form.service_data()),
    )
    if saved:
        messages.success(request, _("The practice was saved as a draft."))
        return redirect("practice-detail", pk=saved.value.pk)
    return render(
        request, "exchange/practice_form.html", {"form": form, "member": member, "practice": None}
    )


@require_safe
def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk)
    page = selectors.practice_page(practice, request.user)
    can_edit = access.can_edit_practice(request.user, practice)
    return render(
        request,
        "exchange/practice_detail.html",
        {
            "page": page,
            "practice": practice,
            "can_edit": can_edit,
            "can_interact": access.can_interact(request.user, practice),
            "can_request": access.can_request_contact(request.user)
            and roles_of(request.user).member_id != practice.member_id,
            "comment_form": CommentForm(),
            "attachment_form": AttachmentForm() if can_edit else None,
            "show_contact": practice.contact is not None and practice.contact_consent,
        },
    )


def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk, "edit")
    form = PracticeForm(request.POST or None, member=practice.member, practice=practice)
    saved = save_form(
        request,
        form,
        lambda: services.practice_save(
            actor=request.user, member=practice.member, data=form.service_data(), practice=practice
        ),
    )
    if saved:
        messages.success(request, _("The practice was saved."))
        return redirect("practice-detail", pk=practice.pk)
    return render(
        request,
        "exchange/practice_form.html",
        {"form": form, "member": practice.member, "practice": practice},
    )


@require_POST
def practice_status(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk, "edit")
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown action."))
        return redirect("practice-detail", pk=practice.pk)
    action = form.cleaned_data["action"]
    try:
        if action == "reviewed":
            services.practice_mark_reviewed(actor=request.user, practice=practice)
            messages.success(request, _("Marked as reviewed today."))
        else:
            status = PracticeStatus.PUBLISHED if action == "publish" else PracticeStatus.DRAFT
            services.practice_set_status(actor=request.user, practice=practice, status=status)
            messages.success(
                request,
                _("The practice is published.")
                if action == "publish"
                else _("The practice is a draft again."),
            )
    except ValidationError as exc:
        _messages_from(request, exc)
    return redirect("practice-detail", pk=practice.pk)


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk, "edit")
    form = AttachmentForm(request.POST, request.FILES)
    if save_form(
        request,
        form,
        lambda: services.attachment_add(
            actor=request.user, practice=practice, upload=form.cleaned_data["file"]
        ),
    ):
        messages.success(request, _("The file was attached."))
    else:
        _form_errors(request, form)
    return redirect("practice-detail", pk=practice.pk)


@require_safe
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = access.access_attachment(request.user, pk)
    try:
        path = services.stored_file(attachment)
    except ValidationError as exc:
        raise Http404 from exc
    inline = attachment.content_type != "application/pdf"
    response = FileResponse(
        path.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def attachment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = access.access_attachment(request.user, pk, edit=True)
    practice_id = attachment.practice_id
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("The file was removed."))
    return redirect("practice-detail", pk=practice_id)


@require_POST
def practice_helpful(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk, "interact")
    marked = services.helpful_toggle(actor=request.user, practice=practice)
    messages.success(
        request,
        _("Marked as helpful; the authors are told.") if marked else _("Mark taken back."),
    )
    return redirect("practice-detail", pk=practice.pk)


@require_POST
def practice_comment(request: HttpRequest, pk: int) -> HttpResponse:
    practice = access.access_practice(request.user, pk, "interact")
    form = CommentForm(request.POST)
    if save_form(
        request,
        form,
        lambda: services.comment_add(
            actor=request.user,
            practice=practice,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
        ),
    ):
        messages.success(request, _("Thank you; the authors are told by e-mail."))
    else:
        _form_errors(request, form)
    return redirect("practice-detail", pk=practice.pk)


# --- peer learning ----------------------------------------------------------------------------


@require_safe
def learning(request: HttpRequest) -> HttpResponse:
    member = access.check_request_contact(request.user)
    return render(
        request,
        "exchange/learning.html",
        {
            "learning": selectors.peer_suggestions(request.user, member),
            "opt_ins": selectors.opt_ins_of(member),
        },
    )


def opt_ins(request: HttpRequest) -> HttpResponse:
    ags = request.GET.get("fuer") or None
    member = access.access_member_for_opt_ins(request.user, ags[:8] if ags else None)
    current = selectors.opt_ins_of(member)
    form = OptInForm(
        request.POST or None,
        member=member,
        initial={
            "topics": [o.topic for o in current],
            "contact": current[0].contact if current else None,
        },
    )
    if save_form(
        request,
        form,
        lambda: services.opt_ins_set(
            actor=request.user,
            member=member,
            topics=list(form.cleaned_data["topics"]),
            contact=form.cleaned_data["contact"],
        ),
    ):
        messages.success(request, _("Saved: peers see on which topics you are glad to be asked."))
        return redirect("exchange-learning") if not ags else redirect("exchange-hub")
    return render(request, "exchange/opt_ins.html", {"form": form, "member": member})


def request_create(request: HttpRequest, ags: str) -> HttpResponse:
    own = access.check_request_contact(request.user)
    peer = access_member(request.user, ags, purpose="view")
    topic_code = request.GET.get("thema", "")[:40]
    practice_id = int_param(request.GET, "praxis", minimum=1, maximum=2**31 - 1)
    initial: dict[str, Any] = {"practice": practice_id}
    if topic_code:
        initial["topic"] = situation_selectors.topics().filter(code=topic_code).first()
    form = ContactRequestForm(request.POST or None, member=own, initial=initial)

    def send() -> Any:
        practice = None
        pid = form.cleaned_data.get("practice")
        if pid:
            practice = selectors.practices_search(
                request.user, selectors.SearchFilters(member=peer.ags)
            )
            practice = next((p for p in practice if p.pk == pid), None)
        return services.contact_request_create(
            actor=request.user,
            to_member=peer,
            topic=form.cleaned_data["topic"],
            message=form.cleaned_data["message"],
            from_contact=form.cleaned_data["from_contact"],
            practice=practice,
        )

    saved = save_form(request, form, send)
    if saved:
        messages.success(
            request, _("The request was sent to both contact persons through the platform.")
        )
        return redirect("contact-request-detail", pk=saved.value.pk)
    return render(
        request,
        "exchange/request_form.html",
        {"form": form, "peer": peer, "opt_ins": selectors.opt_ins_of(peer)},
    )


@require_safe
def request_list(request: HttpRequest) -> HttpResponse:
    access.check_view_requests(request.user)
    return render(request, "exchange/request_list.html", selectors.requests_of(request.user))


@require_safe
def participants_redirect(request: HttpRequest) -> HttpResponse:
    """The overview's meeting choice (a GET form) to the participant file of that meeting."""
    access.check_overview(request.user)
    meeting_id = int_param(request.GET, "treffen", minimum=1, maximum=2**31 - 1)
    if meeting_id is None:
        raise Http404
    return redirect("exchange-participants", pk=meeting_id)


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact_request = access.access_contact_request(request.user, pk)
    form = None
    if request.method == "POST":
        contact_request = access.access_contact_request(request.user, pk, "answer")
    if access.can_answer_request(request.user, contact_request):
        form = AnswerForm(request.POST or None)
        saved = save_form(
            request,
            form,
            lambda: services.contact_request_answer(
                actor=request.user,
                request=contact_request,
                accept=form.cleaned_data["decision"] == "accept",  # type: ignore[union-attr]
                answer=form.cleaned_data["answer"],  # type: ignore[union-attr]
            ),
        )
        if saved:
            messages.success(request, _("Your answer was sent."))
            return redirect("contact-request-detail", pk=pk)
    elif request.method == "POST":
        messages.error(request, _("This request has already been answered."))
        return redirect("contact-request-detail", pk=pk)
    return render(
        request,
        "exchange/request_detail.html",
        {
            "req": contact_request,
            "form": form,
            "show_peer_address": access.may_see_peer_address(request.user, contact_request),
        },
    )


# --- the overview -----------------------------------------------------------------------------


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    states = access.check_overview(request.user)
    state = (request.GET.get("land") or "")[:2]
    topic = (request.GET.get("thema") or "")[:40]
    data = selectors.overview(request.user, states, state=state, topic=topic)
    return render(
        request,
        "exchange/overview.html",
        {
            "data": data,
            "meetings": selectors.meetings_to_seed(request.user),
            "topics": selectors.topics(),
            "seed_form": SeedForm(),
            "states": selectors.states_for(states),
            "levels": selectors.strain_levels(),
            "state": state,
            "topic": topic,
        },
    )


@require_safe
def overview_participants(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access.access_meeting_for_seeding(request.user, pk)
    rows = selectors.participant_rows(request.user, meeting)
    response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="teilnehmende-{meeting.pk}.csv"'
    return response


@require_POST
def overview_seed(request: HttpRequest) -> HttpResponse:
    access.check_overview(request.user)
    form = SeedForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exchange-overview")
    meeting = access.access_meeting_for_seeding(request.user, form.cleaned_data["meeting"])
    try:
        services.meeting_seed_small_groups(
            actor=request.user,
            meeting=meeting,
            topics=list(form.cleaned_data["topics"]),
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
        )
    except ValidationError as exc:
        _messages_from(request, exc)
        return redirect("exchange-overview")
    messages.success(
        request, _("The small-group round was added to the agenda; plan the groups there.")
    )
    return redirect("meeting-agenda", pk=meeting.pk)


# --- references from meetings -----------------------------------------------------------------


@require_POST
def reference_add(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    meeting, block, follow_up = access.access_reference_target(request.user, kind, pk)
    form = ReferenceForm(
        request.POST,
        practices=selectors.practices_for_reference_qs(request.user),
        positions=selectors.positions_for_reference_qs(request.user),
    )
    if save_form(
        request,
        form,
        lambda: services.reference_add(
            actor=request.user,
            practice=form.cleaned_data["practice"],
            position=form.cleaned_data["position"],
            block=block,
            follow_up=follow_up,
        ),
    ):
        messages.success(request, _("The reference was added."))
    else:
        _form_errors(request, form)
    return redirect("meeting-detail", pk=meeting.pk)


@require_POST
def reference_remove(request: HttpRequest, pk: int) -> HttpResponse:
    reference = Reference.objects.filter(pk=pk).first()
    if reference is None:
        raise Http404
    kind, target = (
        ("block", reference.block_id) if reference.block_id else ("task", reference.follow_up_id)
    )
    meeting, _block, _task = access.access_reference_target(request.user, kind, target or 0)
    services.reference_remove(actor=request.user, reference=reference, meeting=meeting)
    messages.success(request, _("The reference was removed."))
    return redirect("meeting-detail", pk=meeting.pk)


# --- the digest -------------------------------------------------------------------------------


def digest_settings(request: HttpRequest) -> HttpResponse:
    check_logged_in(request.user)
    setting = selectors.digest_setting(request.user)
    form = DigestForm(
        request.POST or None, initial={"enabled": setting.enabled if setting else True}
    )
    if save_form(
        request,
        form,
        lambda: services.digest_set(
            actor=request.user, user_id=request.user.pk, enabled=form.cleaned_data["enabled"]
        ),
    ):
        messages.success(request, _("Saved."))
        return redirect("digest-settings")
    return render(request, "exchange/digest_settings.html", {"form": form})


def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link of every digest: a page with one button (a GET changes nothing, so a
    mail scanner following the link does not unsubscribe anyone)."""
    user_id = unsubscribe_user_id(token)
    if user_id is None or not selectors.user_exists(user_id):
        return render(request, "exchange/unsubscribe.html", {"invalid": True}, status=400)
    done = False
    if request.method == "POST":
        services.digest_set(actor=None, user_id=user_id, enabled=False)
        done = True
    return render(request, "exchange/unsubscribe.html", {"done": done, "invalid": False})
