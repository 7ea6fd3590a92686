from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from hafennetz.core.forms import SEARCHABLE, DateInput
from hafennetz.core.models import State
from hafennetz.core.validators import validate_single_line
from hafennetz.members.models import Contact, Criterion, Declaration, Member, MemberStatus
from hafennetz.members.selectors import member_label
from hafennetz.members.transfer import MAX_FILE_BYTES


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ModelChoiceField(
        label=_("State"),
        queryset=State.objects.all(),
        required=False,
        empty_label=_("All states"),
        to_field_name="ags",
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *MemberStatus.choices]
    )


PROFILE_FORM_FIELDS = ("name", "website", "description", "safe_harbour_resolution_on", "joined_on")


class MemberProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    website = forms.URLField(
        label=_("Website"), required=False, assume_scheme="https", max_length=200
    )
    description = forms.CharField(
        label=_("Profile text"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    safe_harbour_resolution_on = forms.DateField(
        label=_("Safe-harbour council resolution"), required=False, widget=DateInput()
    )
    joined_on = forms.DateField(label=_("Joined the alliance"), required=False, widget=DateInput())

    def __init__(self, *args: Any, member: Member, writable: frozenset[str], **kwargs: Any) -> None:
        criteria = {c.criterion: c for c in member.criteria.all()}
        initial = {
            "name": member.name,
            "website": member.website,
            "description": member.description,
            "safe_harbour_resolution_on": member.safe_harbour_resolution_on,
            "joined_on": member.joined_on,
        }
        for code, _label in Criterion.choices:
            status = criteria.get(code)
            initial[f"decided_{code}"] = bool(status and status.decided)
            initial[f"fulfilled_{code}"] = bool(status and status.fulfilled)
        super().__init__(*args, initial=initial, **kwargs)
        # Only the fields the user may write (`access.writable_member_fields`): e.g. only the
        # coordination office records when a member joined.
        for name in PROFILE_FORM_FIELDS:
            if name not in writable:
                del self.fields[name]
        for code, label in Criterion.choices:
            self.fields[f"decided_{code}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"fulfilled_{code}"] = forms.BooleanField(label=label, required=False)

    def criteria_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(label), self[f"decided_{code}"], self[f"fulfilled_{code}"])
            for code, label in Criterion.choices
        ]

    def profile_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in PROFILE_FORM_FIELDS if k in self.fields}

    def criteria_data(self) -> dict[str, tuple[bool, bool]]:
        return {
            code: (self.cleaned_data[f"decided_{code}"], self.cleaned_data[f"fulfilled_{code}"])
            for code, _label in Criterion.choices
        }


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "function", "email", "phone", "is_public"]


class MemberCreateForm(forms.Form):
    ags = forms.CharField(
        label=_("AGS or district key"),
        max_length=8,
        help_text=_("Search by name or key; 8 digits for a municipality, 5 for a district."),
    )
    name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        required=False,
        help_text=_("Empty: the official short name."),
    )
    joined_on = forms.DateField(
        label=_("Joined the alliance"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: only a safe-harbour council resolution."),
    )
    safe_harbour_resolution_on = forms.DateField(
        label=_("Safe-harbour council resolution"), required=False, widget=DateInput()
    )


class SignatureForm(forms.Form):
    declaration = forms.ModelChoiceField(
        label=_("Declaration"), queryset=Declaration.objects.all(), empty_label=None
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    signatory = forms.CharField(
        label=_("Signatory"), max_length=200, help_text=_("e.g. the Lord Mayor, with function")
    )


class SignatureEditForm(forms.Form):
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    signatory = forms.CharField(
        label=_("Signatory"), max_length=200, help_text=_("e.g. the Lord Mayor, with function")
    )


class LeaveForm(forms.Form):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput())
    # Leaving ends the member's state coordination too: it is confirmed, not clicked through.
    confirm = forms.BooleanField(
        label=_(
            "I confirm that the member left the alliance. Its state coordination ends and its "
            "staff can no longer be invited."
        ),
        required=True,
        error_messages={"required": _("Please confirm that the member left.")},
    )


class RejoinForm(forms.Form):
    joined_on = forms.DateField(label=_("Rejoined on"), widget=DateInput())


class MemberChoiceField(forms.ModelChoiceField):
    """A member among hundreds: searchable (static/web/forms.js) and told apart by kind and
    state (\"Bamberg (Stadt, Bayern)\" and \"Bamberg (Landkreis, Bayern)\")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Select(attrs=SEARCHABLE))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Member) -> str:  # type: ignore[override]
        return member_label(obj)


def _current_members() -> Any:
    return Member.objects.alliance().select_related("state").order_by("name")


class StateCoordinationForm(forms.Form):
    state = forms.ModelChoiceField(label=_("State"), queryset=State.objects.all())
    member = MemberChoiceField(label=_("Member"), queryset=_current_members())
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DateInput())


class HandOverForm(forms.Form):
    member = MemberChoiceField(label=_("New coordination office"), queryset=_current_members())
    starts_on = forms.DateField(label=_("From"), widget=DateInput())


class InvitationForm(forms.Form):
    member = MemberChoiceField(label=_("Member"), queryset=_current_members())
    first_name = forms.CharField(
        label=_("First name"), max_length=150, validators=[validate_single_line]
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, validators=[validate_single_line]
    )
    email = forms.EmailField(label=_("E-mail"))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        # Refused before a byte is parsed (the upload itself is limited by Django's settings).
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB).")
                % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(label=_("Repeat password"), widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return data
