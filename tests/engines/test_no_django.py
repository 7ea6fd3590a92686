"""The engines are pure Python: nothing under src/hafennetz/engines may import Django.

Checked twice: statically (every import statement in every module) and dynamically (importing
every engine module in a fresh interpreter leaves `django` out of sys.modules).
"""

import ast
import subprocess
import sys
from pathlib import Path

import hafennetz.engines

ENGINES = Path(hafennetz.engines.__file__).parent
MODULES = sorted(ENGINES.rglob("*.py"))


def _imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_engine_sources_do_not_import_django() -> None:
    offenders = {
        str(path.relative_to(ENGINES)): sorted(
            n for n in _imported_names(path) if n == "django" or n.startswith("django.")
        )
        for path in MODULES
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(MODULES) >= 3  # the check really looked at the packages


def test_importing_every_engine_module_leaves_django_unloaded() -> None:
    modules = [
        "hafennetz.engines." + ".".join(p.relative_to(ENGINES).with_suffix("").parts)
        for p in MODULES
    ]
    modules = [m.removesuffix(".__init__") for m in modules if not m.endswith("__main__")]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print('django' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
