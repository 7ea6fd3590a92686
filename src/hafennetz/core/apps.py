from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "hafennetz.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from hafennetz.core import (
            checks,  # noqa: F401 - registers the deployment checks
            formfields,
        )

        formfields.install()
        # Each app declares its audit actions in `<app>/audit_types.py`.
        autodiscover_modules("audit_types")
