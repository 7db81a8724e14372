"""Rate limits of the public (no account) pages of screening, on the kernel's shared counter
(wangge.core.ratelimit): the same counts in every worker process."""

from __future__ import annotations

from wangge.core.ratelimit import client_address, rate_limit


def allow(request, scope: str, *, per_client: tuple[int, int], overall: tuple[int, int]) -> bool:
    """Whether one more request of `scope` is allowed. per_client / overall: (limit, seconds).
    Each call counts, so call it only for what is limited (a submission, not a page view)."""
    limit, window = per_client
    if not rate_limit(f"{scope}:ip:{client_address(request)}", limit, window):
        return False
    limit, window = overall
    return rate_limit(f"{scope}:all", limit, window)
