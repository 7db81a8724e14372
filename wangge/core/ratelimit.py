"""Rate limits for the public forms, counted in the shared cache so that every worker process
(and every machine) sees the same counts: the database cache in the embedded setup, Redis when
REDIS_URL is set (settings.CACHES["shared"]).

A fixed window that opens at the first hit (not at a clock boundary, so a burst cannot escape by
straddling one). Counting is atomic: `cache.add` creates the counter once (only one of two racing
workers wins), and `cache.incr` is atomic on Redis (INCR), on the database cache of
`wangge.core.cache` (a locked row) and in-process on the local-memory cache.

    if not rate_limit(f"lookup:ip:{client_address(request)}", limit=10, window=600):
        ...  # answer 429
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

SHARED = "shared"


def _cache(cache: BaseCache | None) -> BaseCache:
    return cache if cache is not None else caches[SHARED]


def hit(key: str, window: int, *, cache: BaseCache | None = None) -> int:
    """Count one hit of `key`; the number of hits in its current window (this one included)."""
    store = _cache(cache)
    # Hashed: the key may hold what a person typed; the cache table holds none of it.
    bucket = "rl:" + hashlib.sha256(key.encode()).hexdigest()[:40]
    if store.add(bucket, 1, timeout=window):
        return 1
    try:
        count = store.incr(bucket)
    except ValueError:  # expired between add and incr
        store.add(bucket, 1, timeout=window)
        return 1
    if count == 1:
        # Redis's INCR on a key that expired after the existence check makes it anew without
        # an expiry: give it one, or the limit would never lift.
        store.touch(bucket, window)
    return count


def rate_limit(key: str, limit: int, window: int, *, cache: BaseCache | None = None) -> bool:
    """Count one hit of `key` and say whether it is allowed: at most `limit` in `window` seconds.
    Call it only for what is limited (a submission, not a page view): every call counts."""
    return hit(key, window, cache=cache) <= limit


def client_address(request) -> str:
    """The client's address. Behind reverse proxies (settings.WANGGE_PROXY_COUNT of them, each
    appending to X-Forwarded-For) it is the entry the outermost trusted proxy added; what the
    client itself put in that header is never believed. Without proxies: REMOTE_ADDR."""
    proxies = getattr(settings, "WANGGE_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or "unknown"
