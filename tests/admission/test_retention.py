"""Retention (issue 13, data protection): households are anonymised ADMISSION_RETENTION_DAYS
after their reception was confirmed, or after their contingent ended without a placement — and
nothing identifying is left: not in the households, placements, runs, nor the audit log."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hafennetz.admission import selectors, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import (
    AllocationRun,
    Contingent,
    Household,
    Offer,
    Placement,
    PlacementStatus,
    RunStatus,
)
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry

pytestmark = pytest.mark.django_db
NEED_FLAGS = [o.value for o in Offer]


def _dump(*querysets) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(json.dumps(list(qs), default=str) for qs in querysets)


def _contains_case(text: str, case_id: str) -> bool:
    return (
        re.search(rf"(?<![A-Za-z0-9._/-]){re.escape(case_id)}(?![A-Za-z0-9._/-])", text) is not None
    )


@pytest.fixture
def approved(office_user, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    seed_demo_admission()
    contingent = demo_contingent()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(
            actor=office_user, contingent=contingent, method="greedy", seed=1, work=1.0
        )
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    services.run_approve(actor=office_user, run=run, confirmed=True)
    # Last year's demo contingent ended long ago: its unplaced households are due already.
    # Anonymise them first, so the tests see only what they set up.
    services.anonymise_households(actor=None, days=90)
    AuditEntry.objects.filter(action="household.anonymise").delete()
    return run


def test_anonymise_leaves_nothing_identifying(approved, office_user, settings) -> None:
    settings.ADMISSION_RETENTION_DAYS = 90
    run = approved
    now = timezone.now()
    placements = list(Placement.objects.filter(run=run).select_related("household"))
    assert len(placements) > 10
    # A household edited and viewed by the office: audit entries with its case and needs.
    first = placements[0].household
    services.household_save(
        actor=office_user,
        contingent=first.contingent,
        household=first,
        data={
            "case_id": first.case_id,
            **{band: getattr(first, band) for band in ("age_0_2", "age_3_5", "age_6_17")},
            "age_18_64": first.age_18_64,
            "age_65_plus": first.age_65_plus,
            "needs": ["dialysis", "trauma_therapy"],
            "links": [],
            "preferences": [],
        },
    )
    services.log_household_view(
        actor=office_user, contingent=first.contingent, what=f"household {first.case_id}"
    )
    # All but two receptions confirmed long ago, one with a problem reported before.
    services.placement_report_problem(
        actor=None, placement=placements[1], problem=f"Wohnung für {placements[1].household}"
    )
    for placement in placements[:-2]:
        services.placement_confirm(actor=None, placement=placement)
    Placement.objects.filter(pk__in=[p.pk for p in placements[:-2]]).update(
        confirmed_at=now - dt.timedelta(days=91)
    )
    services.placement_confirm(actor=None, placement=placements[-2])  # recent: kept
    # A contingent that ended long ago without placements: its households are due too.
    ended = Contingent.objects.create(
        name="Alt",
        programme="other",
        persons=5,
        period_start=dt.date(2020, 1, 1),
        period_end=(now - dt.timedelta(days=200)).date(),
        key="population",
    )
    old = [
        services.household_save(
            actor=office_user,
            contingent=ended,
            data={"case_id": case, "age_18_64": 1, "needs": ["barrier_free"], "links": []}
            | (
                {"links": [{"case": "ALT-1", "kind": "same_municipality"}]}
                if case == "ALT-2"
                else {}
            ),
        )
        for case in ("ALT-1", "ALT-2")
    ]
    due = [p.household for p in placements[:-2]] + old
    kept = [p.household for p in placements[-2:]]
    due_cases = [h.case_id for h in due]
    summary_before = selectors.run_summary(AllocationRun.objects.get(pk=run.pk))

    call_command("anonymise_households", stdout=open("/dev/null", "w"))  # noqa: SIM115

    households = Household.objects.filter(pk__in=[h.pk for h in due])
    assert households.count() == len(due)
    for household in households:
        assert household.anonymised_at is not None
        assert re.fullmatch(r"anon-[0-9a-f]{12}", household.case_id)
        assert household.needs == household.links == household.preferences == []
    assert not Placement.objects.exclude(problem="").filter(household__in=households).exists()
    text = _dump(
        Household.objects.values(),
        Placement.objects.values(),
        AllocationRun.objects.values("input_snapshot", "result"),
        AuditEntry.objects.values("object_repr", "before", "after"),
    )
    leaked = [case for case in due_cases if _contains_case(text, case)]
    assert not leaked, leaked[:5]
    assert "Wohnung für" not in text
    # No need flag of an anonymised household anywhere: not in its audit entries, not in the run.
    about = _dump(
        AuditEntry.objects.filter(
            object_type="admission.household", object_id__in=[str(h.pk) for h in due]
        ).values("before", "after")
    )
    assert about and not any(flag in about for flag in NEED_FLAGS)
    run.refresh_from_db()
    pseudonyms = set(households.values_list("case_id", flat=True))
    for entry in run.input_snapshot["households"]:
        if entry["case_id"] in pseudonyms:
            assert entry["flags"] == entry["links"] == entry["preferences"] == []
    for entry in run.result["households"]:
        if entry["case_id"] in pseudonyms:
            assert entry["flags_met"] == entry["flags_unmet"] == []
    # The run's figures stay: placed persons and hard needs met are counts kept with it.
    summary_after = selectors.run_summary(run)
    assert summary_before is not None and summary_after is not None
    assert summary_after.placed_persons == summary_before.placed_persons
    assert summary_after.hard_needs_met == summary_before.hard_needs_met
    assert summary_after.hard_needs_total == summary_before.hard_needs_total
    # Households not yet due keep everything.
    for household in kept:
        fresh = Household.objects.get(pk=household.pk)
        assert fresh.case_id == household.case_id and fresh.anonymised_at is None
    # Logged as the system, with counts only.
    entry = AuditEntry.objects.get(action="household.anonymise")
    assert entry.actor is None and entry.actor_label == "system"
    assert entry.after["households"] == len(due)
    assert all(isinstance(v, int) for v in entry.after.values())
    # A second run finds nothing more to do.
    assert services.anonymise_households(actor=None).households == 0


def test_nothing_due_before_the_retention_period(approved, settings) -> None:
    settings.ADMISSION_RETENTION_DAYS = 90
    for placement in Placement.objects.filter(run=approved):
        services.placement_confirm(actor=None, placement=placement)
    assert services.anonymise_households(actor=None).households == 0
    assert not Household.objects.filter(
        contingent=approved.contingent, anonymised_at__isnull=False
    ).exists()
    # With a retention of 0 days every confirmed reception is due at once.
    later = timezone.now() + dt.timedelta(seconds=1)
    counts = services.anonymise_households(actor=None, days=0, now=later)
    assert counts.households == Placement.objects.filter(run=approved).count()
    member = Placement.objects.filter(run=approved).first().member  # type: ignore[union-attr]
    assert not selectors.placements_of(member).filter(run=approved).exists()


def test_only_the_office_or_the_system_anonymises(member_user) -> None:
    with pytest.raises(AccessDenied):
        services.anonymise_households(actor=member_user)
    with pytest.raises(CommandError):
        call_command("anonymise_households", "--days", "-1")
    assert not AuditEntry.objects.filter(action="household.anonymise").exists()


def test_placement_status_is_kept(approved) -> None:
    placement = Placement.objects.filter(run=approved).first()
    assert placement is not None
    services.placement_confirm(actor=None, placement=placement)
    Placement.objects.filter(pk=placement.pk).update(
        confirmed_at=timezone.now() - dt.timedelta(days=400)
    )
    services.anonymise_households(actor=None)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.CONFIRMED and placement.persons > 0
