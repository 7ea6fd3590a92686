"""Shared form helpers: date inputs, and the one way a view hands a valid form to a service
(a service's ValidationError lands at the form's fields)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

T = TypeVar("T")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)  # type: ignore[arg-type]


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
