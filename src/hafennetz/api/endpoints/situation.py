"""Lagebild: rounds and their questionnaire, the own member's reports (read, save a draft,
submit, start a new version) and the aggregates under exactly the disclosure control of the
web pages (the same selector, with the same viewer)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from hafennetz.api.auth import read_scope, require_scope
from hafennetz.api.endpoints.common import Ags, Input, Number, url
from hafennetz.api.paging import Links, Pagination, SinceParams, filter_since, paginate
from hafennetz.core.validators import MAX_COUNT
from hafennetz.situation import access, selectors, services
from hafennetz.situation.models import SituationReport, SurveyRound
from hafennetz.situation.selectors import Filters

router = Router(tags=["situation"])


class TopicOut(Schema):
    code: str
    name: str


class FigureOut(Schema):
    code: str
    topic: str
    label: str
    unit: str
    plausible_min: int | None
    plausible_max: int | None
    not_above: str | None


class QuestionnaireOut(Schema):
    version: int
    topics: list[TopicOut]
    figures: list[FigureOut]
    strain_levels: dict[str, str]


class RoundOut(Schema):
    id: str
    number: int
    title: str
    opens_on: dt.date
    deadline: dt.date
    state: str | None = Field(description="State key if only that state's members are asked.")
    questionnaire_version: int
    web: str
    created: dt.datetime
    modified: dt.datetime


class RoundDetail(RoundOut):
    questionnaire: QuestionnaireOut


class RoundPage(Schema):
    data: list[RoundOut]
    pagination: Pagination
    links: Links


def round_out(request: HttpRequest, survey_round: SurveyRound) -> dict[str, Any]:
    return {
        "id": url(request, "api-v1:situation_round", survey_round.number),
        "number": survey_round.number,
        "title": survey_round.title,
        "opens_on": survey_round.opens_on,
        "deadline": survey_round.deadline,
        "state": survey_round.state_id,
        "questionnaire_version": survey_round.questionnaire.version,
        "web": url(request, "round-dashboard", survey_round.number),
        "created": survey_round.created_at,
        "modified": survey_round.updated_at,
    }


@router.get(
    "/situation/rounds", response=RoundPage, url_name="situation_rounds", summary="Survey rounds"
)
def rounds(request: HttpRequest, filters: Query[SinceParams]) -> dict[str, Any]:
    """All survey rounds, newest first. Needs a token (`situation:read`)."""
    read_scope(request, "situation")
    access.check_view_dashboard(request.user)
    rows = filter_since(selectors.rounds().select_related("questionnaire"), filters)
    return paginate(request, rows, filters.page, lambda r: round_out(request, r))


@router.get(
    "/situation/rounds/{number}",
    response=RoundDetail,
    url_name="situation_round",
    summary="A round and its questionnaire",
)
def round_detail(request: HttpRequest, number: Number) -> dict[str, Any]:
    read_scope(request, "situation")
    survey_round = access.access_round(request.user, number)
    questionnaire = survey_round.questionnaire
    figures = selectors.questionnaire_figures(questionnaire)
    codes = {f.pk: f.code for f in figures}
    from hafennetz.situation.models import StrainLevel

    return round_out(request, survey_round) | {
        "questionnaire": {
            "version": questionnaire.version,
            "topics": [
                {"code": t.code, "name": t.name}
                for t in selectors.questionnaire_topics(questionnaire)
            ],
            "figures": [
                {
                    "code": f.code,
                    "topic": f.topic.code,
                    "label": f.label,
                    "unit": f.unit,
                    "plausible_min": f.plausible_min,
                    "plausible_max": f.plausible_max,
                    "not_above": codes.get(f.not_above_id) if f.not_above_id else None,
                }
                for f in figures
            ],
            "strain_levels": {str(v): str(label) for v, label in StrainLevel.choices},
        }
    }


# --- reports ---------------------------------------------------------------------------------


class AnswerBody(Input):
    strain: int | None = Field(None, ge=1, le=4, description="Strain level 1-4.")
    what_is_hard: str = Field("", max_length=services.TEXT_MAX)
    what_works: str = Field("", max_length=services.TEXT_MAX)


class FigureBody(Input):
    value: int | None = Field(None, ge=0, le=MAX_COUNT)
    confirmed: bool = Field(False, description="Confirm a value outside the plausible range.")


class ReportBody(Input):
    share_with_members: bool = False
    answers: dict[str, AnswerBody] = Field(
        default_factory=dict, description="By topic code.", max_length=200
    )
    figures: dict[str, FigureBody] = Field(
        default_factory=dict, description="By key-figure code.", max_length=500
    )


class AnswerOut(Schema):
    strain: int | None
    what_is_hard: str
    what_works: str


class FigureValueOut(Schema):
    value: int
    confirmed: bool


class ReviewOut(Schema):
    status: str
    comment: str


class ReportOut(Schema):
    id: str
    round: int
    member: str = Field(description="AGS of the member.")
    version: int
    current: bool
    status: Literal["draft", "submitted"]
    submitted_at: dt.datetime | None
    late: bool
    share_with_members: bool
    answers: dict[str, AnswerOut]
    figures: dict[str, FigureValueOut]
    review: ReviewOut | None
    web: str
    created: dt.datetime
    modified: dt.datetime


class ReportVersions(Schema):
    round: int
    member: str
    versions: list[ReportOut] = Field(description="Newest first; the ones you may see.")


def report_out(request: HttpRequest, report: SituationReport) -> dict[str, Any]:
    answers = {
        a.topic.code: {
            "strain": a.strain,
            "what_is_hard": a.what_is_hard,
            "what_works": a.what_works,
        }
        for a in report.answers.select_related("topic")
    }
    figures = {
        f.figure.code: {"value": f.value, "confirmed": f.confirmed_out_of_bounds}
        for f in report.figures.select_related("figure")
    }
    ags = report.member.ags
    return {
        "id": url(request, "api-v1:situation_report", report.round.number, ags)
        + f"?version={report.version}",
        "round": report.round.number,
        "member": ags,
        "version": report.version,
        "current": report.is_current,
        "status": report.status,
        "submitted_at": report.submitted_at,
        "late": report.is_late,
        "share_with_members": report.share_with_members,
        "answers": answers,
        "figures": figures,
        "review": {"status": report.review_status, "comment": report.review_comment}
        if access.can_see_review(request.user, report)
        else None,
        "web": url(request, "report-detail", report.round.number, ags),
        "created": report.created_at,
        "modified": report.updated_at,
    }


def _versions(request: HttpRequest, number: int, ags: str) -> dict[str, Any]:
    found = access.access_report(request.user, number, ags, purpose="view")
    return {
        "round": number,
        "member": found.member.ags,
        "versions": [report_out(request, v) for v in found.versions],
    }


@router.get(
    "/situation/rounds/{number}/reports/{ags}",
    response=ReportVersions,
    url_name="situation_report",
    summary="A member's report of a round",
)
def report_detail(request: HttpRequest, number: Number, ags: Ags) -> dict[str, Any]:
    """Every version for the member's own staff, its state coordination and the office; for
    other members only the current version, if it is submitted and shared."""
    read_scope(request, "situation")
    return _versions(request, number, ags)


def _save(
    request: HttpRequest, number: int, ags: str, payload: ReportBody, *, submit: bool
) -> dict[str, Any]:
    require_scope(request, "situation:write")
    found = access.access_report(request.user, number, ags, purpose="edit")
    questionnaire = found.round.questionnaire
    topics = selectors.questionnaire_topics(questionnaire)
    figures = selectors.questionnaire_figures(questionnaire)
    unknown = [
        {"field": f"answers.{code}", "message": "unknown topic"}
        for code in payload.answers
        if code not in {t.code for t in topics}
    ] + [
        {"field": f"figures.{code}", "message": "unknown key figure"}
        for code in payload.figures
        if code not in {f.code for f in figures}
    ]
    if unknown:
        from django.utils.translation import gettext as _

        from hafennetz.api.problems import Problem

        raise Problem(
            "validation",
            _("Some codes are not in this round's questionnaire."),
            errors=[
                {
                    "field": e["field"],
                    "message": _("Not in this round's questionnaire."),
                }
                for e in unknown
            ],
        )
    services.report_save(
        actor=request.user,
        survey_round=found.round,
        member=found.member,
        share_with_members=payload.share_with_members,
        answers={
            code: services.AnswerInput(
                strain=a.strain,
                what_is_hard=a.what_is_hard.strip(),
                what_works=a.what_works.strip(),
            )
            for code, a in payload.answers.items()
        },
        figures={
            code: services.FigureInput(value=f.value, confirmed=f.confirmed)
            for code, f in payload.figures.items()
        },
        submit=submit,
        topics=topics,
        figure_defs=figures,
    )
    return _versions(request, number, ags)


@router.put(
    "/situation/rounds/{number}/reports/{ags}",
    response=ReportVersions,
    url_name="situation_report_save",
    summary="Save the report as a draft",
)
def report_save(
    request: HttpRequest, number: Number, ags: Ags, payload: ReportBody
) -> dict[str, Any]:
    """Replaces the open (draft) version's answers; scope `situation:write`. A submitted
    report is locked: start a new version first."""
    return _save(request, number, ags, payload, submit=False)


@router.post(
    "/situation/rounds/{number}/reports/{ags}/submit",
    response=ReportVersions,
    url_name="situation_report_submit",
    summary="Save and submit the report",
)
def report_submit(
    request: HttpRequest, number: Number, ags: Ags, payload: ReportBody
) -> dict[str, Any]:
    """Saves these answers and submits them (every topic needs a strain level); the version is
    then locked and counts in the aggregates. Scope `situation:write`."""
    return _save(request, number, ags, payload, submit=True)


@router.post(
    "/situation/rounds/{number}/reports/{ags}/new-version",
    response=ReportVersions,
    url_name="situation_report_new_version",
    summary="Start a new version of a submitted report",
)
def report_new_version(request: HttpRequest, number: Number, ags: Ags) -> dict[str, Any]:
    """A draft copy of the submitted report for corrections; the submitted one counts until the
    new version is submitted. Scope `situation:write`."""
    require_scope(request, "situation:write")
    found = access.access_report(request.user, number, ags, purpose="edit")
    current = found.versions[0] if found.versions else None
    if current is None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("Only the latest submitted version can be corrected."))
    services.report_new_version(actor=request.user, report=current)
    return _versions(request, number, ags)


# --- aggregates ------------------------------------------------------------------------------


class CellOut(Schema):
    n: int = Field(description="Contributing reports (0 when hidden).")
    mean: float | None = Field(description="Mean strain level; null when hidden or empty.")
    share_high: float | None = Field(description="Share at levels 3-4; null when hidden.")
    hidden: bool = Field(description="Suppressed by disclosure control.")


class TopicAggregate(Schema):
    topic: str
    total: CellOut
    states: dict[str, CellOut]


class FigureCellOut(Schema):
    total: int | None
    hidden: bool


class FigureAggregate(Schema):
    figure: str
    states: dict[str, FigureCellOut]
    total: FigureCellOut


class AggregatesOut(Schema):
    round: int
    reports: int = Field(description="Current submitted reports (with the filters).")
    disclosure_control: bool
    topics: list[TopicAggregate]
    trend_rounds: list[int]
    trend: dict[str, list[float | None]]
    figures: list[FigureAggregate]


class AggregateFilter(Schema):
    state: str | None = Field(None, pattern=r"^[0-9]{2}$")
    size_class: int | None = Field(None, ge=1, le=4)
    topic: str | None = Field(None, max_length=40)


def _cell(cell: Any) -> dict[str, Any]:
    return {
        "n": 0 if cell.suppressed else cell.n,
        "mean": None if cell.mean is None else round(cell.mean, 4),
        "share_high": None if cell.share_high is None else round(cell.share_high, 4),
        "hidden": cell.suppressed,
    }


def aggregates_out(board: Any) -> dict[str, Any]:
    codes = [f.code for f in board.figure_defs]
    figures: list[dict[str, Any]] = [{"figure": c, "states": {}, "total": {}} for c in codes]
    for row in board.figures:
        for index, cell in enumerate(row["cells"]):
            value = {"total": cell["total"], "hidden": cell["hidden"]}
            if row["state"] is None:
                figures[index]["total"] = value
            else:
                figures[index]["states"][row["state"].ags] = value
    return {
        "round": board.survey_round.number,
        "reports": board.reports,
        "disclosure_control": board.suppress,
        "topics": [
            {
                "topic": topic.code,
                "total": _cell(board.topic_totals.get(topic.pk) or selectors.Cell()),
                "states": {
                    s.ags: _cell(board.cells.get((topic.pk, s.ags)) or selectors.Cell())
                    for s in board.states
                },
            }
            for topic in board.topics
        ],
        "trend_rounds": board.trend_rounds,
        "trend": {t["code"]: t["means"] for t in board.trend},
        "figures": figures,
    }


def _filters(survey_round: SurveyRound, params: AggregateFilter) -> Filters:
    codes = {t.code for t in selectors.questionnaire_topics(survey_round.questionnaire)}
    return Filters(
        state=params.state,
        size_class=params.size_class,
        topic=params.topic if params.topic in codes else None,
    )


@router.get(
    "/situation/rounds/{number}/aggregates",
    response=AggregatesOut,
    url_name="situation_aggregates",
    summary="Aggregates of a round",
)
def aggregates(
    request: HttpRequest, number: Number, filters: Query[AggregateFilter]
) -> dict[str, Any]:
    """The dashboard's figures, hidden by the same disclosure control as on the web page (the
    coordination office sees them without)."""
    read_scope(request, "situation")
    survey_round = access.access_round(request.user, number)
    board = selectors.dashboard(
        survey_round=survey_round,
        filters=_filters(survey_round, filters),
        viewer=request.user,
        with_points=False,
    )
    return aggregates_out(board)


class PublicAggregates(Schema):
    round: RoundOut | None
    aggregates: AggregatesOut | None


@router.get(
    "/situation/public",
    response=PublicAggregates,
    url_name="situation_public",
    summary="The public nationwide Lagebild",
)
def public(request: HttpRequest, filters: Query[AggregateFilter]) -> dict[str, Any]:
    """The figures of the public page (latest round past its deadline), under disclosure
    control. Public: no token needed."""
    survey_round = selectors.public_round()
    if survey_round is None:
        return {"round": None, "aggregates": None}
    board = selectors.dashboard(
        survey_round=survey_round,
        filters=_filters(survey_round, filters),
        viewer=request.user,
        public=True,
        with_points=False,
    )
    return {"round": round_out(request, survey_round), "aggregates": aggregates_out(board)}
