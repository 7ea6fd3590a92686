"""Background work of the Austausch (django-tasks, database backend: `hafennetz db_worker`):
the e-mails to a practice's author, the contact-request mails to both contact persons, and the
daily digest. Tasks get their objects by id and re-read what they may say; a missing object
(deleted in the meantime) is skipped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from hafennetz.core.urls import absolute_url

UNSUBSCRIBE_SALT = "hafennetz.exchange.digest"


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_user_id(token: str) -> int | None:
    """The person of a signed unsubscribe link; None for a forged or damaged one."""
    try:
        data = signing.loads(token[:200], salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    value = data.get("u") if isinstance(data, dict) else None
    return value if isinstance(value, int) else None


def _send(subject: str, body: str, to: list[str], headers: dict[str, str] | None = None) -> int:
    to = [a for a in to if a]
    if not to:
        return 0
    subject = " ".join(subject.split())[:200]
    return EmailMessage(subject=subject, body=body, to=to, headers=headers or {}).send()


@task()
def notify_author(*, kind: str, object_id: int) -> int:
    """Tell a practice's author (who wrote it, else its contact person) about a helpful mark,
    a comment or a question."""
    from hafennetz.exchange.models import HelpfulMark, PracticeComment

    obj: Any
    if kind == "helpful":
        obj = (
            HelpfulMark.objects.select_related("practice__created_by", "member")
            .filter(pk=object_id)
            .first()
        )
    else:
        obj = (
            PracticeComment.objects.select_related("practice__created_by", "member")
            .filter(pk=object_id)
            .first()
        )
    if obj is None:
        return 0
    practice = obj.practice
    author = practice.created_by
    address = (author.email if author else "") or (
        practice.contact.email if practice.contact else ""
    )
    if not address or (author is not None and getattr(obj, "author_id", None) == author.pk):
        return 0
    url = absolute_url(reverse("practice-detail", kwargs={"pk": practice.pk}))
    with translation.override(settings.LANGUAGE_CODE):
        if kind == "helpful":
            subject = _("Your practice „%(title)s“ was found helpful") % {"title": practice.title}
            body = _("%(member)s marked your practice „%(title)s“ as helpful.") % {
                "member": obj.member.name,
                "title": practice.title,
            }
        else:
            is_question = obj.kind == "question"
            subject = (
                _("A question on your practice „%(title)s“")
                if is_question
                else _("A comment on your practice „%(title)s“")
            ) % {"title": practice.title}
            body = _("%(member)s wrote:") % {"member": obj.member.name} + "\n\n" + obj.text
        body += "\n\n" + url + "\n"
    return _send(subject, body, [address])


@task()
def contact_request_mail(*, request_id: int, event: str) -> int:
    """A new contact request goes to both contact persons; an answer too. The asking member
    learns the peer's address only from an accepting answer (or if it is public anyway)."""
    from hafennetz.exchange.models import ContactRequest, RequestStatus

    request = (
        ContactRequest.objects.select_related(
            "from_member", "to_member", "from_contact", "to_contact", "topic"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or request.from_contact is None or request.to_contact is None:
        return 0  # a contact person was deleted in the meantime: nobody to write to
    url = absolute_url(reverse("contact-request-detail", kwargs={"pk": request.pk}))
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        names = {
            "from": request.from_member.name,
            "to": request.to_member.name,
            "topic": request.topic.name,
            "person": request.from_contact.name,
        }
        if event == "created":
            body = (
                _("%(person)s (%(from)s) asks %(to)s for an exchange on „%(topic)s“:") % names
                + "\n\n"
                + request.message
                + "\n\n"
                + _("Please answer on the platform; your address is passed on only if you accept.")
                + "\n"
                + url
                + "\n"
            )
            sent += _send(
                _("Contact request from %(from)s on „%(topic)s“") % names,
                body,
                [request.to_contact.email],
            )
            copy = (
                _("Your request to %(to)s on „%(topic)s“ was sent through the platform.") % names
                + "\n\n"
                + request.message
                + "\n\n"
                + url
                + "\n"
            )
            sent += _send(
                _("Your contact request to %(to)s") % names, copy, [request.from_contact.email]
            )
        else:
            accepted = request.status == RequestStatus.ACCEPTED
            lines = [
                (
                    _("%(to)s accepted your contact request on „%(topic)s“.")
                    if accepted
                    else _("%(to)s declined your contact request on „%(topic)s“.")
                )
                % names
            ]
            if request.answer:
                lines += ["", request.answer]
            if accepted:
                contact = request.to_contact
                lines += [
                    "",
                    _("Contact person: %(name)s") % {"name": contact.name},
                    contact.email,
                    contact.phone,
                ]
            lines += ["", url, ""]
            sent += _send(
                _("Answer from %(to)s") % names, "\n".join(lines), [request.from_contact.email]
            )
            if accepted:
                intro = (
                    _("You accepted the request of %(from)s. Their contact person:") % names
                    + f"\n{request.from_contact.name}\n{request.from_contact.email}\n"
                    + f"{request.from_contact.phone}\n\n{url}\n"
                )
                sent += _send(_("Contact with %(from)s") % names, intro, [request.to_contact.email])
    return sent


def send_digest_to(user: Any, *, now: dt.datetime) -> int:
    """One person's digest; returns the number of items (0: nothing sent)."""
    from hafennetz.exchange import selectors, services

    setting = selectors.digest_setting(user)
    since = (setting.last_sent_at if setting and setting.last_sent_at else None) or (
        now - dt.timedelta(days=1)
    )
    items = selectors.digest_for(user, since)
    positions = _positions_in_comment_phase(user, since)
    if not items and not positions:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("What happened since %(since)s on what you follow:")
            % {"since": timezone.localtime(since).strftime("%d.%m.%Y %H:%M")},
            "",
        ]
        for item in items:
            lines.append(f"• {item.practice.title} ({item.practice.member.name})")
            for comment in item.comments:
                lines.append(
                    "  – "
                    + (_("question") if comment.kind == "question" else _("comment"))
                    + f" {comment.member.name}: {comment.text[:200]}"
                )
            if not item.comments:
                lines.append("  – " + _("the practice was updated"))
            lines.append(
                "  " + absolute_url(reverse("practice-detail", kwargs={"pk": item.practice.pk}))
            )
        for title, url in positions:
            lines.append(f"• {_('Position in comment phase')}: {title}")
            lines.append(f"  {url}")
        unsubscribe = absolute_url(
            reverse("digest-unsubscribe", kwargs={"token": unsubscribe_token(user.pk)})
        )
        lines += ["", _("Unsubscribe from this daily digest:"), unsubscribe, ""]
        _send(
            _("hafennetz: your daily digest"),
            "\n".join(lines),
            [user.email],
            headers={"List-Unsubscribe": f"<{unsubscribe}>"},
        )
    count = len(items) + len(positions)
    services.digest_mark_sent(user_id=user.pk, sent_at=now, items=count)
    return count


def _positions_in_comment_phase(user: Any, since: dt.datetime) -> list[tuple[str, str]]:
    """Positions in their comment phase that changed since the last digest."""
    from hafennetz.exchange import selectors

    return selectors.positions_for_digest(user, since)


@task()
def send_digests() -> int:
    """Everyone's daily digest (cron: `hafennetz send_exchange_digest`, once a day)."""
    from hafennetz.exchange import selectors

    now = timezone.now()
    return sum(1 for user in selectors.digest_recipients() if send_digest_to(user, now=now))
