"""The `hafennetz` console script.

Engine commands (`allocate`, `plan-groups`) run without Django so they work on plain CSV files
without a database. Everything else is a Django management command; hyphens in the command
name are accepted (`hafennetz import-reference` == `manage.py import_reference`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

ENGINE_COMMANDS: dict[str, str] = {
    "allocate": "hafennetz.engines.allocation.cli",
    "plan-groups": "hafennetz.engines.grouping.cli",
}


def _engine_main(command: str) -> Callable[[Sequence[str] | None], int]:
    import importlib

    module = importlib.import_module(ENGINE_COMMANDS[command])
    return module.main  # type: ignore[no-any-return]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ENGINE_COMMANDS:
        return _engine_main(args[0])(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["hafennetz", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
