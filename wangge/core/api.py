"""The JSON API root: /api/v1/. Token (Bearer) or session authentication; same scoping as the pages."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.security import HttpBearer, SessionAuth

from wangge.core.access import public_view

# Parts fill these from their AppConfig: the API root names no part.
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


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        if _token_resolver is None:
            return None
        user = _token_resolver(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """Session cookie auth (CSRF-checked by ninja for unsafe methods)."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def _messages(exc: DjangoValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [
            f"{field}: {m}" if field != "__all__" else m
            for field, msgs in exc.message_dict.items()
            for m in msgs
        ]
    return list(exc.messages)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Wangge API",
        version="1",
        description="Community epidemic prevention by grid. Every route is scoped to the caller's jurisdiction.",
        auth=[TokenAuth(), ActiveSessionAuth()],
        urls_namespace="api",
        docs_decorator=public_view,
    )

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return api.create_response(
            request, {"detail": str(exc) or _("Your role does not allow this.")}, status=403
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, {"detail": _("Not found.")}, status=404)

    @api.exception_handler(DjangoValidationError)
    def invalid(request, exc):
        return api.create_response(request, {"detail": _messages(exc)}, status=422)

    for _order, prefix, router in sorted(_routers, key=lambda r: r[0]):
        api.add_router(prefix, router)
    return api
