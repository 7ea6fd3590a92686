from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "hafennetz.web"
    label = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from hafennetz.web import signals  # noqa: F401  (connects the audit of logins)
