"""The report form through HTTP (errors at the field, draft, submit, lock, new version), the
review, and the exports read back: CSV, XLSX (openpyxl) and the PDF (text via pypdf)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from hafennetz.members.models import Member
from hafennetz.situation.models import ReportStatus, SituationReport, SurveyRound

from .conftest import TOPICS

pytestmark = pytest.mark.django_db


def _form(strain: int = 2, **extra: str) -> dict[str, str]:
    data = {f"strain_{code}": str(strain) for code in TOPICS}
    data.update(extra)
    return data


def test_fill_in_save_draft_submit_and_correct(
    client: Client, open_round: SurveyRound, own_member: Member, member_user: Any
) -> None:
    client.force_login(member_user)
    url = reverse("report-edit", kwargs={"number": open_round.number, "ags": own_member.ags})
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="prefilled"' in page.content.decode()  # from the member's report of round 3

    bad = client.post(url, _form(figure_places_available="-3", save="1"))
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert list(errors) == ["figure_places_available"]

    over = client.post(
        url, _form(figure_places_available="10", figure_places_occupied="12", save="1")
    )
    assert list(over.context["form"].errors) == ["figure_places_occupied"]
    assert 'name="confirm_places_occupied"' in over.content.decode()

    draft = client.post(
        url,
        _form(
            figure_places_available="10",
            figure_places_occupied="12",
            confirm_places_occupied="on",
            hard_housing="Turnhallen belegt",
            save="1",
        ),
    )
    assert draft.status_code == 302
    report = SituationReport.objects.get(round=open_round, member=own_member)
    assert report.status == ReportStatus.DRAFT

    done = client.post(
        url,
        _form(
            3,
            figure_places_available="10",
            figure_places_occupied="12",
            confirm_places_occupied="on",
            submit="1",
        ),
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert client.get(url).status_code == 302  # locked: back to the report page

    new = reverse("report-new-version", kwargs={"number": open_round.number, "ags": own_member.ags})
    assert client.post(new).status_code == 302
    assert SituationReport.objects.filter(round=open_round, member=own_member).count() == 2
    detail = client.get(
        reverse("report-detail", kwargs={"number": open_round.number, "ags": own_member.ags})
    )
    assert "v2" in detail.content.decode() and "v1" in detail.content.decode()


def test_shared_reports_are_visible_to_other_members(
    client: Client, fresh_round: SurveyRound, own_member: Member, submit: Callable[..., Any]
) -> None:
    other = Member.objects.get(municipality_id="03254021")
    user = _staff(other)
    client.force_login(user)
    url = reverse("report-detail", kwargs={"number": fresh_round.number, "ags": own_member.ags})
    submit(fresh_round, own_member, share=False)
    assert client.get(url).status_code == 403
    SituationReport.objects.filter(round=fresh_round, member=own_member).update(
        share_with_members=True
    )
    assert client.get(url).status_code == 200


def _staff(member: Member) -> Any:
    from django.contrib.auth import get_user_model

    from hafennetz.members.models import StaffAccount

    user = get_user_model().objects.create_user(username="other@test.example", password="x-Pass-1")
    StaffAccount.objects.create(user=user, member=member)
    return user


def test_review_form_saves_status(
    client: Client,
    fresh_round: SurveyRound,
    own_member: Member,
    office_user: Any,
    submit: Callable[..., Any],
) -> None:
    submit(fresh_round, own_member)
    client.force_login(office_user)
    url = reverse("report-review", kwargs={"number": fresh_round.number, "ags": own_member.ags})
    missing = client.post(url, {"review_status": "query", "comment": ""})
    assert list(missing.context["form"].errors) == ["comment"]
    assert client.post(url, {"review_status": "approved"}).status_code == 302
    assert SituationReport.objects.get(round=fresh_round).review_status == "approved"


@pytest.fixture
def two_reports(
    fresh_round: SurveyRound, own_member: Member, submit: Callable[..., Any]
) -> SurveyRound:
    from hafennetz.situation import services

    from .conftest import all_answers, figures

    services.report_save(
        actor=None,
        survey_round=fresh_round,
        member=own_member,
        share_with_members=False,
        answers=all_answers(2, housing=4),
        figures=figures(places_available=120, places_occupied=110, vacancies=3),
        submit=True,
    )
    submit(fresh_round, Member.objects.get(municipality_id="01002000"), strain=1)  # Kiel
    return fresh_round


def test_csv_export_one_row_per_member_and_topic(
    client: Client, two_reports: SurveyRound, office_user: Any
) -> None:
    client.force_login(office_user)
    response = client.get(
        reverse("round-export", kwargs={"number": two_reports.number, "fmt": "komma.csv"})
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 * 8
    detmold = {r["topic_code"]: r for r in rows if r["ags"] == "05766020"}
    assert detmold["housing"]["strain_level"] == "4"
    assert detmold["housing"]["places_available (Plätze)"] == "120"
    assert detmold["staff"]["vacancies (Stellen)"] == "3"
    assert detmold["school"]["places_available (Plätze)"] == ""  # only in its topic's row
    assert detmold["housing"]["late"] in ("yes", "no")


def test_excel_csv_has_german_headers_and_values(
    client: Client, two_reports: SurveyRound, office_user: Any
) -> None:
    """What a person double-clicks: semicolons, BOM, German headers, "ja"/"nein"."""
    client.force_login(office_user)
    response = client.get(
        reverse("round-export", kwargs={"number": two_reports.number, "fmt": "csv"})
    )
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 * 8
    detmold = [r for r in rows if r["AGS"] == "05766020"]
    assert {r["Verspätet"] for r in detmold} <= {"ja", "nein"}
    assert {r["Themenfeld"] for r in detmold} >= {"Unterbringung"}


def test_xlsx_export_and_state_scope(
    client: Client, two_reports: SurveyRound, state_coordinator: Any
) -> None:
    client.force_login(state_coordinator)  # Schleswig-Holstein: sees only Kiel
    response = client.get(
        reverse("round-export", kwargs={"number": two_reports.number, "fmt": "xlsx"})
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(body) == 8
    assert {row[header.index("AGS")] for row in body} == {"01002000"}
    assert {row[header.index("Belastungsstufe")] for row in body} == {1}


def test_pdf_report_renders_and_reads_back(
    client: Client, two_reports: SurveyRound, office_user: Any
) -> None:
    client.force_login(office_user)
    response = client.get(reverse("round-pdf", kwargs={"number": two_reports.number}))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Testrunde" in text
    assert "Unterbringung" in text and "Nordrhein-Westfalen" in text
    assert "4,0" in text  # Detmold's housing mean in NRW (office view, unsuppressed)
