"""Disclosure control (ADR 0040), attacked the way an outsider or a member would attack it.

For every round and every filter combination (state x size class, plus the topic filter) the
test reads what the dashboard shows to an anonymous visitor (public) and to member staff, and
writes down each shown number with the set of members behind it (from the database). Then it
tries to isolate a member's hidden value:

* every difference of two shown cells where one contains the other, and every shown cell minus
  shown parts of it;
* every linear combination of shown cells at all (rank test over the members' values),

for an outsider (knows nothing), for member staff (knows the shared answers and its own), for a
member alone with one other non-shared member in a cell, and for a state coordination (knows
every report of its state). It runs on the demo data and on a generated national data set.
On the old rule (cells of fewer than 3 hidden, totals over the shown cells) it finds leaks at
once: a state's total minus its shown size classes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from hafennetz.core.disclosure import (
    ALL,
    Contribution,
    Contributors,
    is_sensitive,
    protect,
    table_keys,
)
from hafennetz.core.models import Municipality, State
from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    Questionnaire,
    ReportStatus,
    SituationReport,
    SizeClass,
    SurveyRound,
    Topic,
)
from hafennetz.situation.selectors import Filters, dashboard

pytestmark = pytest.mark.django_db

SIZES = list(SizeClass.values)


@dataclass(frozen=True)
class Contributor:
    member: int
    state: str
    size: int
    shared: bool
    value: int


Family = tuple[int, str, int]  # round id, "topic"/"figure", topic or figure id
Key = tuple[str, Any]


def _contributors(survey_round: SurveyRound) -> dict[Family, list[Contributor]]:
    """What stands behind every published figure: the counted answers and figure values."""
    families: dict[Family, list[Contributor]] = {}
    for row in Answer.objects.filter(
        round=survey_round, counted=True, strain__isnull=False
    ).values_list("topic_id", "member_id", "state_id", "size_class", "shared", "strain"):
        topic, *rest = row
        families.setdefault((survey_round.pk, "topic", topic), []).append(Contributor(*rest))
    for row in FigureValue.objects.filter(round=survey_round, counted=True).values_list(
        "figure_id", "member_id", "state_id", "size_class", "shared", "value"
    ):
        figure, *rest = row
        families.setdefault((survey_round.pk, "figure", figure), []).append(Contributor(*rest))
    return families


def _shown(viewer: Any, public: bool) -> dict[tuple[Family, Key], float]:
    """Every number the dashboards show for every round and filter: (family, cell) -> sum.
    Means are turned back into sums with the cell's count (the page shows it too)."""
    shown: dict[tuple[Family, Key], float] = {}
    trend: dict[tuple[int, str, Key], float] = {}
    states = [None, *State.objects.order_by("ags").values_list("ags", flat=True)]
    rounds = {r.number: r for r in SurveyRound.objects.all()}
    for survey_round in rounds.values():
        for state in states:
            for size in [None, *SIZES]:
                board = dashboard(
                    survey_round=survey_round,
                    filters=Filters(state=state, size_class=size),
                    viewer=viewer,
                    public=public,
                    with_points=False,
                )
                whole = (state or ALL, size or ALL)
                for topic in board.topics:
                    family = (survey_round.pk, "topic", topic.pk)
                    cells = [
                        ((s.ags, size or ALL), board.cells[(topic.pk, s.ags)])
                        for s in board.states
                        if (topic.pk, s.ags) in board.cells
                    ]
                    if topic.pk in board.topic_totals:
                        cells.append((whole, board.topic_totals[topic.pk]))
                    for key, cell in cells:
                        if cell.n and not cell.suppressed:
                            assert cell.mean is not None
                            shown[(family, key)] = cell.total
                            shown[((survey_round.pk, "high", topic.pk), key)] = cell.high
                    for series in board.trend:
                        for number, mean in zip(board.trend_rounds, series["means"], strict=True):
                            if mean is not None:
                                trend[(number, series["code"], whole)] = mean
                for row in board.figures:
                    key = (row["state"].ags if row["state"] else ALL, size or ALL)
                    for figure, cell in zip(board.figure_defs, row["cells"], strict=True):
                        if cell["total"] is not None:
                            shown[((survey_round.pk, "figure", figure.pk), key)] = cell["total"]
    # The trend shows nothing a round's own dashboard hides.
    codes = dict(Topic.objects.values_list("code", "pk"))
    for number, code, key in trend:
        family = (rounds[number].pk, "topic", codes[code])
        assert (family, key) in shown, f"trend shows a hidden cell {number} {code} {key}"
    return shown


def _members_of(contributors: list[Contributor], key: Key) -> frozenset[Contributor]:
    state, size = key
    return frozenset(c for c in contributors if state in (ALL, c.state) and size in (ALL, c.size))


