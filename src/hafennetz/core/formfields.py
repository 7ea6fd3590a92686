"""Model choice fields that answer an id beyond the database's integers as an invalid choice.

Django's ModelChoiceField and ModelMultipleChoiceField look a submitted id up in the database and
turn ValueError/TypeError into "invalid choice", but not OverflowError, which SQLite raises for
an integer beyond 64 bits (`99999999999999999999`): every form with a choice of records answered
500. `install()` (called once from CoreConfig.ready) closes this for every form of the project,
generated ModelForm fields included, instead of one form at a time.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceField, ModelMultipleChoiceField

_INSTALLED = False


def install() -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    single = ModelChoiceField.to_python
    multiple = ModelMultipleChoiceField._check_values

    def to_python(self: ModelChoiceField, value: Any) -> Any:  # type: ignore[type-arg]
        try:
            return single(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    def check_values(self: ModelMultipleChoiceField, value: Any) -> Any:  # type: ignore[type-arg]
        try:
            return multiple(self, value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None

    ModelChoiceField.to_python = to_python  # type: ignore[method-assign]
    ModelMultipleChoiceField._check_values = check_values  # type: ignore[method-assign]
