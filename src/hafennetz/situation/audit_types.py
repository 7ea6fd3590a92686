"""How the audit log shows the Lagebild's actions (see core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("round.open", _("%(actor)s opened the survey round %(object)s"))
register("reminder.send", _("%(actor)s sent reminders for %(object)s"))
register("report.save", _("%(actor)s saved the report %(object)s as a draft"))
register("report.submit", _("%(actor)s submitted the report %(object)s"))
register("report.new_version", _("%(actor)s started a new version of the report %(object)s"))
register("report.review", _("%(actor)s reviewed the report %(object)s"))
register("topic.create", _("%(actor)s added the topic %(object)s"))
register("topic.update", _("%(actor)s changed the topic %(object)s"))
register("figure.create", _("%(actor)s added the key figure %(object)s"))
register("questionnaire.create", _("%(actor)s created the questionnaire %(object)s"))
register("questionnaire.update", _("%(actor)s changed the questionnaire %(object)s"))

link_objects(
    "situation.surveyround",
    lambda record: reverse("round-dashboard", kwargs={"number": record.number}),
)
link_objects(
    "situation.situationreport",
    lambda record: reverse(
        "report-detail", kwargs={"number": record.round.number, "ags": record.member.ags}
    ),
    "round",
    "member__municipality",
    "member__district",
)
link_objects("situation.topic", lambda record: reverse("topic-edit", kwargs={"code": record.code}))

register("report.answer", _("%(actor)s answered the query on the report %(object)s"))
register("round.announce", _("%(actor)s announced the survey round %(object)s"))
register("round.update", _("%(actor)s changed the survey round %(object)s"))
register("round.withdraw", _("%(actor)s withdrew the survey round %(object)s"))
