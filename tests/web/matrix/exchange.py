"""Matrix rows of the Austausch (practice library, peer learning, overview, references, digest).

`exchange_context` adds: a draft practice of Detmold (own member) with an attachment, a
published alliance-only practice of Detmold, a peer that opted in on a topic (the target of
contact requests), contacts with e-mail for the members of every role, an open request from the
`other_member` role's member to Detmold, a reference from the NRW meeting's first agenda item,
a free five-minute slot of that meeting for a small-group round, and an unsubscribe token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .common import (
    AGS,
    DENY,
    LOGGED_IN,
    LOGIN,
    MANAGE_MEETING,
    NOT_ALLOWED,
    OK,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
    with_answer,
)

POST_ONLY = dict.fromkeys(ROLES, NOT_ALLOWED)
OVERVIEW = {
    "anonymous": LOGIN,
    "own_member": DENY,
    "other_member": DENY,
    "state_same": OK,
    "state_other": OK,
    "office": OK,
}
# The overview's meeting tools: the overview and the right to organise the NRW meeting.
SEED = {**OVERVIEW, "state_other": DENY}
STAFF = LOGGED_IN  # every login of the matrix is staff of a member
ANSWER = {
    "anonymous": LOGIN,
    "own_member": REDIRECT,
    "other_member": DENY,
    "state_same": DENY,
    "state_other": DENY,
    "office": DENY,
}

PRACTICE_FORM = {
    "title": "Matrix-Praxis",
    "summary": "Kurz gesagt",
    "problem": "Das Problem",
    "what_was_done": "Was wir taten",
    "results": "Was herauskam",
    "topics": "{topic}",
    "target_groups": "Familien",
    "visibility": "alliance",
    "links": "https://example.org/a",
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def exchange_context(meeting: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from hafennetz.exchange import services
    from hafennetz.exchange.models import ContactRequest, Practice, Reference, TopicOptIn
    from hafennetz.exchange.tasks import unsubscribe_token
    from hafennetz.members.models import Contact, CoordinationOfficeTerm, Member, StateCoordination
    from hafennetz.situation.models import Topic

    own = Member.objects.get(municipality_id=AGS)
    topic = Topic.objects.order_by("order").first()
    assert topic is not None
    other = (
        Member.objects.alliance()
        .exclude(state_id="05")
        .filter(coordinations__isnull=True, office_terms__isnull=True)
        .order_by("pk")
        .first()
    )
    assert other is not None
    role_members = [
        own,
        other,
        StateCoordination.objects.current().get(state_id="05").member,
        Member.objects.get(municipality_id="01002000"),
        CoordinationOfficeTerm.objects.current().first().member,  # type: ignore[union-attr]
    ]
    contacts = {}
    for member in role_members:
        contacts[member.pk] = Contact.objects.create(
            member=member, name=f"Matrix {member.name}", email=f"m{member.pk}@test.example"
        )
    peer = (
        Member.objects.alliance()
        .exclude(pk__in=[m.pk for m in role_members])
        .order_by("-pk")
        .first()
    )
    assert peer is not None
    peer_contact = Contact.objects.create(member=peer, name="Peer", email="peer@test.example")
    TopicOptIn.objects.update_or_create(
        member=peer, topic=topic, defaults={"contact": peer_contact}
    )
    draft = Practice.objects.create(
        member=own,
        title="Matrix-Entwurf",
        summary="s",
        problem="p",
        what_was_done="w",
        results="r",
    )
    draft.topics.set([topic])
    published = Practice.objects.create(
        member=own,
        title="Matrix veröffentlicht",
        summary="s",
        problem="p",
        what_was_done="w",
        results="r",
        status="published",
        published_at=dt.datetime.now(dt.UTC),
    )
    published.topics.set([topic])

    class _Upload:
        name = "plan.pdf"
        size = len(PDF)

        def seek(self, _n: int) -> None:
            pass

        def read(self, n: int) -> bytes:
            return PDF[:n]

        def chunks(self) -> list[bytes]:
            return [PDF]

    attachment = services.attachment_add(actor=None, practice=draft, upload=_Upload())  # type: ignore[arg-type]
    request = ContactRequest.objects.create(
        from_member=other,
        from_contact=contacts[other.pk],
        to_member=own,
        to_contact=contacts[own.pk],
        topic=topic,
        message="Hallo",
    )
    block = meeting.blocks.order_by("starts_at").first()
    reference = Reference.objects.create(block=block, practice=published)
    # A free five-minute slot of the meeting for a small-group round.
    blocks = list(meeting.blocks.values_list("starts_at", "ends_at"))
    start = meeting.starts_at
    while start + dt.timedelta(minutes=5) <= meeting.ends_at:
        end = start + dt.timedelta(minutes=5)
        if all(end <= s or start >= e for s, e in blocks):
            break
        start += dt.timedelta(minutes=5)
    from django.utils import timezone

    user = get_user_model().objects.get(username="kommune@demo.hafennetz.example")
    return {
        "{topic}": topic.pk,
        "{draft}": draft.pk,
        "{published}": published.pk,
        "{attachment}": attachment.pk,
        "{peer_ags}": peer.ags,
        "{contact_request}": request.pk,
        "{reference}": reference.pk,
        "{seed_start}": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "{seed_end}": timezone.localtime(start + dt.timedelta(minutes=5)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "{unsubscribe}": unsubscribe_token(user.pk),
    }


def _practice_form(context: Mapping[str, Any]) -> dict[str, Any]:
    return {**PRACTICE_FORM, "topics": context["{topic}"]}


GET = {
    "exchange-hub": ({}, PUBLIC),
    "practice-list": ({}, PUBLIC),
    "practice-create": ({}, STAFF),
    "practice-detail": ({"pk": "{draft}"}, OWN_OR_OFFICE),
    "practice-edit": ({"pk": "{draft}"}, OWN_OR_OFFICE),
    "practice-status": ({"pk": "{draft}"}, POST_ONLY),
    "practice-attach": ({"pk": "{draft}"}, POST_ONLY),
    "practice-helpful": ({"pk": "{published}"}, POST_ONLY),
    "practice-comment": ({"pk": "{published}"}, POST_ONLY),
    "attachment-download": ({"pk": "{attachment}"}, OWN_OR_OFFICE),
    "attachment-delete": ({"pk": "{attachment}"}, POST_ONLY),
    "exchange-learning": ({}, STAFF),
    "exchange-opt-ins": ({}, STAFF),
    "contact-request-list": ({}, STAFF),
    "contact-request-create": ({"ags": "{peer_ags}"}, STAFF),
    "contact-request-detail": (
        {"pk": "{contact_request}"},
        {**OWN_OR_OFFICE, "other_member": OK},
    ),
    "exchange-overview": ({}, OVERVIEW),
    "exchange-participants": ({"pk": "{meeting}"}, SEED),
    "exchange-participants-choose": ({}, with_answer(404, OVERVIEW)),
    "exchange-seed": ({}, POST_ONLY),
    "exchange-reference-add": ({"kind": "block", "pk": "{block}"}, POST_ONLY),
    "exchange-reference-remove": ({"pk": "{reference}"}, POST_ONLY),
    "digest-settings": ({}, STAFF),
    "digest-unsubscribe": ({"token": "{unsubscribe}"}, PUBLIC),
}

NO_POST = {
    "exchange-hub",
    "practice-list",
    "practice-detail",
    "attachment-download",
    "exchange-learning",
    "contact-request-list",
    "exchange-overview",
    "exchange-participants",
    "exchange-participants-choose",
}

POST = {
    "practice-create": Post({}, _practice_form, with_answer(REDIRECT, STAFF)),
    "practice-edit": Post({"pk": "{draft}"}, _practice_form, with_answer(REDIRECT, OWN_OR_OFFICE)),
    "practice-status": Post(
        {"pk": "{draft}"}, {"action": "publish"}, with_answer(REDIRECT, OWN_OR_OFFICE)
    ),
    "practice-attach": Post(
        {"pk": "{draft}"},
        {},
        with_answer(REDIRECT, OWN_OR_OFFICE),
        files={"file": ("zweiter-plan.pdf", PDF)},
    ),
    "attachment-delete": Post({"pk": "{attachment}"}, {}, with_answer(REDIRECT, OWN_OR_OFFICE)),
    "practice-helpful": Post({"pk": "{published}"}, {}, with_answer(REDIRECT, STAFF)),
    "practice-comment": Post(
        {"pk": "{published}"},
        {"kind": "question", "text": "Wie lange hat das gedauert?"},
        with_answer(REDIRECT, STAFF),
    ),
    "exchange-opt-ins": Post({}, {"topics": [], "contact": ""}, with_answer(REDIRECT, STAFF)),
    "contact-request-create": Post(
        {"ags": "{peer_ags}"},
        lambda c: {"topic": c["{topic}"], "message": "Guten Tag, wir würden gern lernen."},
        with_answer(REDIRECT, STAFF),
    ),
    "contact-request-detail": Post(
        {"pk": "{contact_request}"}, {"decision": "accept", "answer": "Gern!"}, ANSWER
    ),
    "exchange-seed": Post(
        {},
        lambda c: {
            "meeting": c["{meeting}"],
            "topics": c["{topic}"],
            "starts_at": c["{seed_start}"],
            "ends_at": c["{seed_end}"],
        },
        with_answer(REDIRECT, SEED),
    ),
    "exchange-reference-add": Post(
        {"kind": "task", "pk": "{follow_up}"},
        {"practice": "{published}"},
        with_answer(REDIRECT, MANAGE_MEETING),
    ),
    "exchange-reference-remove": Post(
        {"pk": "{reference}"}, {}, with_answer(REDIRECT, MANAGE_MEETING)
    ),
    "digest-settings": Post({}, {"enabled": ""}, with_answer(REDIRECT, STAFF)),
    "digest-unsubscribe": Post({"token": "{unsubscribe}"}, {}, PUBLIC),
}
