"""Matrix rows of the Lagebild."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .common import (
    AGS,
    LOGGED_IN,
    NOT_ALLOWED,
    OFFICE_ONLY,
    OK,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    Post,
    with_answer,
)

# Who follows a round's progress: the state coordinations (for their states) and the office.
FOLLOWERS = {**OFFICE_ONLY, "state_same": OK, "state_other": OK}

GET = {
    # Lagebild (situation). Round 3 is past (Detmold submitted, not shared), round 4 is open.
    "situation-overview": ({}, LOGGED_IN),
    "situation-public": ({}, PUBLIC),
    "round-dashboard": ({"number": 3}, LOGGED_IN),
    "round-pdf": ({"number": 3}, LOGGED_IN),
    "round-progress": ({"number": 4}, FOLLOWERS),
    # POST only: the access check answers first, then the method check.
    "round-remind": ({"number": 4}, with_answer(NOT_ALLOWED, FOLLOWERS)),
    "round-export": ({"number": 3, "fmt": "csv"}, FOLLOWERS),
    "report-detail": ({"number": 3, "ags": AGS}, {**OWN_OR_OFFICE, "state_same": OK}),
    "report-edit": ({"number": 4, "ags": AGS}, OWN_OR_OFFICE),
    "report-new-version": ({"number": 3, "ags": AGS}, with_answer(NOT_ALLOWED, OWN_OR_OFFICE)),
    "report-review": ({"number": 3, "ags": AGS}, OFFICE_ONLY),
    "report-answer": ({"number": 3, "ags": AGS}, with_answer(NOT_ALLOWED, OWN_OR_OFFICE)),
    "round-review-queue": ({"number": 3}, OFFICE_ONLY),
    "round-edit": ({"number": "{draft_round}"}, OFFICE_ONLY),
    "round-withdraw": ({"number": "{draft_round}"}, OFFICE_ONLY),
    "situation-admin": ({}, OFFICE_ONLY),
    "round-create": ({}, OFFICE_ONLY),
    "topic-create": ({}, OFFICE_ONLY),
    "topic-edit": ({"code": "housing"}, OFFICE_ONLY),
    "questionnaire-detail": ({"version": 1}, OFFICE_ONLY),
    "figure-create": ({"version": 1}, OFFICE_ONLY),
    "questionnaire-new-version": ({"version": 1}, with_answer(NOT_ALLOWED, OFFICE_ONLY)),
}


def _draft(_context: Mapping[str, Any]) -> dict[str, str]:
    """A draft of Detmold's report in the open round: a strain level per topic, two figures."""
    from hafennetz.situation.models import Questionnaire

    topics = Questionnaire.objects.get(version=1).topics.all()
    data = {f"strain_{t.code}": "2" for t in topics}
    return data | {"figure_places_available": "120", "figure_places_occupied": "80"}


def _new_round(_context: Mapping[str, Any]) -> dict[str, str]:
    from django.utils import timezone

    from hafennetz.situation.models import Questionnaire

    today = timezone.localdate()
    return {
        "title": "Lagebild Test",
        "questionnaire": str(Questionnaire.objects.get(version=1).pk),
        "opens_on": today.isoformat(),
        "deadline": (today + dt.timedelta(days=14)).isoformat(),
        "state": "",
    }


def _unlocked_version() -> Any:
    """Version 2: a copy of version 1 no round uses yet (so its topics and figures can change).
    Made before the request, so the nothing-changed check of refused roles starts after it."""
    from hafennetz.situation import services
    from hafennetz.situation.models import Questionnaire

    found = Questionnaire.objects.filter(version=2).first()
    return found or services.questionnaire_new_version(
        actor=None, based_on=Questionnaire.objects.get(version=1)
    )


def _topics_of_version_2(_context: Mapping[str, Any]) -> dict[str, list[str]]:
    topics = list(_unlocked_version().topics.order_by("order"))[:3]
    return {"topics": [str(t.pk) for t in topics]}


