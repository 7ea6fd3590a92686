"""Pledge pages. Each view asks admission.access for its objects, then calls one service or
selector and renders."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hafennetz.admission import access, imports, selectors, services
from hafennetz.admission.forms import (
    ApproveForm,
    ConfirmForm,
    ContingentForm,
    HouseholdForm,
    HouseholdImportForm,
    KeyTableForm,
    OverrideForm,
    PledgeForm,
    PledgeStatusForm,
    ProblemForm,
    RunForm,
)
from hafennetz.admission.imports import HouseholdPreview
from hafennetz.admission.models import AllocationRun, Contingent, Resource
from hafennetz.core.forms import int_param, save_form
from hafennetz.core.tables import MAX_FILE_BYTES, TableError


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    access.check_pledge_overview(request.user)
    return render(
        request,
        "admission/overview.html",
        {
            "members": selectors.pledge_overview(),
            "totals": selectors.pledged_places(),
            "resources": Resource,
        },
    )


@require_safe
def member_pledges(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member_pledges(request.user, ags, purpose="view")
    pledges = list(selectors.pledges_of(member))
    return render(
        request,
        "admission/member_pledges.html",
        {
            "member": member,
            "pledges": [
                {
                    "pledge": p,
                    "can_change": access.can_change_pledge(request.user, p),
                    "can_change_status": bool(access.next_statuses(request.user, p)),
                }
                for p in pledges
            ],
            "totals": selectors.pledged_places(member),
            "can_edit": access.can_edit_pledges(request.user, member),
        },
    )


def pledge_create(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member_pledges(request.user, ags, purpose="edit")
    form = PledgeForm(request.POST or None, member=member)
    if save_form(
        request,
        form,
        lambda: services.pledge_create(actor=request.user, member=member, data=form.pledge_data()),
    ):
        messages.success(request, _("The pledge was saved."))
        return redirect("pledges-of-member", ags=member.ags)
    return render(request, "admission/pledge_form.html", {"member": member, "form": form})


def pledge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = access.access_pledge(request.user, pk, purpose="edit")
    form = PledgeForm(request.POST or None, instance=pledge, member=pledge.member)
    if save_form(
        request,
        form,
        lambda: services.pledge_update(actor=request.user, pledge=pledge, data=form.pledge_data()),
    ):
        messages.success(request, _("The pledge was saved."))
        return redirect("pledges-of-member", ags=pledge.member.ags)
    return render(
        request,
        "admission/pledge_form.html",
        {
            "member": pledge.member,
            "form": form,
            "pledge": pledge,
            "history": selectors.pledge_history(pledge),
        },
    )


def pledge_status(request: HttpRequest, pk: int) -> HttpResponse:
    pledge = access.access_pledge(request.user, pk, purpose="view")
    allowed = access.next_statuses(request.user, pledge)
    if not allowed:
        access.access_pledge(request.user, pk, purpose="edit")  # says why it was refused
    form = PledgeStatusForm(request.POST or None, allowed=allowed)
    if save_form(
        request,
        form,
        lambda: services.pledge_set_status(
            actor=request.user,
            pledge=pledge,
            status=form.cleaned_data["status"],
            accepted_on=form.cleaned_data["accepted_on"],
            accepted_by=form.cleaned_data["accepted_by"],
            accepted_reference=form.cleaned_data["accepted_reference"],
        ),
    ):
        messages.success(request, _("The status of the pledge was changed."))
        return redirect("pledges-of-member", ags=pledge.member.ags)
    return render(
        request,
        "admission/pledge_status.html",
        {"member": pledge.member, "pledge": pledge, "form": form},
    )


# --- contingents and key tables (coordination office) -------------------------------------------


@require_safe
def contingent_list(request: HttpRequest) -> HttpResponse:
    access.check_manage_contingents(request.user)
    return render(
        request,
        "admission/contingent_list.html",
        {"contingents": selectors.contingents(), "key_tables": selectors.key_tables()},
    )


def contingent_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        access.check_manage_contingents(request.user)
        contingent = None
    else:
        contingent = access.access_contingent(request.user, pk)
    form = ContingentForm(request.POST or None, instance=contingent)
    saved = save_form(
        request,
        form,
        lambda: services.contingent_save(
            actor=request.user,
            contingent=contingent,
            data=form.contingent_data(),
            eligible=form.cleaned_data["eligible"],
        ),
    )
    if saved:
        messages.success(request, _("The contingent was saved."))
        return redirect("contingent-detail", pk=saved.value.pk)
    return render(
        request, "admission/contingent_form.html", {"form": form, "contingent": contingent}
    )


@require_safe
def contingent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    return render(
        request,
        "admission/contingent_detail.html",
        {
            "contingent": contingent,
            "comparison": selectors.key_comparison(contingent),
            "period": selectors.period_so_far(contingent),
        },
    )


def key_table_create(request: HttpRequest) -> HttpResponse:
    access.check_manage_contingents(request.user)
    form = KeyTableForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.key_table_create(actor=request.user, **form.cleaned_data),
    ):
        messages.success(request, _("The key table was saved."))
        return redirect("contingent-list")
    return render(request, "admission/key_table_form.html", {"form": form})


# --- households (coordination office; each view of household data is logged) -------------------


@require_safe
def household_list(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    households = list(selectors.households_of(contingent))
    services.log_household_view(
        actor=request.user, contingent=contingent, what=f"list of {len(households)} households"
    )
    return render(
        request,
        "admission/household_list.html",
        {"contingent": contingent, "households": households},
    )


def household_edit(
    request: HttpRequest, pk: int | None = None, contingent_pk: int | None = None
) -> HttpResponse:
    if pk is not None:
        household = access.access_household(request.user, pk)
        contingent = household.contingent
        if request.method == "GET":
            services.log_household_view(
                actor=request.user, contingent=contingent, what=f"household {household.case_id}"
            )
    else:
        assert contingent_pk is not None
        contingent = access.access_contingent(request.user, contingent_pk)
        household = None
    form = HouseholdForm(request.POST or None, instance=household)
    if save_form(
        request,
        form,
        lambda: services.household_save(
            actor=request.user,
            contingent=contingent,
            household=household,
            data=form.household_data(),
        ),
    ):
        messages.success(request, _("The household was saved."))
        return redirect("household-list", pk=contingent.pk)
    return render(
        request,
        "admission/household_form.html",
        {"contingent": contingent, "household": household, "form": form},
    )


def household_delete(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.access_household(request.user, pk)
    form = ConfirmForm(request.POST or None)
    if save_form(
        request, form, lambda: services.household_delete(actor=request.user, household=household)
    ):
        messages.success(request, _("The household was deleted."))
        return redirect("household-list", pk=household.contingent.pk)
    return render(
        request, "admission/household_delete.html", {"household": household, "form": form}
    )


# --- allocation runs --------------------------------------------------------------------


def run_start(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    form = RunForm(request.POST or None)
    saved = save_form(
        request,
        form,
        lambda: services.run_start(actor=request.user, contingent=contingent, **form.cleaned_data),
    )
    if saved:
        return redirect("run-detail", pk=saved.value.pk)
    return render(
        request,
        "admission/run_start.html",
        {"contingent": contingent, "form": form, "runs": selectors.runs_of(contingent)},
    )


@require_safe
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    summary = selectors.run_summary(run)
    if run.status == "succeeded":
        services.log_household_view(
            actor=request.user, contingent=run.contingent, what=f"results of run {run.pk}"
        )
    pks = (
        selectors.household_pks(run.contingent, [h.case_id for h in summary.unplaced])
        if summary
        else {}
    )
    return render(
        request,
        "admission/run_detail.html",
        {
            "run": run,
            "summary": summary,
            "unplaced": [(h, pks.get(h.case_id)) for h in summary.unplaced] if summary else [],
            "can_cancel": not run.is_finished,
            "can_approve": run.status == "succeeded"
            and run.approved_at is None
            and run.rerun_of_id is None
            and bool(summary and summary.reproducible),
            "can_rerun": run.status == "succeeded"
            and run.rerun_of_id is None
            and bool(summary and summary.reproducible),
            "can_override": run.approved_at is None and run.rerun_of_id is None,
        },
    )


@require_safe
def run_progress(request: HttpRequest, pk: int) -> JsonResponse:
    run = access.access_run(request.user, pk)
    return JsonResponse(selectors.run_progress(run))


@require_POST
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    try:
        services.run_cancel(actor=request.user, run=run)
        messages.success(request, _("The run is being cancelled."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("run-detail", pk=run.pk)


def run_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    form = ApproveForm(request.POST or None, run_pk=run.pk)
    if save_form(
        request,
        form,
        lambda: services.run_approve(
            actor=request.user, run=run, confirmed=form.cleaned_data["confirm"]
        ),
    ):
        messages.success(request, _("The allocation was approved."))
        return redirect("run-detail", pk=run.pk)
    return render(
        request,
        "admission/run_approve.html",
        {"run": run, "form": form, "summary": selectors.run_summary(run)},
    )


@require_safe
def member_placements(request: HttpRequest, ags: str) -> HttpResponse:
    member = access.access_member_placements(request.user, ags)
    placements = list(selectors.placements_of(member))
    if placements:
        services.log_household_view(
            actor=request.user,
            contingent=placements[0].run.contingent,
            what=f"households allocated to {member.ags}",
        )
    return render(
        request,
        "admission/member_placements.html",
        {"member": member, "placements": placements},
    )


@require_POST
def placement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    placement = access.access_placement(request.user, pk)
    try:
        services.placement_confirm(actor=request.user, placement=placement)
        messages.success(request, _("The reception was confirmed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("placements-of-member", ags=placement.member.ags)


def placement_problem(request: HttpRequest, pk: int) -> HttpResponse:
    placement = access.access_placement(request.user, pk)
    form = ProblemForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.placement_report_problem(
            actor=request.user, placement=placement, problem=form.cleaned_data["problem"]
        ),
    ):
        messages.success(request, _("The problem was reported to the coordination office."))
        return redirect("placements-of-member", ags=placement.member.ags)
    return render(
        request, "admission/placement_problem.html", {"placement": placement, "form": form}
    )


# --- public transparency (no login; aggregates under disclosure control only) -------------------


@require_safe
def transparency_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "admission/transparency_list.html",
        {"contingents": selectors.public_contingents()},
    )


@require_safe
def transparency(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_public_contingent(pk)
    return render(
        request,
        "admission/transparency.html",
        {"page": selectors.transparency(contingent)},
    )


# --- household import (preview first; all rows or none) -----------------------------------------

IMPORT_SALT = "hafennetz.admission.households"
IMPORT_MAX_AGE = 3600


def _import_page(
    request: HttpRequest,
    contingent: Contingent,
    form: HouseholdImportForm,
    preview: HouseholdPreview | None,
) -> HttpResponse:
    signed = (
        signing.dumps(
            {"contingent": contingent.pk, "rows": preview.raw()}, salt=IMPORT_SALT, compress=True
        )
        if preview is not None and preview.is_valid
        else ""
    )
    return render(
        request,
        "admission/household_import.html",
        {
            "contingent": contingent,
            "form": form,
            "preview": preview,
            "signed_rows": signed,
            "columns": imports.COLUMNS,
            "max_rows": imports.MAX_ROWS,
        },
    )


def household_import(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    form = HouseholdImportForm(request.POST or None, request.FILES or None)
    preview: HouseholdPreview | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Refuse an oversized file before reading it into memory.
            content = upload.read(MAX_FILE_BYTES + 1)
            rows = imports.read_households(upload.name or "", content)
        except TableError as exc:
            form.add_error("file", str(exc))
        else:
            preview = imports.check_households(contingent, rows)
            services.log_household_view(
                actor=request.user,
                contingent=contingent,
                what=f"import preview of {len(preview.rows)} rows",
            )
    return _import_page(request, contingent, form, preview)


@require_POST
def household_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    try:
        data = signing.loads(request.POST.get("rows", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or data.get("contingent") != contingent.pk or not data["rows"]:
        messages.error(request, _("Nothing to import: please upload the file again."))
        return redirect("household-import", pk=contingent.pk)
    rows = [(int(line), dict(values)) for line, values in data["rows"]]
    try:
        count = services.households_import(actor=request.user, contingent=contingent, rows=rows)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _import_page(
            request, contingent, HouseholdImportForm(), imports.check_households(contingent, rows)
        )
    messages.success(request, _("%(n)s households were imported.") % {"n": count})
    return redirect("household-list", pk=contingent.pk)


# --- overrides: the office pins a household or excludes a member, with a reason -----------------


def override_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = access.access_household(request.user, pk)
    contingent = household.contingent
    run_pk = int_param(request.GET, "run", minimum=1, maximum=2**31 - 1)
    from_run = AllocationRun.objects.filter(pk=run_pk, contingent=contingent).first()
    members = selectors.contingent_members(contingent)
    form = OverrideForm(request.POST or None, members=members)
    saved = save_form(
        request,
        form,
        lambda: services.override_create(
            actor=request.user,
            household=household,
            kind=form.cleaned_data["kind"],
            member=form.cleaned_data["member"],
            reason=form.cleaned_data["reason"],
            explanation=form.cleaned_data["explanation"],
            confirm_breaks=form.cleaned_data["confirm_breaks"],
            from_run=from_run,
        ),
    )
    if saved:
        messages.success(
            request,
            _("The override was recorded. Start a new run to re-optimise around it."),
        )
        return redirect("override-list", pk=contingent.pk)
    if request.method == "GET":
        services.log_household_view(
            actor=request.user, contingent=contingent, what=f"household {household.case_id}"
        )
    return render(
        request,
        "admission/override_form.html",
        {
            "household": household,
            "contingent": contingent,
            "form": form,
            "from_run": from_run,
            "assigned": selectors.assigned_in_run(from_run, household) if from_run else None,
            "overrides": selectors.overrides_of_household(household),
        },
    )


@require_POST
def override_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    override = access.access_override(request.user, pk)
    try:
        services.override_withdraw(actor=request.user, override=override)
        messages.success(request, _("The override was withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("override-list", pk=override.contingent_id)


@require_safe
def override_list(request: HttpRequest, pk: int) -> HttpResponse:
    contingent = access.access_contingent(request.user, pk)
    report = selectors.override_report(contingent)
    services.log_household_view(
        actor=request.user, contingent=contingent, what="overrides of the contingent"
    )
    return render(
        request,
        "admission/override_list.html",
        {"contingent": contingent, "report": report},
    )


@require_POST
def run_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    try:
        again = services.run_rerun(actor=request.user, run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("run-detail", pk=run.pk)
    messages.success(
        request, _("The run is being recomputed from its stored input, seed and budget.")
    )
    return redirect("run-detail", pk=again.pk)
