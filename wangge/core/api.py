"""The JSON API root: /api/v1/. Token (Bearer) or session authentication; same scoping as the pages.

The root names no part: each registers its routers from its AppConfig (`register_api_router`),
and `wangge/urls.py` builds the API once they all have.
"""

from collections.abc import Callable
from typing import Any

from ninja import Router
from ninja.security import HttpBearer, SessionAuth

from wangge.core.access import public_view
from wangge.core.api_conventions import ConventionalAPI

# Parts fill these from their AppConfig.
_routers: list[tuple[int, str, Router]] = []
_token_resolver: Callable[[str], Any] | None = None


def register_api_router(prefix: str, router: Router, *, order: int = 1000) -> None:
    """Mount a part's router under /api/v1/<prefix>. Several parts' routers may share a prefix
    as long as each owns distinct paths; `order` keeps the mounting order stable."""
    _routers.append((order, prefix, router))


def set_token_resolver(resolver: Callable[[str], Any]) -> None:
    """The accounts part says how a bearer token becomes an account."""
    global _token_resolver
    _token_resolver = resolver


def user_for_bearer_token(token: str) -> Any:
    """The account a bearer token stands for, or None."""
    if _token_resolver is None:
        return None
    return _token_resolver(token)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_bearer_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Session cookie auth (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def build_api() -> ConventionalAPI:
    # Errors, bodies, unknown paths and the documented 4xx: see wangge.core.api_conventions.
    api = ConventionalAPI(
        title="Wangge API",
        version="1",
        description="Community epidemic prevention by grid. Every route is scoped to the caller's jurisdiction.",
        auth=[TokenAuth(), ActiveSessionAuth()],
        urls_namespace="api",
        docs_decorator=public_view,
    )
    for _order, prefix, router in sorted(_routers, key=lambda r: r[0]):
        api.add_router(prefix, router)
    return api
