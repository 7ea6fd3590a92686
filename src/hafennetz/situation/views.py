"""Lagebild pages. Each view gets its objects and rights from `situation.access` (first lines),
parses its parameters with a form or `int_param`, calls one service or selector, renders.
Templates get `can_*` flags from the same predicates."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from hafennetz.core.exports import EXPORT_FORMATS, download
from hafennetz.core.forms import int_param, save_form
from hafennetz.core.public_cache import cached_for_visitors
from hafennetz.situation import access, exports, selectors, services
from hafennetz.situation.forms import (
    AnswerForm,
    DashboardFilterForm,
    FigureForm,
    QuestionnaireTopicsForm,
    ReportForm,
    ReviewForm,
    ReviewQueueFilterForm,
    RoundForm,
    RoundWithdrawForm,
    TopicForm,
)
from hafennetz.situation.models import SurveyRound


def _post_only(request: HttpRequest) -> HttpResponse | None:
    """After the access check (anonymous visitors go to the login first): POST only."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])


def _filter_form(request: HttpRequest, survey_round: SurveyRound) -> DashboardFilterForm:
    return DashboardFilterForm(
        request.GET or None, topics=selectors.questionnaire_topics(survey_round.questionnaire)
    )


@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    access.check_view_dashboard(request.user)
    member = access.own_member(request.user)
    return render(
        request,
        "situation/overview.html",
        {
            "member": member,
            "member_rounds": selectors.member_rounds(member) if member else [],
            "rounds": selectors.rounds(),
            "can_follow": access.can_follow_progress(request.user),
            "can_manage": access.can_manage_survey(request.user),
        },
    )


@require_safe
@cached_for_visitors
def public(request: HttpRequest) -> HttpResponse:
    survey_round = selectors.public_round()
    board = form = None
    if survey_round is not None:
        form = _filter_form(request, survey_round)
        board = selectors.dashboard(
            survey_round=survey_round,
            filters=form.filters(),
            viewer=request.user,
            public=True,
            with_points=False,
            topics=form.topics,
        )
    return render(
        request,
        "situation/public.html",
        {"round": survey_round, "board": board, "form": form, "public": True},
    )


