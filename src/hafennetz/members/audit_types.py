"""How the audit log shows the member registry's actions (see core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("member.create", _("%(actor)s added the member %(object)s"))
register("member.update", _("%(actor)s changed the member %(object)s"))
register("member.leave", _("%(actor)s recorded that %(object)s left the alliance"))
register("member.import", _("%(actor)s imported the member list (%(object)s)"))
register("contact.create", _("%(actor)s added the contact %(object)s"))
register("contact.update", _("%(actor)s changed the contact %(object)s"))
register("contact.delete", _("%(actor)s deleted the contact %(object)s"))
register("signature.create", _("%(actor)s recorded the signature %(object)s"))
register("signature.update", _("%(actor)s corrected the signature %(object)s"))
register("signature.delete", _("%(actor)s deleted the signature %(object)s"))
register("invitation.create", _("%(actor)s invited %(object)s"))
register("invitation.accept", _("%(actor)s accepted the invitation %(object)s"))
register("state_coordination.assign", _("%(actor)s assigned the state coordination %(object)s"))
register("state_coordination.end", _("%(actor)s ended the state coordination %(object)s"))
register(
    "coordination_office.hand_over", _("%(actor)s handed the coordination office to %(object)s")
)
register("coordination_office.end", _("%(actor)s ended the coordination office term %(object)s"))


def _member_url(member: object) -> str:
    return reverse("member-detail", kwargs={"ags": member.ags})  # type: ignore[attr-defined]


link_objects("members.member", _member_url, "municipality", "district")
for _label in ("members.contact", "members.signature", "members.statecoordination"):
    link_objects(
        _label,
        lambda record: _member_url(record.member),
        "member__municipality",
        "member__district",
    )
link_objects(
    "members.coordinationofficeterm",
    lambda record: _member_url(record.member),
    "member__municipality",
    "member__district",
)

register("member.rejoin", _("%(actor)s recorded that %(object)s rejoined the alliance"))
register("signature.update", _("%(actor)s corrected the signature %(object)s"))
register("signature.delete", _("%(actor)s deleted the signature %(object)s"))
register("user.profile", _("%(actor)s changed the profile %(object)s"))
