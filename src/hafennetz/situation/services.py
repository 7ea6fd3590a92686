"""Writes of the Lagebild. Each service is keyword-only, atomic and audited.

Domain rules raise ValidationError keyed by the form field (`strain_<topic>`,
`figure_<figure>`), so the report form shows each message at its field. Every service also
refuses with AccessDenied what its actor may not do, with the predicates of
`hafennetz.situation.access`, so no interface can bypass a view's check. `actor` is the user, or
None for a system job (demo data, cron).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hafennetz.core import events
from hafennetz.core.access import AccessDenied, Actor
from hafennetz.core.audit import log_action, save_audited, snapshot
from hafennetz.core.models import State
from hafennetz.core.urls import absolute_url
from hafennetz.core.validators import MAX_COUNT, plausible_date
from hafennetz.members.models import Member, StaffAccount
from hafennetz.situation.access import (
    actor_may,
    can_edit_report,
    can_follow_progress,
    can_manage_survey,
    can_review,
    progress_states,
)
from hafennetz.situation.models import (
    Answer,
    FigureValue,
    KeyFigure,
    Questionnaire,
    Reminder,
    ReminderKind,
    ReportStatus,
    ReviewStatus,
    SituationReport,
    StrainLevel,
    StrainTally,
    SurveyRound,
    Topic,
)

TEXT_MAX = 4000


@dataclass(frozen=True)
class AnswerInput:
    strain: int | None
    what_is_hard: str = ""
    what_works: str = ""


@dataclass(frozen=True)
class FigureInput:
    value: int | None
    confirmed: bool = False


def strain_field(topic_code: str) -> str:
    return f"strain_{topic_code}"


def hard_field(topic_code: str) -> str:
    return f"hard_{topic_code}"


def works_field(topic_code: str) -> str:
    return f"works_{topic_code}"


def figure_field(figure_code: str) -> str:
    return f"figure_{figure_code}"


def confirm_field(figure_code: str) -> str:
    return f"confirm_{figure_code}"


def _today() -> dt.date:
    return timezone.localdate()


def _as_user(actor: Actor) -> User | None:
    """The actor as stored in a user foreign key (None for a system job)."""
    return actor if isinstance(actor, User) else None


def _check_manage(actor: Actor) -> None:
    if not actor_may(actor, can_manage_survey(actor)):
        raise AccessDenied(
            _("Only the coordination office may manage topics, questionnaires and survey rounds.")
        )


def _check_report(actor: Actor, member: Member) -> None:
    if not actor_may(actor, can_edit_report(actor, member)):
        raise AccessDenied(
            _("Only the member's own staff and the coordination office may fill in its report.")
        )


# --- questionnaires and topics -----------------------------------------------------------------


def questionnaire_is_locked(questionnaire: Questionnaire) -> bool:
    return questionnaire.rounds.exists()


def _refuse_if_locked(questionnaire: Questionnaire) -> None:
    if questionnaire_is_locked(questionnaire):
        raise ValidationError(
            _(
                "Version %(version)s is used by a survey round and can no longer be changed; "
                "create a new version."
            )
            % {"version": questionnaire.version}
        )


@transaction.atomic
def topic_save(*, actor: Actor, data: Mapping[str, Any], topic: Topic | None = None) -> Topic:
    """Create or change a topic. The before-state of the audit entry comes from the database
    (a ModelForm has already changed the instance in memory)."""
    _check_manage(actor)
    fields = ("code", "name_de", "name_en", "order", "active")
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    action = "topic.update" if topic is not None and topic.pk else "topic.create"
    topic = topic or Topic()
    for name, value in data.items():
        setattr(topic, name, value)
    save_audited(actor=actor, obj=topic, action=action)
    return topic


@transaction.atomic
def questionnaire_create(
    *, actor: Actor, topics: Iterable[Topic], note: str = "", is_demo: bool = False
) -> Questionnaire:
    _check_manage(actor)
    topics = list(topics)
    last = Questionnaire.objects.aggregate(v=Max("version"))["v"] or 0
    questionnaire = Questionnaire(version=last + 1, note=note, is_demo=is_demo)
    questionnaire.full_clean()
    questionnaire.save()
    questionnaire.topics.set(list(topics))
    log_action(
        actor=actor,
        action="questionnaire.create",
        obj=questionnaire,
        after=snapshot(questionnaire) | {"topics": sorted(t.code for t in topics)},
    )
    return questionnaire


@transaction.atomic
def questionnaire_new_version(*, actor: Actor, based_on: Questionnaire) -> Questionnaire:
    """A new version with the previous one's (still active) topics and all its key figures."""
    _check_manage(actor)
    topics = [t for t in based_on.topics.all() if t.active]
    questionnaire = questionnaire_create(
        actor=actor,
        topics=topics,
        note=_("Copy of version %(version)s") % {"version": based_on.version},
    )
    copies: dict[int, KeyFigure] = {}
    originals = list(based_on.figures.filter(topic__in=topics).order_by("pk"))
    for figure in originals:
        copy = KeyFigure(
            questionnaire=questionnaire,
            topic=figure.topic,
            code=figure.code,
            label_de=figure.label_de,
            label_en=figure.label_en,
            unit=figure.unit,
            plausible_min=figure.plausible_min,
            plausible_max=figure.plausible_max,
            order=figure.order,
        )
        copy.save()
        copies[figure.pk] = copy
    for figure in originals:
        if figure.not_above_id in copies:
            copies[figure.pk].not_above = copies[figure.not_above_id]
            copies[figure.pk].save(update_fields=["not_above"])
    return questionnaire


