"""Background jobs of the meetings app (django-tasks; the worker is `hafennetz db_worker`):
ids in, the job reads the current state itself."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from hafennetz.meetings.ics import meeting_calendar
from hafennetz.meetings.models import Meeting, RegistrationStatus

logger = logging.getLogger(__name__)


@task()
def send_cancellation(*, meeting_id: int) -> int:
    """Tell everyone registered (confirmed or waiting) that the meeting is cancelled, with an
    iCalendar cancellation (METHOD:CANCEL, STATUS:CANCELLED, same UID, higher SEQUENCE).
    Returns the number of mails the server accepted; a refused address is logged."""
    from hafennetz.meetings.services import _link

    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None or not meeting.is_cancelled:
        return 0
    registrations = (
        meeting.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("user")
        .order_by("pk")
    )
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        ics = meeting_calendar([meeting], method="CANCEL")
        url = _link(reverse("meeting-detail", args=[meeting.pk]))
        with get_connection() as connection:
            for registration in registrations:
                if not registration.user.email:
                    continue
                message = EmailMessage(
                    subject=_("Cancelled: %(title)s") % {"title": meeting.title},
                    body=render_to_string(
                        "meetings/email/cancelled.txt",
                        {"meeting": meeting, "registration": registration, "url": url},
                    ),
                    to=[registration.user.email],
                    connection=connection,
                )
                message.attach("absage.ics", ics, "text/calendar; method=CANCEL")
                try:
                    message.send()
                except smtplib.SMTPRecipientsRefused:
                    logger.warning("Cancellation of meeting %s refused for one address", meeting.pk)
                else:
                    sent += 1
    return sent
