"""Overrides (pin, exclude) with reasons, re-optimised around; counted per run, contingent and
on the public page; batch runs with the dynamic policy; re-runs that show identity; stale
approvals after an override."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import selectors, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import (
    AllocationRun,
    Contingent,
    Household,
    Override,
    Placement,
    RunStatus,
)
from hafennetz.admission.tasks import execute_allocation_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def contingent() -> Contingent:
    seed_demo_admission()
    return demo_contingent()


def _run(office_user, contingent, capture, **options) -> AllocationRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        run = services.run_start(
            actor=office_user,
            contingent=contingent,
            **({"method": "greedy", "seed": 2, "work": 1.0} | options),
        )
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def _single(contingent: Contingent, n: int = 0) -> Household:
    return list(
        Household.objects.filter(contingent=contingent, needs=[], links=[]).order_by("case_id")
    )[n]


def test_pin_and_exclude_are_honoured_counted_and_published(
    client: Client, office_user, contingent, django_capture_on_commit_callbacks
) -> None:
    members = selectors.contingent_members(contingent)
    first = _run(office_user, contingent, django_capture_on_commit_callbacks)
    pinned, excluded = _single(contingent, 0), _single(contingent, 1)
    proposal = dict(first.result["assignment"])
    target = next(m for m in reversed(members) if m.ags != proposal.get(pinned.case_id))
    with pytest.raises(ValidationError) as exc:
        services.override_create(
            actor=office_user,
            household=pinned,
            kind="pin",
            member=target,
            reason="",
            explanation="",
        )
    assert {"reason", "explanation"} <= set(exc.value.message_dict)
    services.override_create(
        actor=office_user,
        household=pinned,
        kind="pin",
        member=target,
        reason="family_ties",
        explanation="Bruder am Ort",
        from_run=first,
    )
    away = proposal.get(excluded.case_id) or members[0].ags
    away_member = next(m for m in members if m.ags == away)
    services.override_create(
        actor=office_user,
        household=excluded,
        kind="exclude",
        member=away_member,
        reason="safety",
        explanation="Schutz",
    )
    # The first run is stale now: the overrides changed.
    with pytest.raises(ValidationError):
        services.run_approve(actor=office_user, run=first, confirmed=True)
    second = _run(office_user, contingent, django_capture_on_commit_callbacks)
    assignment = dict(second.result["assignment"])
    assert assignment[pinned.case_id] == target.ags
    assert assignment.get(excluded.case_id) != away
    assert len(second.overrides) == 2 and second.result["overrides"] == 2
    summary = selectors.run_summary(second)
    assert summary is not None
    services.run_approve(actor=office_user, run=second, confirmed=True)
    assert Placement.objects.get(household=pinned).member == target
    report = selectors.override_report(contingent)
    assert report.active == 2 and [r.run for r in report.runs if r.pins] == [second]
    page = selectors.transparency(contingent)
    assert page.overrides is not None and page.overrides.total == 2
    # Fewer than 3 per reason: hidden on the public page.
    assert all(r.count is None for r in page.overrides.by_reason)
    # Audit: reason and rules, never the explanation.
    client.force_login(office_user)
    assert client.get(reverse("override-list", args=[contingent.pk])).status_code == 200
    entry = Override.objects.get(household=pinned)
    from hafennetz.core.models import AuditEntry

    audit = AuditEntry.objects.get(action="override.pin", object_id=str(entry.pk))
    assert "Bruder" not in str(audit.after) and audit.after["reason"] == "family_ties"


def test_a_broken_hard_rule_needs_confirmation(office_user, contingent) -> None:
    caps_members = selectors.contingent_members(contingent)
    from hafennetz.admission.engine_input import capacities

    caps = capacities(contingent)
    lacking = next(m for m in caps_members if "dialysis" not in caps.offers[m.pk])
    household = _single(contingent, 2)
    household.needs = ["dialysis"]
    household.save()
    kwargs = {
        "actor": office_user,
        "household": household,
        "kind": "pin",
        "member": lacking,
        "reason": "medical",
        "explanation": "Versorgung vor Ort geklärt",
    }
    with pytest.raises(ValidationError) as exc:
        services.override_create(**kwargs)
    assert "confirm_breaks" in exc.value.message_dict
    override = services.override_create(**kwargs, confirm_breaks=True)
    assert "hard_needs" in override.breaks
    with pytest.raises(ValidationError):  # pinned twice
        services.override_create(**kwargs, confirm_breaks=True)
    services.override_withdraw(actor=office_user, override=override)
    with pytest.raises(ValidationError):  # withdrawn twice
        services.override_withdraw(actor=office_user, override=override)


def test_rerun_reproduces_the_approved_assignment(
    client: Client, office_user, django_capture_on_commit_callbacks
) -> None:
    seed_demo_admission()
    approved = AllocationRun.objects.get(is_demo=True, approved_at__isnull=False)
    assert approved.overrides  # the demo has overrides with reasons
    with django_capture_on_commit_callbacks(execute=True):
        again = services.run_rerun(actor=office_user, run=approved)
    execute_allocation_run.call(again.pk)
    again.refresh_from_db()
    assert again.result["rerun"]["identical"], again.result["rerun"]
    assert again.result["assignment"] == approved.result["assignment"]
    with pytest.raises(ValidationError):
        services.run_approve(actor=office_user, run=again, confirmed=True)
    with pytest.raises(ValidationError):
        services.run_rerun(actor=office_user, run=again)
    client.force_login(office_user)
    page = client.get(reverse("run-detail", args=[again.pk])).content.decode()
    assert 'id="rerun-result"' in page and "✓" in page


def test_batch_runs_fill_the_period(office_user, contingent, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    households = list(Household.objects.filter(contingent=contingent, links=[]).order_by("case_id"))
    first = [h.pk for h in households[:8]]
    Household.objects.filter(pk__in=first).update(batch=1)
    Household.objects.filter(pk__in=[h.pk for h in households[8:14]]).update(batch=2)
    # Some of the contingent's persons are still expected: the policy looks ahead at them.
    arrived = sum(h.size for h in Household.objects.filter(contingent=contingent))
    Contingent.objects.filter(pk=contingent.pk).update(persons=arrived + 40)
    contingent.refresh_from_db()
    with pytest.raises(ValidationError):
        _run(office_user, contingent, django_capture_on_commit_callbacks, batch=9)
    run = _run(
        office_user, contingent, django_capture_on_commit_callbacks, batch=1, method="optimal"
    )
    assert {c for c, _a in run.result["assignment"]} == {h.case_id for h in households[:8]}
    assert run.result["policy"] == "reoptimize" and run.input_snapshot["forecast"]
    services.run_approve(actor=office_user, run=run, confirmed=True)
    period = selectors.period_so_far(contingent)
    assert period.rows[0].batch == 1 and period.placed_persons > 0
    with pytest.raises(ValidationError):  # placed already
        _run(office_user, contingent, django_capture_on_commit_callbacks, batch=1)
    second = _run(office_user, contingent, django_capture_on_commit_callbacks, batch=2)
    assert {c for c, _a in second.result["assignment"]} == {h.case_id for h in households[8:14]}


def test_a_run_whose_worker_died_can_be_cancelled(
    office_user, contingent, django_capture_on_commit_callbacks
) -> None:
    import datetime as dt

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):
        run = services.run_start(actor=office_user, contingent=contingent, method="greedy", work=1)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    AllocationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=long_ago, progress_at=long_ago
    )
    services.run_cancel(actor=office_user, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.error
