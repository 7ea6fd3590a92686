"""Demo data: the 12 real founding members plus invented members, contacts, coordinations and
logins, all invented records flagged `is_demo`. Seeded, so every installation gets the same."""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.db import transaction

from hafennetz.core.models import District, Municipality, State
from hafennetz.core.reference import FOUNDING_MEMBERS_CSV
from hafennetz.members import services
from hafennetz.members.models import (
    FOUNDING_DATE,
    Contact,
    Criterion,
    Declaration,
    Member,
    StaffAccount,
)

SEED = 20190614
ACTOR = None  # a system job: the audit log shows "system"
DEMO_PASSWORD = "Hafen-Demo-2026"  # noqa: S105 - printed on the console on purpose
DEMO_ALLIANCE_MEMBERS = 113
DEMO_RESOLUTION_ONLY = 12
DEMO_FORMER = 3
DEMO_DISTRICTS = 14
# Potsdam took over the coordination office after the first working meeting (October 2019).
OFFICE_HOLDER_AGS = "12054000"
OFFICE_SINCE = dt.date(2019, 10, 1)
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Elif",
    "Finn",
    "Greta",
    "Hamid",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mira",
    "Nils",
    "Olga",
    "Paul",
    "Rana",
    "Sven",
    "Tanja",
    "Yusuf",
]
LAST_NAMES = ["Beispiel", "Muster", "Probe", "Demo", "Exempel", "Vorlage", "Testmann", "Fiktiv"]
SIGNATORIES = ["Oberbürgermeister/in", "Bürgermeister/in", "Landrat/Landrätin"]
FUNCTIONS = [
    "Integrationsbeauftragte/r",
    "Sozialdezernat",
    "Büro Oberbürgermeister/in",
    "Fachdienst Migration",
    "Ausländerbehörde",
    "Koordination Flüchtlingshilfe",
]
# (state AGS, member AGS) of the invented state coordinations: 9 states, as in 2022.
STATE_COORDINATORS = [
    ("01", "01002000"),  # Kiel
    ("03", "03254021"),  # Hildesheim
    ("05", "05114000"),  # Krefeld
    ("06", "06534014"),  # Marburg
    ("08", "08311000"),  # Freiburg
    ("11", "11000000"),  # Berlin
    ("13", "13003000"),  # Rostock
    ("09", None),  # the largest demo member of Bayern
    ("14", None),  # the largest demo member of Sachsen
]


