"""Reads of joint positions and the demand tracker (lists, the signatory list of a position,
the diff between versions, and what the exchange digest asks for)."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from hafennetz.core.access import Visitor
from hafennetz.members.models import Member
from hafennetz.members.selectors import declaration_signatures
from hafennetz.positions import access
from hafennetz.positions.models import (
    Comment,
    Demand,
    DemandEntry,
    Endorsement,
    Position,
    PositionStatus,
    PositionVersion,
)


def visible_positions(user: Visitor | None) -> QuerySet[Position]:
    """Positions `user` may read: the public sees published and archived ones, member staff
    also those in the comment and endorsement phases, authors their drafts."""
    return (
        Position.objects.filter(access.visible_filter(user))
        .distinct()
        .select_related("declaration")
        .annotate(endorsement_count=Count("endorsements", distinct=True))
    )


def positions_in_comment_phase(user: Visitor | None) -> QuerySet[Position]:
    """For the digest: positions `user` may read that are open for comments."""
    return visible_positions(user).filter(status=PositionStatus.COMMENTING).order_by("-updated_at")


def positions_changed_since(user: Visitor | None, since: dt.datetime) -> QuerySet[Position]:
    """For the digest: positions `user` may read that changed since `since` (a new version, a
    new phase, a new or withdrawn endorsement, changed title or summary)."""
    return (
        visible_positions(user)
        .filter(Q(updated_at__gte=since) | Q(status_changed_at__gte=since))
        .order_by("-updated_at")
    )


def digest_positions(user: Visitor | None, since: dt.datetime) -> list[tuple[str, str]]:
    """For the exchange digest (`exchange.tasks`): (title, absolute link) of the positions in
    their comment phase that `user` may read and that changed since `since` (opened for
    comments, a new version, changed title or summary)."""
    from hafennetz.core.urls import absolute_url

    return [
        (p.title, absolute_url(p.get_absolute_url()))
        for p in positions_changed_since(user, since).filter(status=PositionStatus.COMMENTING)
    ]


def current_version(position: Position) -> PositionVersion | None:
    return position.versions.order_by("-number").first()


def versions(position: Position) -> QuerySet[PositionVersion]:
    return position.versions.select_related("author").order_by("number")


@dataclass
class SectionView:
    key: str
    heading: str
    text: str
    comments: list[Comment] = field(default_factory=list)


def sections_with_comments(
    version: PositionVersion, *, with_comments: bool
) -> tuple[list[SectionView], list[Comment]]:
    """The sections of `version`, each with the comments made on a section with the same key
    (in any version), and the comments whose section no longer exists."""
    sections = [SectionView(s["key"], s["heading"], s["text"]) for s in version.sections]
    orphans: list[Comment] = []
    if with_comments:
        by_key = {s.key: s for s in sections}
        comments = (
            Comment.objects.filter(position_id=version.position_id)
            .select_related("member", "author", "version", "taken_up_in", "answered_by")
            .order_by("created_at", "pk")
        )
        for comment in comments:
            section = by_key.get(comment.section_key)
            if section is None:
                orphans.append(comment)
            else:
                section.comments.append(comment)
    return sections, orphans


@dataclass(frozen=True)
class Signatory:
    """One endorsing member of a position, the same for an endorsement and for a signature of
    the Potsdamer Erklärung (ADR 0061)."""

    member: str
    ags: str
    state: str
    signatory: str
    function: str
    signed_on: dt.date
    council_decision_on: dt.date | None
    council_decision_reference: str
    is_demo: bool
    former: bool
    lat: float
    lon: float
    url: str
    endorsement_id: int | None = None


def _member_bits(member: Member) -> dict[str, object]:
    lat, lon = member.coordinates
    return {
        "member": member.name,
        "ags": member.ags,
        "state": member.state.name,
        "former": member.left_on is not None,
        "lat": round(lat, 4),
        "lon": round(lon, 4),
        "url": reverse("member-detail", args=[member.ags]),
    }


_MEMBER_RELATED = ("member__state", "member__municipality", "member__district")


def signatories(position: Position) -> list[Signatory]:
    """The members that endorsed `position` (for the Potsdamer Erklärung: that signed it),
    by member name."""
    if position.declaration_id is not None:
        assert position.declaration is not None
        return [
            Signatory(
                signatory=s.signatory,
                function="",
                signed_on=s.signed_on,
                council_decision_on=None,
                council_decision_reference="",
                is_demo=s.is_demo or s.member.is_demo,
                **_member_bits(s.member),  # type: ignore[arg-type]
            )
            for s in declaration_signatures(position.declaration)
        ]
    endorsements = Endorsement.objects.filter(position=position).select_related(*_MEMBER_RELATED)
    return [
        Signatory(
            signatory=e.signatory_name,
            function=e.signatory_function,
            signed_on=e.endorsed_on,
            council_decision_on=e.council_decision_on,
            council_decision_reference=e.council_decision_reference,
            is_demo=e.is_demo,
            endorsement_id=e.pk,
            **_member_bits(e.member),  # type: ignore[arg-type]
        )
        for e in endorsements.order_by("member__name")
    ]


def map_points(rows: list[Signatory]) -> list[dict[str, object]]:
    return [
        {
            "name": r.member,
            "state": r.state,
            "lat": r.lat,
            "lon": r.lon,
            "url": r.url,
            "demo": r.is_demo,
        }
        for r in rows
    ]


def endorsement_of(position: Position, member_id: int | None) -> Endorsement | None:
    if member_id is None:
        return None
    return Endorsement.objects.filter(position=position, member_id=member_id).first()


def version_by_number(position: Position, number: int | None) -> PositionVersion | None:
    if number is None:
        return current_version(position)
    return position.versions.filter(number=number).first()


# --- diff -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffPart:
    kind: str  # "same" | "ins" | "del"
    text: str


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "changed" | "ins" | "del"
    parts: tuple[DiffPart, ...]


def _lines(version: PositionVersion) -> list[str]:
    lines: list[str] = []
    for section in version.sections:
        if section["heading"]:
            lines.append(f"## {section['heading']}")
        lines.extend(section["text"].split("\n"))
        lines.append("")
    return lines


def _word_diff(old: str, new: str) -> tuple[DiffPart, ...]:
    a, b = old.split(" "), new.split(" ")
    parts: list[DiffPart] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            parts.append(DiffPart("same", " ".join(a[i1:i2]) + " "))
            continue
        if i2 > i1:
            parts.append(DiffPart("del", " ".join(a[i1:i2])))
            parts.append(DiffPart("same", " "))
        if j2 > j1:
            parts.append(DiffPart("ins", " ".join(b[j1:j2])))
            parts.append(DiffPart("same", " "))
    return tuple(parts)


def diff(old: PositionVersion, new: PositionVersion) -> list[DiffLine]:
    """A readable diff of two versions: unchanged lines, inserted and deleted lines, and
    changed lines with the changed words marked. Text only: the template escapes it."""
    a, b = _lines(old), _lines(new)
    result: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            result.extend(DiffLine("same", (DiffPart("same", line),)) for line in a[i1:i2])
        elif tag == "replace" and (i2 - i1) == (j2 - j1):
            result.extend(
                DiffLine("changed", _word_diff(x, y))
                for x, y in zip(a[i1:i2], b[j1:j2], strict=True)
            )
        else:
            result.extend(DiffLine("del", (DiffPart("del", line),)) for line in a[i1:i2])
            result.extend(DiffLine("ins", (DiffPart("ins", line),)) for line in b[j1:j2])
    return result


# --- demand tracker ---------------------------------------------------------------------------


def demands() -> QuerySet[Demand]:
    return Demand.objects.select_related("position").prefetch_related(
        Prefetch("entries", queryset=DemandEntry.objects.order_by("-happened_on", "-pk"))
    )


__all__ = [
    "DiffLine",
    "DiffPart",
    "SectionView",
    "Signatory",
    "current_version",
    "demands",
    "diff",
    "digest_positions",
    "endorsement_of",
    "map_points",
    "positions_changed_since",
    "positions_in_comment_phase",
    "sections_with_comments",
    "signatories",
    "version_by_number",
    "versions",
    "visible_positions",
]