def _attackers(contributors: list[Contributor]) -> list[tuple[str, frozenset[int]]]:
    """Knowledge to attack with: outsider, member staff (shared answers), member staff that
    is one of 1 or 2 non-shared contributors of its cell (members of a cell are symmetric, so
    one per cell; with 3 or more the member's own value leaves 2 unknown), state coordination
    (every report of its state)."""
    shared = frozenset(c.member for c in contributors if c.shared)
    attackers = [("outsider", frozenset()), ("member", shared)]
    private: dict[tuple[str, int], list[int]] = {}
    for c in contributors:
        if not c.shared:
            private.setdefault((c.state, c.size), []).append(c.member)
    for members in private.values():
        if len(members) <= 2:
            attackers.append((f"member {members[0]}", shared | {members[0]}))
    for state in sorted({c.state for c in contributors}):
        attackers.append(
            (f"state {state}", shared | {c.member for c in contributors if c.state == state})
        )
    return attackers


def _isolated(rest: frozenset[Contributor]) -> list[tuple[str, int]]:
    """Who can isolate a member from the difference `rest` (a set of members whose sum is
    known): an outsider if it has one member; member staff if one non-shared member is left
    after removing the shared ones and possibly its own; a state coordination if one non-shared
    member lies outside its state."""
    found = []
    if len(rest) == 1:
        found.append(("outsider", next(iter(rest)).member))
    private = [c for c in rest if not c.shared]
    if len(private) == 1:
        found.append(("member", private[0].member))
    if len(private) == 2:
        found.append((f"member {private[0].member}", private[1].member))
    states: dict[str, list[Contributor]] = {}
    for c in private:
        states.setdefault(c.state, []).append(c)
    if len(private) > 1:
        for state, inside in states.items():
            if len(private) - len(inside) == 1:
                outside = next(c for c in private if c.state != state)
                found.append((f"state {state}", outside.member))
    return found


def _leaks(
    contributors: list[Contributor], shown_keys: Iterable[Key]
) -> list[tuple[str, int, str]]:
    """(attacker, member, how) for every member value an attacker can isolate."""
    sets = {key: _members_of(contributors, key) for key in shown_keys}
    sets = {k: v for k, v in sets.items() if v}
    leaks = []
    # 1. Differences: a shown cell minus a shown part of it, minus all its disjoint shown parts.
    for big_key, big in sets.items():
        parts = [(k, s) for k, s in sets.items() if s < big]
        combined: set[Contributor] = set()
        for _k, part in sorted(parts, key=lambda p: -len(p[1])):
            if not (part & combined):
                combined |= part
        differences = [(f"{big_key} - {k}", big - s) for k, s in parts]
        differences.append((f"{big_key} - its shown parts", big - combined))
        for how, rest in differences:
            leaks += [(name, member, how) for name, member in _isolated(rest)]
    # 2. Any linear combination: members of one inner cell are interchangeable, so variables are
    # the inner cells; a member is isolated iff it is the only unknown one of its cell and the
    # cell's indicator lies in the row space of the shown cells (with known cells removed).
    cells = sorted({(c.state, c.size) for c in contributors})
    index = {cell: i for i, cell in enumerate(cells)}
    shown = np.zeros((len(sets), len(cells)))
    for row, members in enumerate(sets.values()):
        for c in members:
            shown[row, index[(c.state, c.size)]] = 1.0
    for name, known in _attackers(contributors):
        unknown = {cell: [] for cell in cells}  # type: dict[tuple[str, int], list[int]]
        for c in contributors:
            if c.member not in known:
                unknown[(c.state, c.size)].append(c.member)
        variables = [i for i, cell in enumerate(cells) if unknown[cell]]
        if not any(len(unknown[cells[i]]) == 1 for i in variables):
            continue
        matrix = shown[:, variables]
        matrix = matrix[matrix.any(axis=1)]
        if matrix.size:
            _u, s, vt = np.linalg.svd(matrix)
            null = vt[int((s > 1e-9).sum()) :].T
        else:
            null = np.eye(len(variables))
        for j, i in enumerate(variables):
            members = unknown[cells[i]]
            if len(members) == 1 and np.abs(null[j]).max(initial=0.0) < 1e-8:
                leaks.append((name, members[0], f"linear combination for {cells[i]}"))
    return leaks


def _attack_everything() -> None:
    public = _shown(AnonymousUser(), public=True)
    from django.contrib.auth import get_user_model

    member = get_user_model().objects.get(username="kommune@demo.hafennetz.example")
    logged_in = _shown(member, public=False)
    # One pattern for everyone but the office: the public page shows the same cells.
    assert public == logged_in
    leaks = []
    for survey_round in SurveyRound.objects.all():
        for family, contributors in _contributors(survey_round).items():
            keys = [key for (fam, key) in public if fam == family]
            for key in keys:  # the dashboards show true sums, of no sensitive cell
                members = _members_of(contributors, key)
                assert public[(family, key)] == sum(c.value for c in members), (family, key)
                everyone = Contributors.of(c.value for c in members)
                private = Contributors.of(c.value for c in members if not c.shared)
                assert not is_sensitive(everyone), ("shown sensitive cell", family, key)
                assert not is_sensitive(private), ("shown sensitive cell", family, key)
            leaks += [(family, *leak) for leak in _leaks(contributors, keys)]
    assert not leaks, f"{len(leaks)} hidden values derivable, e.g. {leaks[:5]}"


