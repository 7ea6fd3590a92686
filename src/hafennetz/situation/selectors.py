"""Reads of the Lagebild. The dashboards aggregate in SQL, one grouped query per figure family,
over the strain tallies (levels per round, topic, state, size class) and the denormalised figure
and answer rows; Python only arranges the at most topics x states x rounds result rows. Cells of
fewer than MIN_CELL_SIZE members are suppressed for everyone but the coordination office, and
suppressed cells are left out of every total, so they cannot be recovered by subtraction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from hafennetz.core.models import State
from hafennetz.members.models import Member
from hafennetz.members.permissions import roles_of
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    Questionnaire,
    Reminder,
    ReportStatus,
    SituationReport,
    SizeClass,
    StrainLevel,
    StrainTally,
    SurveyRound,
    Topic,
)
from hafennetz.situation.permissions import MIN_CELL_SIZE
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
    """The round the public page shows: the latest nationwide round past its deadline."""
    today = today or timezone.localdate()
    return rounds().filter(state__isnull=True, deadline__lt=today).first()


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

    def add(self, other: Cell) -> None:
        self.n += other.n
        self.total += other.total
        self.high += other.high


@dataclass(frozen=True)
class Filters:
    state: str | None = None
    size_class: int | None = None
    topic: str | None = None


def _answers(filters: Filters) -> QuerySet[Answer]:
    rows = Answer.objects.filter(counted=True, strain__isnull=False)
    if filters.state:
        rows = rows.filter(state_id=filters.state)
    if filters.size_class:
        rows = rows.filter(size_class=filters.size_class)
    return rows


def _tallies(filters: Filters) -> QuerySet[StrainTally]:
    rows = StrainTally.objects.filter(n__gt=0)
    if filters.state:
        rows = rows.filter(state_id=filters.state)
    if filters.size_class:
        rows = rows.filter(size_class=filters.size_class)
    return rows


def _grouped(rows: QuerySet[StrainTally], keys: Sequence[str]) -> list[dict[str, Any]]:
    grouped = (
        rows.values(*keys)
        .annotate(
            members=Sum("n"),
            total=Sum(F("n") * F("strain")),
            high=Coalesce(Sum("n", filter=Q(strain__gte=3)), 0),
        )
        .order_by()
    )
    return [row | {"n": row["members"]} for row in grouped]


@dataclass
class Dashboard:
    survey_round: SurveyRound
    filters: Filters
    topics: list[Topic]
    states: list[State]
    suppress: bool
    cells: dict[tuple[int, str], Cell] = field(default_factory=dict)
    topic_totals: dict[int, Cell] = field(default_factory=dict)
    state_totals: dict[str, Cell] = field(default_factory=dict)
    trend: list[dict[str, Any]] = field(default_factory=list)
    trend_rounds: list[int] = field(default_factory=list)
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
            {
                "state": s,
                "cells": [self.cells.get((t.pk, s.ags), Cell()) for t in self.topics],
                "total": self.state_totals.get(s.ags, Cell()),
            }
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
            "topics": [t.name for t in self.topics],
            "share_high": [
                None if c.share_high is None else round(100 * c.share_high, 1)
                for c in (self.topic_totals.get(t.pk, Cell()) for t in self.topics)
            ],
            "trend_rounds": self.trend_rounds,
            "trend": self.trend,
            "choropleth": self.choropleth(),
            "points": self.points,
            # The report page of a point: replace AGS by the member's key.
            "report_url": reverse(
                "report-detail", kwargs={"number": self.survey_round.number, "ags": "AGS"}
            ),
            "levels": {str(v): str(label) for v, label in StrainLevel.choices},
        }

    def chart_json(self) -> str:
        return json.dumps(self.chart_data())


def _visible_points(viewer: Any, suppress_all: bool) -> Q | None:
    """Which members' individual answers the viewer may see; None: all of them."""
    roles = roles_of(viewer)
    if roles.is_coordination_office:
        return None
    if suppress_all:
        return Q(pk__in=[])
    visible = Q(shared=True)
    if roles.member_id:
        visible |= Q(member_id=roles.member_id)
    if roles.coordinated_states:
        visible |= Q(state_id__in=sorted(roles.coordinated_states))
    return visible


