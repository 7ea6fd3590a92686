"""How the audit log shows the Austausch actions: practices, contact requests, opt-ins, digest
(see core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("practice.create", _("%(actor)s wrote the practice %(object)s"))
register("practice.update", _("%(actor)s changed the practice %(object)s"))
register("practice.publish", _("%(actor)s published the practice %(object)s"))
register("practice.unpublish", _("%(actor)s withdrew the practice %(object)s to a draft"))
register("practice.review", _("%(actor)s marked the practice %(object)s as reviewed"))
register("practice.attachment_add", _("%(actor)s attached a file to %(object)s"))
register("practice.attachment_delete", _("%(actor)s removed an attachment of %(object)s"))
register("practice.helpful", _("%(actor)s marked the practice %(object)s as helpful"))
register("practice.helpful_remove", _("%(actor)s took back the helpful mark on %(object)s"))
register("practice.comment", _("%(actor)s commented on the practice %(object)s"))
register("exchange.contact_request", _("%(actor)s asked for contact: %(object)s"))
register("exchange.contact_answer", _("%(actor)s answered the contact request %(object)s"))
register("exchange.opt_ins", _("%(actor)s changed the topics %(object)s may be asked about"))
register("exchange.reference_add", _("%(actor)s added the reference %(object)s"))
register("exchange.reference_remove", _("%(actor)s removed the reference %(object)s"))
register("exchange.seed_small_groups", _("%(actor)s seeded small groups for %(object)s"))
register("exchange.digest_on", _("%(actor)s subscribed to the daily digest"))
register("exchange.digest_off", _("%(actor)s unsubscribed from the daily digest"))
register("exchange.digest_sent", _("The daily digest was sent to %(object)s"))

link_objects(
    "exchange.practice", lambda record: reverse("practice-detail", kwargs={"pk": record.pk})
)
link_objects(
    "exchange.contactrequest",
    lambda record: reverse("contact-request-detail", kwargs={"pk": record.pk}),
)
