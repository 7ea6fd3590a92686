"""Forms of the positions pages: they parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.core.forms import DateInput
from hafennetz.members.models import Member
from hafennetz.positions.models import (
    COMMENT_MAX,
    NOTE_MAX,
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Demand,
    DemandStatus,
    Position,
    PositionVersion,
)

TEXT_HELP = _(
    "Start each section with a line „## Heading“. Text before the first heading is the "
    "introduction. Comments refer to the sections."
)


class PositionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX,
        help_text=TEXT_HELP,
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    note = forms.CharField(
        label=_("What changed in this version"), max_length=NOTE_MAX, required=False
    )
    coauthors = forms.ModelMultipleChoiceField(
        label=_("Co-authors (working group)"),
        queryset=Member.objects.alliance().order_by("name"),
        required=False,
        help_text=_("Their staff may edit the text with the coordination office."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(self, *args: Any, with_coauthors: bool, with_note: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_coauthors:
            del self.fields["coauthors"]
        if not with_note:
            del self.fields["note"]


class PhaseForm(forms.Form):
    to = forms.ChoiceField(choices=[])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from hafennetz.positions.models import PositionStatus

        self.fields["to"].choices = PositionStatus.choices


class CommentForm(forms.Form):
    section = forms.CharField(label=_("Section"), max_length=80, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Your comment"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Official answer"), max_length=COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    taken_up_in = forms.ModelChoiceField(
        label=_("Taken up in version"),
        queryset=PositionVersion.objects.none(),
        required=False,
        empty_label=_("not (yet) taken up"),
    )

    def __init__(self, *args: Any, position: Position, after: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["taken_up_in"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = position.versions.filter(number__gt=after).order_by("number")
        field.label_from_instance = lambda v: _("Version %(n)s") % {"n": v.number}  # type: ignore[method-assign]


class EndorsementForm(forms.Form):
    signatory_name = forms.CharField(label=_("Signatory (name)"), max_length=150)
    signatory_function = forms.CharField(
        label=_("Function of the signatory"),
        max_length=150,
        help_text=_("e.g. Oberbürgermeisterin, Landrat, Bürgermeister"),
    )
    council_decision_on = forms.DateField(
        label=_("Date of the council decision"), required=False, widget=DateInput()
    )
    council_decision_reference = forms.CharField(
        label=_("Reference of the council decision"),
        max_length=150,
        required=False,
        help_text=_("Only if the council decided on it, e.g. the Drucksache number."),
    )
    authorised = forms.BooleanField(
        label=_(
            "I confirm that I am authorised to endorse this position on behalf of my municipality."
        ),
        required=False,
    )

    def __init__(self, *args: Any, with_authorised: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_authorised:
            del self.fields["authorised"]


class DemandForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Demand
        fields = ["title", "description", "addressee", "status", "position", "order"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = DemandStatus.choices
        self.fields["position"].queryset = Position.objects.filter(  # type: ignore[attr-defined]
            status__in=["published", "archived"]
        )


class DemandEntryForm(forms.Form):
    happened_on = forms.DateField(label=_("Date"), widget=DateInput())
    actor_name = forms.CharField(
        label=_("Who"), max_length=150, help_text=_("e.g. Bund (BMI), Land Berlin")
    )
    text = forms.CharField(
        label=_("What was answered or done"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source_url = forms.URLField(
        label=_("Source (link)"), max_length=500, required=False, assume_scheme="https"
    )
