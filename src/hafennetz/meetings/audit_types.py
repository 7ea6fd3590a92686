"""How the audit log shows the working meetings' actions (see core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("meeting.create", _("%(actor)s created the meeting %(object)s"))
register("meeting.update", _("%(actor)s changed the meeting %(object)s"))
register("meeting.agenda_add", _("%(actor)s added the agenda item %(object)s"))
register("meeting.agenda_delete", _("%(actor)s deleted the agenda item %(object)s"))
register("meeting.register", _("%(actor)s registered %(object)s"))
register("meeting.cancel", _("%(actor)s cancelled the registration %(object)s"))
register("meeting.move_up", _("%(actor)s moved %(object)s up from the waiting list"))
register("meeting.set_role", _("%(actor)s changed the role of %(object)s"))
register("meeting.checkin", _("%(actor)s checked in %(object)s"))
register("meeting.checkin_failed", _("%(actor)s entered a wrong check-in code for %(object)s"))
register("meeting.message", _("%(actor)s sent a message about %(object)s"))
register("meeting.plan", _("%(actor)s planned the small groups of %(object)s"))
register("meeting.plan_move", _("%(actor)s moved a person between small groups of %(object)s"))
register("meeting.plan_repair", _("%(actor)s repaired the small-group plan of %(object)s"))
register("meeting.minutes", _("%(actor)s wrote the minutes of %(object)s"))
register("meeting.decision", _("%(actor)s recorded the decision %(object)s"))
register("meeting.follow_up_add", _("%(actor)s added the follow-up task %(object)s"))
register("meeting.follow_up_status", _("%(actor)s changed the status of the task %(object)s"))
register("meeting.close", _("%(actor)s closed the meeting %(object)s"))
register("meeting.calendar_feed_create", _("%(actor)s created a calendar subscription"))
register("meeting.calendar_feed_renew", _("%(actor)s renewed their calendar subscription"))
register("meeting.calendar_feed_revoke", _("%(actor)s revoked their calendar subscription"))


def _meeting_url(pk: int) -> str:
    return reverse("meeting-detail", kwargs={"pk": pk})


link_objects("meetings.meeting", lambda record: _meeting_url(record.pk))
for _label in (
    "meetings.agendablock",
    "meetings.registration",
    "meetings.groupplan",
    "meetings.decision",
    "meetings.followup",
):
    link_objects(_label, lambda record: _meeting_url(record.meeting_id))

register("meeting.agenda_update", _("%(actor)s changed the agenda item %(object)s"))
register("meeting.cancel_meeting", _("%(actor)s called off the meeting %(object)s"))
register("meeting.reopen", _("%(actor)s reopened the meeting %(object)s"))
