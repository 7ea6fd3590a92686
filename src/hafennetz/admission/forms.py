from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.admission.models import (
    AGE_BANDS,
    MAX_BATCH,
    Contingent,
    Household,
    LinkKind,
    Offer,
    OverrideKind,
    OverrideReason,
    Pledge,
    PledgeStatus,
    Resource,
    RunMethod,
)
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


class SharesField(forms.CharField):
    """`key: share` per line (or separated by `;`), parsed by services.parse_shares."""

    widget = forms.Textarea(attrs={"rows": 6})

    def to_python(self, value: Any) -> dict[str, float]:  # type: ignore[override]
        from hafennetz.admission.services import parse_shares

        text = super().to_python(value)
        try:
            return parse_shares(text or "")
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value


class ContingentForm(forms.ModelForm):  # type: ignore[type-arg]
    explicit_shares = SharesField(
        label=_("Explicit shares"),
        required=False,
        max_length=20_000,
        help_text=_("Only for the key “explicit shares”: one “AGS: share” per line."),
    )

    class Meta:
        model = Contingent
        fields = [
            "name",
            "programme",
            "persons",
            "period_start",
            "period_end",
            "key",
            "key_table",
            "explicit_shares",
            "eligible",
            "notes",
        ]
        widgets = {
            "period_start": DateInput(),
            "period_end": DateInput(),
            "eligible": forms.SelectMultiple(attrs={"size": 10}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["eligible"].queryset = Member.objects.alliance().order_by("name")  # type: ignore[attr-defined]

    def contingent_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name != "eligible"}


class KeyTableForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, initial="Königsteiner Schlüssel")
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    source = forms.CharField(
        label=_("Source"), max_length=300, help_text=_("e.g. the GWK's publication")
    )
    shares = SharesField(
        label=_("Shares in percent"),
        max_length=2_000,
        help_text=_("One line per state: state key and share, e.g. “01: 3.38791”."),
    )


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", ";").replace("\n", ";").split(";") if p.strip()]


class HouseholdForm(forms.ModelForm):  # type: ignore[type-arg]
    needs = forms.MultipleChoiceField(
        label=_("Needs"),
        choices=Offer.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Barrier-free accommodation, dialysis and trauma therapy are placed only where "
            "offered; the others count towards the fit."
        ),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=2_000,
        help_text=_(
            "Other case numbers, e.g. “H-0002” (same municipality) or "
            "“H-0003:same_district” (same district if possible), separated by “;”."
        ),
    )
    preferences = forms.CharField(
        label=_("Preferred members"),
        required=False,
        max_length=2_000,
        help_text=_("AGS of eligible members in order of preference, separated by “;”."),
    )

    class Meta:
        model = Household
        fields = ["case_id", *AGE_BANDS, "needs", "links", "preferences", "batch"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["links"] = "; ".join(
                f"{link['case']}:{link['kind']}" for link in self.instance.links
            )
            self.initial["preferences"] = "; ".join(self.instance.preferences)

    def clean_case_id(self) -> str:
        case_id = str(self.cleaned_data["case_id"])
        if not any(ch.isdigit() for ch in case_id):
            raise forms.ValidationError(
                _("A case number contains at least one digit (never a name).")
            )
        return case_id

    def clean_links(self) -> list[dict[str, str]]:
        links = []
        for part in _split(self.cleaned_data["links"]):
            case, _sep, kind = part.partition(":")
            kind = kind.strip() or LinkKind.SAME_MUNICIPALITY.value
            if kind not in LinkKind.values:
                raise forms.ValidationError(
                    _("Unknown kind of link in “%(part)s”.") % {"part": part}
                )
            links.append({"case": case.strip(), "kind": kind})
        return links

    def clean_preferences(self) -> list[str]:
        values = _split(self.cleaned_data["preferences"])
        if any(not v.isdigit() or len(v) not in (5, 8) for v in values):
            raise forms.ValidationError(_("Please enter official keys (AGS) only."))
        return values

    def household_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, I am sure."), required=True)


class RunForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=RunMethod.choices, initial="optimal")
    use_key = forms.BooleanField(
        label=_("Steer towards the distribution key"), required=False, initial=True
    )
    key_weight = forms.FloatField(
        label=_("Weight of the key"),
        min_value=0.0,
        max_value=100.0,
        initial=1.0,
        help_text=_("Score points lost per person away from the key's target."),
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=0, max_value=10**9, initial=0)
    work = forms.FloatField(
        label=_("Work budget"),
        min_value=0.5,
        max_value=600.0,
        initial=10.0,
        help_text=_(
            "In reference seconds: the engine counts its steps, so the same input, seed and "
            "budget always give the same result, on any machine."
        ),
    )
    batch = forms.IntegerField(
        label=_("Batch"),
        min_value=1,
        max_value=MAX_BATCH,
        required=False,
        help_text=_(
            "Empty: every household not yet placed. A number: only that batch (week), placed "
            "by the dynamic policy with the capacity the approved batches have left."
        ),
    )


class ApproveForm(forms.Form):
    """Approval is a second, deliberate step: tick and type the run's number."""

    confirm = forms.BooleanField(
        label=_("I approve this allocation; the receiving members will see their households."),
        required=True,
    )
    number = forms.IntegerField(label=_("Number of the run, to confirm"), min_value=1)

    def __init__(self, *args: Any, run_pk: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_pk = run_pk

    def clean_number(self) -> int:
        number = int(self.cleaned_data["number"])
        if number != self.run_pk:
            raise forms.ValidationError(_("That is not the number of this run."))
        return number


class ProblemForm(forms.Form):
    problem = forms.CharField(
        label=_("What is the problem?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("No names or health details: the case number is enough."),
    )


class HouseholdImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("The allocation engine's household format; at most 5 MB."),
    )


class OverrideForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Override"), choices=OverrideKind.choices, widget=forms.RadioSelect
    )
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "---------"), *OverrideReason.choices]
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Briefly, without names or health details: the case number is enough."),
    )
    confirm_breaks = forms.BooleanField(
        label=_("I confirm the override although it breaks a hard rule."), required=False
    )

    def __init__(self, *args: Any, members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(  # type: ignore[attr-defined]
            pk__in=[m.pk for m in members]
        ).order_by("name")
