"""Results pages of allocation runs: the office's side-by-side results, the PDF decision report,
the receiving member's extract and the state coordination's aggregates. Each view asks
admission.access first; every view of household-level data is logged."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from hafennetz.admission import access, comparison, report, services
from hafennetz.admission.models import AllocationRun, RunStatus
from hafennetz.core.forms import int_param
from hafennetz.core.models import State

SHOW = ("all", "placed", "unplaced")


def _show(request: HttpRequest) -> str:
    value = request.GET.get("show", "all")
    return value if value in SHOW else "all"


@require_safe
def run_results(request: HttpRequest, pk: int) -> HttpResponse:
    run = access.access_run(request.user, pk)
    # Computed only when the template's cached fragment is missing (or stale).
    results = SimpleLazyObject(lambda: comparison.results(run))
    context: dict[str, object] = {
        "run": run,
        "results": results,
        "has_result": bool(run.result),
        "cache_version": comparison.results_version(run),
    }
    if run.result:
        names = comparison.member_names(run)
        page_number = int_param(request.GET, "page", minimum=1, maximum=comparison.MAX_PAGE) or 1
        member = request.GET.get("member", "")
        member = member if member in names else ""
        query = request.GET.get("q", "")[:40]
        page = comparison.household_page(
            run,
            page=page_number,
            show=_show(request),
            query=query,
            member=member,
            names=names,
        )
        services.log_household_view(
            actor=request.user,
            contingent=run.contingent,
            what=f"results of run {run.pk}, households page {page.number}",
        )
        context |= {
            "page": page,
            "query": query,
            "member_filter": member,
            "member_choices": sorted(names.items(), key=lambda kv: kv[1]),
        }
    return render(request, "admission/results_run.html", context)


@require_safe
def contingent_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The decision report of a contingent (PDF): its approved runs, or the newest finished run
    marked as not approved."""
    contingent = access.access_contingent(request.user, pk)
    runs = list(
        AllocationRun.objects.filter(contingent=contingent, approved_at__isnull=False).order_by(
            "approved_at", "pk"
        )
    )
    draft = False
    if not runs:
        newest = (
            AllocationRun.objects.filter(contingent=contingent, status=RunStatus.SUCCEEDED)
            .order_by("-pk")
            .first()
        )
        runs = [newest] if newest is not None else []
        draft = True
    services.log_household_view(
        actor=request.user,
        contingent=contingent,
        what=f"decision report of runs {', '.join(str(r.pk) for r in runs) or 'none'}",
    )
    pdf = report.contingent_pdf(contingent, runs, draft=draft, generated_by=_person(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="entscheidungsbericht-{contingent.pk}.pdf"'
    return response


@require_safe
def run_extract(request: HttpRequest, pk: int, ags: str) -> HttpResponse:
    run, member = access.access_run_extract(request.user, pk, ags)
    extract = comparison.member_extract(run, member)
    services.log_household_view(
        actor=request.user,
        contingent=run.contingent,
        what=f"extract of run {run.pk} for {member.ags}",
    )
    return render(request, "admission/results_extract.html", {"extract": extract})


@require_safe
def run_extract_pdf(request: HttpRequest, pk: int, ags: str) -> HttpResponse:
    run, member = access.access_run_extract(request.user, pk, ags)
    extract = comparison.member_extract(run, member)
    services.log_household_view(
        actor=request.user,
        contingent=run.contingent,
        what=f"extract (PDF) of run {run.pk} for {member.ags}",
    )
    response = HttpResponse(
        report.extract_pdf(extract, generated_by=_person(request)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="auszug-{run.pk}-{member.ags}.pdf"'
    return response


@require_safe
def state_results(request: HttpRequest, state: str) -> HttpResponse:
    state_id = access.access_state_aggregates(request.user, state)
    return render(
        request,
        "admission/results_state.html",
        {
            "state": State.objects.get(pk=state_id),
            "contingents": comparison.state_aggregates(state_id),
        },
    )


@require_safe
def my_state_results(request: HttpRequest) -> HttpResponse:
    """The state coordination's way in: its state's aggregates (the office picks a state)."""
    states = access.access_state_list(request.user)
    if len(states) == 1:
        return redirect("state-results", state=states[0])
    return render(
        request,
        "admission/results_states.html",
        {"states": State.objects.filter(pk__in=states).order_by("name")},
    )


def _person(request: HttpRequest) -> str:
    """Who made a report, by name (the login only for an account without one)."""
    user = request.user
    name = user.get_full_name() if isinstance(user, User) else ""
    return name or user.get_username()