@transaction.atomic
def questionnaire_set_topics(
    *, actor: Actor, questionnaire: Questionnaire, topics: Sequence[Topic]
) -> Questionnaire:
    _check_manage(actor)
    _refuse_if_locked(questionnaire)
    if not topics:
        raise ValidationError({"topics": _("A questionnaire needs at least one topic.")})
    before = sorted(questionnaire.topics.values_list("code", flat=True))
    questionnaire.topics.set(topics)
    questionnaire.figures.exclude(topic__in=topics).delete()
    log_action(
        actor=actor,
        action="questionnaire.update",
        obj=questionnaire,
        before={"topics": before},
        after={"topics": sorted(t.code for t in topics)},
    )
    return questionnaire


@transaction.atomic
def figure_create(
    *, actor: Actor, questionnaire: Questionnaire, data: Mapping[str, Any], is_demo: bool = False
) -> KeyFigure:
    _check_manage(actor)
    _refuse_if_locked(questionnaire)
    figure = KeyFigure(questionnaire=questionnaire, is_demo=is_demo, **data)
    if not questionnaire.topics.filter(pk=figure.topic_id).exists():
        raise ValidationError({"topic": _("The topic is not part of this questionnaire.")})
    upper = figure.not_above if figure.not_above_id else None
    if upper is not None and upper.questionnaire_id != questionnaire.pk:
        raise ValidationError({"not_above": _("Choose a key figure of the same questionnaire.")})
    lo, hi = figure.plausible_min, figure.plausible_max
    if lo is not None and hi is not None and lo > hi:
        raise ValidationError({"plausible_max": _("The maximum must not be below the minimum.")})
    if questionnaire.figures.filter(code=figure.code).exists():
        raise ValidationError({"code": _("This code is already used in this questionnaire.")})
    figure.full_clean()
    figure.save()
    log_action(actor=actor, action="figure.create", obj=figure, after=snapshot(figure))
    return figure


# --- rounds ------------------------------------------------------------------------------------


@transaction.atomic
def round_open(
    *,
    actor: Actor,
    title: str,
    questionnaire: Questionnaire,
    opens_on: dt.date,
    deadline: dt.date,
    state: State | None = None,
    is_demo: bool = False,
) -> SurveyRound:
    _check_manage(actor)
    for field, day in (("opens_on", opens_on), ("deadline", deadline)):
        try:
            plausible_date(day)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    if deadline < opens_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the opening day.")})
    if not questionnaire.topics.exists():
        raise ValidationError({"questionnaire": _("The questionnaire has no topics.")})
    number = (SurveyRound.objects.select_for_update().aggregate(n=Max("number"))["n"] or 0) + 1
    survey_round = SurveyRound(
        number=number,
        title=title.strip(),
        questionnaire=questionnaire,
        opens_on=opens_on,
        deadline=deadline,
        state=state,
        is_demo=is_demo,
    )
    survey_round.full_clean()
    survey_round.save()
    log_action(actor=actor, action="round.open", obj=survey_round, after=snapshot(survey_round))
    events.emit("round.opened", round_number=survey_round.number)
    if survey_round.opens_on <= _today() and not is_demo:
        _announce_on_commit(survey_round)
    return survey_round


def _announce_on_commit(survey_round: SurveyRound) -> None:
    from hafennetz.situation.tasks import announce_round

    transaction.on_commit(partial(announce_round.enqueue, round_id=survey_round.pk))


