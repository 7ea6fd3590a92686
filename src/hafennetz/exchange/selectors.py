"""Reads of the Austausch: the library's search, a practice with its talk, peer suggestions
from the Lagebild, the topic × member overview, the breakout planner's participant file and the
daily digest.

Single strain levels of other members come from the Lagebild's answer rows only as far as the
situation app lets the viewer see them (`situation.access.visible_answers`: the office all, a
state coordination its states, everyone the reports members chose to share): the exchange app
adds no way around its rules. Nothing here aggregates over members."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hafennetz.core.access import Visitor
from hafennetz.core.models import State
from hafennetz.exchange import search
from hafennetz.exchange.access import visible_practices
from hafennetz.exchange.models import (
    Attachment,
    ContactRequest,
    DigestSetting,
    HelpfulMark,
    Practice,
    PracticeComment,
    PracticeStatus,
    Reference,
    TopicOptIn,
)
from hafennetz.meetings.models import AgendaBlock, FollowUp, Meeting
from hafennetz.members.access import roles_of
from hafennetz.members.models import Contact, Member, SizeClass
from hafennetz.positions import selectors as positions_selectors
from hafennetz.positions.models import Position
from hafennetz.situation import selectors as situation_selectors
from hafennetz.situation.access import visible_answers
from hafennetz.situation.models import (
    Answer,
    ReportStatus,
    SituationReport,
    StrainLevel,
    SurveyRound,
    Topic,
)

STRAINED = (3, 4)
COPING = (1, 2)


def topics() -> list[Topic]:
    return list(situation_selectors.topics().filter(active=True))


def contacts_of(member: Member) -> QuerySet[Contact]:
    return Contact.objects.filter(member=member).order_by("name")


# --- the library ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    q: str = ""
    topic: str = ""
    state: str = ""
    size_class: int | None = None
    visibility: str = ""
    member: str = ""  # AGS: one member's practices


def _members_of_size(size_class: int) -> list[int]:
    members = Member.objects.select_related("municipality", "district").only(
        "pk", "municipality__population", "district__population"
    )
    return [m.pk for m in members if m.size_class == size_class]


def practices_search(user: Visitor | None, filters: SearchFilters) -> list[Practice]:
    """The practices the user may see matching the filters; with a search text, the ones
    containing every word (German stemming), most relevant first."""
    queryset = (
        Practice.objects.filter(visible_practices(user))
        .select_related("member", "member__state")
        .prefetch_related("topics")
        .annotate(n_helpful=Count("helpful", distinct=True))
    )
    if filters.topic:
        queryset = queryset.filter(topics__code=filters.topic)
    if filters.state:
        queryset = queryset.filter(member__state_id=filters.state)
    if filters.size_class:
        queryset = queryset.filter(member_id__in=_members_of_size(filters.size_class))
    if filters.visibility:
        queryset = queryset.filter(visibility=filters.visibility)
    if filters.member:
        queryset = queryset.filter(
            Q(member__municipality_id=filters.member) | Q(member__district_id=filters.member)
        )
    if filters.q.strip():
        return search.ranked(queryset, filters.q)
    return list(queryset.order_by("-published_at", "-created_at", "-pk"))


@dataclass
class PracticePage:
    practice: Practice
    attachments: list[Attachment]
    comments: list[PracticeComment]
    helpful: int
    marked: bool
    topics: list[Topic]
    references: list[Reference]


def practice_page(practice: Practice, user: Visitor | None) -> PracticePage:
    user_id = user.pk if user is not None and getattr(user, "is_authenticated", False) else None
    return PracticePage(
        practice=practice,
        attachments=list(practice.attachments.all()),
        comments=list(practice.comments.select_related("member", "author")),
        helpful=practice.helpful.count(),
        marked=user_id is not None and practice.helpful.filter(user_id=user_id).exists(),
        topics=list(practice.topics.all()),
        references=list(practice.references.select_related("block__meeting", "follow_up__meeting"))
        if user_id
        else [],
    )


def practices_for_reference_qs(user: Visitor | None) -> QuerySet[Practice]:
    return (
        Practice.objects.filter(visible_practices(user), status=PracticeStatus.PUBLISHED)
        .select_related("member")
        .order_by("title")
    )


def positions_for_reference_qs(user: Visitor | None) -> QuerySet[Position]:
    return positions_selectors.visible_positions(user).order_by("title")


def user_exists(user_id: int) -> bool:
    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()


def references_of(
    *, block: AgendaBlock | None = None, follow_up: FollowUp | None = None
) -> list[Reference]:
    return list(
        Reference.objects.filter(block=block, follow_up=follow_up).select_related(
            "practice", "practice__member", "position"
        )
    )


def references_of_meeting(meeting: Meeting) -> dict[str, dict[int, list[Reference]]]:
    """The meeting's references by agenda item and by task (one query)."""
    rows = Reference.objects.filter(
        Q(block__meeting=meeting) | Q(follow_up__meeting=meeting)
    ).select_related("practice", "practice__member", "position")
    out: dict[str, dict[int, list[Reference]]] = {
        "block": defaultdict(list),
        "task": defaultdict(list),
    }
    for ref in rows:
        if ref.block_id:
            out["block"][ref.block_id].append(ref)
        elif ref.follow_up_id:
            out["task"][ref.follow_up_id].append(ref)
    return out


