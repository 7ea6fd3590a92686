"""Member registry pages. Each view gets its objects and rights from `members.access`, hands a
valid form to one service through `save_form`, and renders with `can_*` flags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hafennetz.core.exports import EXPORT_FORMATS, download
from hafennetz.core.forms import save_form
from hafennetz.core.public_cache import cached_for_visitors
from hafennetz.core.urls import absolute_url
from hafennetz.members import access, selectors, services
from hafennetz.members.forms import (
    ContactForm,
    DirectoryFilterForm,
    HandOverForm,
    ImportForm,
    InvitationForm,
    LeaveForm,
    MemberCreateForm,
    MemberProfileForm,
    RejoinForm,
    SetPasswordForm,
    SignatureEditForm,
    SignatureForm,
    StateCoordinationForm,
)
from hafennetz.members.transfer import (
    CLEAR,
    CLEARABLE,
    COLUMNS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    ImportFileError,
    ImportPreview,
    check_rows,
    export_rows,
    read_table,
)

# The checked rows travel from the preview to the confirmation signed (not in the session):
# stateless, tamper-proof, and re-checked by the service anyway.
IMPORT_SALT = "hafennetz.members.import"
IMPORT_MAX_AGE = 3600


def _site_url(request: HttpRequest) -> str:
    """The site's address for links in e-mails: the configured SITE_URL, else this request's."""
    return absolute_url("/", request=request).rstrip("/")


@require_safe
@cached_for_visitors
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    sort = request.GET.get("sort", "name")
    if sort not in selectors.DIRECTORY_SORTS:
        sort = "name"
    members = selectors.member_directory(
        state=filters["state"].ags if filters.get("state") else None,
        status=filters.get("status") or None,
        query=filters.get("q") or None,
        sort=sort,
    )
    page = Paginator(members, DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for key in ("page", "sort"):
        query.pop(key, None)
    return render(
        request,
        "members/directory.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "query": query.urlencode(),
            "columns": [
                (key, label, _sort_state(sort, key))
                for key, label in (
                    ("name", _("Name")),
                    ("state", _("State")),
                    ("joined", _("Joined")),
                )
            ],
            "can_export": access.can_manage_members(request.user),
        },
    )


DIRECTORY_PAGE_SIZE = 50


def _sort_state(sort: str, key: str) -> dict[str, str]:
    """The link of a column header (toggles the direction) and its aria-sort value."""
    if sort == key:
        return {"next": f"-{key}", "aria": "ascending"}
    if sort == f"-{key}":
        return {"next": key, "aria": "descending"}
    return {"next": key, "aria": ""}


@require_safe
def detail(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member(request.user, ags, purpose="view")
    return render(
        request,
        "members/detail.html",
        {
            "member": member,
            "criteria": selectors.member_criteria(member),
            "contacts": selectors.member_contacts(
                member, internal=access.can_see_internal_contacts(request.user, member)
            ),
            "signatures": selectors.member_signatures(member),
            "coordinations": selectors.member_coordinations(member),
            "can_edit": access.can_edit_member(request.user, member),
            "can_manage": access.can_manage_members(request.user),
            "can_rejoin": access.can_manage_members(request.user)
            and member.status.value == "former",
            "can_mark_left": access.can_manage_members(request.user)
            and member.status.value == "alliance",
        },
    )


def edit(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member(request.user, ags, purpose="edit")
    form = MemberProfileForm(
        request.POST or None,
        member=member,
        writable=access.writable_member_fields(request.user, member),
    )
    if save_form(
        request,
        form,
        lambda: services.member_update(
            actor=request.user,
            member=member,
            data=form.profile_data(),
            criteria=form.criteria_data(),
        ),
    ):
        messages.success(request, _("The profile was saved."))
        return redirect("member-detail", ags=member.ags)
    return render(request, "members/edit.html", {"member": member, "form": form})


def contact_edit(request: HttpRequest, ags: str, pk: int | None = None) -> HttpResponse:
    if pk is None:
        member, contact = access.access_member_for_contacts(request.user, ags), None
    else:
        member, contact = access.access_contact(request.user, ags, pk)
    form = ContactForm(request.POST or None, instance=contact)
    if save_form(
        request,
        form,
        lambda: services.contact_save(
            actor=request.user, member=member, data=form.cleaned_data, contact=contact
        ),
    ):
        messages.success(request, _("The contact was saved."))
        return redirect("member-detail", ags=member.ags)
    return render(
        request, "members/contact_form.html", {"member": member, "form": form, "contact": contact}
    )


def contact_delete(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    member, contact = access.access_contact(request.user, ags, pk)
    if request.method == "POST":
        services.contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("The contact was deleted."))
        return redirect("member-detail", ags=member.ags)
    return render(request, "members/contact_delete.html", {"member": member, "contact": contact})


def signature_create(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member(request.user, ags, purpose="record_signature")
    form = SignatureForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.signature_create(actor=request.user, member=member, **form.cleaned_data),
    ):
        messages.success(request, _("The signature was recorded."))
        return redirect("member-detail", ags=member.ags)
    title = _("Record a signature of the Potsdam Declaration")
    return render(
        request, "members/simple_form.html", {"member": member, "form": form, "title": title}
    )


def signature_edit(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    member, signature = access.access_signature(request.user, ags, pk)
    form = SignatureEditForm(
        request.POST or None,
        initial={"signed_on": signature.signed_on, "signatory": signature.signatory},
    )
    if save_form(
        request,
        form,
        lambda: services.signature_update(
            actor=request.user, signature=signature, **form.cleaned_data
        ),
    ):
        messages.success(request, _("The signature was corrected."))
        return redirect("member-detail", ags=member.ags)
    title = _("Correct the signature of the %(declaration)s") % {
        "declaration": signature.declaration.title
    }
    return render(
        request, "members/simple_form.html", {"member": member, "form": form, "title": title}
    )


def signature_delete(request: HttpRequest, ags: str, pk: int) -> HttpResponse:
    member, signature = access.access_signature(request.user, ags, pk)
    if request.method == "POST":
        services.signature_delete(actor=request.user, signature=signature)
        messages.success(request, _("The signature was deleted."))
        return redirect("member-detail", ags=member.ags)
    return render(
        request, "members/signature_delete.html", {"member": member, "signature": signature}
    )


def leave(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member(request.user, ags, purpose="mark_left")
    form = LeaveForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.member_mark_left(
            actor=request.user, member=member, left_on=form.cleaned_data["left_on"]
        ),
    ):
        messages.success(
            request, _("%(member)s is marked as former member.") % {"member": member.name}
        )
        return redirect("member-detail", ags=member.ags)
    return render(
        request,
        "members/simple_form.html",
        {"member": member, "form": form, "title": _("Mark as left")},
    )


def rejoin(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member(request.user, ags, purpose="rejoin")
    form = RejoinForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.member_rejoin(
            actor=request.user, member=member, joined_on=form.cleaned_data["joined_on"]
        ),
    ):
        messages.success(
            request, _("%(member)s is an alliance member again.") % {"member": member.name}
        )
        return redirect("member-detail", ags=member.ags)
    return render(
        request,
        "members/simple_form.html",
        {"member": member, "form": form, "title": _("Record rejoining")},
    )


def create(request: HttpRequest) -> HttpResponse:
    access.check_manage_members(request.user, "create")
    form = MemberCreateForm(request.POST or None)
    saved = save_form(
        request, form, lambda: services.member_create(actor=request.user, **form.cleaned_data)
    )
    if saved:
        member = saved.value
        messages.success(request, _("%(member)s was added.") % {"member": member.name})
        return redirect("member-detail", ags=member.ags)
    return render(request, "members/create.html", {"form": form})


@require_safe
def territory_search(request: HttpRequest) -> JsonResponse:
    access.check_manage_members(request.user, "territories")
    hits = selectors.territory_search(request.GET.get("q", "")[:100])
    return JsonResponse({"results": [hit.__dict__ for hit in hits]})


def coordination(request: HttpRequest) -> HttpResponse:
    access.check_manage_members(request.user, "coordination")
    assign = request.method == "POST" and "assign" in request.POST
    hand_over = request.method == "POST" and "hand_over" in request.POST
    state_form = StateCoordinationForm(request.POST if assign else None, prefix="sc")
    office_form = HandOverForm(request.POST if hand_over else None, prefix="co")
    if assign and save_form(
        request,
        state_form,
        lambda: services.state_coordination_assign(actor=request.user, **state_form.cleaned_data),
    ):
        messages.success(request, _("The state coordination was assigned."))
        return redirect("coordination")
    if hand_over and save_form(
        request,
        office_form,
        lambda: services.coordination_office_hand_over(
            actor=request.user,
            to_member=office_form.cleaned_data["member"],
            starts_on=office_form.cleaned_data["starts_on"],
        ),
    ):
        access.forget_roles(request.user)
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


def invitations(request: HttpRequest) -> HttpResponse:
    access.check_manage_members(request.user, "invitations")
    form = InvitationForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.invitation_create(
            actor=request.user, site_url=_site_url(request), **form.cleaned_data
        ),
    ):
        messages.success(
            request,
            _("The invitation was sent to %(email)s.") % {"email": form.cleaned_data["email"]},
        )
        return redirect("invitations")
    return render(
        request,
        "members/invitations.html",
        {"form": form, "invitations": selectors.recent_invitations()},
    )


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    # The token is the right: whoever holds an open invitation may set its password.
    invitation = selectors.open_invitation(token)
    if invitation is None:
        return render(request, "members/invitation_invalid.html", status=404)
    form = SetPasswordForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda: services.invitation_accept(token=token, password=form.cleaned_data["password1"]),
    )
    if saved:
        login(request, saved.value, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("member-detail", ags=invitation.member.ags)
    return render(
        request, "members/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _import_page(
    request: HttpRequest, form: ImportForm, preview: ImportPreview | None
) -> HttpResponse:
    signed = (
        signing.dumps(preview.raw(), salt=IMPORT_SALT, compress=True)
        if preview is not None and preview.is_valid
        else ""
    )
    return render(
        request,
        "members/import.html",
        {
            "form": form,
            "preview": preview,
            "signed_rows": signed,
            "columns": COLUMNS,
            "clear_marker": CLEAR,
            "clearable": CLEARABLE,
            "limits": {
                "rows": MAX_ROWS,
                "columns": MAX_COLUMNS,
                "mb": MAX_FILE_BYTES // (1024 * 1024),
            },
        },
    )


def import_upload(request: HttpRequest) -> HttpResponse:
    access.check_manage_members(request.user, "import")
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
    return _import_page(request, form, preview)


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    access.check_manage_members(request.user, "import")
    try:
        rows = signing.loads(request.POST.get("rows", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        rows = None
    if not rows:
        messages.error(request, _("Nothing to import: please upload the file again."))
        return redirect("members-import")
    try:
        preview = services.members_import(actor=request.user, rows=rows)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _import_page(request, ImportForm(), check_rows(rows))
    messages.success(
        request,
        _("Import done: %(create)s added, %(update)s updated, %(unchanged)s unchanged.")
        % {"create": preview.creates, "update": preview.updates, "unchanged": preview.unchanged},
    )
    return redirect("member-directory")


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    access.check_manage_members(request.user, "export")
    if fmt not in EXPORT_FORMATS:
        raise Http404
    rows = export_rows(selectors.member_directory())
    return download(rows, fmt=fmt, filename="hafennetz-mitglieder", title="members")


@require_safe
def my_member(request: HttpRequest) -> HttpResponse:
    member = access.access_own_member(request.user)
    return redirect(reverse("member-detail", args=[member.ags]))
