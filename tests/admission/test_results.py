"""Results side by side: the office's results page (needs-based run beside the quota status
quo, per state and member, key comparison, households with why this member), the PDF decision
report and the member's extract read back with pypdf, the state coordination's aggregates under
disclosure control; every view of household data is logged; bad ids never give a 500."""

from __future__ import annotations

import io
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from hafennetz.admission import comparison, services
from hafennetz.admission.demo import demo_contingent, seed_demo_admission
from hafennetz.admission.models import AllocationRun, Placement, RunStatus
from hafennetz.admission.tasks import execute_allocation_run
from hafennetz.core.models import AuditEntry
from hafennetz.members.models import StateCoordination


def _run(office_user, contingent, capture, method: str = "greedy") -> AllocationRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        run = services.run_start(
            actor=office_user, contingent=contingent, method=method, seed=3, work=1.0
        )
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


@pytest.fixture
def finished(db, office_user, django_capture_on_commit_callbacks) -> AllocationRun:  # type: ignore[no-untyped-def]
    seed_demo_admission()
    return _run(office_user, demo_contingent(), django_capture_on_commit_callbacks)


@pytest.fixture
def approved(finished: AllocationRun, office_user) -> AllocationRun:  # type: ignore[no-untyped-def]
    services.run_approve(actor=office_user, run=finished, confirmed=True)
    finished.refresh_from_db()
    return finished


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_comparison_with_the_status_quo_on_the_same_households(approved: AllocationRun) -> None:
    found = comparison.results(approved)
    assert found is not None and found.quota_outcome is not None
    run_out, quota_out = found.run_outcome, found.quota_outcome
    households = len(approved.input_snapshot["households"])
    assert run_out.placed_households + run_out.unplaced_households == households
    assert quota_out.placed_households + quota_out.unplaced_households == households
    # The needs-based run never places a hard need where it is not offered; the status quo may.
    hard = {r.label: r for r in found.needs}[comparison.need_categories()[1][1]]
    assert hard.run.total == hard.quota.total
    placed_hard = sum(
        1
        for h in approved.result["households"]
        if h.get("ags") and set(h["flags_unmet"]) & {"barrier_free", "dialysis", "trauma_therapy"}
    )
    assert placed_hard == 0
    assert run_out.needs["all"].met >= quota_out.needs["all"].met
    # Per member and state the persons add up; targets add up to the persons placed.
    assert sum(m.persons for m in run_out.members.values()) == run_out.placed_persons
    assert sum(s.persons for s in run_out.states.values()) == run_out.placed_persons
    assert abs(sum(m.target for m in run_out.members.values()) - run_out.placed_persons) < 1e-6
    # Key comparison: every key's targets sum to the contingent's persons.
    for index in range(len(found.key_kinds)):
        assert sum(r.targets[index] for r in found.key_rows) == approved.contingent.persons
    assert sum(r.run for r in found.key_rows) == run_out.placed_persons
    # The quota comparison is deterministic (computed again without the cache: the same).
    cache.clear()
    again = comparison.results(approved)
    assert again is not None and again.quota_outcome is not None
    assert again.quota_outcome.members.keys() == quota_out.members.keys()
    assert [m.persons for m in again.quota_outcome.members.values()] == [
        m.persons for m in quota_out.members.values()
    ]


@pytest.mark.django_db
def test_stored_quota_run_is_used_when_it_has_the_same_input(
    finished: AllocationRun, office_user, django_capture_on_commit_callbacks
) -> None:  # fmt: skip
    computed = comparison.results(finished)
    assert computed is not None and computed.quota_run_id is None
    quota = _run(office_user, finished.contingent, django_capture_on_commit_callbacks, "quota")
    assert quota.input_fingerprint == finished.input_fingerprint
    found = comparison.results(finished)
    assert found is not None and found.quota_run_id == quota.pk
    assert found.quota_outcome is not None and computed.quota_outcome is not None
    # The same households either way.
    assert (
        found.quota_outcome.placed_households + found.quota_outcome.unplaced_households
        == computed.quota_outcome.placed_households + computed.quota_outcome.unplaced_households
    )
    quota_results = comparison.results(quota)
    assert quota_results is not None and quota_results.is_quota
    assert quota_results.quota_outcome is None