# --- the Lagebild ------------------------------------------------------------------------------


def latest_round(member: Member | None = None) -> SurveyRound | None:
    """The latest round with submitted reports (of `member`, if given), preferring rounds
    whose deadline has passed (an open round has only part of the answers yet)."""
    reports = SituationReport.objects.filter(is_current=True, status=ReportStatus.SUBMITTED)
    if member is not None:
        reports = reports.filter(member=member)
    ordered = reports.order_by("-round__number").values_list("round__number", flat=True)
    number = ordered.filter(round__deadline__lt=timezone.localdate()).first() or ordered.first()
    if number is None:
        return None
    return situation_selectors.round_by_number(number)


def _visible_strain(
    user: Visitor | None, survey_round: SurveyRound, members: list[int] | None = None
) -> dict[tuple[int, int], int]:
    """(member, topic) -> strain of the round's counted answers the user may see."""
    rows = Answer.objects.filter(round=survey_round, counted=True, strain__isnull=False)
    visible = visible_answers(user)
    if visible is not None:
        rows = rows.filter(visible)
    if members is not None:
        rows = rows.filter(member_id__in=members)
    return {
        (m, t): s
        for m, t, s in rows.values_list("member_id", "topic_id", "strain")
        if s is not None
    }


def _distance_km(a: Member, b: Member) -> float:
    lat1, lon1 = a.coordinates
    lat2, lon2 = b.coordinates
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@dataclass
class Peer:
    member: Member
    score: int
    reasons: list[str]
    strain: int | None
    practices: list[Practice]
    distance_km: int


@dataclass
class TopicSuggestion:
    topic: Topic
    strain: int
    peers: list[Peer] = field(default_factory=list)


@dataclass
class Learning:
    member: Member
    survey_round: SurveyRound | None
    suggestions: list[TopicSuggestion]
    strained_topics: int


def _member_qs() -> QuerySet[Member]:
    return Member.objects.select_related("municipality", "district", "state")


def peer_suggestions(user: Visitor | None, member: Member, *, limit: int = 5) -> Learning:
    """For each topic on which `member` reported strain 3–4 in its latest round: peers that
    opted in to be asked on it and either cope with it (1–2, similar size) or published a
    practice on it; ranked by what they offer and how close they are, each with reasons."""
    member = _member_qs().get(pk=member.pk)
    survey_round = latest_round(member)
    if survey_round is None:
        return Learning(member, None, [], 0)
    own: dict[int, int] = {
        t: s
        for t, s in Answer.objects.filter(
            round=survey_round, member=member, counted=True, strain__in=STRAINED
        ).values_list("topic_id", "strain")
        if s is not None
    }
    if not own:
        return Learning(member, survey_round, [], 0)
    topic_objs = {t.pk: t for t in Topic.objects.filter(pk__in=own)}
    opt_ins = TopicOptIn.objects.filter(topic_id__in=own).exclude(member=member)
    candidates_by_topic: dict[int, set[int]] = defaultdict(set)
    for member_id, topic_id in opt_ins.values_list("member_id", "topic_id"):
        candidates_by_topic[topic_id].add(member_id)
    candidate_ids = sorted({m for ids in candidates_by_topic.values() for m in ids})
    candidates = {m.pk: m for m in _member_qs().filter(pk__in=candidate_ids)}
    strain = _visible_strain(user, survey_round, candidate_ids)
    practices: dict[tuple[int, int], list[Practice]] = defaultdict(list)
    for practice in (
        Practice.objects.filter(visible_practices(user), status=PracticeStatus.PUBLISHED)
        .filter(member_id__in=candidate_ids, topics__in=list(own))
        .prefetch_related("topics")
        .distinct()
    ):
        for topic in practice.topics.all():
            practices[(practice.member_id, topic.pk)].append(practice)
    own_size = member.size_class
    suggestions = []
    for topic_id, level in sorted(own.items(), key=lambda kv: (-kv[1], topic_objs[kv[0]].order)):
        suggestion = TopicSuggestion(topic=topic_objs[topic_id], strain=level)
        for peer_id in candidates_by_topic.get(topic_id, set()):
            peer = candidates[peer_id]
            peer_strain = strain.get((peer_id, topic_id))
            size_gap = abs(int(peer.size_class) - int(own_size))
            copes = peer_strain in COPING and size_gap <= 1
            its_practices = practices.get((peer_id, topic_id), [])
            if not copes and not its_practices:
                continue
            reasons: list[str] = []
            score = 0
            if copes:
                score += 4
                reasons.append(
                    _("copes with it (strain %(level)s in the same round)") % {"level": peer_strain}
                )
            if its_practices:
                score += 3
                reasons.append(
                    _("published a practice on it: „%(title)s“") % {"title": its_practices[0].title}
                )
            if size_gap == 0:
                score += 2
                reasons.append(_("same size class"))
            elif size_gap == 1:
                score += 1
                reasons.append(_("similar size"))
            if peer.state_id == member.state_id:
                score += 2
                reasons.append(_("same state"))
            km = round(_distance_km(member, peer))
            if km <= 100:
                score += 1
                reasons.append(_("%(km)s km away") % {"km": km})
            suggestion.peers.append(
                Peer(
                    member=peer,
                    score=score,
                    reasons=reasons,
                    strain=peer_strain,
                    practices=its_practices,
                    distance_km=km,
                )
            )
        suggestion.peers.sort(key=lambda p: (-p.score, p.distance_km, p.member.name))
        suggestion.peers = suggestion.peers[:limit]
        suggestions.append(suggestion)
    return Learning(member, survey_round, suggestions, len(own))


