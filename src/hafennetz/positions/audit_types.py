"""How the audit log shows joint positions, endorsements and the demand tracker (see
core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("position.create", _("%(actor)s drafted the position %(object)s"))
register("position.update", _("%(actor)s changed the position %(object)s"))
register("position.version", _("%(actor)s saved a new version of the position %(object)s"))
register("position.coauthors", _("%(actor)s changed the co-authors of %(object)s"))
register("position.phase", _("%(actor)s changed the phase of the position %(object)s"))
register("position.comment", _("%(actor)s commented on the position %(object)s"))
register("position.comment_answer", _("%(actor)s answered a comment on %(object)s"))
register("position.endorse", _("%(actor)s endorsed %(object)s for their member"))
register("position.endorsement_update", _("%(actor)s changed the endorsement %(object)s"))
register("position.endorsement_withdraw", _("%(actor)s withdrew the endorsement %(object)s"))
register("demand.create", _("%(actor)s added the demand %(object)s"))
register("demand.update", _("%(actor)s changed the demand %(object)s"))
register("demand.entry", _("%(actor)s added an entry to the demand %(object)s"))

link_objects(
    "positions.position", lambda record: reverse("position-detail", kwargs={"pk": record.pk})
)
for _label in ("positions.comment", "positions.endorsement", "positions.positionversion"):
    link_objects(
        _label, lambda record: reverse("position-detail", kwargs={"pk": record.position_id})
    )
link_objects("positions.demand", lambda record: reverse("demand-list"))
