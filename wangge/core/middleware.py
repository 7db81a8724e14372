"""Responses that may carry personal data are never stored by browsers or proxies."""

from __future__ import annotations

from django.utils.cache import patch_cache_control

# The API, and the public pages where someone looks up their own measure or reports themselves
# (/s/), or a family reports a gathering and looks up its answer (/g/).
PERSONAL_PREFIXES = ("/api/", "/s/", "/g/")
STATIC_PREFIXES = ("/static/",)


def carries_personal_data(request) -> bool:
    path = request.path_info
    if path.startswith(STATIC_PREFIXES):
        return False
    if path.startswith(PERSONAL_PREFIXES):
        return True
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    # A request that logged out is still answered to someone who was logged in.
    return bool(getattr(request, "_wangge_was_authenticated", False))


# What patch_cache_control writes below on an answer that has no Cache-Control yet.
NO_STORE = "no-store, no-cache, must-revalidate, private"


def forbid_caching(response) -> None:
    """No browser, proxy or service worker keeps this answer."""
    if response.has_header("Cache-Control"):
        patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
    else:  # the common case, written at once (parsing and merging directives cost 35 µs a call)
        response["Cache-Control"] = NO_STORE
    response["Pragma"] = "no-cache"


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and `Pragma: no-cache`) on every answer to a logged-in request
    and on every /api/ and /s/ answer; /static/ is left to WhiteNoise's caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        request._wangge_was_authenticated = user is not None and user.is_authenticated
        response = self.get_response(request)
        if carries_personal_data(request):
            forbid_caching(response)
        return response
