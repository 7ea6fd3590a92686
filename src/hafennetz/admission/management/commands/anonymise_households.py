from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hafennetz.admission.services import anonymise_households


class Command(BaseCommand):
    help = (
        "Anonymise households whose reception was confirmed more than ADMISSION_RETENTION_DAYS "
        "ago, and households without a placement whose contingent ended that long ago: random "
        "pseudonym, no needs, links, preferences or problem text; runs and audit entries that "
        "name them are rewritten. Run daily by cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            help=f"Days to keep instead of ADMISSION_RETENTION_DAYS "
            f"({settings.ADMISSION_RETENTION_DAYS}).",
        )

    def handle(self, *args: object, **options: object) -> None:
        days = options.get("days")
        if days is not None and (not isinstance(days, int) or days < 0):
            raise CommandError("--days must be 0 or more.")
        counts = anonymise_households(actor=None, days=days)
        self.stdout.write(
            f"Anonymised {counts.households} households "
            f"({counts.placements} placements, {counts.runs} runs, "
            f"{counts.audit_entries} audit entries rewritten)."
        )
