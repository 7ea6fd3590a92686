"""How the audit log shows API tokens and webhooks (see core.audit_types)."""

from django.utils.translation import gettext_lazy as _

from hafennetz.core.audit_types import register

register("api.token_create", _("%(actor)s created the API token %(object)s"))
register("api.token_revoke", _("%(actor)s revoked the API token %(object)s"))
register("api.webhook_create", _("%(actor)s registered the webhook %(object)s"))
register("api.webhook_update", _("%(actor)s changed the webhook %(object)s"))
register("api.webhook_delete", _("%(actor)s deleted the webhook %(object)s"))
