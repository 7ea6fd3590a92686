from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hafennetz.core.access import Visitor
from hafennetz.core.forms import SEARCHABLE, DateInput, german_to_iso
from hafennetz.core.models import State
from hafennetz.core.validators import MAX_PLACES, validate_event_date, validate_single_line
from hafennetz.meetings import access
from hafennetz.meetings.models import (
    BlockKind,
    FollowUpStatus,
    Level,
    Meeting,
    ParticipantRole,
    Registration,
)
from hafennetz.meetings.services import MEETING_FIELDS
from hafennetz.members.models import Member
from hafennetz.members.selectors import member_label

# Ids in hidden fields: anything larger cannot be a row (and must not reach the database).
MAX_ID = 2**31 - 1


class IdsChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A multiple choice of rows whose ids are checked before they reach the database (an id
    like "²" or 10^20 is a field error, not an overflow)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk)
            if not (text.isascii() and text.isdigit() and len(text) <= 10 and int(text) <= MAX_ID):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class MemberChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A member with its kind and state (several members share a name), searchable."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(attrs=SEARCHABLE))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Member) -> str:  # type: ignore[override]
        return member_label(obj)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)

    def get_context(self, name: str, value: Any, attrs: Any) -> Any:
        attrs = {"lang": get_language() or "de", **(attrs or {})}
        return super().get_context(name, value, attrs)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # "TT.MM.JJJJ HH:MM" typed where the browser shows a text box.
        return german_to_iso(super().value_from_datadict(data, files, name), with_time=True)


class MeetingForm(forms.ModelForm):  # type: ignore[type-arg]
    """Offers only the levels and states the user may hold a meeting in
    (`access.meeting_places`); the model's clean() reports times, places and level/state at
    the fields (never a database constraint's name)."""

    video_link = forms.URLField(label=_("video link"), required=False, assume_scheme="https")
    co_organisers = IdsChoiceField(
        label=_("Co-organisers"),
        queryset=Member.objects.alliance().select_related("state").order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, **SEARCHABLE}),
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
            "slots_total": forms.NumberInput(attrs={"min": 1, "max": MAX_PLACES}),
            "slots_per_member": forms.NumberInput(attrs={"min": 1, "max": MAX_PLACES}),
        }

    def __init__(self, *args: Any, user: Visitor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_organisers"].label_from_instance = member_label  # type: ignore[attr-defined]
        meeting = self.instance if self.instance.pk else None
        levels, states = access.meeting_places(user, meeting)
        level_field = self.fields["level"]
        assert isinstance(level_field, forms.ChoiceField)
        level_field.choices = [(v, label) for v, label in Level.choices if v in levels]
        state_field = self.fields["state"]
        assert isinstance(state_field, forms.ModelChoiceField)
        queryset: QuerySet[State] = State.objects.order_by("name")
        if states is not None:
            queryset = queryset.filter(pk__in=states)
        state_field.queryset = queryset

    def service_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "co_organisers"}


class AgendaBlockForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=BlockKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    starts_at = forms.DateTimeField(
        label=_("Begins"), widget=DateTimeInput(), validators=[validate_event_date]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeInput(), validators=[validate_event_date]
    )
    topics = forms.CharField(
        label=_("Topics"),
        required=False,
        max_length=500,
        validators=[validate_single_line],
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
    # A line break in the subject would split the mail header: refused at the field.
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[validate_single_line])
    body = forms.CharField(
        label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8})
    )
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
    block = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    registration = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    to_group = forms.IntegerField(label=_("to group"), min_value=1, max_value=1000)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class RoleForm(forms.Form):
    registration = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    role = forms.ChoiceField(choices=ParticipantRole.choices)


class CheckinForm(forms.Form):
    code = forms.CharField(label=_("Check-in code"), max_length=12)


class AttendanceForm(forms.Form):
    """The attendance list: the confirmed registrations ticked as present."""

    present = IdsChoiceField(
        queryset=Registration.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, registrations: QuerySet[Registration], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["present"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = registrations

    def present_ids(self) -> list[int]:
        return [r.pk for r in self.cleaned_data["present"]]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=100_000,
        help_text=_(
            "Markdown: # heading, **bold**, *italic*, - list, 1. numbered list, "
            "[link text](https://…), | table |. HTML is shown as text."
        ),
        widget=forms.Textarea(attrs={"rows": 10}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300, validators=[validate_single_line])
    owner = MemberChoiceField(
        label=_("Responsible member"),
        queryset=Member.objects.alliance().select_related("state").order_by("name"),
    )
    due_on = forms.DateField(label=_("Due"), widget=DateInput(), validators=[validate_event_date])


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)


class CloseForm(forms.Form):
    """Closing cannot be undone: the organiser confirms it explicitly on a page of its own."""

    confirm = forms.BooleanField(
        label=_(
            "I confirm that the meeting has taken place and the attendance list is complete. "
            "Closing cannot be undone."
        ),
        required=True,
        error_messages={"required": _("Please confirm that the meeting may be closed.")},
    )


class MeetingCancelForm(forms.Form):
    """Calling a meeting off is told to everyone registered: a reason and a ticked box."""

    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Goes to everyone registered, with the e-mail."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I cancel this meeting. Everyone registered is told by e-mail; "
            "the cancellation cannot be undone."
        ),
        required=True,
        error_messages={"required": _("Please confirm that the meeting is cancelled.")},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log."),
    )
