"""Reads of the Lagebild. The dashboards aggregate in SQL, one grouped query per figure family,
over the strain tallies (levels per round, topic, state, size class) and the denormalised figure
and answer rows; Python only arranges the at most topics x states x rounds result rows. Cells of
the published tables are hidden for everyone but the coordination office by one
disclosure-control pattern per round and figure (ADR 0040), so no combination of filters and
no difference of shown numbers isolates a member's answer."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hafennetz.core.access import Visitor
from hafennetz.core.disclosure import ALL, Contribution, Contributors, protect
from hafennetz.core.models import State
from hafennetz.members.models import Member, SizeClass
from hafennetz.situation.access import sees_every_aggregate, visible_answers
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    Questionnaire,
    Reminder,
    ReportStatus,
    SituationReport,
    StrainLevel,
    StrainTally,
    SurveyRound,
    Topic,
)
from hafennetz.situation.services import (
    AnswerInput,
    FigureInput,
    latest_report,
    round_members,
)

# --- rounds, questionnaires --------------------------------------------------------------------


def rounds() -> QuerySet[SurveyRound]:
    return SurveyRound.objects.select_related("state", "questionnaire").order_by("-number")


def round_by_number(number: int) -> SurveyRound:
    survey_round = rounds().filter(number=number).first()
    if survey_round is None:
        raise Http404
    return survey_round


def public_round(today: dt.date | None = None) -> SurveyRound | None:
    """The round the public page shows: the nationwide round whose deadline passed last (by
    date, not by number: a round typed in later about an earlier period does not replace it)."""
    today = today or timezone.localdate()
    return (
        rounds()
        .filter(state__isnull=True, deadline__lt=today)
        .order_by("-deadline", "-number")
        .first()
    )


def questionnaires() -> QuerySet[Questionnaire]:
    return Questionnaire.objects.prefetch_related("topics").annotate(n_rounds=Count("rounds"))


def questionnaire_by_version(version: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(version=version).first()
    if questionnaire is None:
        raise Http404
    return questionnaire


def questionnaire_topics(questionnaire: Questionnaire) -> list[Topic]:
    return list(questionnaire.topics.order_by("order", "code"))


def questionnaire_figures(questionnaire: Questionnaire) -> list[KeyFigure]:
    return list(questionnaire.figures.select_related("topic", "not_above"))


def topics() -> QuerySet[Topic]:
    return Topic.objects.order_by("order", "code")


def topic_by_code(code: str) -> Topic:
    topic = Topic.objects.filter(code=code).first()
    if topic is None:
        raise Http404
    return topic


# --- a member's reports ------------------------------------------------------------------------


@dataclass
class MemberRoundStatus:
    round: SurveyRound
    report: SituationReport | None

    @property
    def is_open(self) -> bool:
        return self.round.opens_on <= timezone.localdate()


def member_rounds(member: Member) -> list[MemberRoundStatus]:
    """Rounds that ask this member, each with its latest report version."""
    asked = rounds().filter(Q(state__isnull=True) | Q(state_id=member.state_id))
    latest: dict[int, SituationReport] = {}
    for report in SituationReport.objects.filter(member=member).order_by("version"):
        latest[report.round_id] = report
    return [MemberRoundStatus(round=r, report=latest.get(r.pk)) for r in asked]


def report_versions(survey_round: SurveyRound, member: Member) -> list[SituationReport]:
    return list(
        SituationReport.objects.filter(round=survey_round, member=member)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-version")
    )


def report_with_rows(report: SituationReport) -> dict[str, Any]:
    """A report's answers and figure values, grouped by topic in questionnaire order."""
    questionnaire = report.round.questionnaire
    answers = {a.topic_id: a for a in report.answers.all()}
    values = {v.figure_id: v for v in report.figures.all()}
    figures = questionnaire_figures(questionnaire)
    groups = []
    for topic in questionnaire_topics(questionnaire):
        groups.append(
            {
                "topic": topic,
                "answer": answers.get(topic.pk),
                "figures": [(f, values.get(f.pk)) for f in figures if f.topic_id == topic.pk],
            }
        )
    return {"groups": groups}


