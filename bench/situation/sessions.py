"""Log the benchmark users in once, outside the measurement (a login hashes the password with
PBKDF2 on purpose slowly): writes {email: session key} as JSON for locustfile.py.

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

    sessions = {}
    for user in get_user_model().objects.filter(username__startswith="bench-user-"):
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies["sessionid"].value
    print(json.dumps(sessions, indent=1))


if __name__ == "__main__":
    main()
