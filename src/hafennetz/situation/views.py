"""Lagebild pages. Each view parses, checks permission, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hafennetz.core.exports import download
from hafennetz.core.forms import run_service
from hafennetz.members import selectors as member_selectors
from hafennetz.members.models import Member
from hafennetz.members.permissions import roles_of
from hafennetz.situation import exports, selectors, services
from hafennetz.situation.forms import (
    DashboardFilterForm,
    FigureForm,
    QuestionnaireTopicsForm,
    ReportForm,
    ReviewForm,
    RoundForm,
    TopicForm,
)
from hafennetz.situation.models import SurveyRound
from hafennetz.situation.permissions import (
    can_export,
    can_fill_report,
    can_follow_progress,
    can_manage_survey,
    can_review,
    can_see_all_reports_of,
    can_view_dashboard,
    can_view_report,
    progress_states,
)
from hafennetz.web.decorators import deny, is_authenticated, require


@require(can_view_dashboard)
def overview(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request.user)
    member = Member.objects.filter(pk=roles.member_id).first() if roles.member_id else None
    return render(
        request,
        "situation/overview.html",
        {
            "member": member,
            "member_rounds": selectors.member_rounds(member) if member else [],
            "rounds": selectors.rounds(),
            "can_follow": can_follow_progress(request.user),
            "can_manage": can_manage_survey(request.user),
        },
    )


def public(request: HttpRequest) -> HttpResponse:
    survey_round = selectors.public_round()
    board = form = None
    if survey_round is not None:
        form = DashboardFilterForm(
            request.GET or None,
            topics=selectors.questionnaire_topics(survey_round.questionnaire),
        )
        board = selectors.dashboard(
            survey_round=survey_round,
            filters=form.filters(),
            viewer=request.user,
            public=True,
            with_points=False,
        )
    return render(
        request,
        "situation/public.html",
        {"round": survey_round, "board": board, "form": form, "public": True},
    )


@require(can_view_dashboard)
def dashboard(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = selectors.round_by_number(number)
    form = DashboardFilterForm(
        request.GET or None, topics=selectors.questionnaire_topics(survey_round.questionnaire)
    )
    board = selectors.dashboard(
        survey_round=survey_round, filters=form.filters(), viewer=request.user
    )
    return render(
        request,
        "situation/dashboard.html",
        {
            "round": survey_round,
            "board": board,
            "form": form,
            "rounds": selectors.rounds(),
            "can_follow": can_follow_progress(request.user),
            "can_export": can_export(request.user),
            "query": request.GET.urlencode(),
        },
    )


@require(can_view_dashboard)
def pdf(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = selectors.round_by_number(number)
    form = DashboardFilterForm(
        request.GET or None, topics=selectors.questionnaire_topics(survey_round.questionnaire)
    )
    board = selectors.dashboard(
        survey_round=survey_round, filters=form.filters(), viewer=request.user, with_points=False
    )
    response = HttpResponse(
        exports.render_pdf(board, generated_by=request.user.get_username()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="lagebild-runde-{number}.pdf"'
    return response


@require(can_follow_progress)
def progress(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = selectors.round_by_number(number)
    states = progress_states(request.user, survey_round)
    summary = selectors.round_progress(survey_round, states)
    chosen = request.GET.get("state") or (states[0] if states and len(states) == 1 else None)
    if chosen and states is not None and chosen not in states:
        raise PermissionDenied
    return render(
        request,
        "situation/progress.html",
        {
            "round": survey_round,
            "summary": summary,
            "chosen": chosen,
            "members": selectors.member_progress(survey_round, chosen) if chosen else None,
            "can_review": can_review(request.user),
        },
    )


@require(can_follow_progress)
@require_POST
def remind(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = selectors.round_by_number(number)
    allowed = progress_states(request.user, survey_round)
    state = request.POST.get("state") or None
    if state and allowed is not None and state not in allowed:
        raise PermissionDenied
    states = [state] if state else allowed
    count = services.reminders_send(actor=request.user, survey_round=survey_round, states=states)
    messages.success(
        request, _("Reminders sent to %(n)s members without a submitted report.") % {"n": count}
    )
    url = redirect("round-progress", number=number).url
    return redirect(f"{url}?state={state}" if state else url)


@require(can_export)
def export(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    survey_round = selectors.round_by_number(number)
    rows = exports.export_rows(survey_round, progress_states(request.user, survey_round))
    return download(rows, fmt=fmt, filename=f"lagebild-runde-{number}", title=f"Lagebild {number}")


def _round_and_member(number: int, ags: str) -> tuple[SurveyRound, Member]:
    return selectors.round_by_number(number), member_selectors.member_by_ags(ags)


def report_detail(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return deny(request)
    survey_round, member = _round_and_member(number, ags)
    versions = selectors.report_versions(survey_round, member)
    if can_see_all_reports_of(request.user, member):
        shown = versions
    else:
        shown = [v for v in versions if v.is_current and can_view_report(request.user, v)]
        if not shown:
            raise PermissionDenied
    chosen = shown[0] if shown else None
    version = request.GET.get("version")
    if version and version.isdigit():
        chosen = next((v for v in shown if v.version == int(version)), chosen)
    return render(
        request,
        "situation/report_detail.html",
        {
            "round": survey_round,
            "member": member,
            "versions": shown,
            "report": chosen,
            "rows": selectors.report_with_rows(chosen) if chosen else None,
            "can_fill": can_fill_report(request.user, member),
            "can_review": can_review(request.user),
        },
    )


def report_edit(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return deny(request)
    survey_round, member = _round_and_member(number, ags)
    if not can_fill_report(request.user, member):
        raise PermissionDenied
    questionnaire = survey_round.questionnaire
    topics = selectors.questionnaire_topics(questionnaire)
    figures = selectors.questionnaire_figures(questionnaire)
    if request.method == "POST":
        # The posted data replaces any prefill. The service reads (and locks) the open version
        # and refuses a submitted one, so a successful save needs no look-up here.
        form = ReportForm(
            request.POST, topics=topics, figures=figures, answers={}, values={}, share=False
        )
        if form.is_valid():
            submit = "submit" in request.POST
            done = run_service(
                form,
                lambda: services.report_save(
                    actor=request.user,
                    survey_round=survey_round,
                    member=member,
                    share_with_members=form.cleaned_data["share_with_members"],
                    answers=form.answers(),
                    figures=form.values(),
                    submit=submit,
                    topics=topics,
                    figure_defs=figures,
                ),
            )
            if done:
                if submit:
                    messages.success(request, _("The report was submitted. Thank you!"))
                    return redirect("report-detail", number=number, ags=ags)
                messages.success(request, _("The draft was saved."))
                return redirect("report-edit", number=number, ags=ags)
        report, prefilled = services.latest_report(survey_round, member), False
    else:
        report, answers, values, share = selectors.prefill_for(survey_round, member)
        form = ReportForm(
            None, topics=topics, figures=figures, answers=answers, values=values, share=share
        )
        prefilled = report is None and bool(answers)
    if report is not None and report.is_locked:
        messages.info(request, _("This report was submitted and is locked."))
        return redirect("report-detail", number=number, ags=ags)
    return render(
        request,
        "situation/report_edit.html",
        {
            "round": survey_round,
            "member": member,
            "form": form,
            "report": report,
            "prefilled": prefilled,
        },
    )


@require(is_authenticated)
@require_POST
def report_new_version(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    survey_round, member = _round_and_member(number, ags)
    if not can_fill_report(request.user, member):
        raise PermissionDenied
    report = services.latest_report(survey_round, member)
    if report is None:
        raise Http404
    try:
        services.report_new_version(actor=request.user, report=report)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("report-detail", number=number, ags=ags)
    messages.success(
        request, _("A new version was started; the submitted one stays until you submit it.")
    )
    return redirect("report-edit", number=number, ags=ags)


@require(can_review)
def report_review(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    survey_round, member = _round_and_member(number, ags)
    report = next(
        (v for v in selectors.report_versions(survey_round, member) if v.is_current), None
    )
    if report is None or not report.is_locked:
        raise Http404
    form = ReviewForm(
        request.POST or None,
        initial={"review_status": report.review_status, "comment": report.review_comment},
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.report_review(
                actor=request.user,
                report=report,
                review_status=form.cleaned_data["review_status"],
                comment=form.cleaned_data["comment"],
            ),
        )
        if done:
            messages.success(request, _("The review was saved."))
            return redirect("report-detail", number=number, ags=ags)
    return render(
        request,
        "situation/review.html",
        {"round": survey_round, "member": member, "report": report, "form": form},
    )


# --- the coordination office: topics, questionnaires, rounds -----------------------------------


@require(can_manage_survey)
def admin(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "situation/admin.html",
        {
            "topics": selectors.topics(),
            "questionnaires": selectors.questionnaires(),
            "rounds": selectors.rounds(),
        },
    )


@require(can_manage_survey)
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey_round = run_service(
            form, lambda: services.round_open(actor=request.user, **form.cleaned_data)
        )
        if survey_round:
            messages.success(request, _("The survey round was opened."))
            return redirect("round-dashboard", number=survey_round.number)
    return render(
        request, "situation/simple_form.html", {"form": form, "title": _("Open a survey round")}
    )


@require(can_manage_survey)
def topic_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    topic = selectors.topic_by_code(code) if code else None
    form = TopicForm(request.POST or None, instance=topic)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        done = run_service(
            form, lambda: services.topic_save(actor=request.user, data=data, topic=topic)
        )
        if done:
            messages.success(request, _("The topic was saved."))
            return redirect("situation-admin")
    title = _("Edit topic") if topic else _("New topic")
    return render(request, "situation/simple_form.html", {"form": form, "title": title})


@require(can_manage_survey)
def questionnaire_detail(request: HttpRequest, version: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_by_version(version)
    locked = services.questionnaire_is_locked(questionnaire)
    form = QuestionnaireTopicsForm(
        request.POST or None, initial={"topics": list(questionnaire.topics.all())}
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.questionnaire_set_topics(
                actor=request.user, questionnaire=questionnaire, topics=form.cleaned_data["topics"]
            ),
        )
        if done:
            messages.success(request, _("The questionnaire was saved."))
            return redirect("questionnaire-detail", version=version)
    return render(
        request,
        "situation/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "locked": locked,
            "form": form,
            "topics": selectors.questionnaire_topics(questionnaire),
            "figures": selectors.questionnaire_figures(questionnaire),
        },
    )


@require(can_manage_survey)
def figure_create(request: HttpRequest, version: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_by_version(version)
    form = FigureForm(request.POST or None, questionnaire=questionnaire)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            lambda: services.figure_create(
                actor=request.user, questionnaire=questionnaire, data=form.cleaned_data
            ),
        )
        if done:
            messages.success(request, _("The key figure was added."))
            return redirect("questionnaire-detail", version=version)
    return render(
        request,
        "situation/simple_form.html",
        {"form": form, "title": _("New key figure for %(q)s") % {"q": questionnaire}},
    )


@require(can_manage_survey)
@require_POST
def questionnaire_new_version(request: HttpRequest, version: int) -> HttpResponse:
    based_on = selectors.questionnaire_by_version(version)
    questionnaire = services.questionnaire_new_version(actor=request.user, based_on=based_on)
    messages.success(request, _("Version %(v)s was created.") % {"v": questionnaire.version})
    return redirect("questionnaire-detail", version=questionnaire.version)
