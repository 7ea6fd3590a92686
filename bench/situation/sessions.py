"""Log the benchmark users in once, outside the measurement (a login hashes the password with
PBKDF2, on purpose slowly), and list the members asked in the open round. Writes JSON for
locustfile.py: {"office": session key, "members": [ags, ...]}.

    DATABASE_URL=...hafennetz_bench \\
        python bench/situation/sessions.py > /tmp/situation-sessions.json
"""

from __future__ import annotations

import json
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hafennetz.settings")


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from hafennetz.situation.models import SituationReport, SurveyRound
    from hafennetz.situation.services import round_members

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-office@bench.example"))
    open_round = SurveyRound.objects.order_by("-number").first()
    assert open_round is not None
    done = SituationReport.objects.filter(round=open_round).values("member_id")
    members = round_members(open_round).exclude(pk__in=done).order_by("?")
    print(
        json.dumps(
            {
                "round": open_round.number,
                "office": client.cookies["sessionid"].value,
                "members": [m.municipality_id or m.district_id for m in members[:5000]],
            }
        )
    )


if __name__ == "__main__":
    main()
