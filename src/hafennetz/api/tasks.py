"""Background jobs of the api app (django-tasks; the worker is `hafennetz db_worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliver_webhook(*, delivery_id: int) -> str:
    """One attempt to deliver a webhook; schedules the next on failure (see api.webhooks)."""
    from hafennetz.api.webhooks import attempt

    delivery = attempt(delivery_id)
    return delivery.status if delivery is not None else "missing"
