from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "hafennetz.api"
    label = "api"
    verbose_name = _("Public API")

    def ready(self) -> None:
        # Domain events of the apps' services become webhook deliveries (after commit).
        from hafennetz.api import webhooks
        from hafennetz.core import events

        events.listen(webhooks.on_event)
