"""Production static files: `collectstatic` with the manifest storage of HAFENNETZ_ENV=production
must succeed (a vendored file referenced a source map that is not shipped, so it failed and every
page then answered 500); `check --deploy` must say when it was not run; and every `{% static %}`
in a template must name a shipped file (in production a missing one is a 500; in development it
is silently a 404)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.ops.live import ROOT, django_env

STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


@pytest.mark.live
def test_collectstatic_succeeds_in_production(tmp_path: Path) -> None:
    env = django_env(
        HAFENNETZ_ENV="production",
        SECRET_KEY="ops-test-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        HAFENNETZ_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )

    def hafennetz(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "hafennetz.cli", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )

    # Forgetting collectstatic is caught by the deployment check, not by a 500 on every page.
    before = hafennetz("check", "--deploy")
    assert before.returncode != 0
    assert "hafennetz.E001" in before.stderr and "collectstatic" in before.stderr
    done = hafennetz("collectstatic", "--no-input")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    after = hafennetz("check", "--deploy", "--fail-level", "WARNING")
    assert after.returncode == 0, after.stdout + after.stderr
    # No shipped JavaScript points at a file that is not there.
    for script in (ROOT / "src" / "hafennetz").rglob("static/**/*.js"):
        for line in script.read_text(errors="replace").splitlines()[-3:]:
            assert "sourceMappingURL" not in line, script


def test_every_static_reference_in_templates_exists() -> None:
    referenced = {
        (template.relative_to(ROOT), path)
        for template in (ROOT / "src" / "hafennetz").rglob("templates/**/*.html")
        for path in STATIC_TAG.findall(template.read_text())
    }
    assert referenced
    missing = [(str(t), path) for t, path in sorted(referenced) if not finders.find(path)]
    assert missing == []
