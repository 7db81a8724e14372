"""A small fixed-window rate limit on Django's cache, for the public (no account) pages."""

from __future__ import annotations

from django.core.cache import cache


def _hit(key: str, window: int) -> int:
    """Count one hit in a window of `window` seconds that starts at the first hit (not at a clock
    boundary, so a burst cannot escape by straddling one); the count so far."""
    bucket = f"rl:{key}"
    if cache.add(bucket, 1, timeout=window):
        return 1
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window)
        return 1


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def allow(request, scope: str, *, per_client: tuple[int, int], overall: tuple[int, int]) -> bool:
    """Whether one more request of `scope` is allowed. per_client / overall: (limit, seconds).
    Each call counts, so call it only for what is limited (a submission, not a page view)."""
    limit, window = per_client
    if _hit(f"{scope}:ip:{client_address(request)}", window) > limit:
        return False
    limit, window = overall
    return _hit(f"{scope}:all", window) <= limit


def limited(request, scope: str, limit: int, window: int) -> bool:
    """True when this client has made more than `limit` requests of `scope` in `window` seconds
    (this one counted)."""
    return _hit(f"{scope}:ip:{client_address(request)}", window) > limit