def test_no_hidden_value_derivable_on_the_demo_data() -> None:
    _attack_everything()


def _national_round(rng: random.Random) -> SurveyRound:
    """~500 reporting members across every state and size class (thin in small states and
    big size classes), shares ~45 %, figures with a few dominant values."""
    taken = set(Member.objects.values_list("municipality_id", flat=True))
    per_state = {"11": 1, "02": 1, "04": 2, "10": 8, "12": 12, "13": 10, "01": 20, "05": 90}
    new = []
    for state in State.objects.order_by("ags"):
        wanted = per_state.get(state.ags, 30)
        towns = list(
            Municipality.objects.filter(state=state)
            .exclude(ags__in=taken)
            .order_by("-population")[: wanted * 3]
        )
        rng.shuffle(towns)
        # keep the big cities in, so size classes 3 and 4 are thin but not empty
        towns = sorted(towns[:wanted], key=lambda m: -m.population)
        new += [
            Member(
                municipality=m,
                state_id=state.ags,
                name=m.name,
                joined_on=dt.date(2021, 5, 1),
            )
            for m in towns
        ]
    Member.objects.bulk_create(new)
    today = timezone.localdate()
    survey_round = services.round_open(
        actor=None,
        title="Bundesweite Testrunde",
        questionnaire=Questionnaire.objects.get(version=1),
        opens_on=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=2),
    )
    topics = list(Topic.objects.all())
    figures = list(KeyFigure.objects.filter(questionnaire__version=1))
    reports = []
    for member in Member.objects.alliance().select_related("municipality", "district"):
        if rng.random() < 0.1:
            continue
        reports.append(
            SituationReport(
                round=survey_round,
                member=member,
                status=ReportStatus.SUBMITTED,
                submitted_at=timezone.now(),
                share_with_members=rng.random() < 0.45,
                state_id=member.state_id,
                size_class=member.size_class,
            )
        )
    SituationReport.objects.bulk_create(reports)
    answers, values = [], []
    for report in reports:
        keys = {
            "round_id": survey_round.pk,
            "member_id": report.member_id,
            "state_id": report.state_id,
            "size_class": report.size_class,
            "counted": True,
            "shared": report.share_with_members,
        }
        answers += [
            Answer(report=report, topic=t, strain=rng.randint(1, 4), **keys) for t in topics
        ]
        for figure in figures:
            if rng.random() < 0.1:
                continue
            value = rng.randint(0, 200) if rng.random() > 0.03 else rng.randint(5_000, 20_000)
            values.append(FigureValue(report=report, figure=figure, value=value, **keys))
    Answer.objects.bulk_create(answers)
    FigureValue.objects.bulk_create(values)
    services.tallies_rebuild(round_ids=[survey_round.pk])
    return survey_round


def test_no_hidden_value_derivable_on_a_national_data_set() -> None:
    # Only the generated round: the demo rounds are attacked in the test above.
    SurveyRound.objects.filter(is_demo=True).update(number=models_offset())
    _national_round(random.Random(7))
    _attack_everything()


def models_offset() -> Any:
    from django.db.models import F

    return F("number") + 1000


# --- the pure function -------------------------------------------------------------------------


def test_primary_rule() -> None:
    assert not is_sensitive(Contributors())
    assert is_sensitive(Contributors.of([5]))
    assert is_sensitive(Contributors.of([5, 7]))
    assert not is_sensitive(Contributors.of([5, 7, 6]))
    # p %-rule: the rest (1) is less than 10 % of the largest (100): dominated.
    assert is_sensitive(Contributors.of([100, 50, 1]))
    assert not is_sensitive(Contributors.of([100, 50, 20]))
    assert not is_sensitive(Contributors.same(4, 3))


def _random_table(rng: random.Random, rows: int, cols: int) -> dict[Key, Contribution]:
    cells = {}
    for r in range(rows):
        for c in range(cols):
            n = rng.choice([0, 0, 1, 1, 2, 3, 4, 8, 20])
            pairs = [(rng.randint(1, 4), rng.random() < 0.4) for _ in range(n)]
            if pairs:
                cells[(f"r{r}", c)] = Contribution.of(pairs)
    return cells


@pytest.mark.parametrize("seed", range(12))
def test_pattern_holds_against_every_linear_combination(seed: int) -> None:
    """Random small tables: rebuild members from the cells and attack the shown cells."""
    rng = random.Random(seed)
    rows, cols = [f"r{r}" for r in range(rng.randint(2, 6))], list(range(rng.randint(2, 4)))
    table = _random_table(rng, len(rows), len(cols))
    hidden = protect(table, rows, cols)
    contributors, member = [], 0
    for (r, c), contribution in table.items():
        private, everyone = contribution.private.n, contribution.everyone.n
        for i in range(everyone):
            member += 1
            contributors.append(Contributor(member, r, c, i >= private, 1))
    shown = [k for k in table_keys(rows, cols) if k not in hidden]
    assert not _leaks(contributors, shown)
    # Every primary-sensitive inner cell is hidden.
    for key, contribution in table.items():
        if is_sensitive(contribution.everyone) or is_sensitive(contribution.private):
            assert key in hidden
