"""Shared plausibility validators: dates, single-line texts and number bounds.

Forms and models of every app use them so that typing mistakes (year 0001, 999 999 999 999
places, a line break in an e-mail subject) end as a field error instead of an overflow, a
database error page or a header injection. Messages are German-first translatable sentences.

Date bounds:
* events, rounds, deadlines (things that are planned): 2000-01-01 … today + 10 years;
* dates of the past (joining, council resolutions, signatures): 2018-01-01 … today — the
  alliance was founded in 2019; 2018 allows for council resolutions taken before it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

EVENT_EARLIEST = dt.date(2000, 1, 1)
EVENT_YEARS_AHEAD = 10
HISTORIC_EARLIEST = dt.date(2018, 1, 1)

# Upper bounds for counts typed by people: far above anything real, far below what overflows
# a PostgreSQL integer.
MAX_PLACES = 100_000
MAX_COUNT = 1_000_000_000
MAX_AMOUNT = 1_000_000_000


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            # Year 1 or 9999 cannot move to local time: judged by its own date then.
            with contextlib.suppress(OverflowError, ValueError):
                value = timezone.localtime(value)
        return value.date()
    return value


def _today() -> dt.date:
    return timezone.localdate()


def latest_event_date() -> dt.date:
    today = _today()
    try:
        return today.replace(year=today.year + EVENT_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + EVENT_YEARS_AHEAD, day=28)


def plausible_date(
    value: dt.date | dt.datetime | None,
    *,
    past_only: bool = False,
    earliest: dt.date | None = None,
) -> None:
    """Raise ValidationError unless `value` is a plausible date for this alliance.

    Default (events, rounds): `earliest` (2000-01-01) … today + 10 years.
    `past_only=True` (joining, resolutions): `earliest` (2018-01-01) … today.
    A datetime is judged by its local date. None passes (required-ness is the field's job).
    """
    if value is None:
        return
    day = _as_date(value)
    if past_only:
        lower = earliest or HISTORIC_EARLIEST
        upper = _today()
    else:
        lower = earliest or EVENT_EARLIEST
        upper = latest_event_date()
    if day < lower:
        raise ValidationError(
            _("Please enter a date on or after %(date)s.")
            % {"date": date_format(lower, "SHORT_DATE_FORMAT")},
            code="date_too_early",
        )
    if day > upper:
        if past_only:
            message = _("This date lies in the future; please enter a date up to today.")
        else:
            message = _("Please enter a date on or before %(date)s.") % {
                "date": date_format(upper, "SHORT_DATE_FORMAT")
            }
        raise ValidationError(message, code="date_too_late")


def validate_event_date(value: dt.date | dt.datetime | None) -> None:
    """Field validator for planned dates (events, rounds, deadlines)."""
    plausible_date(value)


def validate_past_date(value: dt.date | dt.datetime | None) -> None:
    """Field validator for dates of the past (joining, council resolutions, signatures)."""
    plausible_date(value, past_only=True)


def validate_single_line(value: str | None) -> None:
    """Refuse line breaks and other control characters (e-mail subjects, headers, names):
    a CR/LF in a subject would otherwise split a mail header."""
    if not value:
        return
    for char in value:
        if char in "\r\n\u2028\u2029\x85" or unicodedata.category(char) == "Cc":
            raise ValidationError(
                _("Please enter a single line without line breaks or control characters."),
                code="not_single_line",
            )


def validate_places(value: int | None) -> None:
    """Field validator for numbers of places or people: 0 … MAX_PLACES."""
    if value is None:
        return
    if value < 0 or value > MAX_PLACES:
        raise ValidationError(
            _("Please enter a number between 0 and %(max)s.")
            % {"max": number_format(MAX_PLACES, force_grouping=True)},
            code="places_out_of_range",
        )
