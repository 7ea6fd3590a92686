"""Matrix rows of the admission module (pledges)."""

from __future__ import annotations

import datetime as dt

from .common import AGS, DENY, LOGIN, OFFICE_ONLY, OK, OWN_OR_OFFICE, REDIRECT, Post, with_answer

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

NO_POST = {"pledge-overview", "pledges-of-member"}
PENDING_POST: set[str] = set()
