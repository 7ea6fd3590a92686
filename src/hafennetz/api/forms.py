from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hafennetz.api.models import MODULES
from hafennetz.core.forms import DateInput
from hafennetz.core.validators import validate_single_line

MODULE_LABELS = {
    "members": _("Members"),
    "situation": _("Situation picture"),
    "meetings": _("Meetings"),
    "admission": _("Admission"),
    "exchange": _("Practices"),
    "positions": _("Positions"),
    "webhooks": _("Webhooks"),
}

SCOPE_CHOICES = [
    (f"{module}:{action}", f"{MODULE_LABELS[module]}: {label}")
    for module in MODULES
    for action, label in (("read", _("read")), ("write", _("read and write")))
]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[validate_single_line],
        help_text=_("What the token is for, e.g. “Lagebild from our specialist software”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=SCOPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The token can never do more than your account."),
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        widget=DateInput(),
        help_text=_("At most one year."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_on"].initial = timezone.localdate() + dt.timedelta(days=90)