def round_is_locked(survey_round: SurveyRound) -> bool:
    """A round with a submitted report can no longer be changed or withdrawn."""
    return SituationReport.objects.filter(
        round=survey_round, status=ReportStatus.SUBMITTED
    ).exists()


def _refuse_after_submission(survey_round: SurveyRound, message: str) -> None:
    if SituationReport.objects.filter(round=survey_round, status=ReportStatus.SUBMITTED).exists():
        raise ValidationError(message)


@transaction.atomic
def round_update(
    *,
    actor: Actor,
    survey_round: SurveyRound,
    title: str,
    questionnaire: Questionnaire,
    opens_on: dt.date,
    deadline: dt.date,
    state: State | None = None,
) -> SurveyRound:
    """Correct a round until the first report is submitted; afterwards its questions and the
    members asked are fixed (the deadline too: reports were judged late against it)."""
    _check_manage(actor)
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    _refuse_after_submission(
        survey_round,
        _("A report of this round was already submitted; the round can no longer be changed."),
    )
    for field, day in (("opens_on", opens_on), ("deadline", deadline)):
        try:
            plausible_date(day)
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from exc
    if deadline < opens_on:
        raise ValidationError({"deadline": _("The deadline cannot be before the opening day.")})
    if not questionnaire.topics.exists():
        raise ValidationError({"questionnaire": _("The questionnaire has no topics.")})
    if (
        questionnaire.pk != survey_round.questionnaire_id
        and SituationReport.objects.filter(round=survey_round).exists()
    ):
        raise ValidationError(
            {
                "questionnaire": _(
                    "Members have started drafts with this questionnaire; "
                    "withdraw the round and open a new one instead."
                )
            }
        )
    before = snapshot(survey_round)
    survey_round.title = title.strip()
    survey_round.questionnaire = questionnaire
    survey_round.opens_on, survey_round.deadline, survey_round.state = opens_on, deadline, state
    survey_round.full_clean()
    survey_round.save()
    log_action(
        actor=actor,
        action="round.update",
        obj=survey_round,
        before=before,
        after=snapshot(survey_round),
    )
    if (
        survey_round.announced_at is None
        and survey_round.opens_on <= _today()
        and not survey_round.is_demo
    ):
        _announce_on_commit(survey_round)
    return survey_round


@transaction.atomic
def round_withdraw(*, actor: Actor, survey_round: SurveyRound) -> None:
    """Withdraw a round opened by mistake, until the first report is submitted: the round, its
    drafts and reminders are deleted (the audit log keeps what it was)."""
    _check_manage(actor)
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    _refuse_after_submission(
        survey_round,
        _("A report of this round was already submitted; the round can no longer be withdrawn."),
    )
    drafts = SituationReport.objects.filter(round=survey_round)
    log_action(
        actor=actor,
        action="round.withdraw",
        obj=survey_round,
        before={**snapshot(survey_round), "drafts": drafts.count()},
    )
    drafts.delete()
    survey_round.delete()


def round_members(survey_round: SurveyRound) -> QuerySet[Member]:
    """The members asked in a round: current alliance members (of its state, if it has one)."""
    members = Member.objects.alliance()
    if survey_round.state_id:
        members = members.filter(state_id=survey_round.state_id)
    return members


# --- reports -----------------------------------------------------------------------------------


def latest_report(survey_round: SurveyRound, member: Member) -> SituationReport | None:
    return (
        SituationReport.objects.filter(round=survey_round, member=member)
        .order_by("-version")
        .first()
    )


def _report_snapshot(report: SituationReport, rows: bool = True) -> dict[str, Any]:
    data = snapshot(
        report,
        [
            "version",
            "is_current",
            "status",
            "submitted_at",
            "is_late",
            "share_with_members",
            "review_status",
            "review_comment",
        ],
    )
    if not rows:
        return data
    data["answers"] = {
        a.topic.code: [a.strain, a.what_is_hard, a.what_works]
        for a in report.answers.select_related("topic")
    }
    data["figures"] = {
        f.figure.code: [f.value, f.confirmed_out_of_bounds]
        for f in report.figures.select_related("figure")
    }
    return data


