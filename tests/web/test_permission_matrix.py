"""Role x URL permission matrix: every URL of the project, with what each role gets.

Roles: anonymous; staff of the member the URL is about (Detmold, NRW); staff of another member;
state coordination of the same state (NRW) and of another state (Schleswig-Holstein); the
coordination office. A URL added to the project without a row here fails
`test_every_url_is_in_the_matrix`, so every module must extend this table.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hafennetz.meetings.models import FollowUp, Meeting
from hafennetz.members.models import Contact, Member, StaffAccount, StateCoordination

ROLES = ["anonymous", "own_member", "other_member", "state_same", "state_other", "office"]
OK, LOGIN, DENY, NOT_FOUND, NOT_ALLOWED, REDIRECT = 200, "login", 403, 404, 405, 302

PUBLIC = dict.fromkeys(ROLES, OK)
LOGGED_IN = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], OK)}
OFFICE_ONLY = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:5], DENY), "office": OK}
OWN_OR_OFFICE = {
    "anonymous": LOGIN,
    "own_member": OK,
    "other_member": DENY,
    "state_same": DENY,
    "state_other": DENY,
    "office": OK,
}

AGS = "05766020"  # Detmold
# Meetings: the NRW state meeting of the demo data, managed by the NRW state coordination.
MANAGE_MEETING = {
    "anonymous": LOGIN,
    "own_member": DENY,
    "other_member": DENY,
    "state_same": OK,
    "state_other": DENY,
    "office": OK,
}
POST_ONLY_MEMBERS = {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_ALLOWED)}

# url name -> (kwargs, expected per role). "{contact}" is replaced by a contact of Detmold.
MATRIX: dict[str, tuple[dict[str, object], dict[str, object]]] = {
    "home": ({}, PUBLIC),
    "state-boundaries": ({}, PUBLIC),
    "member-directory": ({}, PUBLIC),
    "member-detail": ({"ags": AGS}, PUBLIC),
    "member-edit": ({"ags": AGS}, OWN_OR_OFFICE),
    "contact-create": ({"ags": AGS}, OWN_OR_OFFICE),
    "contact-edit": ({"ags": AGS, "pk": "{contact}"}, OWN_OR_OFFICE),
    "contact-delete": ({"ags": AGS, "pk": "{contact}"}, OWN_OR_OFFICE),
    "signature-create": ({"ags": AGS}, OFFICE_ONLY),
    "member-leave": ({"ags": AGS}, OFFICE_ONLY),
    "my-member": ({}, {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], REDIRECT)}),
    "member-create": ({}, OFFICE_ONLY),
    "territory-search": ({}, OFFICE_ONLY),
    "coordination": ({}, OFFICE_ONLY),
    "invitations": ({}, OFFICE_ONLY),
    "members-import": ({}, OFFICE_ONLY),
    # POST only: the guard answers first, then the method check.
    "members-import-confirm": ({}, {**OFFICE_ONLY, "office": NOT_ALLOWED}),
    "members-export": ({"fmt": "csv"}, OFFICE_ONLY),
    "invitation-accept": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "audit-log": ({}, OFFICE_ONLY),
    "login": ({}, PUBLIC),
    "logout": ({}, dict.fromkeys(ROLES, NOT_ALLOWED)),
    "password_change": ({}, LOGGED_IN),
    "password_change_done": ({}, LOGGED_IN),
    "set_language": ({}, dict.fromkeys(ROLES, REDIRECT)),
    # Lagebild (situation). Round 3 is past (Detmold submitted, not shared), round 4 is open.
    "situation-overview": ({}, LOGGED_IN),
    "situation-public": ({}, PUBLIC),
    "round-dashboard": ({"number": 3}, LOGGED_IN),
    "round-pdf": ({"number": 3}, LOGGED_IN),
    "round-progress": (
        {"number": 4},
        {**OFFICE_ONLY, "state_same": OK, "state_other": OK},
    ),
    "round-remind": (
        {"number": 4},
        {
            **OFFICE_ONLY,
            "state_same": NOT_ALLOWED,
            "state_other": NOT_ALLOWED,
            "office": NOT_ALLOWED,
        },
    ),
    "round-export": (
        {"number": 3, "fmt": "csv"},
        {**OFFICE_ONLY, "state_same": OK, "state_other": OK},
    ),
    "report-detail": ({"number": 3, "ags": AGS}, {**OWN_OR_OFFICE, "state_same": OK}),
    "report-edit": ({"number": 4, "ags": AGS}, OWN_OR_OFFICE),
    "report-new-version": (
        {"number": 3, "ags": AGS},
        {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], NOT_ALLOWED)},
    ),
    "report-review": ({"number": 3, "ags": AGS}, OFFICE_ONLY),
    "situation-admin": ({}, OFFICE_ONLY),
    "round-create": ({}, OFFICE_ONLY),
    "topic-create": ({}, OFFICE_ONLY),
    "topic-edit": ({"code": "housing"}, OFFICE_ONLY),
    "questionnaire-detail": ({"version": 1}, OFFICE_ONLY),
    "figure-create": ({"version": 1}, OFFICE_ONLY),
    "questionnaire-new-version": ({"version": 1}, {**OFFICE_ONLY, "office": NOT_ALLOWED}),
    "meeting-list": ({}, LOGGED_IN),
    "meeting-create": ({}, {**OFFICE_ONLY, "state_same": OK, "state_other": OK}),
    "meeting-calendar": ({}, LOGGED_IN),
    "meeting-calendar-feed": ({"token": "not-a-valid-token"}, dict.fromkeys(ROLES, NOT_FOUND)),
    "meeting-detail": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-edit": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-ics": ({"pk": "{meeting}"}, LOGGED_IN),
    "meeting-agenda": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-agenda-delete": (
        {"pk": "{meeting}", "block_id": "{block}"},
        {**MANAGE_MEETING, "state_same": NOT_ALLOWED, "office": NOT_ALLOWED},
    ),
    "meeting-register": ({"pk": "{meeting}"}, POST_ONLY_MEMBERS),
    "meeting-cancel": ({"pk": "{meeting}"}, POST_ONLY_MEMBERS),
    "meeting-registrations": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-registrations-export": ({"pk": "{meeting}", "fmt": "csv"}, MANAGE_MEETING),
    "meeting-message": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-plan": ({"pk": "{meeting}"}, MANAGE_MEETING),
    # No plan exists yet for this meeting: organisers get 404, the rest are refused first.
    "meeting-plan-export": (
        {"pk": "{meeting}", "kind": "print"},
        {**MANAGE_MEETING, "state_same": NOT_FOUND, "office": NOT_FOUND},
    ),
    "meeting-checkin": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-minutes": ({"pk": "{meeting}"}, MANAGE_MEETING),
    "meeting-follow-up-status": (
        {"pk": "{meeting}", "follow_up_id": "{follow_up}"},
        POST_ONLY_MEMBERS,
    ),
}


def _url_names(resolver: URLResolver | None = None) -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            names |= _url_names(entry)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
        else:
            names.add(f"<unnamed {entry.pattern}>")
    return names


def test_every_url_is_in_the_matrix() -> None:
    assert _url_names() == set(MATRIX)


def _login(client: Client, role: str) -> None:
    if role == "anonymous":
        return
    users = get_user_model().objects
    if role == "own_member":
        user = users.get(username="kommune@demo.hafennetz.example")
    elif role == "office":
        user = users.get(username="koordinierungsstelle@demo.hafennetz.example")
    elif role == "state_other":
        user = users.get(username="landeskoordination@demo.hafennetz.example")
    else:
        member = (
            # A plain member of another state: no coordination, no office.
            Member.objects.alliance()
            .exclude(state_id="05")
            .filter(coordinations__isnull=True, office_terms__isnull=True)
            .order_by("pk")
            .first()
            if role == "other_member"
            else StateCoordination.objects.current().get(state_id="05").member
        )
        user = users.create_user(username=f"{role}@test.example", password="x-Pass-12345")
        StaffAccount.objects.create(user=user, member=member)
    client.force_login(user)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_gets_expected_answer(client: Client, name: str, role: str) -> None:
    from django.urls import reverse

    kwargs, expected = MATRIX[name]
    member = Member.objects.get(municipality_id=AGS)
    contact = Contact.objects.filter(member=member).first() or Contact.objects.create(
        member=member, name="Test Kontakt"
    )
    meeting = Meeting.objects.get(level="state", state_id="05")
    placeholders = {
        "{contact}": contact.pk,
        "{meeting}": meeting.pk,
        "{block}": meeting.blocks.first().pk,
        "{follow_up}": FollowUp.objects.create(
            meeting=meeting, title="Test", owner=member, due_on="2030-01-01"
        ).pk,
    }
    kwargs = {k: placeholders.get(v, v) for k, v in kwargs.items()}  # type: ignore[call-overload]
    _login(client, role)
    response = client.get(reverse(name, kwargs=kwargs))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, (name, role, response.status_code)
