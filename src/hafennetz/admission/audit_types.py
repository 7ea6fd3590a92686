"""How the audit log shows the admission module's actions (see core.audit_types). Entries about
households carry no free-text needs; the log shows their case numbers only."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("pledge.create", _("%(actor)s recorded the pledge %(object)s"))
register("pledge.update", _("%(actor)s changed the pledge %(object)s"))
register("pledge.offered", _("%(actor)s set the pledge %(object)s to offered"))
register("pledge.accepted", _("%(actor)s recorded that the pledge %(object)s was accepted"))
register("pledge.used", _("%(actor)s recorded that the pledge %(object)s is used up"))
register("pledge.withdrawn", _("%(actor)s withdrew the pledge %(object)s"))
register("contingent.create", _("%(actor)s created the contingent %(object)s"))
register("contingent.update", _("%(actor)s changed the contingent %(object)s"))
register("contingent.eligible", _("%(actor)s changed the eligible members of %(object)s"))
register("key_table.create", _("%(actor)s added the key table %(object)s"))
register("household.create", _("%(actor)s added the household %(object)s"))
register("household.update", _("%(actor)s changed the household %(object)s"))
register("household.delete", _("%(actor)s deleted the household %(object)s"))
register("household.view", _("%(actor)s viewed household data of %(object)s"))
register("household.anonymise", _("%(actor)s anonymised the household %(object)s"))
register("run.start", _("%(actor)s started the allocation run %(object)s"))
register("run.cancel", _("%(actor)s cancelled the allocation run %(object)s"))
register("run.fail", _("The allocation run %(object)s failed"))
register("run.placements", _("The allocation run %(object)s stored its placements"))
register("run.approve", _("%(actor)s approved the allocation run %(object)s"))
register("run.queued", _("The allocation run %(object)s is waiting for the worker"))
register("run.running", _("The allocation run %(object)s started computing"))
register("run.succeeded", _("The allocation run %(object)s finished"))
register("run.failed", _("The allocation run %(object)s failed"))
register("run.cancelled", _("The allocation run %(object)s was cancelled"))
register("placement.confirm", _("%(actor)s confirmed the reception of %(object)s"))
register("placement.problem", _("%(actor)s reported a problem with %(object)s"))

link_objects("admission.pledge", lambda record: reverse("pledge-edit", kwargs={"pk": record.pk}))
link_objects(
    "admission.contingent", lambda record: reverse("contingent-detail", kwargs={"pk": record.pk})
)
link_objects(
    "admission.allocationrun", lambda record: reverse("run-detail", kwargs={"pk": record.pk})
)
link_objects(
    "admission.household", lambda record: reverse("household-edit", kwargs={"pk": record.pk})
)
link_objects(
    "admission.placement", lambda record: reverse("run-detail", kwargs={"pk": record.run_id})
)

register("household.import", _("%(actor)s imported households into %(object)s"))
register("override.pin", _("%(actor)s pinned a household to a member: %(object)s"))
register("override.exclude", _("%(actor)s excluded a member for a household: %(object)s"))
register("override.withdraw", _("%(actor)s withdrew the override %(object)s"))
register("run.rerun", _("%(actor)s re-ran the allocation run %(object)s"))