def _figure_for_version_2(_context: Mapping[str, Any]) -> dict[str, str]:
    housing = _unlocked_version().topics.get(code="housing")
    return {
        "topic": str(housing.pk),
        "code": "emergency_beds",
        "label_de": "Notbetten",
        "label_en": "Emergency beds",
        "unit": "Betten",
        "plausible_min": "0",
        "plausible_max": "500",
        "not_above": "",
        "order": "9",
    }


def _query_answer(_context: Mapping[str, Any]) -> dict[str, str]:
    """Detmold's round-3 report was asked about by the office (made before the request)."""
    from hafennetz.situation.models import SituationReport

    SituationReport.objects.filter(
        round__number=3, member__municipality_id=AGS, is_current=True
    ).update(review_status="query", review_comment="Bitte Zahl prüfen.")
    return {"answer": "Die Zahl stimmt."}


def _round_edit(context: Mapping[str, Any]) -> dict[str, str]:
    return _new_round(context) | {"title": "Lagebild Entwurf (geändert)"}


POST: dict[str, Post] = {
    "report-answer": Post(
        {"number": 3, "ags": AGS}, _query_answer, with_answer(REDIRECT, OWN_OR_OFFICE)
    ),
    "round-edit": Post(
        {"number": "{draft_round}"}, _round_edit, with_answer(REDIRECT, OFFICE_ONLY)
    ),
    "round-withdraw": Post(
        {"number": "{draft_round}"}, {"confirm": "on"}, with_answer(REDIRECT, OFFICE_ONLY)
    ),
    "round-remind": Post(
        {"number": 4},
        {"state": "05"},
        {**OFFICE_ONLY, "state_same": REDIRECT, "office": REDIRECT},
    ),
    "report-edit": Post({"number": 4, "ags": AGS}, _draft, with_answer(REDIRECT, OWN_OR_OFFICE)),
    "report-new-version": Post({"number": 3, "ags": AGS}, {}, with_answer(REDIRECT, OWN_OR_OFFICE)),
    "report-review": Post(
        {"number": 3, "ags": AGS},
        {"review_status": "approved", "comment": "Danke."},
        with_answer(REDIRECT, OFFICE_ONLY),
    ),
    "round-create": Post({}, _new_round, with_answer(REDIRECT, OFFICE_ONLY)),
    "topic-create": Post(
        {},
        {"code": "mobility", "name_de": "Mobilität", "name_en": "Mobility", "order": "90"},
        with_answer(REDIRECT, OFFICE_ONLY),
    ),
    "topic-edit": Post(
        {"code": "housing"},
        {
            "code": "housing",
            "name_de": "Wohnen",
            "name_en": "Housing",
            "order": "10",
            "active": "on",
        },
        with_answer(REDIRECT, OFFICE_ONLY),
    ),
    "questionnaire-detail": Post(
        {"version": 2}, _topics_of_version_2, with_answer(REDIRECT, OFFICE_ONLY)
    ),
    "figure-create": Post(
        {"version": 2}, _figure_for_version_2, with_answer(REDIRECT, OFFICE_ONLY)
    ),
    "questionnaire-new-version": Post({"version": 1}, {}, with_answer(REDIRECT, OFFICE_ONLY)),
}

# URLs that take no POST (they answer 405): posting to them must change nothing.
NO_POST: set[str] = {
    "situation-overview",
    "situation-public",
    "round-dashboard",
    "round-pdf",
    "round-progress",
    "round-export",
    "report-detail",
    "situation-admin",
    "round-review-queue",
}


def situation_context() -> dict[str, Any]:
    """A round opened today that nobody has submitted to: it can still be edited or withdrawn."""
    from django.db.models import Max
    from django.utils import timezone

    from hafennetz.situation.models import Questionnaire, SurveyRound

    today = timezone.localdate()
    number = (SurveyRound.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    SurveyRound.objects.create(
        number=number,
        title="Lagebild Entwurf (Matrix)",
        questionnaire=Questionnaire.objects.get(version=1),
        opens_on=today,
        deadline=today + dt.timedelta(days=14),
    )
    return {"{draft_round}": number}
