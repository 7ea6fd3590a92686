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

# Shown as it is on the public transparency page and in the decision report: German, the UI's
# first language (the table is data, not a translatable message).
SHIPPED_KEY_SOURCE = (
    "GWK/BAMF, Königsteiner Schlüssel 2014–2016 (mitgelieferte Referenzdaten; veraltet – "
    "bitte die aktuelle Tabelle ergänzen)"
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
    seed_demo_approved(pledges, rng, table)
    return True


def demo_contingent() -> Contingent:
    """This year's demo contingent (open: the one to try runs on)."""
    return Contingent.objects.get(is_demo=True, period_start__year=timezone.localdate().year)


def seed_demo_approved(pledges: list[Pledge], rng: random.Random, table: KeyTable | None) -> None:
    """Last year's demo contingent: about 300 households, a few overrides with reasons, and a
    finished, approved greedy run against last year's pledges. The run is
    computed here by the worker's own code (nothing is queued)."""
    from hafennetz.admission import services
    from hafennetz.admission.engine_input import build_input
    from hafennetz.admission.models import AllocationRun, OverrideKind, OverrideReason
    from hafennetz.admission.tasks import execute_allocation_run
    from hafennetz.engines.allocation import fingerprint, instance_to_dict

    year = timezone.localdate().year - 1
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    Pledge.objects.bulk_create(
        [
            Pledge(
                member_id=p.member_id,
                valid_from=start,
                valid_until=end,
                **{f"places_{r}": v for r, v in p.places().items()},
                offers=p.offers,
                status=PledgeStatus.ACCEPTED,
                accepted_on=start + dt.timedelta(days=30),
                accepted_by="Land",
                notes="Demo",
                is_demo=True,
            )
            for p in pledges
        ]
    )
    contingent = Contingent.objects.create(
        name=f"Aus Seenot gerettete Menschen {year} (Demo)",
        programme=Programme.SEA_RESCUE,
        persons=1,  # set to the households' persons below
        period_start=start,
        period_end=end,
        key=KeyKind.KOENIGSTEINER if table else KeyKind.POPULATION,
        key_table=table,
        notes="Erfundenes Kontingent für die Demo, verteilt und freigegeben.",
        is_demo=True,
    )
    households = demo_households(contingent, rng, 10**6, count=300, prefix="V")
    Household.objects.bulk_create(households)
    contingent.persons = sum(h.size for h in households)
    contingent.save(update_fields=["persons"])
    members = list(Member.objects.filter(pk__in=[p.member_id for p in pledges]).order_by("name"))
    singles = list(
        Household.objects.filter(contingent=contingent, needs=[], links=[]).order_by("case_id")
    )
    reasons = [
        (OverrideKind.PIN, OverrideReason.FAMILY, "Angehörige leben bereits vor Ort."),
        (OverrideKind.PIN, OverrideReason.FAMILY, "Bruder lebt am Ort."),
        (OverrideKind.PIN, OverrideReason.MEMBER, "Mit der Kommune abgestimmt."),
        (OverrideKind.PIN, OverrideReason.FAMILY, "Community am Ort."),
        (OverrideKind.EXCLUDE, OverrideReason.SAFETY, "Schutzbedarf: nicht in diese Kommune."),
        (OverrideKind.EXCLUDE, OverrideReason.HOUSING, "Wohnung am Ort nicht verfügbar."),
    ]
    for (kind, reason, text), household, member in zip(
        reasons, singles[::17], members, strict=False
    ):
        services.override_create(
            actor=None,
            household=household,
            kind=kind,
            member=member,
            reason=reason,
            explanation=text,
            confirm_breaks=True,
        )
    engine_input = build_input(contingent, use_key=True, key_weight=1.0)
    run = AllocationRun.objects.create(
        contingent=contingent,
        method="greedy",
        seed=7,
        work=1.0,
        overrides=engine_input.overrides,
        input_snapshot=instance_to_dict(engine_input.instance),
        input_fingerprint=fingerprint(engine_input.instance),
        is_demo=True,
    )
    execute_allocation_run.call(run.pk)
    run.refresh_from_db()
    services.run_approve(actor=None, run=run, confirmed=True)


def demo_households(
    contingent: Contingent,
    rng: random.Random,
    persons: int,
    *,
    count: int | None = None,
    prefix: str = "D",
) -> list[Household]:
    """Invented pseudonymous households adding up to about `persons` people (or `count`
    households): mostly single adults and families, a few with hard needs, some linked
    pairs."""
    households: list[Household] = []
    total = 0
    number = 0
    while total < persons and (count is None or number < count):
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
                case_id=f"{prefix}-{number:04d}",
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
