"""Matrix rows of the admission module (pledges, contingents, households, runs, placements,
the public transparency pages)."""

from __future__ import annotations

import datetime as dt

from .common import (
    AGS,
    DENY,
    LOGIN,
    NOT_ALLOWED,
    OFFICE_ONLY,
    OK,
    OWN_OR_OFFICE,
    PUBLIC,
    REDIRECT,
    ROLES,
    Post,
    with_answer,
)

_TODAY = dt.date.today()
PLEDGE_FORM = {
    "valid_from": _TODAY.isoformat(),
    "valid_until": (_TODAY + dt.timedelta(days=180)).isoformat(),
    "places_housing": "5",
    "places_barrier_free_housing": "1",
    "places_childcare": "1",
    "places_school": "2",
    "places_language_course": "3",
    "places_medical_care": "0",
    "offers": "language_support",
    "notes": "Matrix",
}
SEE_PLEDGES = {
    "anonymous": LOGIN,
    "own_member": OK,
    "other_member": DENY,
    "state_same": OK,
    "state_other": DENY,
    "office": OK,
}

GET = {
    "pledge-overview": ({}, OFFICE_ONLY),
    "pledges-of-member": ({"ags": AGS}, SEE_PLEDGES),
    "pledge-create": ({"ags": AGS}, OWN_OR_OFFICE),
    "pledge-edit": ({"pk": "{pledge}"}, OWN_OR_OFFICE),
    "pledge-status": ({"pk": "{pledge}"}, OWN_OR_OFFICE),
    "contingent-list": ({}, OFFICE_ONLY),
    "contingent-create": ({}, OFFICE_ONLY),
    "contingent-detail": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "contingent-edit": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "key-table-create": ({}, OFFICE_ONLY),
    "household-list": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "household-create": ({"contingent_pk": "{contingent}"}, OFFICE_ONLY),
    "household-edit": ({"pk": "{household}"}, OFFICE_ONLY),
    "household-delete": ({"pk": "{household}"}, OFFICE_ONLY),
    "run-start": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "run-detail": ({"pk": "{run}"}, OFFICE_ONLY),
    "run-progress": ({"pk": "{run}"}, OFFICE_ONLY),
    "run-cancel": ({"pk": "{run}"}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "run-approve": ({"pk": "{run}"}, OFFICE_ONLY),
    "placements-of-member": ({"ags": AGS}, OWN_OR_OFFICE),
    "placement-confirm": ({"pk": "{placement}"}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "placement-problem": ({"pk": "{placement}"}, OWN_OR_OFFICE),
    "transparency-list": ({}, PUBLIC),
    "transparency": ({"pk": "{public_contingent}"}, PUBLIC),
}

POST = {
    "pledge-create": Post({"ags": AGS}, PLEDGE_FORM, with_answer(REDIRECT, OWN_OR_OFFICE)),
    "pledge-edit": Post(
        {"pk": "{pledge}"},
        PLEDGE_FORM | {"places_housing": "9"},
        with_answer(REDIRECT, OWN_OR_OFFICE),
    ),
    "pledge-status": Post(
        {"pk": "{pledge}"},
        {
            "status": "accepted",
            "accepted_on": _TODAY.isoformat(),
            "accepted_by": "Land NRW",
            "accepted_reference": "Az. 1",
        },
        with_answer(REDIRECT, OWN_OR_OFFICE),
    ),
}

CONTINGENT_FORM = {
    "name": "Matrix-Kontingent",
    "programme": "federal_admission",
    "persons": "50",
    "period_start": _TODAY.replace(month=1, day=1).isoformat(),
    "period_end": _TODAY.replace(month=12, day=31).isoformat(),
    "key": "population",
    "notes": "",
}
POST["contingent-create"] = Post({}, CONTINGENT_FORM, with_answer(REDIRECT, OFFICE_ONLY))
POST["contingent-edit"] = Post(
    {"pk": "{contingent}"}, CONTINGENT_FORM | {"persons": "60"}, with_answer(REDIRECT, OFFICE_ONLY)
)
POST["key-table-create"] = Post(
    {},
    {
        "name": "Königsteiner Schlüssel",
        "year": "2031",
        "source": "GWK",
        "shares": "\n".join(f"{n:02d}: 6.25" for n in range(1, 17)),
    },
    with_answer(REDIRECT, OFFICE_ONLY),
)

HOUSEHOLD_FORM = {
    "case_id": "M-0002",
    "age_0_2": "0",
    "age_3_5": "0",
    "age_6_17": "1",
    "age_18_64": "2",
    "age_65_plus": "0",
    "needs": "language_support",
}
POST["household-create"] = Post(
    {"contingent_pk": "{contingent}"}, HOUSEHOLD_FORM, with_answer(REDIRECT, OFFICE_ONLY)
)
POST["household-edit"] = Post(
    {"pk": "{household}"},
    HOUSEHOLD_FORM | {"case_id": "M-0001"},
    with_answer(REDIRECT, OFFICE_ONLY),
)
POST["household-delete"] = Post(
    {"pk": "{household}"}, {"confirm": "on"}, with_answer(REDIRECT, OFFICE_ONLY)
)

POST["run-start"] = Post(
    {"pk": "{contingent}"},
    {"method": "greedy", "use_key": "on", "key_weight": "1", "seed": "0", "work": "1"},
    with_answer(REDIRECT, OFFICE_ONLY),
)
POST["run-cancel"] = Post({"pk": "{run}"}, {}, with_answer(REDIRECT, OFFICE_ONLY))
# The matrix run has not finished: the approval form is shown again with the reason (200),
# nothing is written; test_approval.py covers a real approval.
POST["run-approve"] = Post(
    {"pk": "{run}"}, {"confirm": "on", "number": "{run}"}, OFFICE_ONLY, writes=False
)
POST["placement-confirm"] = Post({"pk": "{placement}"}, {}, with_answer(REDIRECT, OWN_OR_OFFICE))
POST["placement-problem"] = Post(
    {"pk": "{placement}"},
    {"problem": "Wohnung noch nicht bezugsfertig"},
    with_answer(REDIRECT, OWN_OR_OFFICE),
)

NO_POST = {
    "placements-of-member",
    "run-detail",
    "run-progress",
    "pledge-overview",
    "pledges-of-member",
    "contingent-list",
    "contingent-detail",
    "household-list",
    "transparency-list",
    "transparency",
}


# --- results side by side, decision report, extracts, state aggregates (results_views) ---------

SEE_STATE_AGGREGATES = {
    "anonymous": LOGIN,
    "own_member": DENY,
    "other_member": DENY,
    "state_same": OK,
    "state_other": DENY,
    "office": OK,
}
GET |= {
    "run-results": ({"pk": "{results_run}"}, OFFICE_ONLY),
    "contingent-report": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "run-extract": ({"pk": "{results_run}", "ags": AGS}, OWN_OR_OFFICE),
    "run-extract-pdf": ({"pk": "{results_run}", "ags": AGS}, OWN_OR_OFFICE),
    "state-results": ({"state": "05"}, SEE_STATE_AGGREGATES),
    # A state coordination is sent to its state's page; the office picks a state.
    "state-results-mine": (
        {},
        {**SEE_STATE_AGGREGATES, "state_same": REDIRECT, "state_other": REDIRECT},
    ),
}
NO_POST |= {
    "run-results",
    "contingent-report",
    "run-extract",
    "run-extract-pdf",
    "state-results",
    "state-results-mine",
}


def results_context() -> dict[str, object]:
    """An approved, finished run with one household placed with Detmold (AGS), as the worker
    and the approval store it."""
    from django.utils import timezone

    from hafennetz.admission.models import AllocationRun, Contingent, Household, Placement
    from hafennetz.members.models import Member

    member = Member.objects.get(municipality_id=AGS)
    contingent = Contingent.objects.create(
        name="Matrix Ergebnis",
        programme="other",
        persons=10,
        period_start=_TODAY,
        period_end=_TODAY + dt.timedelta(days=30),
        key="population",
    )
    household = Household.objects.create(
        contingent=contingent, case_id="M-R1", age_18_64=2, needs=["barrier_free"]
    )
    municipality = {
        "ags": AGS,
        "name": member.name,
        "state": "05",
        "district": AGS[:5],
        "population": member.population,
        "capacities": {"housing": 5, "barrier_free_housing": 2},
        "offers": ["barrier_free"],
        "target_share": 1.0,
    }
    run = AllocationRun.objects.create(
        contingent=contingent,
        method="greedy",
        status="succeeded",
        seed=1,
        engine_version="matrix",
        input_fingerprint="0" * 64,
        input_snapshot={
            "households": [
                {"case_id": "M-R1", "age_bands": [0, 0, 0, 2, 0], "flags": ["barrier_free"]}
            ],
            "municipalities": [municipality],
            "hard_flags": ["barrier_free", "dialysis", "trauma_therapy"],
            "weights": {
                "need_fit": 1.0,
                "preference": 0.5,
                "outcome": 0.0,
                "outcome_aggregation": "sum",
                "same_district_link": 0.5,
                "unplaced_per_person": 10.0,
                "key_deviation_per_person": 1.0,
            },
            "key": "explicit",
        },
        result={
            "assignment": [["M-R1", AGS]],
            "reproducible": True,
            "households": [
                {
                    "case_id": "M-R1",
                    "ags": AGS,
                    "flags_met": ["barrier_free"],
                    "flags_unmet": [],
                    "score_parts": {"need_fit": 1.0},
                    "alternatives": [],
                    "reasons": [{"code": "needs_met", "params": {"ags": AGS}, "message": ""}],
                }
            ],
            "municipalities": [
                {
                    "ags": AGS,
                    "households": 1,
                    "persons": 2,
                    "target_persons": 2.0,
                    "usage": [["housing", 2, 5], ["barrier_free_housing", 2, 2]],
                }
            ],
            "score": {"total": 1.0},
        },
        approved_at=timezone.now(),
    )
    Placement.objects.create(run=run, household=household, member=member, persons=2)
    return {"{results_run}": run.pk}


# --- household import, overrides, re-runs --------------------------------------------------------

IMPORT_CSV = (
    b"case_id,age_0_2,age_3_5,age_6_17,age_18_64,age_65_plus,flags\n"
    b"M-I1,0,0,1,1,0,language_support\n"
)
GET |= {
    "household-import": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "household-import-confirm": ({"pk": "{contingent}"}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "override-create": ({"pk": "{household}"}, OFFICE_ONLY),
    "override-list": ({"pk": "{contingent}"}, OFFICE_ONLY),
    "override-withdraw": ({"pk": "{override}"}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "run-rerun": ({"pk": "{results_run}"}, dict.fromkeys(ROLES, NOT_ALLOWED)),
}
# The upload only previews (nothing is written); the confirmation with a payload that is not
# signed by the preview writes nothing either (test_import.py covers a real import).
POST["household-import"] = Post(
    {"pk": "{contingent}"}, {}, OFFICE_ONLY, writes=False, files={"file": ("h.csv", IMPORT_CSV)}
)
POST["household-import-confirm"] = Post(
    {"pk": "{contingent}"}, {"rows": "forged"}, with_answer(REDIRECT, OFFICE_ONLY), writes=False
)
POST["override-create"] = Post(
    {"pk": "{household}"},
    {
        "kind": "exclude",
        "member": "{override_member}",
        "reason": "housing",
        "explanation": "Wohnung nicht verfügbar",
    },
    with_answer(REDIRECT, OFFICE_ONLY),
)
POST["override-withdraw"] = Post({"pk": "{override}"}, {}, with_answer(REDIRECT, OFFICE_ONLY))
POST["run-rerun"] = Post({"pk": "{results_run}"}, {}, with_answer(REDIRECT, OFFICE_ONLY))
NO_POST |= {"override-list"}


def overrides_context() -> dict[str, object]:
    """An override (a pin of a household of its own contingent) and the member the matrix
    excludes for the {household} of the main matrix contingent."""
    from hafennetz.admission.models import Contingent, Household, Override
    from hafennetz.members.models import Member

    member = Member.objects.get(municipality_id=AGS)
    contingent = Contingent.objects.create(
        name="Matrix Eingriff",
        programme="other",
        persons=5,
        period_start=_TODAY,
        period_end=_TODAY + dt.timedelta(days=30),
        key="population",
    )
    household = Household.objects.create(contingent=contingent, case_id="M-O1", age_18_64=1)
    override = Override.objects.create(
        contingent=contingent,
        household=household,
        kind="pin",
        member=member,
        reason="family_ties",
        explanation="Matrix",
    )
    return {"{override}": override.pk, "{override_member}": member.pk}
