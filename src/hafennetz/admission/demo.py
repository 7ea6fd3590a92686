"""Demo data of the admission module: the shipped Königsteiner table (real, outdated), invented
pledges for most members and one invented contingent. Pledges and the contingent are flagged
`is_demo`. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from hafennetz.admission.models import (
    Contingent,
    Household,
    KeyKind,
    KeyTable,
    Offer,
    Pledge,
    PledgeStatus,
    Programme,
)
from hafennetz.core.models import DistributionKeyShare
from hafennetz.members.models import Member

SHIPPED_KEY_SOURCE = (
    "GWK/BAMF, Königsteiner Schlüssel 2014 (shipped reference data; outdated — add the current "
    "table)"
)


def shipped_key_table() -> KeyTable | None:
    """The Königsteiner table of the reference data as a key table (real data, not demo)."""
    shares = DistributionKeyShare.objects.filter(key="koenigstein")
    if not shares.exists():
        return None
    year = max(shares.values_list("year", flat=True))
    table, _created = KeyTable.objects.get_or_create(
        name="Königsteiner Schlüssel",
        year=year,
        defaults={
            "source": SHIPPED_KEY_SOURCE,
            "shares": {s.state_id: float(s.share_percent) for s in shares.filter(year=year)},
        },
    )
    return table


@transaction.atomic
def seed_demo_admission() -> bool:
    """Create the demo pledges and contingent once; True if anything was created."""
    table = shipped_key_table()
    if Pledge.objects.filter(is_demo=True).exists():
        return False
    rng = random.Random(13)
    today = timezone.localdate()
    start = today.replace(month=1, day=1)
    end = dt.date(today.year, 12, 31)
    offers = [o.value for o in Offer]
    pledges = []
    for member in Member.objects.alliance().order_by("pk"):
        if rng.random() < 0.2:
            continue  # not every member has pledged
        housing = rng.choice([4, 6, 8, 10, 12, 15, 20, 25, 30, 40])
        status = rng.choice([PledgeStatus.OFFERED, PledgeStatus.ACCEPTED, PledgeStatus.ACCEPTED])
        pledges.append(
            Pledge(
                member=member,
                valid_from=start,
                valid_until=end,
                places_housing=housing,
                places_barrier_free_housing=rng.choice([0, 0, 2, 4, 6]),
                places_childcare=rng.randint(0, max(1, housing // 5)),
                places_school=rng.randint(0, max(1, housing // 4)),
                places_language_course=rng.randint(1, max(2, housing // 2)),
                places_medical_care=rng.choice([0, 0, 0, 1]),
                offers=sorted(rng.sample(offers, rng.randint(1, 3))),
                status=status,
                accepted_on=start + dt.timedelta(days=30) if status == "accepted" else None,
                accepted_by="Land" if status == "accepted" else "",
                notes="Demo",
                is_demo=True,
            )
        )
    Pledge.objects.bulk_create(pledges)
    contingent = Contingent.objects.create(
        name=f"Aus Seenot gerettete Menschen {today.year} (Demo)",
        programme=Programme.SEA_RESCUE,
        persons=300,
        period_start=start,
        period_end=end,
        key=KeyKind.KOENIGSTEINER if table else KeyKind.POPULATION,
        key_table=table,
        notes="Erfundenes Kontingent für die Demo.",
        is_demo=True,
    )
    Household.objects.bulk_create(demo_households(contingent, rng, 300))
    return True


def demo_households(contingent: Contingent, rng: random.Random, persons: int) -> list[Household]:
    """Invented pseudonymous households adding up to about `persons` people: mostly single
    adults and families, a few with hard needs, some linked pairs."""
    households: list[Household] = []
    total = 0
    number = 0
    while total < persons:
        number += 1
        shape = rng.random()
        if shape < 0.45:
            bands = [0, 0, 0, 1, 0]
        elif shape < 0.85:
            bands = [rng.randint(0, 1), rng.randint(0, 1), rng.randint(0, 3), 2, 0]
        else:
            bands = [0, 0, 0, rng.randint(1, 2), 1]
        needs = []
        if rng.random() < 0.05:
            needs.append(rng.choice(["barrier_free", "dialysis", "trauma_therapy"]))
        if rng.random() < 0.4:
            needs.append("language_support")
        households.append(
            Household(
                contingent=contingent,
                case_id=f"D-{number:04d}",
                age_0_2=bands[0],
                age_3_5=bands[1],
                age_6_17=bands[2],
                age_18_64=bands[3],
                age_65_plus=bands[4],
                needs=sorted(set(needs)),
                is_demo=True,
            )
        )
        total += sum(bands)
    # Every 25th household travels with the one before it (relatives: same municipality).
    for index in range(24, len(households), 25):
        first, second = households[index - 1], households[index]
        first.links = [{"case": second.case_id, "kind": "same_municipality"}]
        second.links = [{"case": first.case_id, "kind": "same_municipality"}]
    return households
