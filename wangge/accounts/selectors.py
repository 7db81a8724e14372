"""Reads of accounts and tokens, always through the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from wangge.accounts import services
from wangge.accounts.models import ApiToken, Role, User


def tokens(actor: Any) -> QuerySet[ApiToken]:
    """The actor's own API tokens; nobody lists anyone else's."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor).order_by("-created_at", "-id")


def get_token(actor: Any, token_id) -> ApiToken:
    try:
        return tokens(actor).get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def get_account(actor: Any, user_id) -> User:
    """An account whose jurisdiction lies inside the actor's, or 404."""
    try:
        return services.accounts(actor).select_related("jurisdiction").get(pk=user_id)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc


def roles() -> QuerySet[Role]:
    """The catalogue of roles (district-wide data, not jurisdiction data)."""
    return Role.objects.order_by("code")


def get_role(role_id) -> Role:
    try:
        return roles().get(pk=role_id)
    except (Role.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("Not found.")) from exc
