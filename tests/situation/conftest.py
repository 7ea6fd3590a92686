"""Lagebild fixtures: the demo questionnaire and rounds (tests/conftest.py seeds them), and a
fresh nationwide round for tests that need known numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone, translation

from hafennetz.members.models import Member
from hafennetz.situation import services
from hafennetz.situation.models import Questionnaire, SituationReport, SurveyRound
from hafennetz.situation.services import AnswerInput, FigureInput

TOPICS = ["housing", "childcare", "school", "labour", "social", "staff", "health", "language"]


@pytest.fixture(autouse=True)
def _english_messages() -> Any:
    """Service messages are matched in English (the msgids); pages are tested in German."""
    with translation.override("en"):
        yield


@pytest.fixture
def questionnaire(db: Any) -> Questionnaire:
    return Questionnaire.objects.get(version=1)


@pytest.fixture
def open_round(db: Any) -> SurveyRound:
    return SurveyRound.objects.get(number=4)


@pytest.fixture
def fresh_round(office_user: Any, questionnaire: Questionnaire) -> SurveyRound:
    today = timezone.localdate()
    return services.round_open(
        actor=office_user,
        title="Testrunde",
        questionnaire=questionnaire,
        opens_on=today - dt.timedelta(days=3),
        deadline=today + dt.timedelta(days=7),
    )


def all_answers(strain: int | None = 2, **overrides: int) -> dict[str, AnswerInput]:
    return {code: AnswerInput(strain=overrides.get(code, strain)) for code in TOPICS}


def figures(**values: int | tuple[int, bool]) -> dict[str, FigureInput]:
    result = {}
    for code, value in values.items():
        number, confirmed = value if isinstance(value, tuple) else (value, False)
        result[code] = FigureInput(value=number, confirmed=confirmed)
    return result


@pytest.fixture
def submit() -> Callable[..., SituationReport]:
    def do(
        survey_round: SurveyRound,
        member: Member,
        actor: Any = None,
        strain: int = 2,
        share: bool = False,
        **overrides: int,
    ) -> SituationReport:
        return services.report_save(
            actor=actor,
            survey_round=survey_round,
            member=member,
            share_with_members=share,
            answers=all_answers(strain, **overrides),
            figures={},
            submit=True,
        )

    return do
