"""iCalendar output (RFC 5545) with the icalendar library: .ics attachments and personal feeds."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from hafennetz.meetings.models import Meeting


def _event(meeting: Meeting) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@hafennetz")
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", meeting.title)
    event.add("location", ", ".join(x for x in (meeting.place, meeting.video_link) if x))
    event.add("description", meeting.description)
    event.add("url", settings.SITE_URL.rstrip("/") + reverse("meeting-detail", args=[meeting.pk]))
    event.add("status", "CONFIRMED")
    return event


def meeting_calendar(meetings: Iterable[Meeting], name: str = "hafennetz") -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//hafennetz//Städte Sicherer Häfen//DE")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting in meetings:
        calendar.add_component(_event(meeting))
    return calendar.to_ical()