@pytest.mark.django_db
def test_results_page_shows_everything_and_logs_the_view(
    client: Client, office_user, approved: AllocationRun
) -> None:  # fmt: skip
    client.force_login(office_user)
    before = AuditEntry.objects.filter(action="household.view").count()
    page = client.get(reverse("run-results", args=[approved.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    for anchor in (
        'id="needs-table"',
        'id="states-table"',
        'id="members-table"',
        'id="key-states-table"',
        'id="households-table"',
        'id="results-chart"',
        'id="results-map"',
        'id="placement-map"',
    ):
        assert anchor in html, anchor
    first = approved.result["households"][0]["case_id"]
    assert first in html
    assert AuditEntry.objects.filter(action="household.view").count() == before + 1
    # Filters and pages: hostile values never fail.
    for query in (
        "?page=999999999999999999999",
        "?page=-1",
        "?page=%C2%B2",
        "?show=<script>",
        "?member=../../etc",
        "?q=" + "x" * 5000,
        "?show=unplaced&page=2",
        f"?member={approved.result['households'][0].get('ags') or ''}&q={first}",
    ):
        answer = client.get(reverse("run-results", args=[approved.pk]) + query)
        assert answer.status_code == 200, query
    assert client.get(reverse("run-results", args=[10**12])).status_code == 404


@pytest.mark.django_db
def test_results_page_query_count(
    client: Client, office_user, approved: AllocationRun, django_assert_max_num_queries
) -> None:  # fmt: skip
    client.force_login(office_user)
    client.get(reverse("run-results", args=[approved.pk]))  # warm the role cache of the session
    with django_assert_max_num_queries(20):
        assert client.get(reverse("run-results", args=[approved.pk])).status_code == 200


@pytest.mark.django_db
def test_decision_report_and_extract_read_back(
    client: Client, office_user, approved: AllocationRun
) -> None:  # fmt: skip
    client.force_login(office_user)
    answer = client.get(reverse("contingent-report", args=[approved.contingent.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    text = _pdf_text(answer.content)
    for needle in (
        approved.contingent.name[:20],
        str(approved.seed),
        approved.engine_version,
        approved.input_fingerprint[:16],
        "Status quo",
    ):
        assert needle in text.replace("\n", ""), needle
    placement = Placement.objects.filter(run=approved).select_related("member", "household")[0]
    member = placement.member
    extract = client.get(reverse("run-extract-pdf", args=[approved.pk, member.ags]))
    assert extract.status_code == 200
    extract_text = _pdf_text(extract.content)
    assert placement.household.case_id in extract_text
    others = Placement.objects.filter(run=approved).exclude(member=member)
    assert all(p.household.case_id not in extract_text for p in others)
    assert any(
        "extract (PDF)" in str(e.after.get("viewed"))
        for e in AuditEntry.objects.filter(action="household.view")
    )


@pytest.mark.django_db
def test_member_sees_only_its_own_extract_after_approval(
    client: Client, member_user, own_member, finished: AllocationRun, office_user,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    # Before approval no member sees anything of a run.
    draft = _run(office_user, finished.contingent, django_capture_on_commit_callbacks)
    services.run_approve(actor=office_user, run=finished, confirmed=True)
    approved = finished
    client.force_login(member_user)
    own = client.get(reverse("run-extract", args=[approved.pk, own_member.ags]))
    assert own.status_code == 200
    mine = set(
        Placement.objects.filter(run=approved, member=own_member).values_list(
            "household__case_id", flat=True
        )
    )
    html = own.content.decode()
    assert all(case in html for case in mine)
    other = Placement.objects.filter(run=approved).exclude(member=own_member).first()
    assert other is not None
    assert other.household.case_id not in html
    refused = client.get(reverse("run-extract", args=[approved.pk, other.member.ags]))
    assert refused.status_code == 403
    assert client.get(reverse("run-results", args=[approved.pk])).status_code == 403
    report = reverse("contingent-report", args=[approved.contingent.pk])
    assert client.get(report).status_code == 403
    assert client.get(reverse("run-extract", args=[draft.pk, own_member.ags])).status_code == 404
    for bad in ("99999999", "x" * 300, "0"):
        assert client.get(reverse("run-extract", args=[approved.pk, bad])).status_code == 404
    assert client.get(reverse("run-extract", args=[10**12, own_member.ags])).status_code == 404


@pytest.mark.django_db
def test_state_aggregates_under_disclosure_control(
    client: Client, approved: AllocationRun, state_coordinator, office_user
) -> None:  # fmt: skip
    placements = Placement.objects.filter(run=approved).select_related("member")
    state = StateCoordination.objects.current().get(state_id="01")
    client.force_login(state_coordinator)
    page = client.get(reverse("state-results", args=[state.state_id]))
    assert page.status_code == 200
    html = page.content.decode()
    # No household data at all.
    assert all(p.household.case_id not in html for p in placements)
    found = comparison.state_aggregates("01")
    for item in found:
        for row in item.rows:
            if row.households is not None:
                assert row.households >= 3
        shown = [r for r in item.rows if r.persons is not None]
        hidden = [r for r in item.rows if r.persons is None]
        # One hidden member alone could be computed from the total: never.
        assert len(hidden) != 1 or item.persons is None
        assert sum(r.persons or 0 for r in shown) <= (item.persons or 10**9)
    assert client.get(reverse("state-results", args=["05"])).status_code == 403
    assert client.get(reverse("state-results", args=["99"])).status_code == 404
    assert client.get(reverse("state-results", args=["x" * 500])).status_code == 404
    client.force_login(office_user)
    assert client.get(reverse("state-results", args=["05"])).status_code == 200


@pytest.mark.django_db
def test_public_map_shows_pledged_places_per_member(client: Client) -> None:
    from hafennetz.admission.selectors import pledged_places_by_ags

    pledged = pledged_places_by_ags()
    assert pledged, "the demo data has current pledges"
    page = client.get(reverse("home"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="pledges-table"' in html
    points = json.loads(html.split('id="member-points" type="application/json">')[1].split("<")[0])
    by_ags = {p["ags"]: p["pledged"] for p in points}
    for ags, places in pledged.items():
        if ags in by_ags:
            assert by_ags[ags] == places["housing"]
    total = sum(p["pledged"] for p in points)
    assert f"{total} " in html or f"{total:,}".replace(",", ".") in html
