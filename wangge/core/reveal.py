"""Full personal numbers revealed one record at a time, on demand, each reveal audited.

Pages show ID numbers and phones masked to every role. Where the viewer's role may see a number
in full, the masked number carries a "show" button; pressing it asks the server for that one
number, and the server writes the audit row before answering. The page never holds the full
number: the values a page may reveal are kept for a while under a random key of the page, for
the account that viewed it (one write to the shared cache per page, whatever its length), and a
button names only its index there.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest

# How long a page's buttons keep working after it was rendered.
TTL_SECONDS = 2 * 60 * 60
_ATTR = "_wangge_reveal_page"


@dataclass(frozen=True)
class Revealable:
    kind: str  # masking.ID or masking.PHONE
    model: str  # the owning model's label, "" for the default rule
    value: str


def offer(request: HttpRequest, kind: str, value: str, model: str = "") -> str:
    """A token that reveals `value` to this request's account later (see RevealMiddleware)."""
    page = getattr(request, _ATTR, None)
    if page is None:
        page = {"key": secrets.token_urlsafe(12), "values": []}
        setattr(request, _ATTR, page)
    page["values"].append((kind, model, value))
    return f"{page['key']}.{len(page['values']) - 1}"


def _cache_key(user_id: Any, page_key: str) -> str:
    return f"wangge:reveal:{user_id}:{page_key}"


def keep(request: HttpRequest) -> None:
    """Store the page's revealable values for its account (called once the page is rendered)."""
    page = getattr(request, _ATTR, None)
    user = getattr(request, "user", None)
    if page is None or user is None or not user.is_authenticated:
        return
    caches["shared"].set(_cache_key(user.pk, page["key"]), page["values"], TTL_SECONDS)


def take(user: Any, token: str) -> Revealable | None:
    """The value behind a token of a page this account viewed, or None (expired, forged, other's)."""
    page_key, _sep, index = (token or "").partition(".")
    if not page_key or not index.isdigit() or user is None or not user.is_authenticated:
        return None
    values = caches["shared"].get(_cache_key(user.pk, page_key))
    if not values or int(index) >= len(values):
        return None
    kind, model, value = values[int(index)]
    return Revealable(kind, model, value)


class RevealMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        keep(request)
        return response
