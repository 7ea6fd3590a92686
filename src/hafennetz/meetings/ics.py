"""iCalendar output (RFC 5545) with the icalendar library: .ics attachments and personal feeds."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.urls import reverse
from icalendar import Calendar, Event

from hafennetz.core.urls import absolute_url
from hafennetz.meetings.models import Meeting


def _meeting_url(meeting: Meeting, request: HttpRequest | None) -> str:
    path = reverse("meeting-detail", args=[meeting.pk])
    try:
        return absolute_url(path, request)
    except ImproperlyConfigured:  # no SITE_URL and no request (development jobs)
        return path


def _event(meeting: Meeting, request: HttpRequest | None) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@hafennetz")
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("location", ", ".join(x for x in (meeting.place, meeting.video_link) if x))
    event.add("description", meeting.description)
    event.add("url", _meeting_url(meeting, request))
    # Same UID, a higher SEQUENCE: calendars replace the event they have (RFC 5545, 5546).
    event.add("sequence", meeting.sequence)
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    return event


def meeting_calendar(
    meetings: Iterable[Meeting],
    name: str = "hafennetz",
    request: HttpRequest | None = None,
    method: str | None = None,
) -> bytes:
    """An iCalendar of `meetings`; links built from SITE_URL, else from `request`. `method`
    ("REQUEST", "CANCEL") makes it an iTIP message for an e-mail attachment."""
    calendar = Calendar()
    calendar.add("prodid", "-//hafennetz//Städte Sicherer Häfen//DE")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, request))
    return calendar.to_ical()
