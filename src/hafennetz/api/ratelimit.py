"""Rate limits of the API: fixed windows counted in Django's cache.

Each token may make `API_RATE_LIMIT_PER_TOKEN` requests, each client address
`API_RATE_LIMIT_PER_ADDRESS` requests, within `API_RATE_LIMIT_WINDOW` seconds (settings.py);
beyond that the answer is 429 with `Retry-After` (seconds until the window ends).

The counts live in the `default` cache. With the default local-memory cache each gunicorn
worker counts for itself (the real limit is the number of workers times the setting); set
`CACHE_URL` so that all workers share one count (the database cache, `db://`, counts across
workers; its increment is read-then-write, so under heavy concurrency a few requests more may
slip through — memcached or Redis count exactly).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def hit(key: str, limit: int, window: int | None = None) -> int | None:
    """Count a request under `key`; None if allowed, else the seconds until the window ends."""
    window = window or settings.API_RATE_LIMIT_WINDOW
    now = int(time.time())
    start = now - now % window
    cache_key = f"api-rate:{key}:{start}"
    if cache.add(cache_key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window + 5)
            count = 1
    if count > limit:
        return max(1, start + window - now)
    return None
