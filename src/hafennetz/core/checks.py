"""Deployment checks (`hafennetz check --deploy`): in production the pages name their static
files through the manifest that `collectstatic` writes; without it, or with a manifest from
before an upgrade, every page that links a missing file answers 500."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import CheckMessage, Error, Tags, register

HINT = "Run `hafennetz collectstatic --no-input` after every install and upgrade."


@register(Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    try:
        manifest, _hash = staticfiles_storage.load_manifest()
    except ValueError as exc:  # a damaged manifest file
        return [Error(str(exc), hint=HINT, id="hafennetz.E001")]
    if not manifest:
        location = staticfiles_storage.path(staticfiles_storage.manifest_name)
        return [
            Error(
                f"The static files are not collected ({location} is missing): every page would "
                "answer 500.",
                hint=HINT,
                id="hafennetz.E001",
            )
        ]
    ignore = apps.get_app_config("staticfiles").ignore_patterns  # as collectstatic does
    shipped = {path for finder in finders.get_finders() for path, _storage in finder.list(ignore)}
    missing = sorted(shipped - set(manifest))
    if missing:
        return [
            Error(
                f"{len(missing)} static files are not collected (e.g. {', '.join(missing[:3])}): "
                "pages that link them would answer 500.",
                hint=HINT,
                id="hafennetz.E002",
            )
        ]
    return []