def validate_report(
    *,
    topics: Sequence[Topic],
    figures: Sequence[KeyFigure],
    answers: Mapping[str, AnswerInput],
    values: Mapping[str, FigureInput],
    complete: bool,
) -> dict[str, list[str]]:
    """The report rules, {form field: messages}. `complete`: every topic needs a strain level."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for topic in topics:
        answer = answers.get(topic.code)
        strain = answer.strain if answer else None
        if strain is not None and strain not in StrainLevel.values:
            add(strain_field(topic.code), _("Choose a strain level from 1 to 4."))
        elif strain is None and complete:
            add(strain_field(topic.code), _("Choose a strain level for this topic."))
        for field, text in (
            (hard_field(topic.code), answer.what_is_hard if answer else ""),
            (works_field(topic.code), answer.what_works if answer else ""),
        ):
            if len(text) > TEXT_MAX:
                add(field, _("Please shorten this text to %(n)s characters.") % {"n": TEXT_MAX})
    by_id = {f.pk: f for f in figures}
    for figure in figures:
        given = values.get(figure.code)
        if given is None or given.value is None:
            continue
        value, field = given.value, figure_field(figure.code)
        if value < 0:
            add(field, _("A negative number is impossible here."))
            continue
        if value > MAX_COUNT:
            add(field, _("Please enter a number up to %(max)s.") % {"max": f"{MAX_COUNT:,}"})
            continue
        lo, hi = figure.plausible_min, figure.plausible_max
        if ((lo is not None and value < lo) or (hi is not None and value > hi)) and (
            not given.confirmed
        ):
            add(
                field,
                _(
                    "%(value)s lies outside the plausible range (%(min)s to %(max)s). Check "
                    "the number, or confirm that it is correct."
                )
                % {
                    "value": value,
                    "min": "–" if lo is None else lo,
                    "max": "–" if hi is None else hi,
                },
            )
        upper = by_id.get(figure.not_above_id) if figure.not_above_id else None
        if upper is not None:
            other = values.get(upper.code)
            if (
                other
                and other.value is not None
                and other.value >= 0  # a negative one has its own message
                and value > other.value
                and not given.confirmed
            ):
                add(
                    field,
                    _(
                        "%(label)s (%(value)s) is more than %(other_label)s (%(other)s). Correct "
                        "it, or confirm that it is correct (e.g. emergency beds)."
                    )
                    % {
                        "label": figure.label,
                        "value": value,
                        "other_label": upper.label,
                        "other": other.value,
                    },
                )
    return errors


def _is_unusual(
    figure: KeyFigure,
    value: int,
    values: Mapping[str, FigureInput],
    by_id: Mapping[int, KeyFigure] | None = None,
) -> bool:
    lo, hi = figure.plausible_min, figure.plausible_max
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return True
    if figure.not_above_id:
        upper = (by_id or {}).get(figure.not_above_id) or figure.not_above
        other = values.get(upper.code) if upper else None
        return bool(other and other.value is not None and value > other.value)
    return False


def _counted_keys(report: SituationReport) -> dict[str, Any]:
    return {
        "round_id": report.round_id,
        "member_id": report.member_id,
        "state_id": report.state_id,
        "size_class": report.size_class,
        "counted": report.is_current and report.status == ReportStatus.SUBMITTED,
        "shared": report.share_with_members,
    }


@dataclass
class _Written:
    """What `_write_rows` stored: for the audit entry and the tallies, without reading back."""

    answers: dict[str, list[Any]]
    figures: dict[str, list[Any]]
    strains: dict[int, int]


def _write_rows(
    report: SituationReport,
    topics: Sequence[Topic],
    figures: Sequence[KeyFigure],
    answers: Mapping[str, AnswerInput],
    values: Mapping[str, FigureInput],
    *,
    replace: bool = True,
) -> _Written:
    """Insert the report's rows with their counted keys (`replace`: drop the stored ones
    first; a report inserted just now has none)."""
    keys = _counted_keys(report)
    if replace:
        report.answers.all().delete()
        report.figures.all().delete()
    empty = AnswerInput(strain=None)
    rows = [
        Answer(
            report=report,
            topic=topic,
            strain=answers.get(topic.code, empty).strain,
            what_is_hard=answers.get(topic.code, empty).what_is_hard.strip(),
            what_works=answers.get(topic.code, empty).what_works.strip(),
            **keys,
        )
        for topic in topics
    ]
    Answer.objects.bulk_create(rows)
    by_id = {f.pk: f for f in figures}
    numbers = [
        FigureValue(
            report=report,
            figure=figure,
            value=values[figure.code].value or 0,
            confirmed_out_of_bounds=values[figure.code].confirmed
            and _is_unusual(figure, values[figure.code].value or 0, values, by_id),
            **keys,
        )
        for figure in figures
        if figure.code in values and values[figure.code].value is not None
    ]
    FigureValue.objects.bulk_create(numbers)
    return _Written(
        answers={a.topic.code: [a.strain, a.what_is_hard, a.what_works] for a in rows},
        figures={f.figure.code: [f.value, f.confirmed_out_of_bounds] for f in numbers},
        strains={a.topic_id: a.strain for a in rows if a.strain is not None},
    )


def new_report(survey_round: SurveyRound, member: Member) -> SituationReport:
    """An unsaved first version with the member's state and size class."""
    return SituationReport(
        round=survey_round,
        member=member,
        version=1,
        is_current=True,
        state_id=member.state_id,
        size_class=member.size_class,
        is_demo=member.is_demo,
    )


