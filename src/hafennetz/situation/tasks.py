"""Background jobs of the Lagebild (django-tasks; the worker is `hafennetz db_worker`)."""

from __future__ import annotations

from django_tasks import task

from hafennetz.situation.models import SurveyRound


@task()
def announce_round(*, round_id: int) -> int:
    """Tell the members asked in a round that it is open (once; see services.round_announcement)."""
    from hafennetz.situation.services import round_announcement

    survey_round = SurveyRound.objects.filter(pk=round_id).first()
    return round_announcement(survey_round) if survey_round is not None else 0
