"""Allocation runs: started by the office, executed by the django-tasks database worker,
progress stored, cancellable, and reproducible from the stored input, seed and budget."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from hafennetz.admission import selectors, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import AllocationRun, Contingent, Household, RunStatus
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.core.access import AccessDenied
from hafennetz.engines.allocation.control import Budget
from hafennetz.engines.allocation.engine import allocate
from hafennetz.engines.allocation.model import Method
from hafennetz.engines.allocation.serialize import instance_from_dict

pytestmark = pytest.mark.django_db


@pytest.fixture
def contingent() -> Contingent:
    seed_demo_admission()
    return demo_contingent()


def _work_off_the_queue() -> None:
    """Run the queued allocation tasks here, in the test's transaction (the db_worker closes
    its connection after each task, which a test transaction cannot survive; the worker itself
    runs in test_approval.py's concurrency test, in a process of its own)."""
    for run in AllocationRun.objects.filter(status=RunStatus.QUEUED):
        execute_allocation_run.call(run.pk)


def _start(office_user, contingent, capture, **options) -> AllocationRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return services.run_start(
            actor=office_user,
            contingent=contingent,
            **({"method": "greedy", "seed": 3, "work": 1.0} | options),
        )


def test_run_executes_in_the_worker_and_is_reproducible(
    office_user, contingent, django_capture_on_commit_callbacks
) -> None:
    run = _start(office_user, contingent, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.task_id
    _work_off_the_queue()
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    summary = selectors.run_summary(run)
    assert summary is not None and summary.placed_households > 0
    assert summary.reproducible
    # Re-run from the stored input, seed and budget: the identical assignment.
    again = allocate(
        instance_from_dict(run.input_snapshot),
        method=Method.GREEDY,
        seed=3,
        budget=Budget(work=1.0, time_cap=60.0),
    )
    assert [[c, a] for c, a in again.assignment.items()] == run.result["assignment"]
    assert again.input_fingerprint == run.input_fingerprint


def test_cancel_a_waiting_run_and_twice(
    office_user, contingent, django_capture_on_commit_callbacks
) -> None:
    run = _start(office_user, contingent, django_capture_on_commit_callbacks)
    services.run_cancel(actor=office_user, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.run_cancel(actor=office_user, run=run)
    _work_off_the_queue()  # the worker skips it
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and not run.result


def test_empty_contingent_and_other_roles_are_refused(
    office_user, member_user, contingent, django_capture_on_commit_callbacks
) -> None:
    empty = Contingent.objects.create(
        name="Leer",
        programme="other",
        persons=5,
        period_start=contingent.period_start,
        period_end=contingent.period_end,
        key="population",
    )
    with pytest.raises(ValidationError):
        _start(office_user, empty, django_capture_on_commit_callbacks)
    with pytest.raises(AccessDenied):
        _start(member_user, contingent, django_capture_on_commit_callbacks)
    assert not AllocationRun.objects.filter(contingent__in=[contingent, empty]).exists()


def test_run_pages(client: Client, office_user, contingent) -> None:
    client.force_login(office_user)
    response = client.post(
        reverse("run-start", kwargs={"pk": contingent.pk}),
        {"method": "quota", "use_key": "on", "key_weight": "1", "seed": "0", "work": "1"},
    )
    assert response.status_code == 302
    run = AllocationRun.objects.get(contingent=contingent)
    page = client.get(reverse("run-detail", kwargs={"pk": run.pk}))
    assert page.status_code == 200
    progress = client.get(reverse("run-progress", kwargs={"pk": run.pk})).json()
    assert progress["status"] in {"queued", "running", "succeeded"}
    bad = client.post(
        reverse("run-start", kwargs={"pk": contingent.pk}),
        {"method": "magic", "key_weight": "nan", "seed": "-1", "work": "1e9"},
    )
    assert bad.status_code == 200
    assert {"method", "key_weight", "seed", "work"} <= set(bad.context["form"].errors)
    assert Household.objects.filter(contingent=contingent).exists()
    # A finished run shows its status, not the engine's last (English) phase word.
    AllocationRun.objects.filter(pk=run.pk).update(status="succeeded", phase="done")
    finished = client.get(reverse("run-detail", kwargs={"pk": run.pk})).content.decode()
    assert " · done" not in finished
    assert 'data-best-label="bester Wert"' in finished