TALLY_TABLE = "situation_straintally"
TALLY_KEYS = ("round_id", "topic_id", "state_id", "size_class", "shared", "strain")


def _tally_add(deltas: Counter[tuple[Any, ...]]) -> None:
    """Add the deltas to the strain tallies in one upsert, in key order (so concurrent
    submissions lock the shared rows in the same order and cannot deadlock)."""
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    values = ", ".join(["(" + ", ".join(["%s"] * (len(TALLY_KEYS) + 1)) + ")"] * len(rows))
    params: list[Any] = [v for key, n in rows for v in (*key, n)]
    columns = ", ".join(TALLY_KEYS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TALLY_TABLE} ({columns}, n) VALUES {values} "  # noqa: S608
            f"ON CONFLICT ({columns}) DO UPDATE SET n = {TALLY_TABLE}.n + EXCLUDED.n",
            params,
        )


def _tally_of(report: SituationReport, sign: int) -> Counter[tuple[Any, ...]]:
    deltas: Counter[tuple[Any, ...]] = Counter()
    for topic_id, strain in report.answers.filter(strain__isnull=False).values_list(
        "topic_id", "strain"
    ):
        key = (
            report.round_id,
            topic_id,
            report.state_id,
            report.size_class,
            report.share_with_members,
            strain,
        )
        deltas[key] += sign
    return deltas


@transaction.atomic
def tallies_rebuild(*, round_ids: Sequence[int] | None = None) -> None:
    """Recompute the strain tallies from the counted answer rows (after bulk loads)."""
    tallies = StrainTally.objects.all()
    answers = Answer.objects.filter(counted=True, strain__isnull=False)
    if round_ids is not None:
        tallies = tallies.filter(round_id__in=round_ids)
        answers = answers.filter(round_id__in=round_ids)
    tallies.delete()
    StrainTally.objects.bulk_create(
        StrainTally(n=row.pop("n"), **row)
        for row in answers.values(*TALLY_KEYS).annotate(n=Count("id")).order_by()
    )


def _mark_submitted(
    report: SituationReport, actor: Actor, now: dt.datetime
) -> Counter[tuple[Any, ...]]:
    """Make the (not yet saved) report the submitted, current version: the previous current
    version stops counting. Returns the tally deltas of that previous version."""
    deltas: Counter[tuple[Any, ...]] = Counter()
    # Version 1 has no other version; later ones are copies made by report_new_version.
    previous = (
        SituationReport.objects.select_for_update()
        .filter(round_id=report.round_id, member_id=report.member_id, is_current=True)
        .exclude(pk=report.pk)
        .first()
        if report.version > 1
        else None
    )
    if previous is not None:
        if previous.status == ReportStatus.SUBMITTED:
            deltas.update(_tally_of(previous, -1))
        previous.is_current = False
        previous.save(update_fields=["is_current", "updated_at"])
        previous.answers.update(counted=False)
        previous.figures.update(counted=False)
    report.status = ReportStatus.SUBMITTED
    report.is_current = True
    report.submitted_at = now
    report.submitted_by = _as_user(actor)
    report.is_late = timezone.localdate(now) > report.round.deadline
    return deltas


# Set by the service from loaded rows; full_clean would check each with a query.
_REPORT_FKS = ["round", "member", "state", "submitted_by", "reviewed_by"]