@require_safe
def dashboard(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = access.access_round(request.user, number)
    form = _filter_form(request, survey_round)
    board = selectors.dashboard(
        survey_round=survey_round, filters=form.filters(), viewer=request.user, topics=form.topics
    )
    return render(
        request,
        "situation/dashboard.html",
        {
            "round": survey_round,
            "board": board,
            "form": form,
            "rounds": selectors.rounds(),
            "can_follow": access.can_follow_progress(request.user),
            "can_export": access.can_export(request.user),
            "query": form.query() if form.is_bound else "",
        },
    )


@require_safe
def pdf(request: HttpRequest, number: int) -> HttpResponse:
    survey_round = access.access_round(request.user, number)
    form = _filter_form(request, survey_round)
    board = selectors.dashboard(
        survey_round=survey_round,
        filters=form.filters(),
        viewer=request.user,
        with_points=False,
        topics=form.topics,
    )
    response = HttpResponse(
        exports.render_pdf(board, generated_by=request.user.get_username()),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="lagebild-runde-{number}.pdf"'
    return response


@require_safe
def progress(request: HttpRequest, number: int) -> HttpResponse:
    found = access.access_progress(request.user, number, request.GET.get("state") or None)
    return render(
        request,
        "situation/progress.html",
        {
            "round": found.round,
            "summary": selectors.round_progress(found.round, found.states),
            "chosen": found.chosen,
            "members": (
                selectors.member_progress(found.round, found.chosen) if found.chosen else None
            ),
            "can_review": access.can_review(request.user),
        },
    )


def remind(request: HttpRequest, number: int) -> HttpResponse:
    state = request.POST.get("state") or None
    if state is not None and not (len(state) == 2 and state.isascii() and state.isdigit()):
        raise Http404  # a state key is two digits; anything else names no state
    found = access.access_progress(request.user, number, state)
    if refused := _post_only(request):
        return refused
    count = services.reminders_send(
        actor=request.user,
        survey_round=found.round,
        states=[state] if state else found.states,
    )
    messages.success(
        request,
        ngettext(
            "A reminder was sent to %(n)s member without a submitted report.",
            "Reminders sent to %(n)s members without a submitted report.",
            count,
        )
        % {"n": count},
    )
    url = redirect("round-progress", number=number).url
    return redirect(f"{url}?state={state}" if state else url)


@require_safe
def export(request: HttpRequest, number: int, fmt: str) -> HttpResponse:
    survey_round, states = access.access_export(request.user, number)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    rows = exports.export_rows(survey_round, states, with_review=access.can_review(request.user))
    return download(rows, fmt=fmt, filename=f"lagebild-runde-{number}", title=f"Lagebild {number}")


@require_safe
def report_detail(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    found = access.access_report(request.user, number, ags, purpose="view")
    chosen = found.versions[0] if found.versions else None
    version = int_param(request.GET, "version", minimum=1, maximum=10_000)
    if version is not None:
        chosen = next((v for v in found.versions if v.version == version), chosen)
    return render(
        request,
        "situation/report_detail.html",
        {
            "round": found.round,
            "member": found.member,
            "versions": found.versions,
            "report": chosen,
            "rows": selectors.report_with_rows(chosen) if chosen else None,
            "can_fill": access.can_edit_report(request.user, found.member),
            "can_review": access.can_review(request.user),
            "can_see_review": chosen is not None and access.can_see_review(request.user, chosen),
            "answer_form": AnswerForm() if _may_answer(request, chosen, found.member) else None,
        },
    )


def _may_answer(request: HttpRequest, report: object, member: object) -> bool:
    return (
        report is not None
        and getattr(report, "is_current", False)
        and getattr(report, "review_status", "") == "query"
        and access.can_edit_report(request.user, member)  # type: ignore[arg-type]
    )


def report_answer(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    """The member answers the office's query on the report page (POST only)."""
    found = access.access_report(request.user, number, ags, purpose="edit")
    if refused := _post_only(request):
        return refused
    report = found.current
    if report is None:
        raise Http404
    form = AnswerForm(request.POST)
    if save_form(
        request,
        form,
        lambda: services.report_answer(
            actor=request.user, report=report, answer=form.cleaned_data["answer"]
        ),
    ):
        messages.success(request, _("Your answer was sent to the coordination office."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("report-detail", args=[number, ags]) + "#review-answer")


@require_safe
def review_queue(request: HttpRequest, number: int) -> HttpResponse:
    """All submitted reports of a round for the office's review, filtered, oldest first."""
    access.check_review(request.user)
    survey_round = access.access_round(request.user, number)
    filters = ReviewQueueFilterForm(request.GET or None)
    status, state = filters.values()
    return render(
        request,
        "situation/review_queue.html",
        {
            "round": survey_round,
            "filters": filters,
            "reports": selectors.review_queue(survey_round, status=status, state=state),
            "query": _queue_query(status, state),
        },
    )


def _queue_query(status: str, state: str | None) -> str:
    params = {"status": status, **({"state": state} if state else {})}
    return urlencode(params)


def report_edit(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    found = access.access_report(request.user, number, ags, purpose="edit")
    survey_round, member = found.round, found.member
    questionnaire = survey_round.questionnaire
    topics = selectors.questionnaire_topics(questionnaire)
    figures = selectors.questionnaire_figures(questionnaire)
    if request.method == "POST":
        # The posted data replaces any prefill. The service reads (and locks) the open version
        # and refuses a submitted one, so a successful save needs no look-up here.
        form = ReportForm(
            request.POST, topics=topics, figures=figures, answers={}, values={}, share=False
        )
        submit = "submit" in request.POST
        saved = save_form(
            request,
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
        if saved and submit:
            messages.success(request, _("The report was submitted. Thank you!"))
            return redirect("report-detail", number=number, ags=ags)
        if saved:
            messages.success(request, _("The draft was saved."))
            return redirect("report-edit", number=number, ags=ags)
        report, prefilled = found.versions[0] if found.versions else None, False
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


def report_new_version(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    found = access.access_report(request.user, number, ags, purpose="edit")
    if refused := _post_only(request):
        return refused
    if not found.versions:
        raise Http404
    try:
        services.report_new_version(actor=request.user, report=found.versions[0])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("report-detail", number=number, ags=ags)
    messages.success(
        request, _("A new version was started; the submitted one stays until you submit it.")
    )
    return redirect("report-edit", number=number, ags=ags)


def report_review(request: HttpRequest, number: int, ags: str) -> HttpResponse:
    found = access.access_report(request.user, number, ags, purpose="review")
    report = found.current
    assert report is not None  # access_report answers 404 without a submitted current version
    form = ReviewForm(
        request.POST or None,
        initial={"review_status": report.review_status, "comment": report.review_comment},
    )
    filters = ReviewQueueFilterForm(request.GET or None)
    status, state = filters.values()
    queue = [r.member.ags for r in selectors.review_queue(found.round, status=status, state=state)]
    position = queue.index(ags) if ags in queue else None
    query = _queue_query(status, state)
    if save_form(
        request,
        form,
        lambda: services.report_review(
            actor=request.user,
            report=report,
            review_status=form.cleaned_data["review_status"],
            comment=form.cleaned_data["comment"],
        ),
    ):
        messages.success(request, _("The review was saved."))
        # On to the next report of the queue (the saved one may have left it).
        rest = [a for a in queue if a != ags]
        after = queue[position + 1 :] if position is not None else rest
        following = after[0] if after else (rest[0] if rest else None)
        if following:
            return redirect(reverse("report-review", args=[number, following]) + "?" + query)
        return redirect(reverse("round-review-queue", args=[number]) + "?" + query)
    return render(
        request,
        "situation/review.html",
        {
            "round": found.round,
            "member": found.member,
            "report": report,
            "form": form,
            "rows": selectors.report_with_rows(report),
            "previous": queue[position - 1] if position else None,
            "next": (
                queue[position + 1] if position is not None and position + 1 < len(queue) else None
            ),
            "position": position + 1 if position is not None else None,
            "total": len(queue),
            "query": query,
        },
    )


# --- the coordination office: topics, questionnaires, rounds -----------------------------------


@require_safe
def admin(request: HttpRequest) -> HttpResponse:
    access.check_manage_survey(request.user)
    return render(
        request,
        "situation/admin.html",
        {
            "topics": selectors.topics(),
            "questionnaires": selectors.questionnaires(),
            "rounds": selectors.rounds(),
        },
    )


def round_create(request: HttpRequest) -> HttpResponse:
    access.check_manage_survey(request.user)
    form = RoundForm(request.POST or None)
    saved = save_form(
        request, form, lambda: services.round_open(actor=request.user, **form.cleaned_data)
    )
    if saved:
        messages.success(request, _("The survey round was opened."))
        return redirect("round-dashboard", number=saved.value.number)
    return render(
        request, "situation/simple_form.html", {"form": form, "title": _("Open a survey round")}
    )


def round_edit(request: HttpRequest, number: int) -> HttpResponse:
    access.check_manage_survey(request.user)
    survey_round = selectors.round_by_number(number)
    form = RoundForm(
        request.POST or None,
        initial={
            "title": survey_round.title,
            "questionnaire": survey_round.questionnaire,
            "opens_on": survey_round.opens_on,
            "deadline": survey_round.deadline,
            "state": survey_round.state,
        },
    )
    if save_form(
        request,
        form,
        lambda: services.round_update(
            actor=request.user, survey_round=survey_round, **form.cleaned_data
        ),
    ):
        messages.success(request, _("The survey round was saved."))
        return redirect("situation-admin")
    return render(
        request,
        "situation/round_form.html",
        {"form": form, "round": survey_round, "locked": services.round_is_locked(survey_round)},
    )


def round_withdraw(request: HttpRequest, number: int) -> HttpResponse:
    access.check_manage_survey(request.user)
    survey_round = selectors.round_by_number(number)
    form = RoundWithdrawForm(request.POST or None)
    if save_form(
        request,
        form,
        lambda: services.round_withdraw(actor=request.user, survey_round=survey_round),
    ):
        messages.success(
            request,
            _("The survey round „%(title)s“ was withdrawn.") % {"title": survey_round.title},
        )
        return redirect("situation-admin")
    return render(
        request,
        "situation/round_withdraw.html",
        {"form": form, "round": survey_round, "locked": services.round_is_locked(survey_round)},
    )


def topic_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    access.check_manage_survey(request.user)
    topic = selectors.topic_by_code(code) if code else None
    form = TopicForm(request.POST or None, instance=topic)
    if save_form(
        request,
        form,
        lambda: services.topic_save(
            actor=request.user,
            data={name: form.cleaned_data[name] for name in TopicForm.Meta.fields},
            topic=topic,
        ),
    ):
        messages.success(request, _("The topic was saved."))
        return redirect("situation-admin")
    title = _("Edit topic") if topic else _("New topic")
    return render(request, "situation/simple_form.html", {"form": form, "title": title})


def questionnaire_detail(request: HttpRequest, version: int) -> HttpResponse:
    access.check_manage_survey(request.user)
    questionnaire = selectors.questionnaire_by_version(version)
    form = QuestionnaireTopicsForm(
        request.POST or None, initial={"topics": list(questionnaire.topics.all())}
    )
    if save_form(
        request,
        form,
        lambda: services.questionnaire_set_topics(
            actor=request.user, questionnaire=questionnaire, topics=form.cleaned_data["topics"]
        ),
    ):
        messages.success(request, _("The questionnaire was saved."))
        return redirect("questionnaire-detail", version=version)
    return render(
        request,
        "situation/questionnaire.html",
        {
            "questionnaire": questionnaire,
            "locked": services.questionnaire_is_locked(questionnaire),
            "form": form,
            "topics": selectors.questionnaire_topics(questionnaire),
            "figures": selectors.questionnaire_figures(questionnaire),
        },
    )


def figure_create(request: HttpRequest, version: int) -> HttpResponse:
    access.check_manage_survey(request.user)
    questionnaire = selectors.questionnaire_by_version(version)
    form = FigureForm(request.POST or None, questionnaire=questionnaire)
    if save_form(
        request,
        form,
        lambda: services.figure_create(
            actor=request.user, questionnaire=questionnaire, data=form.cleaned_data
        ),
    ):
        messages.success(request, _("The key figure was added."))
        return redirect("questionnaire-detail", version=version)
    return render(
        request,
        "situation/simple_form.html",
        {"form": form, "title": _("New key figure for %(q)s") % {"q": questionnaire}},
    )


def questionnaire_new_version(request: HttpRequest, version: int) -> HttpResponse:
    access.check_manage_survey(request.user)
    if refused := _post_only(request):
        return refused
    based_on = selectors.questionnaire_by_version(version)
    questionnaire = services.questionnaire_new_version(actor=request.user, based_on=based_on)
    messages.success(request, _("Version %(v)s was created.") % {"v": questionnaire.version})
    return redirect("questionnaire-detail", version=questionnaire.version)
