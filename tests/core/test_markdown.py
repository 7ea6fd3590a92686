"""Minutes in Markdown, shown formatted and sanitised (issue 16, "Readable records")."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from hafennetz.core.markdown import ALLOWED_TAGS, render_markdown
from hafennetz.meetings.models import Meeting


class _Tags(HTMLParser):
    """The real elements of the output (typed markup that became text is not one)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


PIECES = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "![i](javascript:alert(1))",
        "<style>body{display:none}</style>",
        '<p style="color:red">x</p>',
        "**fett**",
        "# Titel",
        "- Punkt",
        "| a | b |\n|--:|---|\n| 1 | 2 |",
        "\n",
        "`<b>code</b>`",
        "<!-- x -->",
        "&lt;script&gt;",
    ]
)


def test_formatting_shows() -> None:
    html = render_markdown("# TOP 1\n\n**Beschluss:** angenommen\n\n- Wohnraum\n- Schule")
    assert "<h3>TOP 1</h3>" in html  # below the page's h1/h2
    assert "<strong>Beschluss:</strong>" in html
    assert "<li>Wohnraum</li>" in html


def test_typed_html_and_script_links_stay_text() -> None:
    html = render_markdown('<script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x">')
    assert "<script" not in html and "<b" not in html and "href" not in html
    assert "&lt;script&gt;" in html


def test_links_are_marked_external() -> None:
    html = render_markdown("[Erklärung](https://seebruecke.org/)")
    assert 'href="https://seebruecke.org/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=12).map("".join))
def test_nothing_typed_can_run_or_style(text: str) -> None:
    parser = _Tags()
    parser.feed(str(render_markdown(text)))
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in {"href", "title", "rel", "start", "align"}, (tag, name)
            if name == "href":
                scheme = (value or "").split(":", 1)[0].strip().lower()
                assert ":" not in (value or "") or scheme in {"http", "https", "mailto"}, value


@pytest.mark.django_db
def test_meeting_page_shows_the_minutes_formatted(client: Client, office_user) -> None:  # type: ignore[no-untyped-def]
    meeting = Meeting.objects.order_by("pk").first()
    assert meeting is not None
    Meeting.objects.filter(pk=meeting.pk).update(
        minutes="## Ergebnisse\n\n**Einstimmig** <script>alert(1)</script>"
    )
    client.force_login(office_user)
    html = client.get(reverse("meeting-detail", kwargs={"pk": meeting.pk})).content.decode()
    assert "<h4>Ergebnisse</h4>" in html and "<strong>Einstimmig</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