@transaction.atomic
def report_save(
    *,
    actor: Actor,
    survey_round: SurveyRound,
    member: Member,
    share_with_members: bool,
    answers: Mapping[str, AnswerInput],
    figures: Mapping[str, FigureInput],
    submit: bool = False,
    now: dt.datetime | None = None,
    topics: Sequence[Topic] | None = None,
    figure_defs: Sequence[KeyFigure] | None = None,
) -> SituationReport:
    """Save the member's open version as a draft, or submit it (then it is locked).

    `topics` and `figure_defs`: the round questionnaire's topics (in order) and key figures
    (with `not_above`), if the caller has loaded them already (the report form has)."""
    _check_report(actor, member)
    now = now or timezone.now()
    questionnaire = survey_round.questionnaire
    if topics is None:
        topics = list(questionnaire.topics.order_by("order", "code"))
    if figure_defs is None:
        figure_defs = list(questionnaire.figures.select_related("topic", "not_above"))
    unknown = set(answers) - {t.code for t in topics}
    unknown |= set(figures) - {f.code for f in figure_defs}
    if unknown:
        raise ValueError(f"not in questionnaire {questionnaire.version}: {sorted(unknown)}")
    if survey_round.opens_on > timezone.localdate(now):
        raise ValidationError(
            _("This survey round opens on %(date)s.")
            % {"date": survey_round.opens_on.strftime("%d.%m.%Y")}
        )
    if survey_round.state_id and survey_round.state_id != member.state_id:
        raise ValidationError(_("This survey round asks only the members of another state."))
    report = (
        SituationReport.objects.select_for_update()
        .filter(round=survey_round, member=member)
        .order_by("-version")
        .first()
    )
    if report is not None and report.is_locked:
        raise ValidationError(
            _(
                "This report was submitted and is locked. To correct it, start a new version; "
                "the submitted one is kept."
            )
        )
    errors = validate_report(
        topics=topics, figures=figure_defs, answers=answers, values=figures, complete=submit
    )
    if errors:
        raise ValidationError(errors)
    before = _report_snapshot(report) if report else None
    report = report or new_report(survey_round, member)
    stored = report.pk is not None
    report.round, report.member = survey_round, member
    report.share_with_members = share_with_members
    deltas = _mark_submitted(report, actor, now) if submit else Counter()
    # The unique version and "one current version" rules are database constraints.
    report.full_clean(exclude=_REPORT_FKS, validate_unique=False, validate_constraints=False)
    report.save()
    # Written with their final counted flag: counted if the report is submitted now.
    written = _write_rows(report, topics, figure_defs, answers, figures, replace=stored)
    if submit:
        for topic_id, strain in written.strains.items():
            key = (
                report.round_id,
                topic_id,
                report.state_id,
                report.size_class,
                report.share_with_members,
                strain,
            )
            deltas[key] += 1
        _tally_add(deltas)
    after = _report_snapshot(report, rows=False)
    after |= {"answers": written.answers, "figures": written.figures}
    log_action(
        actor=actor,
        action="report.submit" if submit else "report.save",
        obj=report,
        before=before,
        after=after,
    )
    if submit:
        events.emit(
            "report.submitted",
            report_id=report.pk,
            round_number=survey_round.number,
            member_id=member.pk,
            ags=member.ags,
        )
    return report


@transaction.atomic
def report_new_version(*, actor: Actor, report: SituationReport) -> SituationReport:
    """A draft copy of a submitted report for corrections; the submitted one stays current
    (and counted) until the new version is submitted."""
    _check_report(actor, report.member)
    latest = latest_report(report.round, report.member)
    if latest is None or latest.pk != report.pk or not report.is_locked:
        raise ValidationError(_("Only the latest submitted version can be corrected."))
    copy = SituationReport(
        round_id=report.round_id,
        member_id=report.member_id,
        version=report.version + 1,
        is_current=False,
        share_with_members=report.share_with_members,
        state_id=report.state_id,
        size_class=report.size_class,
        is_demo=report.is_demo,
    )
    copy.full_clean()
    copy.save()
    keys = _counted_keys(copy)
    Answer.objects.bulk_create(
        Answer(
            report=copy,
            topic_id=a.topic_id,
            strain=a.strain,
            what_is_hard=a.what_is_hard,
            what_works=a.what_works,
            **keys,
        )
        for a in report.answers.all()
    )
    FigureValue.objects.bulk_create(
        FigureValue(
            report=copy,
            figure_id=f.figure_id,
            value=f.value,
            confirmed_out_of_bounds=f.confirmed_out_of_bounds,
            **keys,
        )
        for f in report.figures.all()
    )
    log_action(
        actor=actor,
        action="report.new_version",
        obj=copy,
        after={"version": copy.version, "based_on": report.pk},
    )
    return copy


def _staff_emails(member_ids: Iterable[int]) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    rows = StaffAccount.objects.filter(member_id__in=list(member_ids), user__is_active=True)
    for member_id, email in rows.values_list("member_id", "user__email"):
        if email:
            emails.setdefault(member_id, []).append(email)
    return emails


