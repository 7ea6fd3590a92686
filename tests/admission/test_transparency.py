"""The public transparency page of a contingent: figures after approval, under the Lagebild's
disclosure control (ADR 0040) — no case number, and no hidden cell can be computed from the
shown ones (differences or any linear combination), for an outsider, a state coordination and
a receiving member that knows its own households."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.admission import selectors, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import Contingent, Household, Placement, RunStatus
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.core.disclosure import ALL, Contributors, is_sensitive, table_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def contingent(office_user, django_capture_on_commit_callbacks) -> Contingent:  # type: ignore[no-untyped-def]
    seed_demo_admission()
    contingent = demo_contingent()
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_start(
            actor=office_user, contingent=contingent, method="greedy", seed=2, work=1.0
        )
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return contingent


def _approve(office_user, contingent) -> None:  # type: ignore[no-untyped-def]
    run = contingent.runs.get()
    services.run_approve(actor=office_user, run=run, confirmed=True)


def test_public_only_after_approval(client: Client, office_user, contingent) -> None:
    page = reverse("transparency", kwargs={"pk": contingent.pk})
    assert client.get(page).status_code == 404
    assert contingent.name not in client.get(reverse("transparency-list")).content.decode()
    _approve(office_user, contingent)
    listing = client.get(reverse("transparency-list"))
    assert listing.status_code == 200 and contingent.name in listing.content.decode()
    response = client.get(page)  # anonymous
    assert response.status_code == 200
    text = response.content.decode()
    run = contingent.runs.get()
    for needle in (run.engine_version, run.input_fingerprint, "reproduzierbar"):
        assert needle in text, needle
    # No case number anywhere on the page.
    for case_id in Household.objects.filter(contingent=contingent).values_list(
        "case_id", flat=True
    ):
        assert not re.search(rf"(?<![\w./-]){re.escape(case_id)}(?![\w./-])", text), case_id
    assert client.post(page).status_code == 405


def _derivable(shown: list[np.ndarray], target: np.ndarray) -> bool:
    if not shown:
        return False
    matrix = np.array(shown, dtype=float)
    rank = np.linalg.matrix_rank(matrix)
    return bool(np.linalg.matrix_rank(np.vstack([matrix, target])) == rank)


def test_no_hidden_cell_is_derivable(office_user, contingent) -> None:
    _approve(office_user, contingent)
    page = selectors.transparency(contingent)
    placements = list(Placement.objects.filter(run__contingent=contingent).select_related("member"))
    states, sizes = page.state_ids, [1, 2, 3, 4]
    inner = [(s, c) for s in states for c in sizes]
    households: dict[tuple[str, int], list[float]] = {key: [] for key in inner}
    receiving: dict[tuple[str, int], list[int]] = {key: [] for key in inner}
    for p in placements:
        households[(p.member.state_id, int(p.member.size_class))].append(float(p.persons))
        receiving[(p.member.state_id, int(p.member.size_class))].append(p.member_id)
    # What the page shows, cell by cell (the rows hold the size classes, then the total).
    keys = table_keys(states, sizes)
    shown_keys = []
    for r, state in enumerate([*states, ALL]):
        for c, size in enumerate([*sizes, ALL]):
            cell = page.rows[r].cells[c]
            if cell.placed is not None:
                shown_keys.append((state, size))
                expected = sum(
                    sum(households[(s, z)])
                    for s, z in inner
                    if state in (ALL, s) and size in (ALL, z)
                )
                assert cell.placed == expected
    assert page.hidden_cells == len(keys) - len(shown_keys) - sum(
        1 for k in keys if k not in shown_keys and not _members(k, inner, households)
    )

    def mask(key) -> np.ndarray:  # type: ignore[no-untyped-def]
        return np.array([1.0 if k in _cells_of(key, inner) else 0.0 for k in inner])

    empty = {i for i, k in enumerate(inner) if not households[k]}
    # (name, cells known as a whole, the member whose own households are known)
    attackers: list[tuple[str, set[int], int | None]] = [("outsider", empty, None)]
    for s in states:  # a state coordination sees every placement of its state
        attackers.append(
            (f"state {s}", empty | {i for i, k in enumerate(inner) if k[0] == s}, None)
        )
    for m in {p.member_id for p in placements}:  # a receiving member knows its own households
        alone = {i for i, k in enumerate(inner) if households[k] and set(receiving[k]) == {m}}
        attackers.append((f"member {m}", empty | alone, m))
    for name, known, own in attackers:
        unknown = [i for i in range(len(inner)) if i not in known]
        if not unknown:
            continue
        shown = [mask(k)[unknown] for k in shown_keys]
        shown = [row for row in shown if row.any()]
        for key in keys:
            part = [i for i in unknown if mask(key)[i]]
            values = [
                v
                for i in part
                for v, m in zip(households[inner[i]], receiving[inner[i]], strict=True)
                if m != own
            ]
            if not values:
                continue
            if own is None:
                sensitive = is_sensitive(Contributors.of(values))
            else:  # a member isolates another when only that one's households are left
                others = {m for i in part for m in receiving[inner[i]] if m != own}
                sensitive = len(others) == 1
            if not sensitive:
                continue
            target = np.array([1.0 if i in part else 0.0 for i in unknown])
            assert not _derivable(shown, target), (name, key)
    # Hidden cells exist on the demo data (small cells), and the grand total is shown.
    assert page.hidden_cells > 0 and page.placed_persons == sum(p.persons for p in placements)


def _cells_of(key, inner):  # type: ignore[no-untyped-def]
    state, size = key
    return {k for k in inner if state in (ALL, k[0]) and size in (ALL, k[1])}


def _members(key, inner, households) -> int:  # type: ignore[no-untyped-def]
    return sum(len(households[k]) for k in _cells_of(key, inner))
