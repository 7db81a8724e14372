"""Reads of accounts and tokens, always through the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wangge.accounts import services
from wangge.accounts.models import ApiToken, Role, User
from wangge.core.access import get_or_404


def tokens(actor: Any) -> QuerySet[ApiToken]:
    """The actor's own API tokens; nobody lists anyone else's."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor).order_by("-created_at", "-id")


def get_token(actor: Any, token_id) -> ApiToken:
    return get_or_404(tokens(actor), pk=token_id)


def get_account(actor: Any, user_id) -> User:
    """An account whose jurisdiction lies inside the actor's, or 404."""
    return get_or_404(services.accounts(actor).select_related("jurisdiction"), pk=user_id)


def roles() -> QuerySet[Role]:
    """The catalogue of roles (district-wide data, not jurisdiction data)."""
    return Role.objects.order_by("code")


def get_role(role_id) -> Role:
    return get_or_404(roles(), pk=role_id)