def _send_on_commit(messages: list[EmailMessage]) -> None:
    if messages:
        transaction.on_commit(lambda: get_connection().send_messages(messages))


@transaction.atomic
def report_review(
    *, actor: Actor, report: SituationReport, review_status: str, comment: str = ""
) -> SituationReport:
    if not actor_may(actor, can_review(actor)):
        raise AccessDenied(_("Only the coordination office may review reports."))
    report = SituationReport.objects.select_for_update().select_related("round").get(pk=report.pk)
    if not (report.is_locked and report.is_current):
        raise ValidationError(_("Only the current submitted version can be reviewed."))
    status = ReviewStatus(review_status)
    comment = comment.strip()
    if status in {ReviewStatus.QUERY, ReviewStatus.ON_HOLD} and not comment:
        raise ValidationError({"comment": _("Tell the member what the query is about.")})
    before = _report_snapshot(report)
    if status == ReviewStatus.QUERY:
        # A new question: the member's earlier answer stays in the audit log.
        report.member_answer, report.answered_at = "", None
    report.review_status = status
    report.review_comment = comment
    report.reviewed_by = _as_user(actor)
    report.reviewed_at = timezone.now()
    report.save()
    log_action(
        actor=actor,
        action="report.review",
        obj=report,
        before=before,
        after=_report_snapshot(report),
    )
    if status == ReviewStatus.QUERY:
        url = _link(
            reverse(
                "report-detail", kwargs={"number": report.round.number, "ags": report.member.ags}
            )
        )
        recipients = _staff_emails([report.member_id]).get(report.member_id, [])
        if recipients:
            with translation.override(settings.LANGUAGE_CODE):
                body = render_to_string(
                    "situation/email/query.txt",
                    {"report": report, "comment": comment, "url": url},
                )
                subject = _("Query about your situation report – %(round)s") % {
                    "round": report.round.title
                }
            _send_on_commit([EmailMessage(subject=subject, body=body, to=recipients)])
    return report


@transaction.atomic
def report_answer(*, actor: Actor, report: SituationReport, answer: str) -> SituationReport:
    """The member answers the coordination office's query on its report; the report goes back
    into the office's review queue as "answered"."""
    report = SituationReport.objects.select_for_update().select_related("member").get(pk=report.pk)
    _check_report(actor, report.member)
    if not (report.is_current and report.is_locked and report.review_status == ReviewStatus.QUERY):
        raise ValidationError(_("There is no open query about this report."))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Please write your answer.")})
    before = _report_snapshot(report, rows=False)
    report.member_answer = answer
    report.answered_at = timezone.now()
    report.save(update_fields=["member_answer", "answered_at", "updated_at"])
    log_action(
        actor=actor,
        action="report.answer",
        obj=report,
        before=before,
        after=_report_snapshot(report, rows=False),
    )
    return report


def round_announcement(survey_round: SurveyRound) -> int:
    """E-mail the staff of every member asked in the round that it is open (once per round:
    `announced_at` is set under the round's lock). Returns the number of members written to.
    Called by the background worker (tasks.announce_round) and the daily job."""
    with transaction.atomic():
        locked = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
        if locked.announced_at is not None or locked.opens_on > _today():
            return 0
        locked.announced_at = timezone.now()
        locked.save(update_fields=["announced_at", "updated_at"])
        members = list(round_members(locked))
        emails = _staff_emails(m.pk for m in members)
        messages: list[EmailMessage] = []
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Situation report: „%(round)s“ is open until %(date)s") % {
                "round": locked.title,
                "date": locked.deadline.strftime("%d.%m.%Y"),
            }
            for member in members:
                recipients = emails.get(member.pk, [])
                if not recipients:
                    continue
                url = _link(
                    reverse("report-edit", kwargs={"number": locked.number, "ags": member.ags})
                )
                body = render_to_string(
                    "situation/email/round_open.txt",
                    {"round": locked, "member": member, "url": url},
                )
                messages.append(EmailMessage(subject=subject, body=body, to=recipients))
        log_action(
            actor="announce_round",
            action="round.announce",
            obj=locked,
            after={"members": len(messages)},
        )
        _send_on_commit(messages)
    return len(messages)


def rounds_announce_due(*, today: dt.date | None = None) -> int:
    """The daily job: announce every round that has opened and is not announced yet (rounds
    whose deadline has passed are not announced any more)."""
    today = today or _today()
    total = 0
    for survey_round in SurveyRound.objects.filter(
        announced_at__isnull=True, opens_on__lte=today, deadline__gte=today, is_demo=False
    ):
        total += round_announcement(survey_round)
    return total


