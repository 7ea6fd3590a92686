"""`hafennetz seed-demo`: the demo data of every app, once (later runs change nothing).

Each app seeds its own records in its `demo` module; this project-level command only calls them
in dependency order (the registry first: the Lagebild and the meetings need its members)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hafennetz.admission import demo as admission_demo
from hafennetz.exchange import demo as exchange_demo
from hafennetz.meetings import demo as meetings_demo
from hafennetz.members import demo as members_demo
from hafennetz.positions import demo as positions_demo
from hafennetz.situation import demo as situation_demo


class Command(BaseCommand):
    help = "Create the demo members, Lagebild, meetings and one login per role (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        members_demo.seed(self.stdout)
        if situation_demo.seed_demo_situation():
            self.stdout.write(self.style.SUCCESS("Demo Lagebild created."))
        if meetings_demo.seed_demo_meetings():
            self.stdout.write(self.style.SUCCESS("Demo meetings created."))
        if admission_demo.seed_demo_admission():
            self.stdout.write(self.style.SUCCESS("Demo pledges and contingent created."))
        if exchange_demo.seed_demo_exchange():
            self.stdout.write(self.style.SUCCESS("Demo practices created."))
        if positions_demo.seed_demo_positions():
            self.stdout.write(self.style.SUCCESS("Demo positions and demands created."))
        members_demo.print_logins(self.stdout)