def opted_in(member: Member, topic: Topic) -> TopicOptIn | None:
    return TopicOptIn.objects.select_related("contact").filter(member=member, topic=topic).first()


def opt_ins_of(member: Member) -> list[TopicOptIn]:
    return list(TopicOptIn.objects.filter(member=member).select_related("topic", "contact"))


def requests_of(user: Visitor | None) -> dict[str, list[ContactRequest]]:
    """The contact requests the user's member sent and received (the office: all of them)."""
    roles = roles_of(user)
    qs = ContactRequest.objects.select_related("from_member", "to_member", "topic")
    if roles.is_coordination_office and roles.member_id is None:
        return {"sent": list(qs), "received": []}
    return {
        "sent": list(qs.filter(from_member_id=roles.member_id)),
        "received": list(qs.filter(to_member_id=roles.member_id)),
    }


# --- the overview -----------------------------------------------------------------------------


@dataclass
class OverviewRow:
    member: Member
    cells: list[int | None]
    strained: int
    coping: int
    practices: int


@dataclass
class Overview:
    survey_round: SurveyRound | None
    topics: list[Topic]
    rows: list[OverviewRow]
    states: list[str] | None
    counts: list[dict[str, int]]


def overview(
    user: Visitor | None, states: list[str] | None, *, state: str = "", topic: str = ""
) -> Overview:
    """Topic × member: the strain each member reported in the latest round (as far as the
    viewer may see single answers), with the number of its published practices per topic."""
    survey_round = latest_round()
    all_topics = topics()
    shown = [t for t in all_topics if not topic or t.code == topic]
    members = _member_qs().filter(joined_on__isnull=False, left_on__isnull=True)
    if states is not None:
        members = members.filter(state_id__in=states)
    if state:
        members = members.filter(state_id=state)
    member_list = list(members.order_by("state_id", "name"))
    ids = [m.pk for m in member_list]
    strain = _visible_strain(user, survey_round, ids) if survey_round else {}
    practice_counts: dict[tuple[int, int], int] = defaultdict(int)
    for member_id, topic_id in Practice.objects.filter(
        member_id__in=ids, status=PracticeStatus.PUBLISHED
    ).values_list("member_id", "topics"):
        if topic_id is not None:
            practice_counts[(member_id, topic_id)] += 1
    rows = []
    counts = [{"strained": 0, "coping": 0} for _t in shown]
    for member in member_list:
        cells = [strain.get((member.pk, t.pk)) for t in shown]
        for i, level in enumerate(cells):
            if level in STRAINED:
                counts[i]["strained"] += 1
            elif level in COPING:
                counts[i]["coping"] += 1
        rows.append(
            OverviewRow(
                member=member,
                cells=cells,
                strained=sum(1 for c in cells if c in STRAINED),
                coping=sum(1 for c in cells if c in COPING),
                practices=sum(practice_counts[(member.pk, t.pk)] for t in shown),
            )
        )
    return Overview(survey_round, shown, rows, states, counts)


def states_for(states: list[str] | None) -> list[State]:
    qs = State.objects.only("ags", "name").order_by("name")
    return list(qs if states is None else qs.filter(ags__in=states))


