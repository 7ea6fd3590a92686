from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.core.forms import DateInput
from hafennetz.meetings.models import BlockKind, FollowUpStatus, Meeting, ParticipantRole
from hafennetz.meetings.services import MEETING_FIELDS
from hafennetz.members.forms import MemberChoiceField
from hafennetz.members.models import Member


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MeetingForm(forms.ModelForm):
    video_link = forms.URLField(label=_("video link"), required=False, assume_scheme="https")
    co_organisers = forms.ModelMultipleChoiceField(
        label=_("Co-organisers"),
        queryset=Member.objects.alliance().select_related("state").order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Meeting
        fields = list(MEETING_FIELDS)
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "registration_opens_at": DateTimeInput(),
            "registration_closes_at": DateTimeInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "questions": forms.Textarea(attrs={"rows": 3}),
        }

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "co_organisers"}


class AgendaBlockForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BlockKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Begins"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimeInput())
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=500,
        help_text=_("Small-group round: one topic per group table, separated by commas."),
    )


class RegistrationForm(forms.Form):
    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, question in enumerate(questions):
            self.fields[f"q{index}"] = forms.CharField(label=question, max_length=1000)

    def answers(self) -> list[str]:
        return [self.cleaned_data[name] for name in self.fields]


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 8}))
    include_waitlist = forms.BooleanField(label=_("Also to the waiting list"), required=False)


class PlanForm(forms.Form):
    min_size = forms.IntegerField(label=_("Smallest group"), min_value=2, max_value=50, initial=5)
    max_size = forms.IntegerField(label=_("Largest group"), min_value=2, max_value=50, initial=7)
    seed = forms.IntegerField(label=_("Variant (seed)"), min_value=0, max_value=10**6, initial=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("min_size") and data.get("max_size") and data["min_size"] > data["max_size"]:
            self.add_error("max_size", _("The largest group cannot be smaller than the smallest."))
        return data


class MoveForm(forms.Form):
    block = forms.IntegerField(widget=forms.HiddenInput)
    registration = forms.IntegerField(widget=forms.HiddenInput)
    to_group = forms.IntegerField(label=_("to group"), min_value=1)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RoleForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(choices=ParticipantRole.choices)


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=12)


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = MemberChoiceField(
        label=_("Responsible member"),
        queryset=Member.objects.alliance().select_related("state").order_by("name"),
    )
    due_on = forms.DateField(label=_("Due"), widget=DateInput())


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)