# (role, e-mail, AGS of the member whose staff the login belongs to)
DEMO_LOGINS = [
    ("Koordinierungsstelle", "koordinierungsstelle@demo.hafennetz.example", OFFICE_HOLDER_AGS),
    (
        "Länderkoordination Schleswig-Holstein",
        "landeskoordination@demo.hafennetz.example",
        "01002000",
    ),
    ("Mitgliedskommune (Detmold)", "kommune@demo.hafennetz.example", "05766020"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    member: str


def _founding_rows() -> list[dict[str, str]]:
    with FOUNDING_MEMBERS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _join_date(rng: random.Random, index: int, total: int) -> dt.date:
    """About 45 joined in the first year (57 members in June 2020), the rest until 2024."""
    if index < 45:
        start, end = FOUNDING_DATE + dt.timedelta(days=1), dt.date(2020, 6, 14)
    else:
        start, end = dt.date(2020, 6, 15), dt.date(2024, 12, 31)
    return start + dt.timedelta(days=rng.randrange((end - start).days))


def _pick_territories(rng: random.Random, exclude: set[str]) -> list[Municipality | District]:
    """Real municipalities (>= 20,000 inhabitants) and some districts, over all states."""
    wanted = DEMO_ALLIANCE_MEMBERS + DEMO_RESOLUTION_ONLY + DEMO_FORMER
    states = list(State.objects.all())
    total_pop = sum(s.population for s in states)
    picks: list[Municipality | District] = []
    districts = list(District.objects.filter(district_type__in=["Landkreis", "Kreis"]))
    rng.shuffle(districts)
    picks.extend(districts[:DEMO_DISTRICTS])
    towns = [m for m in Municipality.objects.filter(population__gte=20000) if m.ags not in exclude]
    by_state: dict[str, list[Municipality]] = {}
    for town in towns:
        by_state.setdefault(town.state_id, []).append(town)
    remaining = wanted - len(picks)
    leftovers: list[Municipality] = []
    for state in states:
        candidates = by_state.get(state.ags, [])
        # Larger towns more often declared themselves safe harbours.
        candidates.sort(key=lambda m: -m.population * rng.random())
        quota = max(1, int(remaining * state.population / total_pop))
        picks.extend(candidates[:quota])
        leftovers.extend(candidates[quota:])
    leftovers.sort(key=lambda m: -m.population * rng.random())
    picks.extend(leftovers[: wanted - len(picks)])
    rng.shuffle(picks)
    return picks[:wanted]


def _criteria(rng: random.Random, member: Member) -> dict[str, tuple[bool, bool]]:
    result = {}
    for code, _label in Criterion.choices:
        decided = rng.random() < 0.75
        fulfilled = decided and rng.random() < 0.6
        result[code] = (decided, fulfilled)
    joined = member.joined_on is not None
    result[Criterion.ALLIANCE] = (joined, joined)
    result[Criterion.SOLIDARITY_DECLARATION] = (True, True)
    return result


def _contact(rng: random.Random, member: Member, public: bool) -> None:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    contact = services.contact_save(
        actor=ACTOR,
        member=member,
        data={
            "name": f"{first} {last}",
            "function": rng.choice(FUNCTIONS),
            "email": f"{first.lower()}.{last.lower()}@{member.ags}.demo.example.org",
            "phone": f"+49 30 {rng.randrange(1000000, 9999999)}",
            "is_public": public,
        },
    )
    Contact.objects.filter(pk=contact.pk).update(is_demo=True)


# The invented names of the demo logins (people, not addresses, on every page).
DEMO_NAMES = {
    "koordinierungsstelle@demo.hafennetz.example": ("Anna", "Beispiel"),
    "landeskoordination@demo.hafennetz.example": ("Jonas", "Muster"),
    "kommune@demo.hafennetz.example": ("Leyla", "Probe"),
}


def _login(role: str, email: str, member: Member) -> DemoLogin:
    User = get_user_model()
    first, last = DEMO_NAMES.get(email, ("", ""))
    user = User.objects.create_user(
        username=email, email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
    )
    StaffAccount.objects.create(user=user, member=member, is_demo=True)
    return DemoLogin(role=role, email=email, member=member.name)


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create the demo registry once; later calls change nothing."""
    if Member.objects.exists():
        return []
    rng = random.Random(SEED)
    v2019 = Declaration.objects.get(version="2019")
    v2021 = Declaration.objects.get(version="2021")

    founding: dict[str, Member] = {}
    for row in _founding_rows():
        member = services.member_create(
            actor=ACTOR,
            ags=row["ags"],
            joined_on=dt.date.fromisoformat(row["member_since"]),
            name=row["short_name"],
        )
        services.signature_create(
            actor=ACTOR,
            member=member,
            declaration=v2019,
            signed_on=FOUNDING_DATE,
            signatory="Gründungsmitglied des Bündnisses",
        )
        founding[row["ags"]] = member

    picks = _pick_territories(rng, exclude=set(founding))
    demo_members: list[Member] = []
    join_dates = sorted(
        _join_date(rng, i, DEMO_ALLIANCE_MEMBERS)
        for i in range(DEMO_ALLIANCE_MEMBERS + DEMO_FORMER)
    )
    for index, territory in enumerate(picks):
        resolution_only = index >= DEMO_ALLIANCE_MEMBERS + DEMO_FORMER
        joined = None if resolution_only else join_dates[index]
        resolution = (joined or dt.date(2022, 1, 1)) - dt.timedelta(days=rng.randrange(30, 400))
        member = services.member_create(
            actor=ACTOR,
            ags=territory.ags,
            joined_on=joined,
            safe_harbour_resolution_on=max(resolution, dt.date(2018, 7, 1)),
            is_demo=True,
        )
        if joined:
            declaration = v2019 if joined < v2021.published_on else v2021
            services.signature_create(
                actor=ACTOR,
                member=member,
                declaration=declaration,
                signed_on=joined,
                signatory=f"{rng.choice(SIGNATORIES)} (Demo)",
            )
        demo_members.append(member)

    for member in [*founding.values(), *demo_members]:
        services.member_update(actor=ACTOR, member=member, data={}, criteria=_criteria(rng, member))
        if member.is_demo or rng.random() < 0.5:
            _contact(rng, member, public=rng.random() < 0.6)
    for member in demo_members[DEMO_ALLIANCE_MEMBERS : DEMO_ALLIANCE_MEMBERS + DEMO_FORMER]:
        services.member_mark_left(
            actor=ACTOR, member=member, left_on=member.joined_on + dt.timedelta(days=500)
        )

    services.coordination_office_hand_over(
        actor=ACTOR, to_member=founding[OFFICE_HOLDER_AGS], starts_on=OFFICE_SINCE
    )
    for state_ags, member_ags in STATE_COORDINATORS:
        if member_ags:
            member = founding[member_ags]
        else:
            member = max(
                (
                    m
                    for m in demo_members
                    if m.state_id == state_ags and m.left_on is None and m.joined_on
                ),
                key=lambda m: m.population,
            )
        services.state_coordination_assign(
            actor=ACTOR,
            state=State.objects.get(pk=state_ags),
            member=member,
            starts_on=max(member.joined_on or OFFICE_SINCE, dt.date(2021, 3, 1)),
            is_demo=True,
        )

    return [_login(role, email, founding[ags]) for role, email, ags in DEMO_LOGINS]


def seed(stdout: OutputWrapper) -> bool:
    """Seed the registry's demo data once; say on `stdout` what happened."""
    if seed_demo():
        stdout.write("Demo data created.")
        return True
    stdout.write("Demo data: members exist already, nothing changed.")
    return False


def print_logins(stdout: OutputWrapper) -> None:
    stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email, _ags in DEMO_LOGINS:
        stdout.write(f"  {role:<40} {email}")