def strain_levels() -> list[tuple[int, str]]:
    return [(v, str(label)) for v, label in StrainLevel.choices]


def participant_rows(user: Visitor | None, meeting: Meeting) -> list[list[Any]]:
    """The breakout planner's participants.csv (docs/grouping/csv-formats.md) for the meeting's
    confirmed registrations, with each member's strain per topic from the latest round as far
    as the viewer may see it; topics of interest: the topics the member is strained on."""
    registrations = list(
        meeting.registrations.filter(status="confirmed")
        .select_related("user", "member", "member__municipality", "member__district")
        .order_by("id")
    )
    survey_round = latest_round()
    member_ids = sorted({r.member_id for r in registrations})
    strain = _visible_strain(user, survey_round, member_ids) if survey_round else {}
    codes = {t.pk: t.code for t in topics()}
    size_names = {
        SizeClass.SMALL: "small",
        SizeClass.MEDIUM: "medium",
        SizeClass.LARGE: "large",
        SizeClass.METROPOLIS: "metro",
    }
    rows: list[list[Any]] = [
        [
            "id",
            "name",
            "email",
            "member",
            "member_name",
            "state",
            "role",
            "size_class",
            "strain",
            "topics",
        ]
    ]
    for registration in registrations:
        member = registration.member
        levels = sorted(
            (codes[t], s) for (m, t), s in strain.items() if m == member.pk and t in codes
        )
        rows.append(
            [
                str(registration.pk),
                registration.user.get_full_name() or registration.user.email,
                registration.user.email,
                member.ags,
                member.name,
                member.state_id,
                "facilitator" if registration.role == "facilitator" else "participant",
                size_names[member.size_class],
                ";".join(f"{code}={level}" for code, level in levels),
                ";".join(code for code, level in levels if level in STRAINED),
            ]
        )
    return rows


def meetings_to_seed(user: Visitor | None) -> list[Meeting]:
    from hafennetz.meetings import access as meetings_access
    from hafennetz.meetings import selectors as meetings_selectors

    return [
        m
        for m in meetings_selectors.meetings_list().filter(closed_at__isnull=True)
        if meetings_access.can_manage_meeting(user, m)
    ]


# --- the daily digest -------------------------------------------------------------------------


@dataclass
class DigestItem:
    practice: Practice
    comments: list[PracticeComment]


def followed_practice_ids(user_id: int) -> set[int]:
    marked = HelpfulMark.objects.filter(user_id=user_id).values_list("practice_id", flat=True)
    commented = PracticeComment.objects.filter(author_id=user_id).values_list(
        "practice_id", flat=True
    )
    authored = Practice.objects.filter(created_by_id=user_id).values_list("pk", flat=True)
    return set(marked) | set(commented) | set(authored)


def digest_for(user: Any, since: dt.datetime) -> list[DigestItem]:
    """What happened since `since` on the practices the person follows (marked as helpful,
    commented, wrote): new comments and questions by others, and changed practices."""
    ids = followed_practice_ids(user.pk)
    if not ids:
        return []
    items = []
    practices = Practice.objects.filter(
        visible_practices(user), pk__in=ids, status=PracticeStatus.PUBLISHED
    ).select_related("member")
    for practice in practices:
        comments = list(
            practice.comments.filter(created_at__gt=since)
            .exclude(author_id=user.pk)
            .select_related("member")
        )
        if comments or practice.updated_at > since:
            items.append(DigestItem(practice, comments))
    return items


def positions_for_digest(user: Any, since: dt.datetime) -> list[tuple[str, str]]:
    """(title, link) of the positions in their comment phase that the person may read and that
    changed since `since`: the positions app decides what changed and who may read."""
    return positions_selectors.digest_positions(user, since)


def visible_position_ids(user: Visitor | None, ids: list[int]) -> set[int]:
    return set(
        positions_selectors.visible_positions(user).filter(pk__in=ids).values_list("pk", flat=True)
    )


def digest_recipients() -> list[Any]:
    """People with an e-mail address who follow something and did not unsubscribe."""
    off = DigestSetting.objects.filter(enabled=False).values_list("user_id", flat=True)
    users = (
        set(HelpfulMark.objects.values_list("user_id", flat=True))
        | {u for u in PracticeComment.objects.values_list("author_id", flat=True) if u}
        | {u for u in Practice.objects.values_list("created_by_id", flat=True) if u}
    )
    return list(
        get_user_model()
        .objects.filter(pk__in=users, is_active=True)
        .exclude(email="")
        .exclude(pk__in=off)
        .order_by("pk")
    )


def digest_setting(user: Any) -> DigestSetting | None:
    return DigestSetting.objects.filter(user_id=user.pk).first()
