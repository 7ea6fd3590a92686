"""Shared form helpers: date inputs, and the one way a view hands a valid form to a service
(a service's ValidationError lands at the form's fields)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

T = TypeVar("T")


# "TT.MM.JJJJ" (and "TT.MM.JJJJ HH:MM") as typed in Germany, where a browser shows a text box.
_GERMAN_DATE = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ ,T]+(\d{1,2}):(\d{2}))?\s*")


def german_to_iso(value: object, *, with_time: bool = False) -> object:
    """German dates to ISO: 31.12.2026 -> 2026-12-31 (31.12.2026 14:30 -> 2026-12-31T14:30
    with time); anything else unchanged (the field judges it)."""
    if not isinstance(value, str) or len(value) > 40:
        return value
    match = _GERMAN_DATE.fullmatch(value)
    if match is None:
        return value
    day, month, year, hour, minute = match.groups()
    iso = f"{year}-{int(month):02d}-{int(day):02d}"
    if with_time:
        return f"{iso}T{int(hour or 0):02d}:{minute or '00'}"
    return iso if hour is None else value


class DateInput(forms.DateInput):
    """The browser's date picker (ISO on the wire), marked with the page's language, with the
    German format as a hint for browsers that show a text box; "TT.MM.JJJJ" typed there is
    accepted too."""

    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]

    def get_context(self, name: str, value: object, attrs: dict[str, object] | None) -> dict:  # type: ignore[type-arg]
        attrs = {"lang": get_language() or "de", "placeholder": _("DD.MM.YYYY"), **(attrs or {})}
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data: object, files: object, name: str) -> object:
        return german_to_iso(super().value_from_datadict(data, files, name))  # type: ignore[arg-type]


# A <select> among many entries gets a search box (static/web/forms.js).
SEARCHABLE = {
    "data-searchable": "",
    "data-search-label": _("Search the list"),
    "data-search-placeholder": _("Type to narrow the list"),
    "data-count-label": _("%s entries shown"),
}


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        form.add_error(None, exc)


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What a submitted form's service returned (truthy even when the service returns None)."""

    value: T


def save_form(request: HttpRequest, form: forms.BaseForm, call: Callable[[], T]) -> Saved[T] | None:
    """The one form-handling shape of every view: on a POST with a valid form, call the service
    and return `Saved(result)`; otherwise (GET, invalid form, or the service refused with a
    ValidationError, which lands at the form's fields) return None so the view re-renders.

        form = ContactForm(request.POST or None, instance=contact)
        if save_form(request, form, lambda: services.contact_save(actor=request.user, ...)):
            return redirect(...)
        return render(request, ..., {"form": form})
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Saved(call())
    except ValidationError as exc:
        _add_errors(form, exc)
        return None


def int_param(params: Mapping[str, object], name: str, *, minimum: int, maximum: int) -> int | None:
    """A whole number from query or form parameters (`request.GET`, `request.POST`) within
    [minimum, maximum]; None for anything else (missing, "²", "1e5", 5,000 digits, out of
    range). Never `int()` on raw input in a view."""
    raw = params.get(name)
    if not isinstance(raw, str) or not 0 < len(raw) <= 20:
        return None
    text = raw.strip()
    if not text.isascii() or not text.lstrip("-").isdigit():
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
