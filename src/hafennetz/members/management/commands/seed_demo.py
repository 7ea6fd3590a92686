from django.core.management.base import BaseCommand

from hafennetz.members.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from hafennetz.situation.demo import seed_demo_situation


class Command(BaseCommand):
    help = "Create the demo members, contacts, coordinations and one login per role (once)."

    def handle(self, *args: object, **options: object) -> None:
        if seed_demo():
            self.stdout.write(self.style.SUCCESS("Demo data created."))
        else:
            self.stdout.write("Demo data: members exist already, nothing changed.")
        if seed_demo_situation():
            self.stdout.write(self.style.SUCCESS("Demo Lagebild created."))
        from hafennetz.meetings.demo import seed_demo_meetings

        if seed_demo_meetings():
            self.stdout.write(self.style.SUCCESS("Demo meetings created."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, email, _ags in DEMO_LOGINS:
            self.stdout.write(f"  {role:<40} {email}")
