"""Approval: a finished run's placements count against the pledges; stale runs and double
approvals are refused; two approvals at the same time never over-commit a pledge; the receiving
member sees only its households and confirms them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import (
    AllocationRun,
    Contingent,
    Placement,
    PlacementStatus,
    Pledge,
    RunStatus,
)
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.core.access import AccessDenied
from hafennetz.core.models import AuditEntry


def _finished_run(office_user, contingent, capture) -> AllocationRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        run = services.run_start(
            actor=office_user, contingent=contingent, method="greedy", seed=1, work=1.0
        )
    execute_allocation_run.call(run.pk)  # the worker's code, in the test's transaction
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def contingent(db) -> Contingent:  # type: ignore[no-untyped-def]
    seed_demo_admission()
    return demo_contingent()


@pytest.mark.django_db
def test_approve_then_member_confirms(
    client: Client, office_user, member_user, own_member, contingent,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    run = _finished_run(office_user, contingent, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.run_approve(actor=office_user, run=run, confirmed=False)
    placements = services.run_approve(actor=office_user, run=run, confirmed=True)
    assert placements and Placement.objects.filter(run=run).count() == len(placements)
    entry = AuditEntry.objects.get(action="run.placements", object_id=str(run.pk))
    assert set(entry.after) == {"households", "persons"}  # no household details in the log
    with pytest.raises(ValidationError):
        services.run_approve(actor=office_user, run=run, confirmed=True)
    # Each member sees its own households only.
    placement = placements[0]
    receiving = placement.member
    client.force_login(office_user)
    page = client.get(reverse("placements-of-member", kwargs={"ags": receiving.ags}))
    assert placement.household.case_id in page.content.decode()
    if receiving != own_member:
        client.force_login(member_user)
        refused = client.get(reverse("placements-of-member", kwargs={"ags": receiving.ags}))
        assert refused.status_code == 403
        with pytest.raises(AccessDenied):
            services.placement_confirm(actor=member_user, placement=placement)
    services.placement_confirm(actor=None, placement=placement)
    placement.refresh_from_db()
    assert placement.status == PlacementStatus.CONFIRMED


@pytest.mark.django_db
def test_stale_run_after_pledges_changed_is_refused(
    office_user, contingent, django_capture_on_commit_callbacks
) -> None:
    run = _finished_run(office_user, contingent, django_capture_on_commit_callbacks)
    pledge = Pledge.objects.filter(is_demo=True).order_by("pk").first()
    Pledge.objects.filter(pk=pledge.pk).update(places_housing=pledge.places_housing + 1)
    with pytest.raises(ValidationError, match=r"changed|geändert"):
        services.run_approve(actor=office_user, run=run, confirmed=True)
    assert not Placement.objects.filter(run__contingent=contingent).exists()


@pytest.mark.django_db
def test_approval_page_needs_the_typed_number(client: Client, office_user, contingent) -> None:
    run = AllocationRun.objects.create(contingent=contingent, method="greedy")
    client.force_login(office_user)
    response = client.post(
        reverse("run-approve", kwargs={"pk": run.pk}), {"confirm": "on", "number": run.pk + 1}
    )
    assert response.status_code == 200
    assert "number" in response.context["form"].errors
    response = client.post(
        reverse("run-approve", kwargs={"pk": run.pk}), {"confirm": "on", "number": run.pk}
    )
    assert response.status_code == 200  # not finished: refused at the form, nothing written
    assert not Placement.objects.filter(run__contingent=contingent).exists()


def test_two_approvals_at_once_never_over_commit_a_pledge(tmp_path) -> None:
    """Two contingents whose households each fill one member's only pledge, approved at the
    same moment from two threads: exactly one approval succeeds, the pledge is not exceeded.
    On the database the suite runs on (a SQLite file, or a fresh PostgreSQL database), in a
    process of its own with the real background worker (see the module)."""
    command = [sys.executable, "-m", "tests.admission.concurrent_approval", str(tmp_path)]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        command.append(os.environ["DATABASE_URL"])
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["outcomes"] == ["approved", "refused"]
    assert answer["placed"] == 4


def test_approval_page_counts_only_receiving_members() -> None:
    from hafennetz.admission.selectors import MemberUse, RunSummary

    def use(ags: str, households: int) -> MemberUse:
        return MemberUse(
            ags=ags, name=ags, persons=households, households=households, target=None, usage=[]
        )

    summary = RunSummary(
        placed_households=3,
        placed_persons=3,
        unplaced=[],
        members=[use("1", 2), use("2", 0), use("3", 1), use("4", 0)],
        hard_needs_met=0,
        hard_needs_total=0,
        score={},
        reproducible=True,
    )
    assert summary.receiving_members == 2