def _link(path: str) -> str:
    """An absolute link for e-mails (SITE_URL); a relative one on a development machine without
    SITE_URL, where mails go to the console anyway."""
    try:
        return absolute_url(path)
    except ImproperlyConfigured:
        return path


# --- reminders ---------------------------------------------------------------------------------


def members_without_report(
    survey_round: SurveyRound, states: Sequence[str] | None = None
) -> QuerySet[Member]:
    members = round_members(survey_round)
    if states is not None:
        members = members.filter(state_id__in=states)
    submitted = SituationReport.objects.filter(
        round=survey_round, status=ReportStatus.SUBMITTED
    ).values("member_id")
    return members.exclude(pk__in=submitted)


def _reminder_messages(
    survey_round: SurveyRound, members: Sequence[Member]
) -> tuple[list[EmailMessage], dict[int, int]]:
    emails = _staff_emails(m.pk for m in members)
    messages: list[EmailMessage] = []
    counts: dict[int, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: situation report due on %(date)s") % {
            "date": survey_round.deadline.strftime("%d.%m.%Y")
        }
        for member in members:
            recipients = emails.get(member.pk, [])
            counts[member.pk] = len(recipients)
            if not recipients:
                continue
            url = _link(
                reverse("report-edit", kwargs={"number": survey_round.number, "ags": member.ags})
            )
            body = render_to_string(
                "situation/email/reminder.txt",
                {"round": survey_round, "member": member, "url": url},
            )
            messages.append(EmailMessage(subject=subject, body=body, to=recipients))
    return messages, counts


@transaction.atomic
def reminders_send(
    *, actor: Actor, survey_round: SurveyRound, states: Sequence[str] | None = None
) -> int:
    """The manual "remind" button: e-mail the staff of every member of the given states (None:
    all) without a submitted report; members reminded by hand today are skipped."""
    if actor is not None:
        allowed = progress_states(actor, survey_round) if can_follow_progress(actor) else []
        if allowed is not None and (states is None or not set(states) <= set(allowed)):
            raise AccessDenied(_("You may remind the members of the states you coordinate only."))
    today_start = timezone.make_aware(dt.datetime.combine(_today(), dt.time.min))
    already = Reminder.objects.filter(
        round=survey_round, kind=ReminderKind.MANUAL, sent_at__gte=today_start
    ).values("member_id")
    members = list(members_without_report(survey_round, states).exclude(pk__in=already))
    messages, counts = _reminder_messages(survey_round, members)
    user = _as_user(actor)
    Reminder.objects.bulk_create(
        Reminder(
            round=survey_round,
            member=m,
            kind=ReminderKind.MANUAL,
            sent_by=user,
            recipients=counts[m.pk],
        )
        for m in members
    )
    log_action(
        actor=actor,
        action="reminder.send",
        obj=survey_round,
        after={"kind": "manual", "states": list(states or []), "members": [m.ags for m in members]},
    )
    _send_on_commit(messages)
    return len(members)


@transaction.atomic
def reminders_send_due(*, today: dt.date | None = None) -> int:
    """The daily job: for every open round whose deadline is one of SITUATION_REMINDER_DAYS
    away, remind each member without a submitted report once for that offset."""
    today = today or _today()
    offsets = sorted(set(settings.SITUATION_REMINDER_DAYS))
    deadlines = [today + dt.timedelta(days=d) for d in offsets]
    total = 0
    for survey_round in SurveyRound.objects.filter(deadline__in=deadlines, opens_on__lte=today):
        days = (survey_round.deadline - today).days
        done = Reminder.objects.filter(
            round=survey_round, kind=ReminderKind.AUTOMATIC, days_before=days
        ).values("member_id")
        members = list(members_without_report(survey_round).exclude(pk__in=done))
        if not members:
            continue
        messages, counts = _reminder_messages(survey_round, members)
        Reminder.objects.bulk_create(
            Reminder(
                round=survey_round,
                member=m,
                kind=ReminderKind.AUTOMATIC,
                days_before=days,
                recipients=counts[m.pk],
            )
            for m in members
        )
        log_action(
            actor="send_reminders",
            action="reminder.send",
            obj=survey_round,
            after={"kind": "automatic", "days_before": days, "members": [m.ags for m in members]},
        )
        _send_on_commit(messages)
        total += len(members)
    return total
