"""Absolute links (e-mails, calendars) come from SITE_URL or the request, never a fixed port."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from hafennetz.core.urls import absolute_url


def test_site_url_wins(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = "https://hafennetz.example.org"
    request = RequestFactory().get("/", HTTP_HOST="other.example")
    assert absolute_url("/treffen/1/", request) == "https://hafennetz.example.org/treffen/1/"
    assert absolute_url("treffen/1/") == "https://hafennetz.example.org/treffen/1/"


def test_request_host_without_site_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["hafen.example"]
    request = RequestFactory().get("/", HTTP_HOST="hafen.example:8443", secure=True)
    assert absolute_url("/a/", request) == "https://hafen.example:8443/a/"


def test_no_site_url_no_request_is_a_configuration_error(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SITE_URL = ""
    with pytest.raises(ImproperlyConfigured):
        absolute_url("/a/")
