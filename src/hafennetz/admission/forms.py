from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.admission.models import Offer, Pledge, PledgeStatus, Resource
from hafennetz.core.forms import DateInput
from hafennetz.members.models import Contact, Member


class PledgeForm(forms.ModelForm):  # type: ignore[type-arg]
    offers = forms.MultipleChoiceField(
        label=_("Offers"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Needs your municipality can serve, e.g. dialysis or barrier-free housing."),
    )

    class Meta:
        model = Pledge
        fields = [
            "valid_from",
            "valid_until",
            *(f"places_{r.value}" for r in Resource),
            "offers",
            "council_decision_on",
            "council_decision_reference",
            "contact",
            "notes",
        ]
        widgets = {
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "council_decision_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(member=member)  # type: ignore[attr-defined]

    def pledge_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class PledgeStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=PledgeStatus.choices)
    accepted_on = forms.DateField(label=_("Accepted on"), required=False, widget=DateInput())
    accepted_by = forms.CharField(
        label=_("Accepted by"),
        max_length=120,
        required=False,
        help_text=_("e.g. the Land or the Bund"),
    )
    accepted_reference = forms.CharField(label=_("Reference"), max_length=120, required=False)

    def __init__(self, *args: Any, allowed: frozenset[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in PledgeStatus.choices if value in allowed
        ]
