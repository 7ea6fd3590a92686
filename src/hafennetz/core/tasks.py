"""Background jobs without rules of their own (django-tasks, database backend; the worker is
`hafennetz db_worker`)."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_email(
    *, subject: str, body: str, to: list[str], from_email: str | None = None, html: str = ""
) -> int:
    """Send one e-mail. Used where the time a mail server takes must not show in the answer to
    the request (password reset: a known address would answer later than an unknown one)."""
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    return message.send()
