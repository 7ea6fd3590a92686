import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from hafennetz.situation.services import reminders_send_due, rounds_announce_due


class Command(BaseCommand):
    help = (
        "E-mail the staff of members without a submitted situation report, the configured "
        "number of days before each round's deadline (SITUATION_REMINDER_DAYS), and announce "
        "rounds that opened. Run daily by cron; a member is reminded at most once per round "
        "and offset, a round announced once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Pretend today is this day (YYYY-MM-DD).")

    def handle(self, *args: object, **options: object) -> None:
        today = dt.date.fromisoformat(str(options["date"])) if options.get("date") else None
        announced = rounds_announce_due(today=today)
        count = reminders_send_due(today=today)
        self.stdout.write(f"Round announcements sent to {announced} members.")
        self.stdout.write(f"Reminders sent to {count} members.")
