"""Settings of the live-server concurrency tests: the application's own settings with a fast
password hasher, as the test suite uses (tests/conftest.py). The production hasher costs about a
second of CPU per login by design; 40 logins on a 2-core machine would dominate the test's time
without saying anything about the database."""

from hafennetz.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