def prefill_for(
    survey_round: SurveyRound, member: Member
) -> tuple[SituationReport | None, dict[str, AnswerInput], dict[str, FigureInput], bool]:
    """What the report form starts with: the open version of this round, else the member's last
    report of an earlier round (matched by topic and figure code; figures are not carried over
    when the questionnaire dropped them)."""
    source = latest_report(survey_round, member)
    origin = source
    if source is None:
        source = (
            SituationReport.objects.filter(
                member=member, is_current=True, round__number__lt=survey_round.number
            )
            .order_by("-round__number")
            .first()
        )
    if source is None:
        return None, {}, {}, False
    answers = {
        a.topic.code: AnswerInput(
            strain=a.strain, what_is_hard=a.what_is_hard, what_works=a.what_works
        )
        for a in source.answers.select_related("topic")
    }
    values = {
        v.figure.code: FigureInput(value=v.value, confirmed=v.confirmed_out_of_bounds)
        for v in source.figures.select_related("figure")
    }
    return origin, answers, values, source.share_with_members


# --- dashboards --------------------------------------------------------------------------------


@dataclass
class Cell:
    n: int = 0
    total: int = 0
    high: int = 0
    suppressed: bool = False

    @property
    def mean(self) -> float | None:
        return None if self.suppressed or not self.n else self.total / self.n

    @property
    def share_high(self) -> float | None:
        return None if self.suppressed or not self.n else self.high / self.n


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    size_class: int | None = None
    topic: str | None = None

    def key(self, state: str | None = None) -> tuple[str, int | str]:
        """The cell of the published table this filter shows for a state (None: the state of
        the filter, or all states)."""
        return (state or self.state or ALL, self.size_class or ALL)

    def apply(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        """Rows with copies of state and size class (reports, answers) for this filter."""
        if self.state:
            rows = rows.filter(state_id=self.state)
        if self.size_class:
            rows = rows.filter(size_class=self.size_class)
        return rows


SIZES: tuple[int, ...] = tuple(SizeClass.values)
_Inner = tuple[str, int]


@dataclass
class _Table:
    """One published figure of one round (a topic's strain levels, or a key figure) over the
    whole data set: its inner cells state x size class, and the disclosure-control pattern,
    computed once (lazily) for the whole table and shared by every filter and viewer."""

    states: tuple[str, ...] = ()
    sums: dict[_Inner, Cell] = field(default_factory=dict)
    contributions: dict[_Inner, Contribution] = field(default_factory=dict)
    _hidden: frozenset[tuple[Any, Any]] | None = None

    @property
    def hidden(self) -> frozenset[tuple[Any, Any]]:
        """The pattern, also kept in Django's cache by the table's content (a few hundred ms for
        the 14 tables of a round; a shared cache keeps them across processes and restarts)."""
        if self._hidden is None:
            content = repr((self.states, SIZES, sorted(self.contributions.items())))
            key = "disclosure:" + hashlib.sha256(content.encode()).hexdigest()
            stored = cache.get(key)
            if stored is None:
                stored = sorted(protect(self.contributions, self.states, SIZES), key=repr)
                cache.set(key, stored, timeout=60 * 60 * 24 * 30)
            self._hidden = frozenset(tuple(k) for k in stored)
        return self._hidden

    def cell(self, key: tuple[str, int | str], suppress: bool) -> Cell:
        state, size = key
        out = Cell()
        for (s, c), part in self.sums.items():
            if state in (ALL, s) and size in (ALL, c):
                out.n += part.n
                out.total += part.total
                out.high += part.high
        out.suppressed = suppress and bool(out.n) and key in self.hidden
        return out

    def add(self, inner: _Inner, shared: bool, cell: Cell, part: Contributors) -> None:
        total = self.sums.setdefault(inner, Cell())
        total.n += cell.n
        total.total += cell.total
        total.high += cell.high
        before = self.contributions.get(inner, Contribution(Contributors(), Contributors()))
        self.contributions[inner] = Contribution(
            everyone=before.everyone + part,
            private=before.private if shared else before.private + part,
        )


@dataclass
class _RoundTables:
    states: tuple[str, ...]
    strain: dict[int, _Table]  # per topic
    figures: dict[int, _Table] | None = None  # per key figure, read when first needed


# The tables of recent rounds, keyed by round and a fingerprint of its counted reports (how
# many, the last change, the highest id): the services change a report whenever they change
# what it counts, so an unchanged fingerprint means unchanged tables. Per process, bounded.
_ROUND_CACHE: OrderedDict[tuple[int, tuple[Any, ...]], _RoundTables] = OrderedDict()
_ROUND_CACHE_SIZE = 256


def _fingerprints(round_ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    rows = (
        SituationReport.objects.filter(
            round_id__in=round_ids, is_current=True, status=ReportStatus.SUBMITTED
        )
        .values("round_id")
        .annotate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
        .order_by()
    )
    found = {row["round_id"]: (row["n"], row["last"], row["top"]) for row in rows}
    return {round_id: found.get(round_id, (0, None, None)) for round_id in round_ids}


def _round_tables(round_ids: Sequence[int], states: Sequence[str]) -> dict[int, _RoundTables]:
    """Every round's strain tables (all topics), from the cache or in one grouped query over
    the tallies of the rounds whose reports changed."""
    fingerprints = _fingerprints(round_ids)
    result: dict[int, _RoundTables] = {}
    missing = []
    for round_id, fingerprint in fingerprints.items():
        cached = _ROUND_CACHE.get((round_id, fingerprint))
        if cached is not None and cached.states == tuple(states):
            _ROUND_CACHE.move_to_end((round_id, fingerprint))
            result[round_id] = cached
        else:
            missing.append(round_id)
    if missing:
        strain = _strain_tables(missing, states)
        for round_id in missing:
            tables = _RoundTables(states=tuple(states), strain=strain.get(round_id, {}))
            result[round_id] = tables
            _ROUND_CACHE[(round_id, fingerprints[round_id])] = tables
        while len(_ROUND_CACHE) > _ROUND_CACHE_SIZE:
            _ROUND_CACHE.popitem(last=False)
    return result


def _strain_tables(round_ids: Sequence[int], states: Sequence[str]) -> dict[int, dict[int, _Table]]:
    """Per round and topic, the strain table from the tallies (one grouped query)."""
    tables: dict[int, dict[int, _Table]] = {}
    rows = (
        StrainTally.objects.filter(round_id__in=round_ids, n__gt=0)
        .values("round_id", "topic_id", "state_id", "size_class", "shared")
        .annotate(
            members=Sum("n"),
            total=Sum(F("n") * F("strain")),
            high=Coalesce(Sum("n", filter=Q(strain__gte=3)), 0),
        )
        .order_by()
    )
    for row in rows:
        per_topic = tables.setdefault(row["round_id"], {})
        table = per_topic.setdefault(row["topic_id"], _Table(states=tuple(states)))
        # Strain levels are 1-4, so with 3 contributors the p%-rule never applies: counts and
        # sums are all the pattern needs.
        table.add(
            (row["state_id"], row["size_class"]),
            row["shared"],
            Cell(n=row["members"], total=row["total"], high=row["high"]),
            Contributors(n=row["members"], total=float(row["total"])),
        )
    return tables


def _figure_tables(survey_round: SurveyRound, states: Sequence[str]) -> dict[int, _Table]:
    """Per key figure of the round, the table of sums; the pattern needs the two largest values
    per cell (dominance), read with a window function."""
    values = FigureValue.objects.filter(counted=True, round=survey_round)
    groups = [F("figure_id"), F("state_id"), F("size_class"), F("shared")]
    tops: dict[tuple[int, _Inner, bool], list[float]] = {}
    ranked = values.annotate(
        rank=Window(RowNumber(), partition_by=groups, order_by=F("value").desc())
    ).filter(rank__lte=2)
    for figure_id, state, size, shared, value in ranked.values_list(
        "figure_id", "state_id", "size_class", "shared", "value"
    ):
        tops.setdefault((figure_id, (state, size), shared), []).append(float(value))
    tables: dict[int, _Table] = {}
    for row in (
        values.values("figure_id", "state_id", "size_class", "shared")
        .annotate(n=Count("id"), total=Sum("value"))
        .order_by()
    ):
        inner = (row["state_id"], row["size_class"])
        top = sorted(tops.get((row["figure_id"], inner, row["shared"]), []), reverse=True)
        tables.setdefault(row["figure_id"], _Table(states=tuple(states))).add(
            inner,
            row["shared"],
            Cell(n=row["n"], total=row["total"]),
            Contributors(n=row["n"], total=float(row["total"]), top=tuple(top[:2])),
        )
    return tables


@dataclass
class Dashboard:
    survey_round: SurveyRound
    filters: Filters
    topics: list[Topic]
    states: list[State]
    suppress: bool
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    topic_totals: dict[int, Cell] = field(default_factory=dict)
    trend: list[dict[str, Any]] = field(default_factory=list)
    trend_rounds: list[int] = field(default_factory=list)
    # The rounds' names for the trend chart ("Lagebild Frühjahr 2026", not "#4").
    trend_labels: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    figure_defs: list[KeyFigure] = field(default_factory=list)
    points: list[dict[str, Any]] = field(default_factory=list)
    map_topic: Topic | None = None
    reports: int = 0

    @property
    def levels(self) -> list[tuple[int, str]]:
        return [(v, str(label)) for v, label in StrainLevel.choices]

    def heatmap_rows(self) -> list[dict[str, Any]]:
        return [
            {"state": s, "cells": [self.cells.get((t.pk, s.ags), Cell()) for t in self.topics]}
            for s in self.states
        ]

    def topic_rows(self) -> list[dict[str, Any]]:
        return [{"topic": t, "cell": self.topic_totals.get(t.pk, Cell())} for t in self.topics]

    def choropleth(self) -> dict[str, float | None]:
        """Mean strain per state on the map topic (None: no data or suppressed)."""
        if self.map_topic is None:
            return {}
        return {s.ags: self.cells.get((self.map_topic.pk, s.ags), Cell()).mean for s in self.states}

    def chart_data(self) -> dict[str, Any]:
        return {
            "trend_rounds": self.trend_rounds,
            "trend_labels": self.trend_labels,
            "trend": self.trend,
            "choropleth": self.choropleth(),
            "points": self.points,
            # The report page of a point: replace AGS by the member's key.
            "report_url": reverse(
                "report-detail", kwargs={"number": self.survey_round.number, "ags": "AGS"}
            ),
            "levels": {str(v): str(label) for v, label in StrainLevel.choices},
        }


def dashboard(
    *,
    survey_round: SurveyRound,
    filters: Filters,
    viewer: Visitor,
    public: bool = False,
    with_points: bool = True,
    topics: list[Topic] | None = None,
) -> Dashboard:
    """Heatmap topic x state, share at levels 3-4 per topic, trend per topic over the rounds,
    key figures per state and (for logged-in viewers) member points on the map topic.

    Every number is a cell of one round's table state x size class with its marginals, and for
    everyone but the coordination office hidden by that table's disclosure-control pattern
    (`hafennetz.core.disclosure`, ADR 0040), computed over the whole round, not per filter."""
    suppress = public or not sees_every_aggregate(viewer)
    all_topics = topics if topics is not None else questionnaire_topics(survey_round.questionnaire)
    shown_topics = [t for t in all_topics if not filters.topic or t.code == filters.topic]
    all_states = list(State.objects.only("ags", "name").order_by("ags"))
    state_keys = [s.ags for s in all_states]
    states = [s for s in all_states if not filters.state or s.ags == filters.state]
    board = Dashboard(
        survey_round=survey_round,
        filters=filters,
        topics=shown_topics,
        states=states,
        suppress=suppress,
        map_topic=shown_topics[0] if shown_topics else None,
    )
    topic_ids = [t.pk for t in shown_topics]

    # 1. strain tables of this round and the earlier ones (trend): heatmap, shares, trend.
    earlier = SurveyRound.objects.filter(number__lte=survey_round.number)
    numbers_by_id: dict[int, int] = {}
    titles: dict[int, str] = {}
    for round_id, number, title in earlier.values_list("id", "number", "title"):
        numbers_by_id[round_id], titles[number] = number, title
    by_round = _round_tables(sorted(numbers_by_id), state_keys)
    empty = _Table()
    for topic in shown_topics:
        table = by_round[survey_round.pk].strain.get(topic.pk, empty)
        for state in states:
            board.cells[(topic.pk, state.ags)] = table.cell(filters.key(state.ags), suppress)
        board.topic_totals[topic.pk] = table.cell(filters.key(), suppress)

    # 2. reports counted in this round (with the filters).
    board.reports = filters.apply(
        SituationReport.objects.filter(
            round=survey_round, is_current=True, status=ReportStatus.SUBMITTED
        )
    ).count()

    # 3. trend per topic: the same cell of every round up to this one.
    per_round = {
        (numbers_by_id[round_id], topic.pk): tables.strain[topic.pk].cell(filters.key(), suppress)
        for round_id, tables in by_round.items()
        for topic in shown_topics
        if topic.pk in tables.strain
    }
    board.trend_rounds = sorted({number for (number, _t), cell in per_round.items() if cell.n})
    board.trend_labels = [titles.get(number, f"#{number}") for number in board.trend_rounds]
    for topic in shown_topics:
        means = []
        for number in board.trend_rounds:
            mean = per_round.get((number, topic.pk), Cell()).mean
            means.append(None if mean is None else round(mean, 2))
        board.trend.append({"topic": topic.name, "code": topic.code, "means": means})

    # 4. key figures summed per state, and the total row.
    board.figure_defs = [
        f for f in questionnaire_figures(survey_round.questionnaire) if f.topic_id in topic_ids
    ]
    this_round = by_round[survey_round.pk]
    if this_round.figures is None:
        this_round.figures = _figure_tables(survey_round, state_keys)
    figure_tables = this_round.figures
    rows: list[State | None] = [*states, None]
    for row_state in rows:
        cells = []
        for figure in board.figure_defs:
            key = filters.key(row_state.ags) if row_state else (ALL, filters.size_class or ALL)
            cell = figure_tables.get(figure.pk, empty).cell(key, suppress)
            total = None if cell.suppressed or not cell.n else cell.total
            cells.append({"n": cell.n, "total": total, "hidden": cell.suppressed})
        board.figures.append({"state": row_state, "cells": cells})

    # 5. member points on the map topic, only where the viewer may see single answers.
    visible = None if not suppress else Q(pk__in=[]) if public else visible_answers(viewer)
    if with_points and board.map_topic is not None:
        points = filters.apply(
            Answer.objects.filter(
                counted=True, strain__isnull=False, round=survey_round, topic=board.map_topic
            )
        )
        if visible is not None:
            points = points.filter(visible)
        board.points = [
            {
                "name": p["member__name"],
                "ags": p["member__municipality_id"] or p["member__district_id"],
                "lat": round(
                    p["member__municipality__latitude"] or p["member__district__centroid_latitude"],
                    4,
                ),
                "lon": round(
                    p["member__municipality__longitude"]
                    or p["member__district__centroid_longitude"],
                    4,
                ),
                "strain": p["strain"],
            }
            for p in points.values(
                "strain",
                "member__name",
                "member__municipality_id",
                "member__district_id",
                "member__municipality__latitude",
                "member__municipality__longitude",
                "member__district__centroid_latitude",
                "member__district__centroid_longitude",
            )
        ]
    return board


# --- progress ----------------------------------------------------------------------------------


@dataclass
class StateProgress:
    state: State
    expected: int = 0
    submitted: int = 0
    drafts: int = 0
    late: int = 0

    @property
    def missing(self) -> int:
        """Members without any report: drafts are counted apart."""
        return max(self.expected - self.submitted - self.drafts, 0)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.expected) if self.expected else 0


def round_progress(survey_round: SurveyRound, states: Sequence[str] | None) -> list[StateProgress]:
    """Per state: members asked, submitted (any version), drafts only, late."""
    members = round_members(survey_round)
    if states is not None:
        members = members.filter(state_id__in=states)
    rows: dict[str, StateProgress] = {}
    state_objs = State.objects.only("ags", "name").order_by("ags")
    if states is not None:
        state_objs = state_objs.filter(ags__in=states)
    for state in state_objs:
        rows[state.ags] = StateProgress(state=state)
    for row in members.values("state_id").annotate(n=Count("id")):
        rows[row["state_id"]].expected = row["n"]
    reports = SituationReport.objects.filter(
        round=survey_round, is_current=True, member__in=members
    )
    for row in reports.values("state_id").annotate(
        submitted=Count("id", filter=Q(status=ReportStatus.SUBMITTED)),
        drafts=Count("id", filter=Q(status=ReportStatus.DRAFT)),
        late=Count("id", filter=Q(is_late=True)),
    ):
        progress = rows[row["state_id"]]
        progress.submitted, progress.drafts, progress.late = (
            row["submitted"],
            row["drafts"],
            row["late"],
        )
    return [p for p in rows.values() if p.expected or states is not None]


@dataclass
class MemberProgress:
    member: Member
    report: SituationReport | None
    last_reminder: dt.datetime | None


def member_progress(survey_round: SurveyRound, state: str) -> list[MemberProgress]:
    members = list(round_members(survey_round).filter(state_id=state).order_by("name"))
    current = {
        r.member_id: r
        for r in SituationReport.objects.filter(
            round=survey_round, is_current=True, member__in=members
        )
    }
    reminded = dict(
        Reminder.objects.filter(round=survey_round, member__in=members)
        .values("member_id")
        .annotate(last=Max("sent_at"))
        .values_list("member_id", "last")
    )
    return [MemberProgress(m, current.get(m.pk), reminded.get(m.pk)) for m in members]


def size_classes() -> list[tuple[int, str]]:
    return [(v, str(label)) for v, label in SizeClass.choices]


# --- start pages ("Mein Überblick") and the review queue ----------------------------------------

# Rounds whose deadline passed longer ago than this no longer appear as due on a start page.
DUE_GRACE_DAYS = 60


@dataclass(frozen=True)
class DueReport:
    """A round the member still owes a report for, or a report the office asked about."""

    round: SurveyRound
    report: SituationReport | None
    kind: str  # "missing", "draft" or "query"
    days_left: int  # negative: late


def member_todo(member: Member, today: dt.date | None = None) -> list[DueReport]:
    """Open rounds without a submitted report of the member (deadline first), then reports
    returned with a question that the member has not answered yet. Two queries."""
    today = today or timezone.localdate()
    asked = list(
        SurveyRound.objects.filter(
            Q(state__isnull=True) | Q(state_id=member.state_id),
            opens_on__lte=today,
            deadline__gte=today - dt.timedelta(days=DUE_GRACE_DAYS),
        ).order_by("deadline", "number")
    )
    reports = list(
        SituationReport.objects.filter(member=member)
        .filter(
            Q(round__in=asked) | Q(is_current=True, review_status="query", answered_at__isnull=True)
        )
        .select_related("round")
        .order_by("version")
    )
    submitted = {r.round_id for r in reports if r.status == ReportStatus.SUBMITTED}
    drafts = {r.round_id: r for r in reports if r.status == ReportStatus.DRAFT}
    todo = [
        DueReport(
            round=r,
            report=drafts.get(r.pk),
            kind="draft" if r.pk in drafts else "missing",
            days_left=(r.deadline - today).days,
        )
        for r in asked
        if r.pk not in submitted and (r.state_id is None or r.state_id == member.state_id)
    ]
    todo += [
        DueReport(round=r.round, report=r, kind="query", days_left=(r.round.deadline - today).days)
        for r in reports
        if r.is_current and r.review_status == "query" and r.answered_at is None and r.is_locked
    ]
    return todo


def current_rounds(
    today: dt.date | None = None, states: Sequence[str] | None = None
) -> list[SurveyRound]:
    """Rounds that are open or ended lately (newest deadline first); with `states` only those
    asking one of them."""
    today = today or timezone.localdate()
    found = rounds().filter(
        opens_on__lte=today, deadline__gte=today - dt.timedelta(days=DUE_GRACE_DAYS)
    )
    if states is not None:
        found = found.filter(Q(state__isnull=True) | Q(state_id__in=list(states)))
    return list(found.order_by("-deadline", "-number")[:3])


def late_members(survey_round: SurveyRound, states: Sequence[str] | None) -> list[Member]:
    """Members asked in a round whose deadline passed and that have not submitted (by name)."""
    if survey_round.deadline >= timezone.localdate():
        return []
    members = round_members(survey_round)
    if states is not None:
        members = members.filter(state_id__in=list(states))
    done = SituationReport.objects.filter(round=survey_round, status=ReportStatus.SUBMITTED)
    return list(
        members.exclude(pk__in=done.values("member_id")).select_related("state").order_by("name")
    )


REVIEW_FILTERS = ("open", "pending", "answered", "query", "approved", "on_hold", "all")


def review_queue(
    survey_round: SurveyRound, *, status: str = "open", state: str | None = None
) -> list[SituationReport]:
    """The current, submitted reports of a round for the office's review, oldest submission
    first. "open": not reviewed yet, or asked about and answered by the member."""
    reports = SituationReport.objects.filter(
        round=survey_round, is_current=True, status=ReportStatus.SUBMITTED
    ).select_related("member", "member__state")
    if state:
        reports = reports.filter(state_id=state)
    if status == "open":
        reports = reports.filter(
            Q(review_status="pending") | Q(review_status="query", answered_at__isnull=False)
        )
    elif status == "answered":
        reports = reports.filter(review_status="query", answered_at__isnull=False)
    elif status in ("pending", "query", "approved", "on_hold"):
        reports = reports.filter(review_status=status)
    return list(reports.order_by("submitted_at", "pk"))


def review_counts(round_ids: Sequence[int]) -> dict[int, int]:
    """Per round the number of reports waiting for the office's review (one query)."""
    rows = (
        SituationReport.objects.filter(
            round_id__in=list(round_ids), is_current=True, status=ReportStatus.SUBMITTED
        )
        .filter(Q(review_status="pending") | Q(review_status="query", answered_at__isnull=False))
        .values("round_id")
        .annotate(n=Count("id"))
    )
    return {row["round_id"]: row["n"] for row in rows}
