"""`{{ text|markdown }}`: typed Markdown shown formatted and sanitised (core.markdown)."""

from django import template
from django.utils.safestring import SafeString

from hafennetz.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str | None) -> SafeString:
    return render_markdown(text)
