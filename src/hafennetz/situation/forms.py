from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from hafennetz.core.forms import DateInput
from hafennetz.core.models import State
from hafennetz.core.validators import MAX_COUNT, validate_event_date, validate_single_line
from hafennetz.situation.models import (
    KeyFigure,
    Questionnaire,
    ReviewStatus,
    SizeClass,
    StrainLevel,
    Topic,
)
from hafennetz.situation.selectors import Filters
from hafennetz.situation.services import (
    AnswerInput,
    FigureInput,
    confirm_field,
    figure_field,
    hard_field,
    strain_field,
    works_field,
)


class DashboardFilterForm(forms.Form):
    state = forms.ModelChoiceField(
        label=_("State"),
        queryset=State.objects.all(),
        required=False,
        empty_label=_("All states"),
        to_field_name="ags",
    )
    size_class = forms.TypedChoiceField(
        label=_("Size class"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All sizes")), *SizeClass.choices],
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)

    def __init__(self, *args: Any, topics: list[Topic], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.topics = topics
        self.fields["topic"].choices = [("", _("All topics")), *((t.code, t.name) for t in topics)]

    def query(self) -> str:
        """The valid filters as a query string (for links to the PDF)."""
        filters = self.filters()
        params = {
            "state": filters.state or "",
            "size_class": filters.size_class or "",
            "topic": filters.topic or "",
        }
        return urlencode({k: v for k, v in params.items() if v})

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            state=data["state"].ags if data.get("state") else None,
            size_class=data.get("size_class") or None,
            topic=data.get("topic") or None,
        )


class ReportForm(forms.Form):
    """One report: per topic a strain level and two texts, per key figure a number and a
    confirmation box; field names come from the service (errors land at their field)."""

    share_with_members = forms.BooleanField(
        label=_("Other members may see our answers"),
        required=False,
        help_text=_("Otherwise they see only aggregates (at least 3 members per cell)."),
    )

    def __init__(
        self,
        *args: Any,
        topics: list[Topic],
        figures: list[KeyFigure],
        answers: dict[str, AnswerInput],
        values: dict[str, FigureInput],
        share: bool,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {"share_with_members": share}
        for code, answer in answers.items():
            initial[strain_field(code)] = answer.strain
            initial[hard_field(code)] = answer.what_is_hard
            initial[works_field(code)] = answer.what_works
        for code, value in values.items():
            initial[figure_field(code)] = value.value
            initial[confirm_field(code)] = value.confirmed
        super().__init__(*args, initial=initial, **kwargs)
        self.topics, self.figures = topics, figures
        for topic in topics:
            self.fields[strain_field(topic.code)] = forms.TypedChoiceField(
                label=_("Strain level"),
                choices=StrainLevel.choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[hard_field(topic.code)] = forms.CharField(
                label=_("What is hard"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[works_field(topic.code)] = forms.CharField(
                label=_("What works"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for figure in figures:
            self.fields[figure_field(figure.code)] = forms.IntegerField(
                label=figure.label,
                required=False,
                # Negative numbers get the service's own message at the field.
                max_value=MAX_COUNT,
                widget=forms.NumberInput(attrs={"step": 1}),
            )
            self.fields[confirm_field(figure.code)] = forms.BooleanField(
                label=_("The number is correct"), required=False
            )

    def groups(self) -> list[dict[str, Any]]:
        return [
            {
                "topic": topic,
                "strain": self[strain_field(topic.code)],
                "hard": self[hard_field(topic.code)],
                "works": self[works_field(topic.code)],
                "figures": [
                    {
                        "figure": f,
                        "value": self[figure_field(f.code)],
                        "confirm": self[confirm_field(f.code)],
                    }
                    for f in self.figures
                    if f.topic_id == topic.pk
                ],
            }
            for topic in self.topics
        ]

    def answers(self) -> dict[str, AnswerInput]:
        data = self.cleaned_data
        return {
            t.code: AnswerInput(
                strain=data.get(strain_field(t.code)),
                what_is_hard=data.get(hard_field(t.code)) or "",
                what_works=data.get(works_field(t.code)) or "",
            )
            for t in self.topics
        }

    def values(self) -> dict[str, FigureInput]:
        data = self.cleaned_data
        return {
            f.code: FigureInput(
                value=data.get(figure_field(f.code)),
                confirmed=bool(data.get(confirm_field(f.code))),
            )
            for f in self.figures
        }


class ReviewForm(forms.Form):
    review_status = forms.ChoiceField(
        label=_("Review"), choices=ReviewStatus.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment to the member"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer to the coordination office"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RoundWithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I withdraw this round; its drafts are deleted."),
        required=True,
        error_messages={"required": _("Please confirm that the round is withdrawn.")},
    )


class ReviewQueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("open", _("to review (new or answered)")),
            ("pending", _("not reviewed")),
            ("answered", _("query answered")),
            ("query", _("query to the member")),
            ("on_hold", _("on hold")),
            ("approved", _("approved")),
            ("all", _("all submitted")),
        ],
    )
    state = forms.ModelChoiceField(
        label=_("State"), queryset=State.objects.all(), required=False, empty_label=_("All states")
    )

    def values(self) -> tuple[str, str | None]:
        if not self.is_valid():
            return "open", None
        state = self.cleaned_data.get("state")
        return self.cleaned_data.get("status") or "open", state.ags if state else None


class RoundForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150, validators=[validate_single_line])
    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"), queryset=Questionnaire.objects.order_by("-version")
    )
    opens_on = forms.DateField(
        label=_("Opens on"), widget=DateInput(), validators=[validate_event_date]
    )
    deadline = forms.DateField(
        label=_("Deadline"), widget=DateInput(), validators=[validate_event_date]
    )
    state = forms.ModelChoiceField(
        label=_("Only the members of"),
        queryset=State.objects.all(),
        required=False,
        empty_label=_("All members"),
    )


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["code", "name_de", "name_en", "order", "active"]


class QuestionnaireTopicsForm(forms.Form):
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=Topic.objects.order_by("order", "code"),
        widget=forms.CheckboxSelectMultiple,
    )


class FigureForm(forms.ModelForm):
    plausible_min = forms.IntegerField(
        label=_("plausible minimum"), required=False, min_value=0, max_value=MAX_COUNT
    )
    plausible_max = forms.IntegerField(
        label=_("plausible maximum"), required=False, min_value=0, max_value=MAX_COUNT
    )

    class Meta:
        model = KeyFigure
        fields = [
            "topic",
            "code",
            "label_de",
            "label_en",
            "unit",
            "plausible_min",
            "plausible_max",
            "not_above",
            "order",
        ]

    def __init__(self, *args: Any, questionnaire: Questionnaire, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = questionnaire.topics.all()  # type: ignore[attr-defined]
        self.fields["not_above"].queryset = questionnaire.figures.all()  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        """The service checks the code within the questionnaire."""
