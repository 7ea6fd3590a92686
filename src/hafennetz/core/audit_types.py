"""One registry of audit actions and how the log shows them (after pretix's log-entry types).

Each app declares its actions in `<app>/audit_types.py` with `register(...)`: the action name its
services write, a sentence with the placeholders `%(actor)s` and `%(object)s`, and optionally how
to link the objects of a type (`register_links`, one batched lookup per page of entries). The log
page (`web.audit`) turns entries into `ReadableEntry`s: the sentence, the object's link and the
changed fields with their labels and formatted values ("Telefon: alt → neu"). An action nobody
registered still shows, with a neutral sentence and its technical name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hafennetz.core.models import AuditEntry

# object ids of one type → their URLs (ids without a page are left out)
LinkFinder = Callable[[Sequence[str]], Mapping[str, str]]

GENERIC_TEXT = gettext_lazy("%(actor)s: %(action)s on %(object)s")
EMPTY = "—"


@dataclass(frozen=True)
class ActionType:
    action: str
    text: str | Promise


_ACTIONS: dict[str, ActionType] = {}
_LINKS: dict[str, LinkFinder] = {}


def register(action: str, text: str | Promise) -> None:
    """Declare an action: `text` is a translatable sentence with `%(actor)s` and
    `%(object)s`, e.g. "%(actor)s changed the contact %(object)s"."""
    if action in _ACTIONS and _ACTIONS[action].text != text:
        raise ValueError(f"audit action {action!r} registered twice with different texts")
    _ACTIONS[action] = ActionType(action, text)


def register_links(object_type: str, finder: LinkFinder) -> None:
    """How to link objects of `object_type` (a model's `label_lower`)."""
    _LINKS[object_type] = finder


def link_objects(model_label: str, url_for: Callable[[Any], str], *related: str) -> None:
    """Link the objects of a model by `url_for(record)`: one query per page of entries."""

    def finder(object_ids: Sequence[str]) -> dict[str, str]:
        model = apps.get_model(model_label)
        pks = [i for i in object_ids if i.isdigit()]
        urls = {}
        for record in model._default_manager.select_related(*related).filter(pk__in=pks):
            try:
                urls[str(record.pk)] = url_for(record)
            except NoReverseMatch:  # e.g. a record whose page needs data it lacks
                continue
        return urls

    register_links(model_label, finder)


def action_type(action: str) -> ActionType | None:
    return _ACTIONS.get(action)


def registered_actions() -> set[str]:
    return set(_ACTIONS)


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class ReadableEntry:
    entry: AuditEntry
    sentence: SafeString
    url: str | None
    changes: list[Change] = field(default_factory=list)
    registered: bool = True


def readable(
    entries: Sequence[AuditEntry], *, actor_names: Mapping[int, str] | None = None
) -> list[ReadableEntry]:
    """The entries as sentences with links and formatted changes. `actor_names`: display names
    by user id (e.g. "Anna Beispiel (Detmold)"); otherwise the stored label is shown."""
    names = actor_names or {}
    urls = _links(entries)
    related = _related_labels(entries)
    result = []
    for entry in entries:
        kind = _ACTIONS.get(entry.action)
        actor = names.get(entry.actor_id or 0) or entry.actor_label or _("system")
        url = urls.get((entry.object_type, entry.object_id))
        obj: SafeString | str = entry.object_repr or entry.object_id or EMPTY
        if url:
            obj = format_html('<a href="{}">{}</a>', url, obj)
        text = str(kind.text if kind else GENERIC_TEXT)
        sentence = mark_safe(  # noqa: S308 - the text is ours; every value is escaped
            conditional_escape(text)
            % {
                "actor": conditional_escape(actor),
                "object": conditional_escape(obj),
                "action": conditional_escape(entry.action),
            }
            if "%(" in text
            else conditional_escape(text)
        )
        result.append(
            ReadableEntry(
                entry=entry,
                sentence=sentence,
                url=url,
                changes=_changes(entry, related),
                registered=kind is not None,
            )
        )
    return result


def _links(entries: Sequence[AuditEntry]) -> dict[tuple[str, str], str]:
    ids: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.object_id and entry.object_type in _LINKS:
            ids[entry.object_type].add(entry.object_id)
    found: dict[tuple[str, str], str] = {}
    for object_type, object_ids in ids.items():
        for object_id, url in _LINKS[object_type](sorted(object_ids)).items():
            found[(object_type, object_id)] = url
    return found


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            found = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        if isinstance(found, models.Field):
            return found
    return None


def _related_labels(entries: Sequence[AuditEntry]) -> dict[tuple[str, str], str]:
    """Names of the records that foreign-key values point to, one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = _model(entry.object_type)
        for values in (entry.before or {}, entry.after or {}):
            if not isinstance(values, dict):
                continue
            for name, value in values.items():
                found = _field(model, name)
                if (
                    found is not None
                    and found.is_relation
                    and found.related_model is not None
                    and isinstance(value, int | str)
                    and value != ""
                ):
                    wanted[found.related_model].add(value)  # type: ignore[index]
    labels: dict[tuple[str, str], str] = {}
    for related_model, pks in wanted.items():
        try:
            for record in related_model._default_manager.filter(pk__in=pks)[:500]:
                labels[(related_model._meta.label_lower, str(record.pk))] = str(record)
        except (ValueError, TypeError):
            continue
    return labels


def _changes(entry: AuditEntry, related: Mapping[tuple[str, str], str]) -> list[Change]:
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    model = _model(entry.object_type)
    changes = []
    for name in [*before, *(k for k in after if k not in before)]:
        found = _field(model, name)
        label = capfirst(str(found.verbose_name)) if found is not None else name
        changes.append(
            Change(
                label=label,
                old=format_value(found, before.get(name), related) if name in before else EMPTY,
                new=format_value(found, after.get(name), related) if name in after else EMPTY,
            )
        )
    return changes


def format_value(
    found: models.Field[Any, Any] | None,
    value: Any,
    related: Mapping[tuple[str, str], str] | None = None,
) -> str:
    """A stored audit value as a person reads it: choices by their label, yes/no, German
    dates, the name of a referenced record."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if found is not None:
        if found.choices:
            for key, label in found.flatchoices:
                if str(key) == str(value):
                    return str(label)
        if found.is_relation and found.related_model is not None and related is not None:
            name = related.get((found.related_model._meta.label_lower, str(value)))  # type: ignore[union-attr]
            if name:
                return name
        if isinstance(found, models.DateTimeField) and isinstance(value, str):
            moment = parse_datetime(value)
            if moment is not None:
                return date_format(
                    localtime(moment) if moment.tzinfo else moment, "SHORT_DATETIME_FORMAT"
                )
        elif isinstance(found, models.DateField) and isinstance(value, str):
            try:
                day = parse_date(value)
            except ValueError:
                day = None
            if isinstance(day, dt.date):
                return date_format(day, "SHORT_DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or EMPTY
    return str(value)
