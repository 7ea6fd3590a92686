"""Markdown that people type (minutes, texts) shown formatted and safe.

markdown-it-py renders CommonMark with raw HTML switched off (typed tags stay text) and refuses
`javascript:`-style links; nh3 (ammonia) then keeps only the tags and attributes listed here, so
nothing a user typed can run or style the page (the CSP forbids inline styles too). Links get
`rel="noopener noreferrer nofollow"`.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

MAX_CHARS = 200_000  # longer texts are cut before parsing: rendering time stays bounded

_PARSER = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})
_PARSER.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> SafeString:
    """`text` as sanitised HTML. Headings are shifted down by two levels (# becomes h3) so
    typed headings sit below the page's own h1 and h2."""
    source = (text or "")[:MAX_CHARS]
    html = _PARSER.render(source)
    for level in range(6, 0, -1):
        shifted = min(level + 2, 6)
        html = html.replace(f"<h{level}>", f"<h{shifted}>").replace(
            f"</h{level}>", f"</h{shifted}>"
        )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
