"""The public pages read all members at once: their query counts do not grow with the data."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "limit"),
    [
        (reverse("home"), 8),  # with the data version of the public page cache
        (reverse("member-directory"), 6),
        (reverse("member-directory") + "?state=05&status=alliance&q=a", 6),
        (reverse("member-detail", args=["05766020"]), 12),
        (reverse("state-boundaries"), 3),
    ],
)
def test_public_pages_have_bounded_query_counts(
    client: Client, django_assert_max_num_queries, url: str, limit: int
) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
