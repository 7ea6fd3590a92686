"""`hafennetz send_exchange_digest`: the Austausch's daily digest e-mails (cron, once a day,
e.g. `0 6 * * * hafennetz send_exchange_digest`). `--queue` hands the work to the background
worker (django-tasks) instead of sending now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hafennetz.exchange.tasks import send_digests


class Command(BaseCommand):
    help = "Send the daily digest of the Austausch to everyone who follows something."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", action="store_true", help="Enqueue for db_worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            send_digests.enqueue()
            self.stdout.write("Digest queued.")
            return
        sent = send_digests.call()
        self.stdout.write(f"{sent} digest(s) sent.")
