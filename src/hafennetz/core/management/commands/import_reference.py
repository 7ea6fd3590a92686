import time

from django.core.management.base import BaseCommand

from hafennetz.core.reference import import_reference


class Command(BaseCommand):
    help = (
        "Load all German states, districts, municipalities, boundaries and the Königsteiner "
        "Schlüssel from the shipped files (idempotent)."
    )

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        counts = import_reference()
        self.stdout.write(
            self.style.SUCCESS(
                f"Reference data: {counts.states} states, {counts.districts} districts, "
                f"{counts.municipalities} municipalities, {counts.key_shares} key shares "
                f"({time.monotonic() - started:.1f} s)."
            )
        )
