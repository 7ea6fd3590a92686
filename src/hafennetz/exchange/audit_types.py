"""How the audit log shows the Austausch's actions (see core.audit_types)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import link_objects, register

register("practice.create", _("%(actor)s wrote the practice %(object)s"))
register("practice.update", _("%(actor)s changed the practice %(object)s"))
register("practice.publish", _("%(actor)s published the practice %(object)s"))
register("practice.unpublish", _("%(actor)s took the practice %(object)s back to draft"))
register("practice.review", _("%(actor)s confirmed that the practice %(object)s is current"))
register("practice.attachment_add", _("%(actor)s attached the file %(object)s"))
register("practice.attachment_delete", _("%(actor)s removed the file %(object)s"))
register("practice.helpful", _("%(actor)s marked a practice as helpful (%(object)s)"))
register("practice.helpful_remove", _("%(actor)s took back a helpful mark (%(object)s)"))
register("practice.comment", _("%(actor)s commented on a practice: %(object)s"))
register("exchange.opt_ins", _("%(actor)s changed where %(object)s is glad to be asked"))
register("exchange.contact_request", _("%(actor)s asked for contact: %(object)s"))
register("exchange.contact_answer", _("%(actor)s answered the contact request %(object)s"))
register("exchange.reference_add", _("%(actor)s referenced a practice (%(object)s)"))
register("exchange.reference_remove", _("%(actor)s removed a reference to a practice (%(object)s)"))
register(
    "exchange.seed_small_groups",
    _("%(actor)s added a small-group round by topic from the overview: %(object)s"),
)
register("exchange.digest_on", _("%(actor)s switched the daily digest on (%(object)s)"))
register("exchange.digest_off", _("%(actor)s switched the daily digest off (%(object)s)"))
register("exchange.digest_sent", _("%(actor)s sent a daily digest (%(object)s)"))

link_objects(
    "exchange.practice", lambda record: reverse("practice-detail", kwargs={"pk": record.pk})
)
link_objects(
    "exchange.contactrequest",
    lambda record: reverse("contact-request-detail", kwargs={"pk": record.pk}),
)
