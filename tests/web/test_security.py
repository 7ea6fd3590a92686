"""Password guessing is locked out; production settings pass Django's deployment check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.members.demo import DEMO_PASSWORD


@pytest.mark.django_db
def test_login_locks_after_repeated_wrong_passwords(client: Client, settings) -> None:
    email = "kommune@demo.hafennetz.example"
    for attempt in range(1, settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": email, "password": "falsch"})
        # The form again with an error, until the limit locks the account.
        assert response.status_code == (429 if attempt == settings.AXES_FAILURE_LIMIT else 200)
    response = client.post(reverse("login"), {"username": email, "password": DEMO_PASSWORD})
    assert response.status_code == 429  # locked even with the right password
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_with_the_right_password(client: Client) -> None:
    response = client.post(
        reverse("login"),
        {"username": "kommune@demo.hafennetz.example", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_deploy_check_is_clean_with_production_settings(tmp_path) -> None:
    env = {
        **os.environ,
        "HAFENNETZ_ENV": "production",
        "SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "hafennetz.example.org",
        "HAFENNETZ_VAR_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    # As a deployment does it (docs): collect the static files, then check.
    collected = subprocess.run(
        [sys.executable, "-m", "hafennetz.cli", "collectstatic", "--no-input", "-v", "0"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert collected.returncode == 0, collected.stdout + collected.stderr
    result = subprocess.run(
        [sys.executable, "-m", "hafennetz.cli", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path) -> None:
    env = {**os.environ, "HAFENNETZ_ENV": "production", "HAFENNETZ_VAR_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "hafennetz.cli", "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_password_change_is_audited_without_the_password(client: Client, member_user) -> None:
    from hafennetz.core.models import AuditEntry

    member_user.set_password("Alt-Passwort-2026")
    member_user.save()
    client.force_login(member_user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "Alt-Passwort-2026",
            "new_password1": "Neu-Passwort-2027!",
            "new_password2": "Neu-Passwort-2027!",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == member_user and entry.after is None
    assert "Neu-Passwort" not in str(entry.before) + str(entry.after)


@pytest.mark.django_db
def test_german_by_default_english_by_choice(client: Client) -> None:
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="de">' in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("home"))
    assert '<html lang="en">' in page.content.decode()
