"""The forms of a rendered page, read with the standard library's HTML parser: what a browser
would submit (method, action, encoding, fields with their current values and choices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Buttons and inputs that submit rather than carry a value the user types.
SUBMIT_TYPES = {"submit", "image"}
SKIP_TYPES = {"reset", "button"}


@dataclass
class Field:
    name: str
    kind: str  # input type ("text", "date", "number", "file", ...), "select", "textarea"
    value: str = ""
    choices: list[str] = field(default_factory=list)
    multiple: bool = False
    checked: bool = False


@dataclass
class Form:
    method: str
    action: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    @property
    def submits(self) -> list[Field]:
        return [f for f in self.fields if f.kind in SUBMIT_TYPES]

    @property
    def inputs(self) -> list[Field]:
        return [f for f in self.fields if f.kind not in SUBMIT_TYPES]

    def names(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.inputs:
            seen.setdefault(f.name, None)
        return list(seen)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._in_option = False
        self._option_value: str | None = None
        self._option_text: list[str] = []
        self._option_selected = False
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(
                method=(a.get("method") or "get").lower(),
                action=a.get("action", ""),
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag in ("input", "button") and name:
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind in SKIP_TYPES:
                return
            self._form.fields.append(
                Field(name=name, kind=kind, value=a.get("value", ""), checked="checked" in a)
            )
        elif tag == "select" and name:
            self._select = Field(name=name, kind="select", multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._in_option = True
            self._option_value = a.get("value")
            self._option_text = []
            self._option_selected = "selected" in a
        elif tag == "textarea" and name:
            self._textarea = Field(name=name, kind="textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._in_option:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "option":
            self._close_option()
        elif tag == "textarea":
            self._textarea = None

    def _close_option(self) -> None:
        if self._select is None or not self._in_option:
            return
        value = (
            self._option_value
            if self._option_value is not None
            else "".join(self._option_text).strip()
        )
        self._select.choices.append(value)
        if self._option_selected and not self._select.value:
            self._select.value = value
        self._in_option, self._option_value = False, None
        self._option_text, self._option_selected = [], False


def parse_forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms
