"""The member directory sorts by column and pages (issue 16, "Member directory sortable and
paged")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hafennetz.members.models import Member

URL = reverse("member-directory")


def _names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.name for m in response.context["page"]]


@pytest.mark.django_db
def test_sorted_by_name_and_paged_by_fifty(client: Client) -> None:
    total = Member.objects.count()
    assert total > 50, "the demo registry has more members than one page"
    first = client.get(URL)
    names = _names(first)
    assert len(names) == 50
    ascending = [m.name for m in first.context["page"].paginator.object_list]
    descending = client.get(URL, {"sort": "-name"}).context["page"].paginator.object_list
    assert [m.name for m in descending] == ascending[::-1]
    assert names == ascending[:50]
    assert first.context["page"].paginator.count == total
    html = first.content.decode()
    assert 'aria-sort="ascending"' in html and "page=2" in html
    last = client.get(URL, {"page": first.context["page"].paginator.num_pages})
    assert len(_names(last)) == total - 50 * (last.context["page"].number - 1)


@pytest.mark.django_db
def test_sort_by_joined_descending_keeps_the_filter(client: Client) -> None:
    response = client.get(URL, {"sort": "-joined", "state": "05"})
    members = list(response.context["page"])
    assert members and all(m.state_id == "05" for m in members)
    dates = [m.joined_on for m in members if m.joined_on]
    assert dates == sorted(dates, reverse=True)
    known = [m.joined_on is not None for m in members]
    assert known == sorted(known, reverse=True)  # unknown dates last
    html = response.content.decode()
    assert 'aria-sort="descending"' in html
    assert "state=05&amp;sort=joined" in html  # the header toggles, the filter stays


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"sort": "evil'--"}, {"page": "x"}, {"page": "99999"}])
def test_bad_sort_or_page_falls_back(client: Client, params: dict[str, str]) -> None:
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.context["page"].object_list
