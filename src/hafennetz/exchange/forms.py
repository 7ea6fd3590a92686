"""Forms of the Austausch. They parse and bound what people type; the rules are in the
services (and `access`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.core.forms import DateInput
from hafennetz.core.models import State
from hafennetz.core.validators import validate_past_date, validate_single_line
from hafennetz.exchange.models import (
    MAX_MESSAGE,
    MAX_SHORT_TEXT,
    MAX_SUMMARY,
    MAX_TEXT,
    CommentKind,
    Practice,
    Visibility,
)
from hafennetz.exchange.services import MAX_UPLOAD_BYTES, PracticeInput
from hafennetz.members.models import Contact, Member, SizeClass
from hafennetz.positions.models import Position
from hafennetz.situation.models import Topic


def _topics() -> Any:
    return Topic.objects.filter(active=True).order_by("order", "code")


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Contact) -> str:  # type: ignore[override]
        return f"{obj.name} ({obj.function})" if obj.function else obj.name


class PracticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, validators=[validate_single_line])
    summary = forms.CharField(
        label=_("Short summary"),
        max_length=MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences: what others find in this practice."),
    )
    problem = forms.CharField(
        label=_("The problem"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5})
    )
    what_was_done = forms.CharField(
        label=_("What was done"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6})
    )
    results = forms.CharField(
        label=_("Results and takeaways"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The Lagebild's topics, so that practice and strain meet."),
    )
    target_groups = forms.CharField(
        label=_("Target groups"),
        max_length=MAX_SHORT_TEXT,
        required=False,
        validators=[validate_single_line],
    )
    resources_staff = forms.CharField(
        label=_("Staff it needed"), max_length=MAX_SHORT_TEXT, required=False
    )
    resources_money = forms.CharField(
        label=_("Money it needed"), max_length=MAX_SHORT_TEXT, required=False
    )
    resources_partners = forms.CharField(
        label=_("Partners"), max_length=MAX_SHORT_TEXT, required=False
    )
    since = forms.DateField(
        label=_("Since"), required=False, widget=DateInput(), validators=[validate_past_date]
    )
    contact = ContactChoiceField(
        label=_("Contact person"), queryset=Contact.objects.none(), required=False
    )
    contact_consent = forms.BooleanField(
        label=_("The contact person agreed to be named with this practice"), required=False
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=2200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One web address per line (at most ten)."),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.ALLIANCE
    )

    def __init__(self, *args: Any, member: Member, practice: Practice | None = None, **kwargs: Any):
        if practice is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{
                    name: getattr(practice, name)
                    for name in (
                        "title",
                        "summary",
                        "problem",
                        "what_was_done",
                        "results",
                        "target_groups",
                        "resources_staff",
                        "resources_money",
                        "resources_partners",
                        "since",
                        "contact",
                        "contact_consent",
                        "links",
                        "visibility",
                    )
                },
                "topics": list(practice.topics.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = _topics()  # type: ignore[attr-defined]
        self.fields["contact"].queryset = Contact.objects.filter(member=member).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("summary", "problem", "what_was_done", "results"):
            if name in data and not str(data[name]).strip():
                self.add_error(name, _("This field is required."))
        if data.get("contact") and not data.get("contact_consent"):
            self.add_error(
                "contact_consent", _("Please confirm that the contact person agreed to be named.")
            )
        return data

    def service_data(self) -> PracticeInput:
        d = self.cleaned_data
        return PracticeInput(
            title=d["title"],
            summary=d["summary"],
            problem=d["problem"],
            what_was_done=d["what_was_done"],
            results=d["results"],
            topics=list(d["topics"]),
            target_groups=d["target_groups"],
            resources_staff=d["resources_staff"],
            resources_money=d["resources_money"],
            resources_partners=d["resources_partners"],
            since=d["since"],
            contact=d["contact"],
            contact_consent=d["contact_consent"],
            links=d["links"],
            visibility=d["visibility"],
        )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File (PDF, PNG, JPEG or WebP, at most 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class CommentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=CommentKind.choices, initial=CommentKind.COMMENT
    )
    text = forms.CharField(
        label=_("Text"), max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 3})
    )


class StatusForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("publish", "publish"), ("unpublish", "unpublish"), ("reviewed", "reviewed")]
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    size_class = forms.TypedChoiceField(
        label=_("Size class"), required=False, coerce=int, empty_value=None
    )
    visibility = forms.ChoiceField(label=_("Visibility"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        every = [("", _("all"))]
        self.fields["topic"].choices = every + [(t.code, t.name) for t in _topics()]  # type: ignore[attr-defined]
        self.fields["state"].choices = every + [  # type: ignore[attr-defined]
            (s.ags, s.name) for s in State.objects.only("ags", "name").order_by("name")
        ]
        self.fields["size_class"].choices = every + [  # type: ignore[attr-defined]
            (v, str(label)) for v, label in SizeClass.choices
        ]
        self.fields["visibility"].choices = every + list(Visibility.choices)  # type: ignore[attr-defined]


class OptInForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics on which peers may ask us"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contact = ContactChoiceField(
        label=_("Contact person who receives the requests"),
        queryset=Contact.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = _topics()  # type: ignore[attr-defined]
        self.fields["contact"].queryset = Contact.objects.filter(member=member).order_by("name")  # type: ignore[attr-defined]


class ContactRequestForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none())
    from_contact = ContactChoiceField(
        label=_("Our contact person"),
        queryset=Contact.objects.none(),
        required=False,
        help_text=_(
            "The peer's answer and, if it accepts, its address go to this person (empty: the "
            "contact person your member named for being asked)."
        ),
    )
    message = forms.CharField(
        label=_("Short introduction"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who you are, what you are struggling with, what you would like to ask."),
    )
    practice = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = _topics()  # type: ignore[attr-defined]
        self.fields["from_contact"].queryset = Contact.objects.filter(member=member).order_by(
            "name"
        )  # type: ignore[attr-defined]

    def clean_message(self) -> str:
        text = str(self.cleaned_data["message"]).strip()
        if not text:
            raise forms.ValidationError(_("Please write a short introduction."))
        return text


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept: pass our contact on")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class SeedForm(forms.Form):
    meeting = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics of the group tables"),
        queryset=Topic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_at = forms.DateTimeField(label=_("Begins"))
    ends_at = forms.DateTimeField(label=_("Ends"))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = _topics()  # type: ignore[attr-defined]


class ReferenceForm(forms.Form):
    practice = forms.ModelChoiceField(
        label=_("Practice"), queryset=Practice.objects.none(), required=False
    )
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.none(), required=False
    )

    def __init__(self, *args: Any, practices: Any, positions: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["practice"].queryset = practices  # type: ignore[attr-defined]
        self.fields["position"].queryset = positions  # type: ignore[attr-defined]


class DigestForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send me a daily digest of what I follow"), required=False)
