"""Member registry pages. Each view parses, checks permission, calls one service or selector,
renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hafennetz.core.exports import download
from hafennetz.core.forms import run_service
from hafennetz.members import selectors, services
from hafennetz.members.forms import (
    ContactForm,
    DirectoryFilterForm,
    HandOverForm,
    ImportForm,
    InvitationForm,
    LeaveForm,
    MemberCreateForm,
    MemberProfileForm,
    SetPasswordForm,
    SignatureForm,
    StateCoordinationForm,
)
from hafennetz.members.models import Contact, Invitation, Member
from hafennetz.members.permissions import (
    can_edit_member,
    can_manage_members,
    forget_roles,
    is_coordination_office,
    roles_of,
)
from hafennetz.members.transfer import (
    COLUMNS,
    ImportFileError,
    ImportPreview,
    check_rows,
    export_rows,
    read_table,
)
from hafennetz.web.decorators import deny, require

IMPORT_SESSION_KEY = "members_import_rows"


def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    members = selectors.member_directory(
        state=filters["state"].ags if filters.get("state") else None,
        status=filters.get("status") or None,
        query=filters.get("q") or None,
    )
    return render(request, "members/directory.html", {"form": form, "members": members})


def detail(request: HttpRequest, ags: str) -> HttpResponse:
    member = selectors.member_by_ags(ags)
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "criteria": selectors.member_criteria(member),
            "contacts": selectors.member_contacts_for(request.user, member),
            "signatures": selectors.member_signatures(member),
            "coordinations": selectors.member_coordinations(member),
            "can_edit": can_edit_member(request.user, member),
            "can_manage": can_manage_members(request.user),
        },
    )


def _editable_member(request: HttpRequest, ags: str) -> Member:
    member = selectors.member_by_ags(ags)
    if not can_edit_member(request.user, member):
        raise PermissionDenied
    return member


def edit(request: HttpRequest, ags: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return deny(request)
    member = _editable_member(request, ags)
    office = is_coordination_office(request.user)
    form = MemberProfileForm(request.POST or None, member=member, office=office)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.member_update(
                actor=request.user,
                member=member,
                data=form.profile_data(),
                criteria=form.criteria_data(),
            ),
        )
        if done:
            messages.success(request, _("The profile was saved."))
            return redirect("member-detail", ags=member.ags)
    return render(request, "members/edit.html", {"member": member, "form": form})


def contact_edit(request: HttpRequest, ags: str, pk: int | None = None) -> HttpResponse:
    if not request.user.is_authenticated:
        return deny(request)
    member = _editable_member(request, ags)
    contact = get_object_or_404(Contact, pk=pk, member=member) if pk else None
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.contact_save(
                actor=request.user, member=member, data=form.cleaned_data, contact=contact
            ),
        )
        if done:
            messages.success(request, _("The contact was saved."))
            return redirect("member-detail", ags=member.ags)
    return render(
        request, "members/contact_form.html", {"member": member, "form": form, "contact": contact}
    )


def contact_delete(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return deny(request)
    member = _editable_member(request, ags)
    contact = get_object_or_404(Contact, pk=pk, member=member)
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("The contact was deleted."))
        return redirect("member-detail", ags=member.ags)
    return render(request, "members/contact_delete.html", {"member": member, "contact": contact})


@require(can_manage_members)
def signature_create(request: HttpRequest, ags: str) -> HttpResponse:
    member = selectors.member_by_ags(ags)
    form = SignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.signature_create(
                actor=request.user, member=member, **form.cleaned_data
            ),
        )
        if done:
            messages.success(request, _("The signature was recorded."))
            return redirect("member-detail", ags=member.ags)
    return render(
        request,
        "members/simple_form.html",
        {
            "member": member,
            "form": form,
            "title": _("Record a signature of the Potsdam Declaration"),
        },
    )


@require(can_manage_members)
def leave(request: HttpRequest, ags: str) -> HttpResponse:
    member = selectors.member_by_ags(ags)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.member_mark_left(
                actor=request.user, member=member, left_on=form.cleaned_data["left_on"]
            ),
        )
        if done:
            messages.success(
                request, _("%(member)s is marked as former member.") % {"member": member.name}
            )
            return redirect("member-detail", ags=member.ags)
    return render(
        request,
        "members/simple_form.html",
        {
            "member": member,
            "form": form,
            "title": _("Mark as left"),
        },
    )


@require(can_manage_members)
def create(request: HttpRequest) -> HttpResponse:
    form = MemberCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = run_service(
            form, lambda: services.member_create(actor=request.user, **form.cleaned_data)
        )
        if member:
            messages.success(request, _("%(member)s was added.") % {"member": member.name})
            return redirect("member-detail", ags=member.ags)
    return render(request, "members/create.html", {"form": form})


@require(can_manage_members)
def territory_search(request: HttpRequest) -> JsonResponse:
    hits = selectors.territory_search(request.GET.get("q", ""))
    return JsonResponse({"results": [hit.__dict__ for hit in hits]})


@require(can_manage_members)
def coordination(request: HttpRequest) -> HttpResponse:
    state_form = StateCoordinationForm(
        request.POST if "assign" in request.POST else None, prefix="sc"
    )
    office_form = HandOverForm(request.POST if "hand_over" in request.POST else None, prefix="co")
    if request.method == "POST" and "assign" in request.POST and state_form.is_valid():
        done = run_service(
            state_form,
            lambda: services.state_coordination_assign(
                actor=request.user, **state_form.cleaned_data
            ),
        )
        if done:
            messages.success(request, _("The state coordination was assigned."))
            return redirect("coordination")
    if request.method == "POST" and "hand_over" in request.POST and office_form.is_valid():
        done = run_service(
            office_form,
            lambda: services.coordination_office_hand_over(
                actor=request.user,
                to_member=office_form.cleaned_data["member"],
                starts_on=office_form.cleaned_data["starts_on"],
            ),
        )
        if done:
            forget_roles(request.user)
            messages.success(request, _("The coordination office was handed over."))
            return redirect("coordination")
    return render(
        request,
        "members/coordination.html",
        {
            "state_form": state_form,
            "office_form": office_form,
            "coordinations": selectors.state_coordinations(),
            "office_terms": selectors.coordination_office_history(),
        },
    )


@require(can_manage_members)
def invitations(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form, lambda: services.invitation_create(actor=request.user, **form.cleaned_data)
        )
        if done:
            messages.success(
                request,
                _("The invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("invitations")
    return render(
        request,
        "members/invitations.html",
        {
            "form": form,
            "invitations": Invitation.objects.select_related("member", "invited_by")[:200],
        },
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "members/invitation_invalid.html", status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = run_service(
            form,
            lambda: services.invitation_accept(
                token=token, password=form.cleaned_data["password1"]
            ),
        )
        if user:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("member-detail", ags=invitation.member.ags)
    return render(
        request, "members/invitation_accept.html", {"form": form, "invitation": invitation}
    )


@require(can_manage_members)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    preview: ImportPreview | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload.name, upload.read())
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            preview = check_rows(rows)
            if preview.is_valid:
                request.session[IMPORT_SESSION_KEY] = rows
            else:
                request.session.pop(IMPORT_SESSION_KEY, None)
    return render(
        request, "members/import.html", {"form": form, "preview": preview, "columns": COLUMNS}
    )


@require(can_manage_members)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    rows = request.session.pop(IMPORT_SESSION_KEY, None)
    if not rows:
        messages.error(request, _("Nothing to import: please upload the file again."))
        return redirect("members-import")
    preview = check_rows([(line, values) for line, values in rows])
    form = ImportForm()
    if run_service(form, lambda: services.members_import(actor=request.user, preview=preview)):
        messages.success(
            request,
            _("Import done: %(create)s added, %(update)s updated.")
            % {"create": preview.creates, "update": preview.updates},
        )
        return redirect("member-directory")
    return render(
        request, "members/import.html", {"form": form, "preview": preview, "columns": COLUMNS}
    )


@require(can_manage_members)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = export_rows(selectors.member_directory())
    return download(rows, fmt=fmt, filename="hafennetz-mitglieder", title="members")


def my_member(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    if roles.member_id is None:
        return deny(request)
    return redirect("member-detail", ags=Member.objects.get(pk=roles.member_id).ags)