def dashboard(
    *,
    survey_round: SurveyRound,
    filters: Filters,
    viewer: Any,
    public: bool = False,
    with_points: bool = True,
) -> Dashboard:
    """Heatmap topic x state, share at levels 3-4 per topic, trend per topic over the rounds,
    key figures per state and (for logged-in viewers) member points on the map topic."""
    suppress = public or not roles_of(viewer).is_coordination_office
    all_topics = questionnaire_topics(survey_round.questionnaire)
    shown_topics = [t for t in all_topics if not filters.topic or t.code == filters.topic]
    states = list(State.objects.only("ags", "name").order_by("ags"))
    if filters.state:
        states = [s for s in states if s.ags == filters.state]
    board = Dashboard(
        survey_round=survey_round,
        filters=filters,
        topics=shown_topics,
        states=states,
        suppress=suppress,
        map_topic=shown_topics[0] if shown_topics else None,
    )
    topic_ids = [t.pk for t in shown_topics]

    def keep(cell: Cell) -> Cell:
        cell.suppressed = suppress and cell.n < MIN_CELL_SIZE
        return cell

    # 1. heatmap cells (topic x state) of this round; totals only over shown cells.
    rows = _tallies(filters).filter(round=survey_round, topic_id__in=topic_ids)
    for row in _grouped(rows, ["topic_id", "state_id"]):
        cell = keep(Cell(n=row["n"], total=row["total"], high=row["high"]))
        board.cells[(row["topic_id"], row["state_id"])] = cell
    for (topic_id, state_id), cell in board.cells.items():
        if cell.suppressed:
            continue
        board.topic_totals.setdefault(topic_id, Cell()).add(cell)
        board.state_totals.setdefault(state_id, Cell()).add(cell)
    for total in [*board.topic_totals.values(), *board.state_totals.values()]:
        keep(total)

    # 2. reports counted in this round (with the filters).
    reports = SituationReport.objects.filter(
        round=survey_round, is_current=True, status=ReportStatus.SUBMITTED
    )
    if filters.state:
        reports = reports.filter(state_id=filters.state)
    if filters.size_class:
        reports = reports.filter(size_class=filters.size_class)
    board.reports = reports.count()

    # 3. trend per topic over all rounds up to this one (topics are shared by the versions).
    numbers_by_id = dict(
        SurveyRound.objects.filter(number__lte=survey_round.number).values_list("id", "number")
    )
    trend_rows = _tallies(filters).filter(round_id__in=list(numbers_by_id), topic_id__in=topic_ids)
    per_round: dict[tuple[int, int], Cell] = {}
    numbers: set[int] = set()
    for row in _grouped(trend_rows, ["round_id", "topic_id", "state_id"]):
        cell = keep(Cell(n=row["n"], total=row["total"], high=row["high"]))
        if cell.suppressed:
            continue
        number = numbers_by_id[row["round_id"]]
        numbers.add(number)
        per_round.setdefault((number, row["topic_id"]), Cell()).add(cell)
    board.trend_rounds = sorted(numbers)
    for topic in shown_topics:
        series = []
        for number in board.trend_rounds:
            cell = keep(per_round.get((number, topic.pk), Cell()))
            series.append(None if cell.mean is None else round(cell.mean, 2))
        board.trend.append({"topic": topic.name, "code": topic.code, "means": series})

    # 4. key figures summed per state.
    board.figure_defs = [
        f for f in questionnaire_figures(survey_round.questionnaire) if f.topic_id in topic_ids
    ]
    values = FigureValue.objects.filter(
        counted=True, round=survey_round, figure_id__in=[f.pk for f in board.figure_defs]
    )
    if filters.state:
        values = values.filter(state_id=filters.state)
    if filters.size_class:
        values = values.filter(size_class=filters.size_class)
    sums: dict[tuple[str, int], tuple[int, int]] = {}
    for row in values.values("state_id", "figure_id").annotate(n=Count("id"), total=Sum("value")):
        sums[(row["state_id"], row["figure_id"])] = (row["n"], row["total"])
    column_totals = {f.pk: 0 for f in board.figure_defs}
    for state in states:
        cells = []
        for figure in board.figure_defs:
            n, total = sums.get((state.ags, figure.pk), (0, 0))
            hidden = suppress and n < MIN_CELL_SIZE
            cells.append({"n": n, "total": None if hidden or not n else total, "hidden": hidden})
            if not hidden:
                column_totals[figure.pk] += total
        board.figures.append({"state": state, "cells": cells})
    board.figures.append(
        {"state": None, "cells": [{"total": column_totals[f.pk]} for f in board.figure_defs]}
    )

    # 5. member points on the map topic, only where the viewer may see single answers.
    visible = _visible_points(viewer, suppress_all=public)
    if with_points and board.map_topic is not None:
        points = _answers(filters).filter(round=survey_round, topic=board.map_topic)
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
        return self.expected - self.submitted

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


def reports_for_review(survey_round: SurveyRound) -> QuerySet[SituationReport]:
    return SituationReport.objects.filter(
        round=survey_round, is_current=True, status=ReportStatus.SUBMITTED
    ).select_related("member", "state")


def size_classes() -> list[tuple[int, str]]:
    return [(v, str(label)) for v, label in SizeClass.choices]
